import {expect} from 'chai'

import Audit from '../../src/commands/staging/audit.js'
import Refresh from '../../src/commands/staging/refresh.js'
import type {AuditResult} from '../../src/lib/audit/types.js'
import type {FixResult} from '../../src/lib/fix/types.js'
import {count} from '../helpers/db.js'
import {isolateCommandEnv, mutating, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

const PRODUCTION = 'fira-production'
const STAGING = 'fira-staging'

/**
 * Audit, --fix and refresh on Fir apps: a Fir production and a Fir staging app in one Fir space, whose
 * staging was made the incident's way (DATABASE_URL pasted from production, its own database only
 * attached as HEROKU_POSTGRESQL_ROSE). Fir changes where apps run and how code ships, not how
 * databases are reached: every command must do on Fir what it does on Cedar, and never write production.
 */
describe('e2e: audit, --fix and refresh on Fir apps', function () {
  this.timeout(240_000)
  const fixture = useEmulator({fresh: 'each', provisioning: 'short'})
  isolateCommandEnv()

  async function seedFirPair(): Promise<void> {
    await fixture.reseed(async emu => {
      await emu.seed({
        addons: [{app: PRODUCTION, as: 'DATABASE', name: 'fira-production-db', plan: 'heroku-postgresql:standard-0', sql: 'CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 40)', version: '16'}],
        apps: [{config: {NODE_ENV: 'production'}, name: PRODUCTION, release: false, space: 'fira-space'}],
        spaces: [{generation: 'fir', name: 'fira-space'}],
      })
      await emu.seed({
        addons: [{app: STAGING, as: 'HEROKU_POSTGRESQL_ROSE', name: 'fira-staging-db', plan: 'heroku-postgresql:essential-0', version: '16'}],
        apps: [{config: {DATABASE_URL: emu.databaseUrl('fira-production-db'), NODE_ENV: 'staging'}, name: STAGING, release: false, space: 'fira-space'}],
        pipelines: [{apps: {[PRODUCTION]: 'production', [STAGING]: 'staging'}, name: 'fira'}],
      })
    })
    const generation = (await fixture.api<{generation: {name: string}}>('GET', `/apps/${STAGING}`)).body.generation.name
    expect(generation, 'the staging app is a Fir app').to.equal('fir')
    fixture.emu.clearJournal()
  }

  const audit = async (argv: string[]) => withEmulatorEnv(fixture.emu, () => runCommand<AuditResult | FixResult>(Audit, argv))

  it('flags a Fir staging app wired to production (fires), then --fix repairs it and the audit is silent on that finding', async function () {
    await seedFirPair()
    const before = await audit(['-a', STAGING, '--json'])
    expect(before.error, before.stderr).to.equal(undefined)
    const findings = (JSON.parse(before.stdout) as AuditResult).findings.map(f => f.code)
    expect(findings).to.include('SHARED_DATABASE')

    const fixed = await audit(['-a', STAGING, '--fix', '--confirm', STAGING, '--json'])
    expect(fixed.error?.oclif?.exit ?? 0, fixed.error?.message).to.equal(0)
    const after = await audit(['-a', STAGING, '--json'])
    expect((JSON.parse(after.stdout) as AuditResult).findings.map(f => f.code)).to.not.include('SHARED_DATABASE')
    const config = (await fixture.api<Record<string, string>>('GET', `/apps/${STAGING}/config-vars`)).body
    expect(config.DATABASE_URL).to.equal(fixture.emu.databaseUrl('fira-staging-db'))
    expect(mutating(fixture.emu, PRODUCTION), 'no write to production').to.deep.equal([])
  })

  it('refreshes a repaired Fir staging app from its Fir production, behind the guard', async function () {
    await seedFirPair()
    const fixed = await audit(['-a', STAGING, '--fix', '--confirm', STAGING])
    expect(fixed.error?.oclif?.exit ?? 0, fixed.error?.message).to.equal(0)
    fixture.emu.clearJournal()
    const run = await withEmulatorEnv(fixture.emu, () => runCommand(Refresh, ['-a', STAGING, '--confirm', STAGING]))
    expect(run.error, run.error?.message).to.equal(undefined)
    expect(await count(fixture.emu.databaseUrl('fira-staging-db'), 'orders')).to.equal(40)
    expect(mutating(fixture.emu, PRODUCTION), 'no write to production').to.deep.equal([])
  })

  it('refuses to refresh the Fir staging app while its DATABASE_URL is production\'s (exit 4), writing nothing', async function () {
    await seedFirPair()
    const run = await withEmulatorEnv(fixture.emu, () => runCommand(Refresh, ['-a', STAGING, '--target', 'DATABASE_URL', '--confirm', STAGING]))
    expect(run.error?.oclif?.exit, run.error?.message).to.equal(4)
    expect(mutating(fixture.emu)).to.deep.equal([])
  })
})
