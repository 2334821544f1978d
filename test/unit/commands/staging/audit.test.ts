import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import nock from 'nock'

import Audit from '../../../../src/commands/staging/audit.js'
import {FINDING_CODES} from '../../../../src/lib/audit/codes.js'
import type {AuditResult} from '../../../../src/lib/audit/types.js'
import type {FixResult} from '../../../../src/lib/fix/types.js'
import {protectApp, protectedFile} from '../../../../src/lib/protect/store.js'
import type {AppSnapshot} from '../../../../src/lib/snapshot/types.js'
import {appBody, mockAccount, mockAccountCouplings, mockAccountPipelines, mockAppAnswering, mockLargeLoad, mockPipeline, mockPipelineProduction, mockSmallLoad, type Scopes, scopes} from '../../../fixtures/audit.js'
import {
  cleanStagingSnapshot,
  FIXTURE_SECRETS,
  incidentStagingSnapshot,
  PIPELINE_ID,
  PROD_DATABASE_URL,
  PROD_DB_PASSWORD,
  PROD_STRIPE_KEY,
  productionSnapshot,
  STAGING_ID,
} from '../../../fixtures/snapshots.js'
import {runCommand} from '../../../helpers/run.js'

const PIPELINE = {id: PIPELINE_ID, name: 'acme'}

function outputOf(run: {error?: Error; stderr: string; stdout: string}): string {
  return `${run.stdout}\n${run.stderr}\n${run.error?.message ?? ''}`
}

function parseJson(stdout: string): AuditResult {
  return JSON.parse(stdout) as AuditResult
}

/** What --fix loads for an app named on the command line: the audit's requests plus its latest release. */
function mockFixLoad(s: Scopes, snapshot: AppSnapshot, ref: string = snapshot.app.name): void {
  mockSmallLoad(s, snapshot, ref)
  s.api.get(`/apps/${encodeURIComponent(ref)}/releases`).matchHeader('range', 'version ..; max=10, order=desc').reply(200, [{current: true, id: `release-${snapshot.app.id}`, status: 'succeeded', version: 42}])
}

/** Runs `fn` with stdin seen as no terminal, as in CI (the only way --fix can refuse for want of a prompt). */
async function withoutTty<T>(fn: () => Promise<T>): Promise<T> {
  const saved = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY')
  Object.defineProperty(process.stdin, 'isTTY', {configurable: true, value: false})
  try {
    return await fn()
  } finally {
    if (saved) Object.defineProperty(process.stdin, 'isTTY', saved)
    else delete (process.stdin as {isTTY?: boolean}).isTTY
  }
}

/** More staging-like apps for pipeline runs: distinct ids and names, each sharing nothing. */
function extraStaging(index: number): AppSnapshot {
  const clean = cleanStagingSnapshot()
  const id = `33333333-3333-4333-8333-33333333330${index}`
  return {
    ...clean,
    app: {...clean.app, id, name: `acme-review-${index}`},
    attachments: [],
    configVars: {LANG: 'en_US.UTF-8'},
    databases: {},
    pipeline: {id: PIPELINE_ID, name: 'acme', stage: index === 1 ? 'development' : 'review'},
  }
}

describe('staging:audit', function () {
  let s: Scopes
  let configDir: string
  const saved: Record<string, string | undefined> = {}

  beforeEach(async function () {
    s = scopes()
    process.exitCode = undefined
    configDir = await mkdtemp(path.join(tmpdir(), 'audit-cmd-'))
    for (const key of ['HEROKU_APP', 'HEROKU_CONFIG_DIR']) saved[key] = process.env[key]
    delete process.env.HEROKU_APP
    // the protected-apps list lives in the CLI's config dir: never read the real one
    process.env.HEROKU_CONFIG_DIR = configDir
  })

  afterEach(async function () {
    await rm(configDir, {force: true, recursive: true})
    // Done before cleanAll: a request the command never made fails the test here.
    s.api.done()
    s.data.done()
    nock.cleanAll()
    process.exitCode = undefined
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  })

  describe('a clean pair', function () {
    it('finds nothing with --production and exits 0', async function () {
      mockSmallLoad(s, cleanStagingSnapshot())
      mockSmallLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production'])
      expect(run.error).to.equal(undefined)
      expect(run.stdout).to.contain('=== Audit of acme-staging against acme-production')
      expect(run.stdout).to.contain('No findings')
      expect(run.stdout).to.contain('0 critical, 0 warnings, 0 info across 1 app')
      expect(process.exitCode ?? 0).to.equal(0)
    })

    it('finds production in the pipeline when --production is not given', async function () {
      mockSmallLoad(s, cleanStagingSnapshot())
      mockPipelineProduction(s, [productionSnapshot(), cleanStagingSnapshot()], productionSnapshot())
      const run = await runCommand<AuditResult>(Audit, ['--app', 'acme-staging', '--json'])
      expect(run.error).to.equal(undefined)
      const json = parseJson(run.stdout)
      expect(json.production.map(app => app.name)).to.deep.equal(['acme-production'])
      expect(json.findings).to.deep.equal([])
      expect(process.exitCode ?? 0).to.equal(0)
    })
  })

  describe('the incident', function () {
    it('prints a report sorted by severity with fixes and a summary, and exits 1', async function () {
      mockSmallLoad(s, incidentStagingSnapshot())
      mockSmallLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production'])
      expect(run.error?.oclif?.exit).to.equal(1)
      const lines = run.stdout.split('\n')
      const table = lines.filter(line => /^\d+\s+(critical|warning|info)\s/.test(line))
      expect(table.map(line => line.split(/\s+/)[2])).to.deep.equal(['SHARED_DATABASE', 'UNATTACHED_DATABASE_URL', 'SHARED_SECRET', 'ACTIVE_WORKER'])
      expect(run.stdout).to.contain('fix: heroku pg:promote HEROKU_POSTGRESQL_ROSE_URL -a acme-staging')
      expect(run.stdout).to.contain('fix: heroku config:set SECRET_KEY_BASE=<new value> -a acme-staging')
      expect(run.stdout).to.contain('fix: heroku ps:scale worker=0 -a acme-staging')
      expect(run.stdout).to.contain('postgresql://u***:****@EC2-52-1-2-3.compute-1.amazonaws.com/dprod01')
      expect(lines.filter(Boolean).at(-1)).to.equal('3 critical, 1 warning, 0 info across 1 app')
    })

    it('returns the documented JSON shape and still exits 1 under --json', async function () {
      mockSmallLoad(s, incidentStagingSnapshot())
      mockSmallLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production', '--json'])
      expect(run.error).to.equal(undefined)
      expect(process.exitCode).to.equal(1)
      const json = parseJson(run.stdout)
      expect(Object.keys(json).sort()).to.deep.equal(['apps', 'findings', 'pipeline', 'production', 'productionFrom', 'summary'])
      expect(json.apps).to.deep.equal([{id: STAGING_ID, name: 'acme-staging', pipeline: 'acme', stage: 'staging'}])
      expect(json.production).to.deep.equal([{id: productionSnapshot().app.id, name: 'acme-production', pipeline: 'acme', stage: 'production'}])
      expect(json.pipeline).to.equal(null)
      expect(json.summary).to.deep.equal({critical: 3, info: 0, warning: 1})
      const codes = new Set(FINDING_CODES.map(info => info.code))
      for (const finding of json.findings) {
        expect(codes.has(finding.code as never), finding.code).to.equal(true)
        expect(finding).to.include.all.keys('code', 'severity', 'app', 'production', 'configVars', 'addons', 'message', 'remedy', 'subject')
        expect(finding.remedy).to.match(/^heroku /)
        expect(finding.subject.action.app).to.equal('acme-staging')
      }

      const shared = json.findings.find(finding => finding.code === 'SHARED_DATABASE')
      expect(shared).to.deep.include({app: 'acme-staging', configVars: ['DATABASE_URL'], production: ['acme-production'], severity: 'critical'})
      expect(shared?.subject.action).to.deep.equal({app: 'acme-staging', configVar: 'HEROKU_POSTGRESQL_ROSE_URL', kind: 'promote'})
      expect(run.result).to.deep.equal(json)
    })

    it('never prints a password or secret from the fixtures: human, JSON or error', async function () {
      const outputs: string[] = []
      for (const extra of [[], ['--json']]) {
        mockSmallLoad(s, incidentStagingSnapshot())
        mockSmallLoad(s, productionSnapshot())
        mockAccount(s, [productionSnapshot()])
        const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production', ...extra])
        outputs.push(outputOf(run), JSON.stringify(run.result ?? {}))
      }

      // An API error whose message echoes a secret the run has loaded is redacted too.
      const staging = incidentStagingSnapshot()
      s.api.get('/apps/acme-staging').reply(200, appBody(staging))
      s.api.get('/apps/acme-staging/config-vars').reply(200, staging.configVars)
      s.api.get('/apps/acme-staging/addon-attachments').delay(50).reply(403, {id: 'forbidden', message: `denied for ${staging.configVars.SECRET_KEY_BASE}`})
      s.api.get('/apps/acme-staging/addons').optionally().reply(200, [])
      s.api.get('/apps/acme-staging/pipeline-couplings').optionally().reply(404, {id: 'not_found', message: 'none'})
      s.api.get('/apps/acme-staging/formation').optionally().reply(200, [])
      const failed = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production'])
      expect(failed.error?.oclif?.exit).to.equal(3)
      outputs.push(outputOf(failed))

      const all = outputs.join('\n')
      expect(all).to.contain('SECRET_KEY_BASE')
      for (const secret of FIXTURE_SECRETS) expect(all, 'a secret leaked').to.not.contain(secret)
    })
  })

  describe('which app is production', function () {
    it('stops with exit 2 and names --production when the app is in no pipeline and the account has no production app', async function () {
      const lonely = {...cleanStagingSnapshot(), pipeline: undefined}
      mockSmallLoad(s, lonely)
      mockAccountCouplings(s, [])
      mockAccountPipelines(s, [])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('Cannot tell which app is production for acme-staging')
      expect(run.error?.message).to.contain('--production')
    })

    it('keeps exit 2 under --json', async function () {
      const lonely = {...cleanStagingSnapshot(), pipeline: undefined}
      mockSmallLoad(s, lonely)
      mockAccountCouplings(s, [])
      mockAccountPipelines(s, [])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--json'])
      expect(process.exitCode).to.equal(2)
      expect(run.stdout).to.contain('--production')
    })

    it('compares an app in no pipeline with every production app of the account, and says which', async function () {
      const lonely = {...incidentStagingSnapshot(), pipeline: undefined}
      mockSmallLoad(s, lonely)
      mockAccountCouplings(s, [productionSnapshot()])
      mockAccountPipelines(s, [productionSnapshot()])
      // Every production app's config vars and attachments, then the related one's databases.
      mockSmallLoad(s, productionSnapshot(), productionSnapshot().app.id, {addons: false, couplingListed: true, formation: false})
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--json'])
      expect(process.exitCode).to.equal(1)
      const json = parseJson(run.stdout)
      expect(json.productionFrom).to.equal('account')
      expect(json.production.map(app => [app.name, app.via])).to.deep.equal([['acme-production', ['pipeline']]])
      expect(json.findings.some(f => f.severity === 'critical')).to.equal(true)
    })

    it('stops with exit 3 when the account\'s couplings cannot be listed (fails closed), and offers no --production way around it', async function () {
      const lonely = {...cleanStagingSnapshot(), pipeline: undefined}
      mockSmallLoad(s, lonely)
      s.api.get('/pipeline-couplings').reply(403, {id: 'forbidden', message: 'You do not have access.'})
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(3)
      expect(run.error?.message).to.contain('Cannot tell which apps of the account are production').and.contain('Run the same command again')
      // --production compares with every production app of the account too (issue 27): it would fail the same way.
      expect(run.error?.message).not.to.contain('--production')
    })

    it('fails closed with --production too: exit 3 when the account\'s couplings cannot be listed, nothing reported', async function () {
      mockSmallLoad(s, cleanStagingSnapshot())
      mockSmallLoad(s, productionSnapshot())
      s.api.get('/pipeline-couplings').reply(403, {id: 'forbidden', message: 'You do not have access.'})
      s.api.get('/pipelines').reply(200, [PIPELINE])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production', '--json'])
      expect(process.exitCode).to.equal(3)
      expect(run.stdout).to.contain('Cannot tell which apps of the account are production').and.not.contain('"findings"')
      // It stops after the first round: the named apps' databases are never asked for.
      expect(s.data.pendingMocks()).to.have.length(2)
      nock.cleanAll()
      s = scopes()
    })

    it('stops with exit 2 when the pipeline has no production app', async function () {
      mockSmallLoad(s, cleanStagingSnapshot())
      mockAccountCouplings(s, [cleanStagingSnapshot()])
      mockAccountPipelines(s, [cleanStagingSnapshot()])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('--production')
    })

    it('reports PRODUCTION_STAGE (critical) when the audited app is production itself', async function () {
      const production = productionSnapshot()
      mockSmallLoad(s, production)
      mockAccountCouplings(s, [production, cleanStagingSnapshot()])
      mockAccountPipelines(s, [production])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-production', '--json'])
      expect(process.exitCode).to.equal(1)
      const json = parseJson(run.stdout)
      expect(json.findings.map(f => f.code)).to.include('PRODUCTION_STAGE')
      expect(json.findings[0]?.remedy).to.equal('heroku pipelines:update --stage staging -a acme-production')
    })

    it('reports PRODUCTION_STAGE when the audited app is marked with staging:protect', async function () {
      await protectApp(configDir, {id: STAGING_ID, name: 'acme-staging'})
      mockSmallLoad(s, cleanStagingSnapshot())
      mockSmallLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production'])
      expect(run.error?.oclif?.exit, run.error?.message).to.equal(1)
      expect(run.stdout).to.contain('marked production with heroku staging:protect')
      expect(run.stdout).to.contain('fix: heroku staging:unprotect -a acme-staging')
    })

    it('refuses with exit 4 on an unreadable protected-apps list rather than ignoring it (as fork and refresh)', async function () {
      await writeFile(protectedFile(configDir), '{not json')
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('staging-protected.json')
    })

    it('--fix without -a says so first, even when the protected-apps list is unreadable (exit 2)', async function () {
      await writeFile(protectedFile(configDir), '{not json')
      const run = await runCommand<AuditResult>(Audit, ['--fix', '--confirm', 'x'])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('--fix repairs one staging app, and none was named.')
      expect(run.error?.message).not.to.contain('staging-protected.json')
    })

    it('needs an app or a pipeline (exit 2)', async function () {
      const run = await runCommand<AuditResult>(Audit, [])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('-a STAGING_APP')
    })

    it('refuses --pipeline together with --app (exit 2)', async function () {
      const run = await runCommand<AuditResult>(Audit, ['--pipeline', 'acme', '-a', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('--app=acme-staging cannot also be provided when using --pipeline')
    })
  })

  describe('--pipeline', function () {
    it('audits every non-production app against production in one report', async function () {
      const production = productionSnapshot()
      const apps = [incidentStagingSnapshot(), extraStaging(1), extraStaging(2), production]
      mockPipeline(s, PIPELINE, apps, 'acme')
      mockLargeLoad(s, apps)
      const run = await runCommand<AuditResult>(Audit, ['--pipeline', 'acme', '--json'])
      expect(run.error).to.equal(undefined)
      expect(process.exitCode).to.equal(1)
      const json = parseJson(run.stdout)
      expect(json.pipeline).to.equal('acme')
      expect(json.apps.map(app => app.name)).to.deep.equal(['acme-staging', 'acme-review-1', 'acme-review-2'])
      expect(json.production.map(app => app.name)).to.deep.equal(['acme-production'])
      expect(json.findings.filter(f => f.app === 'acme-staging').map(f => f.code)).to.include.members(['SHARED_DATABASE', 'SHARED_SECRET'])
      expect(json.findings.filter(f => f.app !== 'acme-staging').map(f => f.code)).to.deep.equal([])
      const severities = json.findings.map(f => f.severity)
      expect(severities).to.deep.equal([...severities].sort((a, b) => ['critical', 'warning', 'info'].indexOf(a) - ['critical', 'warning', 'info'].indexOf(b)))
    })

    it('prints one human report with the summary across the apps', async function () {
      const production = productionSnapshot()
      const apps = [cleanStagingSnapshot(), extraStaging(1), extraStaging(2), production]
      mockPipeline(s, PIPELINE, apps, 'acme')
      mockLargeLoad(s, apps)
      const run = await runCommand<AuditResult>(Audit, ['--pipeline', 'acme'])
      expect(run.error).to.equal(undefined)
      expect(run.stdout).to.contain('=== Audit of pipeline acme (acme-staging, acme-review-1, acme-review-2) against acme-production')
      expect(run.stdout).to.contain('0 critical, 0 warnings, 0 info across 3 apps')
    })

    it('covers the review and test stages: a production URL in the review stage config vars is STAGE_CONFIG_VAR, naming the stage and the review apps that have it (exit 1)', async function () {
      const production = productionSnapshot()
      const review = extraStaging(2)
      const wired = {...review, configVars: {...review.configVars, DATABASE_URL: PROD_DATABASE_URL}}
      const apps = [cleanStagingSnapshot(), extraStaging(1), wired, production]
      mockPipeline(s, PIPELINE, apps, 'acme', {
        review: {DATABASE_URL: PROD_DATABASE_URL, FEATURE: 'on'},
        reviewApps: [{app: {id: wired.app.id}, branch: 'feature', id: 'ra-1', pr_number: 2, status: 'created'}],
        test: {STRIPE_SECRET_KEY: PROD_STRIPE_KEY},
      })
      mockLargeLoad(s, apps)
      const run = await runCommand<AuditResult>(Audit, ['--pipeline', 'acme', '--json'])
      expect(run.error).to.equal(undefined)
      expect(process.exitCode).to.equal(1)
      const json = parseJson(run.stdout)
      expect(json.stages).to.deep.equal([
        {apps: ['acme-review-2'], configVars: ['DATABASE_URL', 'FEATURE'], stage: 'review'},
        {apps: [], configVars: ['STRIPE_SECRET_KEY'], stage: 'test'},
      ])
      const stage = json.findings.filter(f => f.code === 'STAGE_CONFIG_VAR')
      expect(stage.map(f => [f.app, f.subject.rule, f.subject.stage, f.subject.apps])).to.deep.equal([
        ['acme (review stage)', 'SHARED_DATABASE', {pipeline: 'acme', stage: 'review'}, ['acme-review-2']],
        ['acme (test stage)', 'SHARED_SECRET', {pipeline: 'acme', stage: 'test'}, []],
      ])
      expect(stage[0]?.message).to.contain("acme's review stage config var DATABASE_URL reaches the same Postgres database as acme-production's DATABASE_URL").and.to.contain('every new review app of acme starts with it; it is already on acme-review-2')
      expect(stage[1]?.remedy).to.equal('heroku ci:config:set STRIPE_SECRET_KEY=<a test-only value> -p acme')
      // the review app itself is audited as any app: its own finding, with its own remedy
      expect(json.findings.filter(f => f.app === 'acme-review-2').map(f => f.code)).to.include('SHARED_DATABASE')
      expect(run.stdout).to.not.contain(PROD_DB_PASSWORD).and.to.not.contain(PROD_STRIPE_KEY)
    })

    it('stays silent on clean stage config vars and says in the human report that it looked at both stages', async function () {
      const production = productionSnapshot()
      const apps = [cleanStagingSnapshot(), extraStaging(1), extraStaging(2), production]
      mockPipeline(s, PIPELINE, apps, 'acme', {review: {FEATURE: 'on', RACK_ENV: 'review'}, test: {RAILS_ENV: 'test'}})
      mockLargeLoad(s, apps)
      const run = await runCommand<AuditResult>(Audit, ['--pipeline', 'acme'])
      expect(run.error).to.equal(undefined)
      expect(run.stdout).to.contain('Also audited: the review stage (2 config vars, 1 review app) and the test stage (1 config var)')
      expect(run.stdout).to.contain('0 critical, 0 warnings, 0 info across 3 apps')
    })

    it('answers an unknown pipeline with exit 3 and the command to list pipelines', async function () {
      s.api.get('/pipelines/nope').reply(404, {id: 'not_found', message: 'Couldn\'t find that pipeline.', resource: 'pipeline'})
      const run = await runCommand<AuditResult>(Audit, ['--pipeline', 'nope'])
      expect(run.error?.oclif?.exit).to.equal(3)
      expect(run.error?.message).to.contain('heroku pipelines')
    })
  })

  describe('--fix', function () {
    const PRODUCTION_ARGS = ['--production', 'acme-production']

    it('--dry-run prints the audit, then the repair plan with what the app loses and how to undo, and sends no mutating request (exit 1)', async function () {
      mockFixLoad(s, incidentStagingSnapshot())
      mockFixLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      const run = await runCommand<FixResult>(Audit, ['-a', 'acme-staging', ...PRODUCTION_ARGS, '--fix', '--dry-run'])
      expect(run.error?.oclif?.exit).to.equal(1)
      expect(run.stdout).to.contain('=== Audit of acme-staging against acme-production')
      const plan = run.stdout.slice(run.stdout.indexOf('=== Repair plan for acme-staging'))
      expect(plan).to.contain('1. unset DATABASE_URL on acme-staging')
      expect(plan).to.contain('same as: heroku config:unset DATABASE_URL -a acme-staging')
      expect(plan).to.contain("loses:   DATABASE_URL: it reached acme-production's DATABASE_URL")
      expect(plan).to.contain('same as: heroku pg:promote HEROKU_POSTGRESQL_ROSE_URL -a acme-staging')
      expect(plan).to.contain('back up postgresql-staging-33333 (HEROKU_POSTGRESQL_ROSE): heroku pg:backups:capture HEROKU_POSTGRESQL_ROSE -a acme-staging')
      expect(plan).to.contain('heroku config:set SECRET_KEY_BASE=<new value> -a acme-staging')
      expect(plan).to.contain('heroku releases:info v42 -a acme-staging')
      expect(plan).to.contain('heroku releases:rollback v42 -a acme-staging').and.to.contain('but not attachments')
      expect(plan).to.contain('Dry run: nothing was changed.')
    })

    it('--dry-run --json returns the typed fix result and keeps exit 1', async function () {
      mockFixLoad(s, incidentStagingSnapshot())
      mockFixLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      const run = await runCommand<FixResult>(Audit, ['-a', 'acme-staging', ...PRODUCTION_ARGS, '--fix', '--dry-run', '--json'])
      expect(run.error).to.equal(undefined)
      expect(process.exitCode).to.equal(1)
      const json = JSON.parse(run.stdout) as FixResult
      expect(Object.keys(json).sort()).to.deep.equal(['after', 'app', 'before', 'execution', 'mode', 'plan', 'remaining'])
      expect(json).to.deep.include({after: null, app: 'acme-staging', execution: null, mode: 'dry-run'})
      expect(json.plan.steps.map(step => step.kind)).to.deep.equal(['unset-config', 'promote'])
      expect(json.plan.manual.map(m => m.code)).to.deep.equal(['SHARED_SECRET'])
      expect(json.remaining.map(f => f.code)).to.deep.equal(['SHARED_DATABASE', 'UNATTACHED_DATABASE_URL', 'SHARED_SECRET'])
      expect(json.before.summary.critical).to.equal(3)
      expect(run.result).to.deep.equal(json)
    })

    it('refuses without --confirm when there is no TTY to ask on: exit 4, names the flag, nothing changed', async function () {
      mockFixLoad(s, incidentStagingSnapshot())
      mockFixLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      // The runtime guard's registry, loaded before the confirmation.
      mockAccountCouplings(s, [productionSnapshot(), incidentStagingSnapshot()])
      const run = await withoutTty(async () => runCommand<FixResult>(Audit, ['-a', 'acme-staging', ...PRODUCTION_ARGS, '--fix']))
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('without confirmation: no TTY')
      expect(run.error?.message).to.contain('--confirm acme-staging')
    })

    it('refuses a --confirm that does not match the app exactly: exit 4, nothing changed', async function () {
      mockFixLoad(s, incidentStagingSnapshot())
      mockFixLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      // The runtime guard's registry, loaded before the confirmation.
      mockAccountCouplings(s, [productionSnapshot(), incidentStagingSnapshot()])
      const run = await runCommand<FixResult>(Audit, ['-a', 'acme-staging', ...PRODUCTION_ARGS, '--fix', '--confirm', 'acme-Staging'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('Confirmation acme-Staging did not match acme-staging. Nothing was changed.')
    })

    it('refuses to repair a production app: exit 4, before any confirmation, also under --json', async function () {
      const production = productionSnapshot()
      for (const extra of [[], ['--json']]) {
        mockFixLoad(s, production)
        mockAccountCouplings(s, [production, cleanStagingSnapshot()])
        mockAccountPipelines(s, [production])
        process.exitCode = undefined
        const run = await runCommand<FixResult>(Audit, ['-a', 'acme-production', '--fix', '--confirm', 'acme-production', ...extra])
        const exit = extra.length > 0 ? process.exitCode : run.error?.oclif?.exit
        expect(exit, extra.join(' ')).to.equal(4)
        expect(`${run.stdout}${run.error?.message ?? ''}`).to.contain('Refusing to repair acme-production: it is a production app')
      }
    })

    it('changes nothing and exits 0 on a clean staging app, without asking', async function () {
      mockFixLoad(s, cleanStagingSnapshot())
      mockFixLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      const run = await withoutTty(async () => runCommand<FixResult>(Audit, ['-a', 'acme-staging', ...PRODUCTION_ARGS, '--fix']))
      expect(run.error).to.equal(undefined)
      expect(run.stdout).to.contain('No automatic change')
      expect(run.stdout).to.contain('No critical finding remains on acme-staging.')
      expect(run.result).to.deep.include({execution: null, mode: 'fix', remaining: []})
    })

    it('needs one app: --fix with --pipeline and --dry-run without --fix are usage errors (exit 2)', async function () {
      const pipeline = await runCommand<FixResult>(Audit, ['--pipeline', 'acme', '--fix'])
      expect(pipeline.error?.oclif?.exit).to.equal(2)
      expect(pipeline.error?.message).to.contain('--fix')
      const dry = await runCommand<FixResult>(Audit, ['-a', 'acme-staging', '--dry-run'])
      expect(dry.error?.oclif?.exit).to.equal(2)
      expect(dry.error?.message).to.contain('--fix')
    })

    it('never prints a password or secret from the fixtures in the plan, human or JSON', async function () {
      const outputs: string[] = []
      for (const extra of [[], ['--json']]) {
        mockFixLoad(s, incidentStagingSnapshot())
        mockFixLoad(s, productionSnapshot())
        mockAccount(s, [productionSnapshot()])
        const run = await runCommand<FixResult>(Audit, ['-a', 'acme-staging', ...PRODUCTION_ARGS, '--fix', '--dry-run', ...extra])
        outputs.push(outputOf(run), JSON.stringify(run.result ?? {}))
      }

      const all = outputs.join('\n')
      expect(all).to.contain('DATABASE_URL')
      for (const secret of FIXTURE_SECRETS) expect(all, 'a secret leaked').to.not.contain(secret)
    })
  })

  describe('API errors', function () {
    it('404 on the app: exit 3, names the app and how to check it', async function () {
      mockAppAnswering(s, 'acme-typo', 404, {id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'})
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-typo'])
      expect(run.error?.oclif?.exit).to.equal(3)
      expect(run.error?.message).to.contain('acme-typo')
      expect(run.error?.message).to.contain('heroku apps')
    })

    it('403: exit 3 with the API message, then how to get access', async function () {
      mockAppAnswering(s, 'acme-staging', 403, {id: 'forbidden', message: 'You do not have access to the app acme-staging.'})
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(3)
      expect(run.error?.message).to.equal('You do not have access to the app acme-staging. (forbidden)\nCheck the app with heroku apps:info -a APP; its owner can give you access with heroku access:add EMAIL -a APP.')
    })

    it('403 under --json: exit 3, the error as JSON', async function () {
      mockAppAnswering(s, 'acme-staging', 403, {id: 'forbidden', message: 'You do not have access to the app acme-staging.'})
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--json'])
      expect(process.exitCode).to.equal(3)
      expect(run.stdout).to.contain('You do not have access')
    })

    it('429 then success: retried after Retry-After, same result', async function () {
      s.api.get('/apps/acme-staging').reply(429, {id: 'rate_limit', message: 'Your account reached the API rate limit.'}, {'Retry-After': '0'})
      mockSmallLoad(s, cleanStagingSnapshot())
      mockSmallLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production', '--json'])
      expect(run.error).to.equal(undefined)
      expect(parseJson(run.stdout).findings).to.deep.equal([])
    })

    it('503 then success: retried, same result', async function () {
      const clean = cleanStagingSnapshot()
      s.api.get('/apps/acme-staging/config-vars').reply(503, {id: 'unavailable', message: 'Service unavailable.'})
      mockSmallLoad(s, clean)
      mockSmallLoad(s, productionSnapshot())
      mockAccount(s, [productionSnapshot()])
      const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production'])
      expect(run.error).to.equal(undefined)
      expect(run.stdout).to.contain('0 critical')
    })
  })
})
