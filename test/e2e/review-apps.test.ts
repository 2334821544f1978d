import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import Audit from '../../src/commands/staging/audit.js'
import Refresh, {type RefreshResult} from '../../src/commands/staging/refresh.js'
import type {AuditResult} from '../../src/lib/audit/types.js'
import {apiGet} from '../helpers/api.js'
import {checksum, count, query} from '../helpers/db.js'
import {type Emulator, isolateCommandEnv, mutating, productionWrites, seedCleanPair, type Topology, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {type RunResult, runCommand} from '../helpers/run.js'

/**
 * Review apps end to end on the emulator, through the plugin: `staging:audit --pipeline` covers the
 * review apps and the config vars the pipeline gives every review app and CI run; `staging:audit -a`
 * and `staging:refresh -a` take a review app, whose production is its pipeline's.
 */

type Json = Record<string, unknown>
const REVIEW_APPS = {accept: 'application/vnd.heroku+json; version=3.review-apps'}

describe('e2e: review apps', function () {
  this.timeout(240_000)
  const fixture = useEmulator({provisioning: 'short'})
  isolateCommandEnv()
  const {api} = fixture
  let emu: Emulator
  let topology: Topology
  let pipelineId: string

  const audit = async (argv: string[]): Promise<RunResult<AuditResult>> => withEmulatorEnv(emu, () => runCommand<AuditResult>(Audit, [...argv, '--json']))

  /** `POST /review-apps` as Heroku's GitHub integration (or `heroku reviewapps:create`) sends it, then its app.json's database. */
  async function createReviewApp(pr: number): Promise<{app: string; database: string}> {
    const created = await api('POST', '/review-apps', {branch: `feature-${pr}`, pipeline: pipelineId, pr_number: pr, source_blob: {url: 'https://example.com/source.tgz', version: null}}, REVIEW_APPS)
    expect(created.status, JSON.stringify(created.body)).to.equal(201)
    const {name} = await apiGet<{name: string}>(emu, `/apps/${((created.body as Json).app as Json).id as string}`)
    const database = `${name}-db`
    await emu.seed({addons: [{app: name, name: database, plan: 'heroku-postgresql:essential-0'}]})
    return {app: name, database}
  }

  before(async function () {
    emu = fixture.emu
  })

  beforeEach(async function () {
    topology = await fixture.reseed(seedCleanPair)
    pipelineId = (await apiGet<{id: string}>(emu, `/pipelines/${topology.pipeline}`)).id
  })

  describe('staging:audit --pipeline', function () {
    it('stays silent on a clean review app and clean stage config vars, and lists both stages (exit 0)', async function () {
      await api('PATCH', `/pipelines/${pipelineId}/stage/review/config-vars`, {FEATURE_FLAGS: 'beta', NODE_ENV: 'review'})
      await api('PATCH', `/pipelines/${pipelineId}/stage/test/config-vars`, {NODE_ENV: 'test'})
      const review = await createReviewApp(1)
      emu.clearJournal()
      const run = await audit(['--pipeline', topology.pipeline])
      expect(run.error, run.stderr).to.equal(undefined)
      expect(process.exitCode ?? 0).to.equal(0)
      expect(run.result?.apps.map(a => [a.name, a.stage])).to.deep.include.members([[topology.staging.app, 'staging'], [review.app, 'review']])
      expect(run.result?.stages).to.deep.equal([
        {apps: [review.app], configVars: ['FEATURE_FLAGS', 'NODE_ENV'], stage: 'review'},
        {apps: [], configVars: ['NODE_ENV'], stage: 'test'},
      ])
      expect(run.result?.findings.filter(f => f.severity === 'critical')).to.deep.equal([])
      expect(mutating(emu), 'the audit is read-only').to.deep.equal([])
    })

    it('fires on production wiring in the review stage config vars and in the review app that got them, and on a test stage secret (exit 1)', async function () {
      await api('PATCH', `/pipelines/${pipelineId}/stage/review/config-vars`, {DATABASE_URL: topology.production.databaseUrl})
      await api('PATCH', `/pipelines/${pipelineId}/stage/test/config-vars`, {STRIPE_API_KEY: topology.secrets.STRIPE_API_KEY})
      const review = await createReviewApp(2)
      emu.clearJournal()
      const run = await audit(['--pipeline', topology.pipeline])
      expect(run.error, run.stderr).to.equal(undefined)
      expect(process.exitCode).to.equal(1)
      const stage = run.result!.findings.filter(f => f.code === 'STAGE_CONFIG_VAR')
      expect(stage.map(f => [f.app, f.subject.rule, f.subject.stage?.stage, f.subject.apps])).to.deep.equal([
        [`${topology.pipeline} (review stage)`, 'SHARED_DATABASE', 'review', [review.app]],
        [`${topology.pipeline} (test stage)`, 'SHARED_SECRET', 'test', []],
      ])
      expect(stage.every(f => f.production.includes(topology.production.app))).to.equal(true)
      const own = run.result!.findings.filter(f => f.app === review.app).map(f => f.code)
      expect(own).to.include.members(['SHARED_DATABASE', 'UNATTACHED_DATABASE_URL'])
      expect(run.stdout).to.not.contain(topology.production.databaseUrl).and.to.not.contain(topology.secrets.STRIPE_API_KEY)
      expect(mutating(emu), 'the audit is read-only').to.deep.equal([])
    })
  })

  describe('staging:audit -a REVIEW_APP', function () {
    it('audits a review app against its pipeline\'s production: fires when it is wired to production, silent when clean', async function () {
      const clean = await createReviewApp(3)
      await api('PATCH', `/pipelines/${pipelineId}/stage/review/config-vars`, {SECRET_KEY_BASE: topology.secrets.SECRET_KEY_BASE})
      const wired = await createReviewApp(4)
      const silent = await audit(['-a', clean.app])
      expect(silent.error, silent.stderr).to.equal(undefined)
      expect(silent.result?.productionFrom).to.equal('pipeline')
      expect(silent.result?.production.map(p => p.name)).to.deep.equal([topology.production.app])
      expect(silent.result?.findings.filter(f => f.severity === 'critical')).to.deep.equal([])
      const fires = await audit(['-a', wired.app])
      expect(fires.result?.findings.map(f => f.code)).to.include('SHARED_SECRET')
      expect(process.exitCode).to.equal(1)
    })
  })

  describe('staging:refresh -a REVIEW_APP', function () {
    it('copies the pipeline\'s production into the review app\'s database behind the guard, and never writes production', async function () {
      const review = await createReviewApp(5)
      const productionBefore = await checksum(topology.production.databaseUrl)
      emu.clearJournal()
      const run = await withEmulatorEnv(emu, () => runCommand<RefreshResult>(Refresh, ['-a', review.app, '--confirm', review.app, '--json']))
      expect(run.error, run.stderr).to.equal(undefined)
      expect(run.result?.from).to.equal(topology.production.app)
      expect(await count(emu.databaseUrl(review.database), 'users')).to.equal(topology.rows.users)
      expect(await count(emu.databaseUrl(review.database), 'orders')).to.equal(topology.rows.orders)
      expect(await checksum(topology.production.databaseUrl), 'production unchanged').to.equal(productionBefore)
      expect(productionWrites(emu, topology), 'no mutating request to production').to.deep.equal([])
      expect((await apiGet<{maintenance: boolean}>(emu, `/apps/${review.app}`)).maintenance).to.equal(false)
    })

    it('seeds a review app from production with every likely-PII column handled by --rules or accepted with --allow-pii', async function () {
      const review = await createReviewApp(8)
      const rules = path.join(mkdtempSync(path.join(tmpdir(), 'review-rules-')), 'rules.yml')
      writeFileSync(rules, 'tables:\n  users:\n    email: fake_email\n')
      emu.clearJournal()
      const run = await withEmulatorEnv(emu, () => runCommand<RefreshResult>(Refresh, ['-a', review.app, '--confirm', review.app, '--rules', rules, '--allow-pii', 'users.name', '--json']))
      expect(run.error, run.stderr).to.equal(undefined)
      const [row] = await query<{fake: string; total: string}>(emu.databaseUrl(review.database), "SELECT count(*) FILTER (WHERE email LIKE 'user-%@example.invalid') AS fake, count(*) AS total FROM users")
      expect(row).to.deep.equal({fake: String(topology.rows.users), total: String(topology.rows.users)})
      expect(productionWrites(emu, topology)).to.deep.equal([])
    })

    it('refuses a review app whose DATABASE_URL came from a review stage var reaching production (exit 4), writing nothing', async function () {
      await api('PATCH', `/pipelines/${pipelineId}/stage/review/config-vars`, {DATABASE_URL: topology.production.databaseUrl})
      const review = await createReviewApp(6)
      emu.clearJournal()
      const run = await withEmulatorEnv(emu, () => runCommand<RefreshResult>(Refresh, ['-a', review.app, '--confirm', review.app]))
      expect(run.error?.oclif?.exit, run.error?.message).to.equal(4)
      expect(run.error?.message).to.contain(topology.production.app)
      expect(mutating(emu)).to.deep.equal([])
    })

    it('finds the pipeline of a review app that lost its coupling through its review-app record', async function () {
      const review = await createReviewApp(7)
      const coupling = await apiGet<{id: string}>(emu, `/apps/${review.app}/pipeline-couplings`)
      await api('DELETE', `/pipeline-couplings/${coupling.id}`)
      emu.clearJournal()
      const run = await withEmulatorEnv(emu, () => runCommand<RefreshResult>(Refresh, ['-a', review.app, '--confirm', review.app, '--json']))
      expect(run.error, run.stderr).to.equal(undefined)
      expect(run.result?.from).to.equal(topology.production.app)
      expect(await count(emu.databaseUrl(review.database), 'users')).to.equal(topology.rows.users)
      expect(emu.journal().some(entry => entry.method === 'GET' && entry.path.endsWith('/review-app'))).to.equal(true)
      expect(productionWrites(emu, topology)).to.deep.equal([])
    })
  })
})
