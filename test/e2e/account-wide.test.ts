import {expect} from 'chai'

import Audit from '../../src/commands/staging/audit.js'
import type {AuditResult} from '../../src/lib/audit/types.js'
import {apiClient} from '../helpers/api.js'
import {type Emulator, isolateCommandEnv, mutating, seedCleanPair, type Topology, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {type RunResult, runCommand} from '../helpers/run.js'

/**
 * Production is every production app of the account (issue 27), on the emulator: two pipelines, acme
 * and billing, each with its production and staging apps and their own databases (billing on Postgres
 * 14, seeded first so that it is the account's first production app). The single-app audit compares a
 * staging app with every production app; in account mode, drift and NO_PIPELINE name the related one.
 */
describe('the audit compares with every production app of the account (issue 27)', function () {
  this.timeout(240_000)
  const fixture = useEmulator({provisioning: 'short'})
  isolateCommandEnv()
  let emu: Emulator
  let billing: Topology
  before(async function () {
    emu = fixture.emu
    billing = await seedCleanPair(emu, {prefix: 'billing', version: '14'})
    await seedCleanPair(emu)
  })

  async function audit(argv: string[]): Promise<{result: AuditResult; run: RunResult<AuditResult>}> {
    process.exitCode = undefined
    const run = await withEmulatorEnv(emu, () => runCommand<AuditResult>(Audit, [...argv, '--json']))
    expect(run.error, run.error?.message).to.equal(undefined)
    return {result: JSON.parse(run.stdout) as AuditResult, run}
  }

  async function setConfig(app: string, vars: Record<string, null | string>): Promise<void> {
    const response = await apiClient(emu)('PATCH', `/apps/${app}/config-vars`, vars)
    expect(response.status).to.equal(200)
  }

  it("fires: staging in pipeline acme with BILLING_DATABASE_URL set to pipeline billing's production database is critical", async function () {
    await setConfig('acme-staging', {BILLING_DATABASE_URL: billing.production.databaseUrl})
    emu.clearJournal()
    try {
      const {result} = await audit(['-a', 'acme-staging'])
      expect(process.exitCode).to.equal(1)
      const shared = result.findings.filter(f => f.code === 'SHARED_DATABASE')
      expect(shared.map(f => [f.severity, f.configVars, f.production])).to.deep.equal([['critical', ['BILLING_DATABASE_URL'], ['billing-production']]])
      expect(result.productionFrom).to.equal('pipeline')
      expect(result.production.map(app => app.name)).to.deep.equal(['acme-production', 'billing-production'])
      expect(mutating(emu), 'the audit only reads').to.deep.equal([])
    } finally {
      await setConfig('acme-staging', {BILLING_DATABASE_URL: null})
      process.exitCode = undefined
    }
  })

  it("stays silent: BILLING_DATABASE_URL set to billing's staging database (not production)", async function () {
    await setConfig('acme-staging', {BILLING_DATABASE_URL: billing.staging.databaseUrl})
    try {
      const {result} = await audit(['-a', 'acme-staging'])
      // The clean pair's one finding is its plan drift (Essential against acme's Standard), not a credential.
      expect(result.findings.map(f => [f.code, f.production])).to.deep.equal([['POSTGRES_PLAN_DRIFT', ['acme-production']]])
      expect(result.summary.critical).to.equal(0)
      expect(result.production.map(app => app.name)).to.deep.equal(['acme-production'])
    } finally {
      await setConfig('acme-staging', {BILLING_DATABASE_URL: null})
      process.exitCode = undefined
    }
  })

  it('in account mode, NO_PIPELINE and drift name the related production app (acme), never the unrelated first one (billing)', async function () {
    // What a fork leaves: an app in no pipeline with its own Essential Postgres 16 as DATABASE.
    await emu.seed({
      addons: [{app: 'acme-forked', as: 'DATABASE', name: 'acme-forked-db', plan: 'heroku-postgresql:essential-0', version: '16'}],
      apps: [{config: {NODE_ENV: 'staging'}, name: 'acme-forked'}],
    })
    const {result} = await audit(['-a', 'acme-forked'])
    process.exitCode = undefined
    expect(result.productionFrom).to.equal('account')
    expect(result.production.map(app => app.name).sort()).to.deep.equal(['acme-production', 'billing-production'])
    const noPipeline = result.findings.find(f => f.code === 'NO_PIPELINE')
    expect(noPipeline?.remedy).to.equal('heroku pipelines:add acme --stage staging -a acme-forked')
    // Essential 16 against acme's Standard 16: plan drift against acme only; billing runs 14, and no version drift is reported against it.
    const drift = result.findings.filter(f => f.code.startsWith('POSTGRES_'))
    expect(drift.map(f => [f.code, f.production])).to.deep.equal([['POSTGRES_PLAN_DRIFT', ['acme-production']]])
  })
})
