import {expect} from 'chai'

import Audit from '../../src/commands/staging/audit.js'
import type {AuditResult} from '../../src/lib/audit/types.js'
import {isolateCommandEnv, mutating, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

/**
 * The audit reads each database's version from the right API (Postgres Advanced at /data/postgres/v1,
 * classic at /client/v11), and a database whose Data API answers 403 (its billing app is not the
 * user's) becomes a POSTGRES_VERSION_UNKNOWN warning naming the command to check it, never an abort.
 */
describe('e2e: the audit and the Data API (Advanced, 403)', function () {
  this.timeout(120_000)
  const fixture = useEmulator({fresh: 'each', provisioning: 'short'})
  isolateCommandEnv()

  const audit = async (argv: string[]) => withEmulatorEnv(fixture.emu, () => runCommand<AuditResult>(Audit, [...argv, '--json']))

  it('reports version drift between an Advanced production and a classic staging database', async function () {
    await fixture.reseed(async emu => emu.seed({
      addons: [
        {app: 'adv-production', as: 'DATABASE', name: 'adv-production-db', plan: 'heroku-postgresql:advanced', version: '17'},
        {app: 'adv-staging', as: 'DATABASE', name: 'adv-staging-db', plan: 'heroku-postgresql:essential-0', version: '16'},
      ],
      apps: [{name: 'adv-production'}, {name: 'adv-staging'}],
      pipelines: [{apps: {'adv-production': 'production', 'adv-staging': 'staging'}, name: 'adv'}],
    }))
    const run = await audit(['-a', 'adv-staging'])
    const codes = (run.result?.findings ?? []).map(finding => finding.code)
    expect(codes, run.stderr).to.include('POSTGRES_VERSION_DRIFT')
    expect(codes).to.not.include('POSTGRES_VERSION_UNKNOWN')
    expect(fixture.emu.journal().some(entry => entry.path.includes('/data/postgres/v1/'))).to.equal(true)
  })

  it('stays silent on drift when both are on the same major, Advanced included', async function () {
    await fixture.reseed(async emu => emu.seed({
      addons: [
        {app: 'adv-production', as: 'DATABASE', name: 'adv-production-db', plan: 'heroku-postgresql:advanced', version: '16'},
        {app: 'adv-staging', as: 'DATABASE', name: 'adv-staging-db', plan: 'heroku-postgresql:essential-0', version: '16'},
      ],
      apps: [{name: 'adv-production'}, {name: 'adv-staging'}],
      pipelines: [{apps: {'adv-production': 'production', 'adv-staging': 'staging'}, name: 'adv'}],
    }))
    const codes = ((await audit(['-a', 'adv-staging'])).result?.findings ?? []).map(finding => finding.code)
    expect(codes).to.not.include('POSTGRES_VERSION_DRIFT')
    expect(codes).to.not.include('POSTGRES_VERSION_UNKNOWN')
  })

  it('turns a 403 from one database\'s Data API into POSTGRES_VERSION_UNKNOWN and finishes the audit', async function () {
    const stranger = fixture.emu.accounts[1]!.email
    await fixture.reseed(async emu => emu.seed({
      addons: [
        {app: 'p403-production', as: 'DATABASE', name: 'p403-production-db', plan: 'heroku-postgresql:standard-0', version: '16'},
        {app: 'elsewhere', as: 'DATABASE', name: 'elsewhere-db', plan: 'heroku-postgresql:essential-0', version: '16'},
      ],
      apps: [{name: 'p403-production'}, {name: 'p403-staging'}, {name: 'elsewhere', owner: stranger}],
      attachments: [{addon: 'elsewhere-db', app: 'p403-staging', as: 'DATABASE'}],
      pipelines: [{apps: {'p403-production': 'production', 'p403-staging': 'staging'}, name: 'p403'}],
    }))
    const run = await audit(['-a', 'p403-staging'])
    expect(run.error?.oclif?.exit ?? 0, run.stderr).to.not.equal(3)
    const unknown = (run.result?.findings ?? []).filter(finding => finding.code === 'POSTGRES_VERSION_UNKNOWN')
    expect(unknown, JSON.stringify(run.result?.findings.map(f => f.code))).to.have.length(1)
    expect(unknown[0]?.addons).to.deep.equal(['elsewhere-db'])
    expect(unknown[0]?.remedy).to.contain('heroku pg:info elsewhere-db')
    expect(fixture.emu.journal().some(entry => entry.status === 403 && entry.path.includes('/client/v11/databases/'))).to.equal(true)
    expect(mutating(fixture.emu)).to.deep.equal([])
  })
})
