import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import Audit from '../../src/commands/staging/audit.js'
import Protect from '../../src/commands/staging/protect.js'
import type {AuditResult} from '../../src/lib/audit/types.js'
import type {FixResult} from '../../src/lib/fix/types.js'
import {POLICY_FILE} from '../../src/lib/protect/policy.js'
import {apiClient} from '../helpers/api.js'
import {type Emulator, isolateCommandEnv, mutating, requestLines, seedCleanPair, type Topology, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {type RunResult, runCommand} from '../helpers/run.js'

/**
 * Production is every production app of the account (issue 27), on the emulator: two pipelines, acme
 * and billing, each with its production and staging apps and their own databases (billing on Postgres
 * 14, seeded first so that it is the account's first production app). The single-app audit compares a
 * staging app with every production app; in account mode, drift and NO_PIPELINE name the related one.
 * `--pipeline` and `-a --production` compare every audited app with them too, whatever the pipeline.
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

  describe('every audit mode: --pipeline and -a --production too', function () {
    const MODES: Array<{argv: string[]; from: AuditResult['productionFrom']; name: string}> = [
      {argv: ['--pipeline', 'acme'], from: 'pipeline', name: '--pipeline acme'},
      {argv: ['-a', 'acme-staging', '--production', 'acme-production'], from: 'flag', name: '-a acme-staging --production acme-production'},
    ]
    let ledgerUrl: string

    before(async function () {
      // A production app outside any pipeline, production only once protected with staging:protect.
      await emu.seed({
        addons: [{app: 'ledger', as: 'DATABASE', name: 'ledger-db', plan: 'heroku-postgresql:essential-0'}],
        apps: [{config: {NODE_ENV: 'production'}, name: 'ledger'}],
      })
      ledgerUrl = emu.databaseUrl('ledger-db')
    })

    /** `heroku staging:protect -a APP`, run outside any git repository: the mark goes to this test's config dir only, never to a policy file in the checkout. */
    async function protect(app: string): Promise<void> {
      const cwd = process.cwd()
      const outside = await mkdtemp(path.join(tmpdir(), 'account-wide-protect-'))
      process.chdir(outside)
      try {
        const run = await withEmulatorEnv(emu, () => runCommand(Protect, ['-a', app]))
        expect(run.error, run.error?.message).to.equal(undefined)
      } finally {
        process.chdir(cwd)
        await rm(outside, {force: true, recursive: true})
      }
    }

    /** The app named with via in the result, and the credential findings on acme-staging, as [code, severity, vars, production]. */
    function credentialFindings(result: AuditResult): Array<[string, string, string[], string[]]> {
      return result.findings
        .filter(f => f.app === 'acme-staging' && f.code.startsWith('SHARED_'))
        .map(f => [f.code, f.severity, f.configVars, f.production])
    }

    for (const mode of MODES) {
      it(`fires (${mode.name}): BILLING_DATABASE_URL set to pipeline billing's production database is critical and names billing-production`, async function () {
        await setConfig('acme-staging', {BILLING_DATABASE_URL: billing.production.databaseUrl})
        emu.clearJournal()
        try {
          const {result} = await audit(mode.argv)
          expect(process.exitCode).to.equal(1)
          expect(credentialFindings(result)).to.deep.equal([['SHARED_DATABASE', 'critical', ['BILLING_DATABASE_URL'], ['billing-production']]])
          expect(result.productionFrom).to.equal(mode.from)
          expect(result.production.map(app => [app.name, app.via])).to.deep.equal([['acme-production', undefined], ['billing-production', ['pipeline']]])
          expect(mutating(emu), 'the audit only reads').to.deep.equal([])
        } finally {
          await setConfig('acme-staging', {BILLING_DATABASE_URL: null})
          process.exitCode = undefined
        }
      })

      it(`stays silent (${mode.name}): BILLING_DATABASE_URL set to billing's staging database, the same shape`, async function () {
        await setConfig('acme-staging', {BILLING_DATABASE_URL: billing.staging.databaseUrl})
        try {
          const {result} = await audit(mode.argv)
          expect(result.summary.critical).to.equal(0)
          expect(result.findings.flatMap(f => f.production)).to.not.include('billing-production')
          expect(result.production.map(app => app.name)).to.deep.equal(['acme-production'])
        } finally {
          await setConfig('acme-staging', {BILLING_DATABASE_URL: null})
          process.exitCode = undefined
        }
      })

      it(`fires (${mode.name}): a credential reaching the database of ledger, in no pipeline but protected with staging:protect`, async function () {
        await setConfig('acme-staging', {LEDGER_DATABASE_URL: ledgerUrl})
        try {
          await protect('ledger')
          const {result} = await audit(mode.argv)
          expect(process.exitCode).to.equal(1)
          expect(credentialFindings(result)).to.deep.equal([['SHARED_DATABASE', 'critical', ['LEDGER_DATABASE_URL'], ['ledger']]])
          expect(result.production.find(app => app.name === 'ledger')?.via).to.deep.equal(['protected'])
        } finally {
          await setConfig('acme-staging', {LEDGER_DATABASE_URL: null})
          process.exitCode = undefined
        }
      })

      it(`fires (${mode.name}): ledger marked only in the repository's policy file (a teammate's staging:protect, committed)`, async function () {
        await setConfig('acme-staging', {LEDGER_DATABASE_URL: ledgerUrl})
        const cwd = process.cwd()
        const repo = await mkdtemp(path.join(tmpdir(), 'account-wide-policy-'))
        execFileSync('git', ['init', '-q', repo])
        await writeFile(path.join(repo, POLICY_FILE), JSON.stringify({production: ['ledger']}))
        process.chdir(repo)
        try {
          const {result} = await audit(mode.argv)
          expect(process.exitCode).to.equal(1)
          expect(credentialFindings(result)).to.deep.equal([['SHARED_DATABASE', 'critical', ['LEDGER_DATABASE_URL'], ['ledger']]])
          expect(result.production.find(app => app.name === 'ledger')?.via).to.deep.equal(['protected'])
        } finally {
          process.chdir(cwd)
          await rm(repo, {force: true, recursive: true})
          await setConfig('acme-staging', {LEDGER_DATABASE_URL: null})
          process.exitCode = undefined
        }
      })

      it(`stays silent (${mode.name}): the same credential while ledger is not protected (then it is not production)`, async function () {
        await setConfig('acme-staging', {LEDGER_DATABASE_URL: ledgerUrl})
        try {
          const {result} = await audit(mode.argv)
          expect(result.summary.critical).to.equal(0)
          expect(credentialFindings(result)).to.deep.equal([])
          expect(result.production.map(app => app.name)).to.not.include('ledger')
        } finally {
          await setConfig('acme-staging', {LEDGER_DATABASE_URL: null})
          process.exitCode = undefined
        }
      })

      it(`fails closed (${mode.name}): exit 3 and no report when the account's couplings cannot be listed`, async function () {
        await setConfig('acme-staging', {BILLING_DATABASE_URL: billing.production.databaseUrl})
        emu.addFault({method: 'GET', path: '^/pipeline-couplings$', status: 403, times: 10})
        try {
          process.exitCode = undefined
          const run = await withEmulatorEnv(emu, () => runCommand<AuditResult>(Audit, [...mode.argv, '--json']))
          expect(process.exitCode).to.equal(3)
          expect(run.stdout).to.contain('Cannot tell which apps of the account are production').and.to.not.contain('"findings"')
          expect(emu.journal().some(entry => entry.path === '/pipeline-couplings' && entry.status === 403), 'the fault fired').to.equal(true)
        } finally {
          emu.clearFaults()
          await setConfig('acme-staging', {BILLING_DATABASE_URL: null})
          process.exitCode = undefined
        }
      })
    }

    it("fires (--pipeline): a review stage config var set to billing's production database is STAGE_CONFIG_VAR, naming billing-production", async function () {
      const pipeline = await apiClient(emu)('GET', '/pipelines/acme')
      const stage = `/pipelines/${(pipeline.body as {id: string}).id}/stage/review/config-vars`
      expect((await apiClient(emu)('PATCH', stage, {BILLING_DATABASE_URL: billing.production.databaseUrl})).status).to.equal(200)
      try {
        const {result} = await audit(['--pipeline', 'acme'])
        expect(process.exitCode).to.equal(1)
        const staged = result.findings.filter(f => f.code === 'STAGE_CONFIG_VAR')
        expect(staged.map(f => [f.severity, f.subject.rule, f.configVars, f.production])).to.deep.equal([['critical', 'SHARED_DATABASE', ['BILLING_DATABASE_URL'], ['billing-production']]])
        expect(result.production.map(app => app.name)).to.deep.equal(['acme-production', 'billing-production'])
      } finally {
        await apiClient(emu)('PATCH', stage, {BILLING_DATABASE_URL: null})
        process.exitCode = undefined
      }
    })

    it('--fix with --production: unsets the credential on staging only, never writes to billing or acme production', async function () {
      await setConfig('acme-staging', {BILLING_DATABASE_URL: billing.production.databaseUrl})
      emu.clearJournal()
      try {
        process.exitCode = undefined
        const run = await withEmulatorEnv(emu, () => runCommand<FixResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production', '--fix', '--confirm', 'acme-staging', '--json']))
        expect(run.error, run.error?.message).to.equal(undefined)
        const result = JSON.parse(run.stdout) as FixResult
        expect(result.plan.steps.map(step => (step.kind === 'unset-config' ? step.vars.map(v => [v.name, v.reaches]) : step.kind))).to.deep.equal([[['BILLING_DATABASE_URL', ["billing-production's DATABASE_URL"]]]])
        expect(result.remaining).to.deep.equal([])
        expect(process.exitCode ?? 0).to.equal(0)
        const writes = mutating(emu)
        // Staging's own database is backed up before its config changes; nothing of production's is written.
        expect(writes.map(entry => [entry.app, entry.addon ?? null])).to.deep.equal([['acme-staging', 'acme-staging-db'], ['acme-staging', null]])
        expect(requestLines(writes)).to.deep.equal(['POST /client/v11/databases/<id>/backups', 'PATCH /apps/<id>/config-vars'])
      } finally {
        await setConfig('acme-staging', {BILLING_DATABASE_URL: null})
        process.exitCode = undefined
      }
    })
  })
})
