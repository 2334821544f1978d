import {expect} from 'chai'

import Audit from '../../src/commands/staging/audit.js'
import Refresh, {type RefreshResult} from '../../src/commands/staging/refresh.js'
import type {AuditResult} from '../../src/lib/audit/types.js'
import type {FixResult} from '../../src/lib/fix/types.js'
import {checksum} from '../helpers/db.js'
import {
  type Emulator,
  isolateCommandEnv,
  mutating,
  productionWrites,
  seedCleanPair,
  type Topology,
  useEmulator,
  withEmulatorEnv,
} from '../helpers/emulator.js'
import {type RunResult, runCommand} from '../helpers/run.js'

/**
 * Production is a property of the account: each scenario of issue 12 on the emulator, where the app in
 * hand says nothing about production (no pipeline, or another pipeline), and the production registry
 * (every app at stage production in any pipeline) still finds it. Each checks production's rows and the
 * request journal.
 */
describe('the production registry against the emulator (issue 12)', function () {
  this.timeout(180_000)
  const fixture = useEmulator({provisioning: 'short'})
  isolateCommandEnv()
  let emu: Emulator
  before(function () {
    emu = fixture.emu
  })

  async function refresh(argv: string[]): Promise<RunResult<RefreshResult>> {
    return withEmulatorEnv(emu, () => runCommand<RefreshResult>(Refresh, argv))
  }

  async function audit(argv: string[]): Promise<RunResult<AuditResult>> {
    return withEmulatorEnv(emu, () => runCommand<AuditResult>(Audit, argv))
  }

  async function expectUntouched(topology: Topology, before: string): Promise<void> {
    expect(await checksum(topology.production.databaseUrl), "production's rows").to.equal(before)
    expect(productionWrites(emu, topology), 'mutating requests to production').to.deep.equal([])
    expect(mutating(emu), 'mutating requests at all').to.deep.equal([])
  }

  it("refuses a refresh of an app in no pipeline whose DATABASE is production's add-on (-a APP --from OTHER)", async function () {
    const topology = await fixture.reseed(async emu => seedCleanPair(emu))
    await emu.seed({
      addons: [{app: 'acme-other', as: 'DATABASE', name: 'acme-other-db', plan: 'heroku-postgresql:essential-0', sql: 'create table t(id int); insert into t values (1)'}],
      apps: [{name: 'acme-other'}, {name: 'acme-loner'}],
      attachments: [{addon: topology.production.database, app: 'acme-loner', as: 'DATABASE'}],
    })
    const before = await checksum(topology.production.databaseUrl)
    emu.clearJournal()
    const run = await refresh(['-a', 'acme-loner', '--from', 'acme-other', '--confirm', 'acme-loner'])
    expect(run.error?.oclif?.exit, run.error?.message).to.equal(4)
    expect(run.error?.message).to.contain('TARGET_OWNED_BY_PRODUCTION')
    expect(run.error?.message).to.contain('owned by production app acme-production (pipeline stage production)')
    // acme-loner is in no pipeline: only the account's couplings said acme-production is production.
    expect((await fixture.api('GET', '/apps/acme-loner/pipeline-couplings')).status).to.equal(404)
    await expectUntouched(topology, before)
  })

  it("refuses a refresh of a staging app in pipeline A whose DATABASE is pipeline B's production add-on", async function () {
    const topology = await fixture.reseed(async emu => seedCleanPair(emu))
    await emu.seed({
      addons: [{app: 'alpha-production', as: 'DATABASE', name: 'alpha-production-db', plan: 'heroku-postgresql:essential-0', sql: 'create table t(id int); insert into t values (1)'}],
      apps: [{name: 'alpha-production'}, {name: 'alpha-staging'}],
      attachments: [{addon: topology.production.database, app: 'alpha-staging', as: 'DATABASE'}],
      pipelines: [{apps: {'alpha-production': 'production', 'alpha-staging': 'staging'}, name: 'alpha'}],
    })
    const before = await checksum(topology.production.databaseUrl)
    emu.clearJournal()
    const run = await refresh(['-a', 'alpha-staging', '--confirm', 'alpha-staging'])
    expect(run.error?.oclif?.exit, run.error?.message).to.equal(4)
    expect(run.error?.message).to.contain('TARGET_OWNED_BY_PRODUCTION')
    expect(run.error?.message).to.contain('acme-production (pipeline stage production)')
    await expectUntouched(topology, before)
  })

  it('still copies into an app in no pipeline whose database is its own (stays silent)', async function () {
    const topology = await fixture.reseed(async emu => seedCleanPair(emu))
    await emu.seed({
      addons: [
        {app: 'acme-other', as: 'DATABASE', name: 'acme-other-db', plan: 'heroku-postgresql:essential-0', sql: 'create table t(id int); insert into t values (1), (2)'},
        {app: 'acme-loner', as: 'DATABASE', name: 'acme-loner-db', plan: 'heroku-postgresql:essential-0'},
      ],
      apps: [{name: 'acme-other'}, {name: 'acme-loner'}],
    })
    const before = await checksum(topology.production.databaseUrl)
    emu.clearJournal()
    const run = await refresh(['-a', 'acme-loner', '--from', 'acme-other', '--confirm', 'acme-loner', '--no-backup', '--json'])
    expect(run.error, run.error?.message).to.equal(undefined)
    expect(run.result?.target.addon?.name).to.equal('acme-loner-db')
    expect(await checksum(emu.databaseUrl('acme-loner-db'))).to.equal(await checksum(emu.databaseUrl('acme-other-db')))
    expect(await checksum(topology.production.databaseUrl)).to.equal(before)
    expect(productionWrites(emu, topology)).to.deep.equal([])
  })

  it('audits an app in no pipeline, with no flag, against every production app of the account, and says which', async function () {
    // What `heroku fork` leaves: an app in no pipeline. Here its DATABASE_URL is production's.
    const topology = await fixture.reseed(async emu => seedCleanPair(emu))
    await emu.seed({
      apps: [{config: {DATABASE_URL: topology.production.databaseUrl}, name: 'acme-forked'}],
    })
    const before = await checksum(topology.production.databaseUrl)
    emu.clearJournal()
    process.exitCode = undefined
    const run = await audit(['-a', 'acme-forked', '--json'])
    expect(run.error, run.error?.message).to.equal(undefined)
    expect(process.exitCode).to.equal(1)
    process.exitCode = undefined
    const result = JSON.parse(run.stdout) as AuditResult
    expect(result.production.map(app => app.name)).to.deep.equal(['acme-production'])
    expect(result.productionFrom).to.equal('account')
    expect(result.findings.map(f => f.code)).to.include('SHARED_DATABASE')

    const human = await audit(['-a', 'acme-forked'])
    expect(human.error?.oclif?.exit, human.error?.message).to.equal(1)
    expect(human.stdout).to.contain('Compared with every production app of the account: acme-production (pipeline acme, stage production)')
    await expectUntouched(topology, before)
  })

  it("--fix plans no detach of staging's last attachment of a database production attaches: no step fails, production untouched", async function () {
    const topology = await fixture.reseed(async emu => seedCleanPair(emu))
    await emu.seed({attachments: [{addon: topology.staging.database, app: 'acme-production', as: 'STAGING_DB'}]})
    const before = await checksum(topology.production.databaseUrl)
    emu.clearJournal()
    process.exitCode = undefined
    const run = await withEmulatorEnv(emu, () => runCommand<FixResult>(Audit, ['-a', 'acme-staging', '--fix', '--confirm', 'acme-staging', '--json']))
    const exit = run.error?.oclif?.exit ?? process.exitCode
    process.exitCode = undefined
    // Heroku (and the emulator) refuse that detach; planning it made the fix fail with exit 5.
    expect(exit, run.error?.message ?? run.stdout.slice(0, 400)).to.not.equal(5)
    const result = JSON.parse(run.stdout) as FixResult
    expect(result.plan?.steps.filter(step => step.kind === 'detach').map(step => step.attachment.name) ?? []).to.not.include('DATABASE')
    expect(result.plan?.manual.map(m => m.reason).join('\n')).to.contain('heroku addons:detach STAGING_DB -a acme-production')
    const attached = await fixture.api<Array<{name: string}>>('GET', '/apps/acme-staging/addon-attachments')
    expect(attached.body.map(a => a.name)).to.include('DATABASE')
    await expectUntouched(topology, before)
  })

  it('audits an app in no pipeline, with no flag, in an account with no production app: exit 2 naming --production', async function () {
    await fixture.reseed(async emu => emu.seed({apps: [{name: 'solo'}]}))
    const run = await audit(['-a', 'solo'])
    expect(run.error?.oclif?.exit).to.equal(2)
    expect(run.error?.message).to.contain('--production PRODUCTION_APP')
  })
})
