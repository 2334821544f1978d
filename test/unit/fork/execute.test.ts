import {APIClient} from '@heroku-cli/command'
import {expect} from 'chai'

import {ExitCode} from '../../../src/lib/exit-codes.js'
import type {ForwardStepReport} from '../../../src/lib/execute/steps.js'
import {destroyFork, executeFork, type ExecuteOptions, ForkFailedError, releaseFork} from '../../../src/lib/fork/execute.js'
import {MemoryLedger} from '../../../src/lib/fork/ledger.js'
import {loadCatalogue, PRODUCTION_LOAD, servicesToPrice} from '../../../src/lib/fork/load.js'
import {checkTarget, planFork} from '../../../src/lib/fork/plan/index.js'
import {FORK_MARKER, type ForkOptions} from '../../../src/lib/fork/types.js'
import {verifyForkSnapshot} from '../../../src/lib/fork/verify.js'
import {apiOf} from '../../../src/lib/heroku/api.js'
import {HerokuClient} from '../../../src/lib/heroku/client.js'
import type {PollOptions} from '../../../src/lib/heroku/wait.js'
import {SecretRegistry, withSecrets} from '../../../src/lib/secrets/index.js'
import {loadApp} from '../../../src/lib/snapshot/load.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {type DynoChange, FakeHeroku, type FakeFault, type FakeRequest, type SeededProduction} from '../../helpers/fake-heroku.js'
import {asRules, MUTATING_STEPS, ruleLine, type StepRule, stepName, stepRules} from '../../helpers/fork-steps.js'
import {loadConfig} from '../../helpers/run.js'
import {options} from './fixtures.js'

/**
 * The fork's executor (executeFork, the fork's audit, then releaseFork with its verdict, as
 * src/lib/fork/run.ts runs them) against a scripted Heroku: the plugin's real client (HerokuClient, APIClient, http-call),
 * whose requests an in-memory Platform and Data API answers and records (test/helpers/fake-heroku.ts;
 * in-process, and once over node's http through nock to show the two agree). A clean fork runs once;
 * each of its mutating requests is then interrupted in both fault modes and the same command run
 * again, which must end where the clean run did, with nothing written to production.
 * test/e2e/fork.test.ts keeps a few of these interruptions against the emulator and checks
 * MUTATING_STEPS against a real run; a test here checks the fake's clean run against that list.
 */

const FROM = 'acme-production'
const TO = 'acme-production-staging'
const PRODUCTION_SECRETS = {
  SECRET_KEY_BASE: 'c0ffee5ecret0base0for0acme0production0do0not0share0000000000000000',
  STRIPE_API_KEY: 'sk_live_acmeProduction0000000000000000',
}
/** `--set` for every secret of production, as the e2e fork passes them. */
const SET = Object.fromEntries(Object.keys(PRODUCTION_SECRETS).map(key => [key, `staging-only-${key.toLowerCase()}-0123456789`]))
const RESUME = `heroku staging:fork --from ${FROM}`
/** The fake finishes what it is waited on at the next look: no real sleeping, and a bound if it never does. */
const POLL: PollOptions = {initialMs: 1, maxMs: 1, sleep: async () => {}, timeoutMs: 10_000}
/** The hosts the client would otherwise send to instead of the fake's. */
const HOST_VARS = ['HEROKU_HOST', 'HEROKU_DATA_HOST', 'HEROKU_POSTGRESQL_HOST'] as const

interface World {
  /** a new client, as each run of the command makes (no waiting between retries) */
  client(): Promise<HerokuClient>
  fake: FakeHeroku
  /** this machine's ledger, kept between the runs of one case as the CLI's data directory is */
  ledger: MemoryLedger
  production: SeededProduction
}

/**
 * A fresh fake with production seeded. `in-process`: http-call hands each request to the fake
 * (test/helpers/fake-heroku.ts `apiClient`); `http`: over node's http through nock.
 */
async function withWorld<T>(fn: (w: World) => Promise<T>, transport: 'http' | 'in-process' = 'in-process'): Promise<T> {
  const saved = HOST_VARS.map(key => [key, process.env[key]] as const)
  for (const key of HOST_VARS) delete process.env[key]
  const fake = new FakeHeroku()
  if (transport === 'http') fake.install()
  const config = await loadConfig()
  const client = async () => new HerokuClient(transport === 'http' ? new APIClient(config) : fake.apiClient(config), {sleep: async () => {}})
  const production = fake.seedProduction({secrets: PRODUCTION_SECRETS, version: '14'})
  try {
    // What the clients load is registered in a registry of this test's, not the process's (which later tests redact with).
    return await withSecrets(new SecretRegistry(), async () => fn({client, fake, ledger: new MemoryLedger(), production}))
  } finally {
    fake.uninstall()
    for (const [key, value] of saved) if (value !== undefined) process.env[key] = value
  }
}

async function loadProduction(api: HerokuClient): Promise<AppSnapshot> {
  return loadApp(api, FROM, {...PRODUCTION_LOAD, hosts: false})
}

/** What one run of the fork came to, and where its audit stands in the fake's request journal. */
interface ForkOutcome {
  /** the audit, when the run got to it: its critical count, and the journal's length once it had read everything */
  audit?: {critical: number; endsAt: number}
  error?: Error
  /** releaseFork's reports (release, scale) */
  released?: ForwardStepReport[]
}

/**
 * One `heroku staging:fork --from acme-production --set …` as runFork runs it: load production and
 * any existing --to, check the target, price, plan, execute, audit the fork (verifyFork's check,
 * without DNS), then releaseFork with the audit's verdict (with SET, the audit passes:
 * test/e2e/fork.test.ts shows it on the emulator). Resolves to the error, if any. Each run has its
 * own secret registry, as each command run has.
 */
async function fork(w: World): Promise<Error | undefined> {
  return (await forkWith(w)).error
}

async function forkWith(w: World, flags: Partial<ForkOptions> = {}): Promise<ForkOutcome> {
  return withSecrets(new SecretRegistry(), async () => forkRun(w, flags))
}

async function forkRun(w: World, flags: Partial<ForkOptions>): Promise<ForkOutcome> {
  const outcome: ForkOutcome = {}
  try {
    const api = await w.client()
    const production = await loadProduction(api)
    const existing = await apiOf(api).findApp(TO)
    const target = existing ? {createdAt: existing.created_at, snapshot: await loadApp(api, existing.id, {hosts: false})} : undefined
    const verdict = checkTarget(production, target, {ledger: await w.ledger.get(TO), protectedApps: []})
    if (verdict.kind === 'refuse') return {error: new Error(verdict.message)}
    const forkOptions = options({from: FROM, set: SET, to: TO, ...flags})
    const catalogue = await loadCatalogue(api, servicesToPrice(production, forkOptions.plans))
    const plan = planFork(production, forkOptions, catalogue, {production: [production], target: target?.snapshot})
    if (plan.problems.length > 0) return {error: new Error(plan.problems.map(p => p.message).join(' '))}
    const execute: ExecuteOptions = {client: api, guarded: [production], ledger: w.ledger, plan, poll: POLL, production, resume: RESUME, set: forkOptions.set}
    const result = await executeFork(execute)
    const verification = verifyForkSnapshot(await loadApp(api, TO, {databases: true, formation: true, hosts: false}), production)
    outcome.audit = {critical: verification.critical, endsAt: w.fake.requests.length}
    outcome.released = await releaseFork(execute, verification.critical === 0, result)
    return outcome
  } catch (error) {
    return {...outcome, error: error as Error}
  }
}

function pathOf(request: FakeRequest): string {
  return request.path.replace(/\?.*$/, '')
}

/** The indexes in `requests` of the releases of production's code sent to the fork: `POST /apps/{fork}/releases` with a slug or an OCI image. */
function codeReleases(fake: FakeHeroku, requests: readonly FakeRequest[] = fake.requests): number[] {
  const toFork = new Set(fake.mutating(TO))
  return requests.flatMap((request, index) => {
    const body = (request.body ?? {}) as {oci_image?: unknown; slug?: unknown}
    const release = request.method === 'POST' && /^\/apps\/[^/]+\/releases$/.test(pathOf(request)) && (body.slug !== undefined || body.oci_image !== undefined)
    return release && toFork.has(request) ? [index] : []
  })
}

/** The reports of releaseFork as `id: status`. */
function statuses(reports: readonly ForwardStepReport[] | undefined): string[] {
  return (reports ?? []).map(report => `${report.id}: ${report.status}`)
}

interface CleanRun {
  error?: Error
  /** the clean run's outcome: its audit and where it ended in `requests` */
  outcome: ForkOutcome
  /** every quantity the fork's process types took, with the request that set it */
  dynos: DynoChange[]
  /** the indexes in the journal of the releases of production's code to the fork */
  releases: number[]
  mutating: FakeRequest[]
  /** the clean run's mutating requests as fault rules, in the order sent: the matrix */
  rules: StepRule[]
  state?: Record<string, unknown>
  production: SeededProduction
  productionWrites: FakeRequest[]
  unrouted: string[]
  again?: {error?: Error; mutating: FakeRequest[]; state?: Record<string, unknown>}
}

/** A clean fork, then the same command again. */
async function cleanRun(transport: 'http' | 'in-process'): Promise<CleanRun> {
  return withWorld(async w => {
    const outcome = await forkWith(w)
    const mutating = w.fake.mutating()
    const run: CleanRun = {
      dynos: w.fake.dynoHistory(TO), error: outcome.error, mutating, outcome, production: w.production, productionWrites: w.fake.productionWrites(),
      releases: codeReleases(w.fake), rules: stepRules(mutating), state: w.fake.state(TO), unrouted: [...w.fake.unrouted],
    }
    const before = w.fake.requests.length
    const again = await fork(w)
    run.again = {error: again, mutating: w.fake.requests.slice(before).filter(r => r.mutating), state: w.fake.state(TO)}
    return run
  }, transport)
}

/** The reference run, at load time (mocha declares tests synchronously): the matrix below is made of its requests. */
const clean = await cleanRun('in-process')

describe('fork: executeFork, the audit, then releaseFork against a scripted Heroku', function () {
  describe('a clean fork of the seed incident\'s production', function () {
    it('succeeds: its own database with production\'s rows, the --set values, the slug released, web 1, the pipeline at staging', function () {
      expect(clean.error, clean.error?.stack).to.equal(undefined)
      const state = clean.state ?? {}
      expect(state.addons).to.deep.equal([
        'heroku-postgresql:essential-0 (provisioned) owned by the app',
        'heroku-redis:premium-0 (provisioned) owned by the app',
        'mailgun:starter (provisioned) owned by the app',
        'scheduler:standard (provisioned) owned by the app',
      ])
      expect(state.data).to.deep.equal({DATABASE: clean.production.rows})
      expect(state.config).to.deep.include({...SET, DATABASE_URL: '(add-on)', [FORK_MARKER]: `(id of ${FROM})`, NODE_ENV: 'production'})
      expect(state.release).to.match(new RegExp(`^Forked from ${FROM} v\\d+ \\(with a slug\\)$`))
      expect(state.formation).to.deep.equal(['web 1 Standard-1X', 'worker 0 Standard-1X'])
      expect(state.buildpacks).to.deep.equal(['heroku/nodejs'])
      expect(state.couplings).to.deep.equal(['acme staging'])
      expect(state.transfers).to.deep.equal([`${FROM}::DATABASE → ${TO}::DATABASE: succeeded`])
    })

    it('sent exactly the mutating requests MUTATING_STEPS lists (which test/e2e/fork.test.ts checks against the emulator)', function () {
      expect(asRules(clean.mutating.map(r => ({method: r.method, path: pathOf(r)})))).to.deep.equal(MUTATING_STEPS.map(step => ruleLine(step)).sort())
    })

    it('sent no mutating request to production or its add-ons, and asked only for routes the fake knows', function () {
      expect(clean.mutating.length).to.be.greaterThan(5)
      expect(clean.productionWrites).to.deep.equal([])
      expect(clean.unrouted).to.deep.equal([])
    })

    it('continues as a no-op when run again', function () {
      expect(clean.again?.error, clean.again?.error?.stack).to.equal(undefined)
      expect(clean.again?.mutating).to.deep.equal([])
      expect(clean.again?.state).to.deep.equal(clean.state)
    })

    it('runs the same over node\'s http (nock) as in-process: the same mutating requests, the same end state', async function () {
      const overHttp = await cleanRun('http')
      expect(overHttp.error, overHttp.error?.stack).to.equal(undefined)
      const lines = (run: CleanRun) => asRules(run.mutating.map(r => ({method: r.method, path: pathOf(r)})))
      expect(lines(overHttp)).to.deep.equal(lines(clean))
      expect(overHttp.state).to.deep.equal(clean.state)
      expect(overHttp.again?.mutating).to.deep.equal([])
      expect(overHttp.unrouted).to.deep.equal([])
    })
  })

  describe('production\'s code is released only after the fork\'s audit passed, so no dyno runs before (issue 26)', function () {
    /**
     * Audits that fail, one per kind of critical finding a fork can carry, and what fixes each:
     * a secret of production's given with --set, one copied on purpose, production's database
     * under a name of the fork's own.
     */
    const failing: Array<{broken: (p: SeededProduction) => Partial<ForkOptions>; fixed: Partial<ForkOptions>; name: string}> = [
      {broken: () => ({set: {...SET, STRIPE_API_KEY: PRODUCTION_SECRETS.STRIPE_API_KEY}}), fixed: {}, name: 'a secret of production\'s set with --set'},
      {broken: () => ({copyConfig: ['SECRET_KEY_BASE'], set: {STRIPE_API_KEY: SET.STRIPE_API_KEY!}}), fixed: {}, name: 'a secret copied on purpose (--copy-config)'},
      {broken: p => ({set: {...SET, REPORTING_DATABASE_URL: p.databaseUrl}}), fixed: {set: {...SET, REPORTING_DATABASE_URL: 'postgres://reports:stagingOnly0@reports.staging.invalid:5432/reports'}}, name: 'production\'s database under another name'},
    ]

    it('a passing fork: released, then scaled, both after the audit\'s last read; web starts only then', function () {
      const audit = clean.outcome.audit
      expect(audit?.critical, 'the audit passes').to.equal(0)
      expect(clean.releases, 'one release of production\'s slug').to.have.length(1)
      expect(clean.releases[0], 'the release is sent after the audit').to.be.at.least(audit?.endsAt ?? Number.POSITIVE_INFINITY)
      const running = clean.dynos.filter(change => change.quantity > 0)
      expect(running.map(change => change.type), 'web runs in the end').to.deep.equal(['web'])
      for (const change of clean.dynos) expect(change.request, `${change.type}=${change.quantity} set after the audit`).to.be.at.least(audit?.endsAt ?? Number.POSITIVE_INFINITY)
      expect(statuses(clean.outcome.released)).to.deep.equal(['release: done', 'scale: done'])
    })

    for (const {broken, fixed, name} of failing) {
      it(`a fork whose audit fails (${name}): nothing released, no process type ever above 0; fixed, a re-run releases after its audit and scales`, async function () {
        await withWorld(async w => {
          const failed = await forkWith(w, broken(w.production))
          expect(failed.error, failed.error?.stack).to.equal(undefined)
          expect(failed.audit?.critical, 'the audit fails').to.be.greaterThan(0)
          expect(codeReleases(w.fake), 'no POST /apps/{fork}/releases with a slug').to.deep.equal([])
          expect(w.fake.dynoHistory(TO), 'no process type ever existed, let alone ran').to.deep.equal([])
          expect(w.fake.state(TO)?.formation, 'no formation at all').to.deep.equal([])
          expect(statuses(failed.released)).to.deep.equal(['release: skipped', 'scale: skipped'])
          expect(w.fake.productionWrites()).to.deep.equal([])

          const before = w.fake.requests.length
          const again = await forkWith(w, fixed)
          expect(again.error, again.error?.stack).to.equal(undefined)
          expect(again.audit?.critical, 'fixed, the audit passes').to.equal(0)
          expect(statuses(again.released)).to.deep.equal(['release: done', 'scale: done'])
          const releases = codeReleases(w.fake)
          expect(releases).to.have.length(1)
          expect(releases[0]).to.be.at.least(again.audit?.endsAt ?? Number.POSITIVE_INFINITY).and.at.least(before)
          for (const change of w.fake.dynoHistory(TO)) expect(change.request, `${change.type}=${change.quantity}`).to.be.at.least(again.audit?.endsAt ?? Number.POSITIVE_INFINITY)
          expect(w.fake.state(TO)?.formation).to.deep.equal(clean.state?.formation)
          expect(w.fake.state(TO)?.release).to.equal(clean.state?.release)
          expect(w.fake.productionWrites()).to.deep.equal([])
        })
      })
    }

    it('a fork an earlier run released and scaled, whose audit now fails: every process type back to 0, no new release; fixed, it scales again', async function () {
      await withWorld(async w => {
        expect(await fork(w)).to.equal(undefined)
        const releases = codeReleases(w.fake)
        const failed = await forkWith(w, failing[0]!.broken(w.production))
        expect(failed.audit?.critical).to.be.greaterThan(0)
        expect(statuses(failed.released)).to.deep.equal(['release: skipped', 'scale: done'])
        expect(failed.released?.[1]?.detail).to.equal('released by an earlier run: web back to 0')
        expect(codeReleases(w.fake), 'no new release').to.deep.equal(releases)
        expect(w.fake.state(TO)?.formation).to.deep.equal(['web 0 Standard-1X', 'worker 0 Standard-1X'])
        const again = await forkWith(w)
        expect(again.error, again.error?.stack).to.equal(undefined)
        expect(statuses(again.released)).to.deep.equal(['release: already-done', 'scale: done'])
        expect(codeReleases(w.fake)).to.deep.equal(releases)
        // The config changes wrote releases of their own (as on Heroku): the formation is what this is about.
        expect(w.fake.state(TO)?.formation).to.deep.equal(clean.state?.formation)
      })
    })

    // The hold of an already-released fork is a write of its own: interrupted, a re-run still ends at 0.
    for (const mode of [
      {fails: true, fault: {status: 500, times: Number.POSITIVE_INFINITY}, name: 'refused with 500 on every attempt'},
      {fails: false, fault: {applied: true, drop: true}, name: 'connection dropped after it took effect'},
    ]) {
      it(`holding an already-released fork at 0, ${mode.name}: a re-run ends with every process type at 0`, async function () {
        await withWorld(async w => {
          expect(await fork(w)).to.equal(undefined)
          const scales = w.fake.mutating(TO).filter(r => r.method === 'PATCH' && pathOf(r).endsWith('/formation')).length
          w.fake.addFault({method: 'PATCH', path: '^/apps/[^/]+/formation$', ...mode.fault})
          const first = await forkWith(w, failing[0]!.broken(w.production))
          const hit = w.fake.mutating(TO).filter(r => r.method === 'PATCH' && pathOf(r).endsWith('/formation')).slice(scales)
          expect(hit.map(r => r.status)[0], 'the hold was interrupted').to.equal(mode.fault.drop ? 0 : 500)
          if (mode.fails) expect(first.error, 'the first run fails').to.be.instanceOf(ForkFailedError)
          if (first.error) expect((first.error as ForkFailedError).fix).to.equal(`Re-run the same command to continue where it stopped: ${RESUME}`)
          w.fake.clearFaults()
          const second = await forkWith(w, failing[0]!.broken(w.production))
          expect(second.error, second.error?.stack).to.equal(undefined)
          expect(w.fake.state(TO)?.formation).to.deep.equal(['web 0 Standard-1X', 'worker 0 Standard-1X'])
          expect(w.fake.productionWrites()).to.deep.equal([])
        })
      })
    }
  })

  describe('an interruption at each mutating request of the clean run, then a re-run', function () {
    /**
     * `injected`: the status the fake records for the faulted request (0: the connection dropped);
     * `fails`: every attempt of the step fails (the client's retries included), so the first run must
     * stop with ForkFailedError and say how to resume. A dropped request that took effect may be
     * recognised by a retry or a re-read, so that run may succeed.
     */
    const modes: Array<{fails: boolean; fault: Partial<FakeFault>; injected: number; name: string}> = [
      {fails: true, fault: {status: 500, times: Number.POSITIVE_INFINITY}, injected: 500, name: 'refused with 500 on every attempt'},
      {fails: false, fault: {applied: true, drop: true}, injected: 0, name: 'connection dropped after it took effect'},
    ]

    for (const mode of modes) {
      describe(mode.name, function () {
        for (const rule of clean.rules) {
          it(`${stepName(rule) ?? '(a request MUTATING_STEPS does not list)'}: ${rule.method} ${rule.path} #${rule.nth}`, async function () {
            await withWorld(async w => {
              const production = w.fake.productionState()
              w.fake.addFault({...rule, ...mode.fault})
              const first = await fork(w)
              // The fault hit: a clean run answers none of these with 500 or a drop. Concurrent add-ons
              // arrive in any order, so the faulted request is found by its status, not its position.
              const matching = w.fake.requests.filter(r => r.method === rule.method && new RegExp(rule.path).test(pathOf(r)))
              expect(matching.length, 'the step was reached').to.be.at.least(rule.nth)
              const hit = matching.filter(r => r.status === mode.injected)
              expect(hit.length, `${ruleLine(rule)} answered ${mode.injected}: ${matching.map(r => r.status).join(' ')}`).to.be.at.least(1)
              if (mode.fault.drop) expect(hit, 'one dropped connection').to.have.length(1)
              if (mode.fails) expect(first, 'the first run fails').to.be.instanceOf(Error)
              if (first) {
                expect(first, first.stack).to.be.instanceOf(ForkFailedError)
                const failed = first as ForkFailedError
                expect(failed.exit).to.equal(ExitCode.Failed)
                expect(failed.fix).to.equal(`Re-run the same command to continue where it stopped: ${RESUME}`)
              }

              w.fake.clearFaults()
              const second = await fork(w)
              expect(second, second?.stack).to.equal(undefined)
              expect(w.fake.state(TO)).to.deep.equal(clean.state)
              expect(w.fake.productionWrites()).to.deep.equal([])
              expect(w.fake.productionState()).to.deep.equal(production)
              expect(w.fake.unrouted).to.deep.equal([])
            })
          })
        }
      })
    }
  })

  describe('what the matrix compares can tell a difference', function () {
    it('a second add-on or release, and a write to production, each show; a second coupling is refused, as on Heroku', async function () {
      await withWorld(async w => {
        expect(await fork(w)).to.equal(undefined)
        expect(w.fake.state(TO)).to.deep.equal(clean.state)
        const production = w.fake.productionState()
        // Unguarded: the client a mistaken executor would write through.
        const api = apiOf(await w.client())
        const forkId = (await api.app(TO)).id
        await api.createAddon(forkId, {attachment: {name: 'HEROKU_POSTGRESQL_ROSE'}, plan: {name: 'heroku-postgresql:essential-0'}})
        expect((w.fake.state(TO) ?? {}).addons).to.have.length(5)
        await withWorld(async other => {
          expect(await fork(other)).to.equal(undefined)
          const again = apiOf(await other.client())
          const description = String(clean.state?.release).replace(' (with a slug)', '')
          await again.createRelease((await again.app(TO)).id, {description, slug: other.production.slugId})
          expect(other.fake.state(TO)).to.not.deep.equal(clean.state)
          expect((other.fake.state(TO) ?? {}).releases).to.include.members(clean.state?.releases as string[])
        })
        await api.updateConfigVars(w.production.app.id, {NODE_ENV: 'production'})
        expect(w.fake.productionWrites().map(r => `${r.method} ${r.path}`)).to.deep.equal([`PATCH /apps/${w.production.app.id}/config-vars`])
        expect(w.fake.productionState(), 'an unchanged value writes no release').to.deep.equal(production)
        await api.updateConfigVars(FROM, {NODE_ENV: 'staging'})
        expect(w.fake.productionState()).to.not.deep.equal(production)
        const coupling = await api.createCoupling({app: forkId, pipeline: w.production.pipeline.id, stage: 'staging'}).then(() => 'created', (error: Error) => error.message)
        expect(coupling, 'an app is in one pipeline at most, as on Heroku').to.equal(`${TO} is already in a pipeline.`)
      })
    })

    it('a request to a route the fake does not know is answered 404 and listed', async function () {
      await withWorld(async w => {
        const missing = await apiOf(await w.client()).reviewApps(w.production.pipeline.id).then(() => 'answered', (error: Error & {status?: number}) => error.status)
        expect(missing).to.equal(404)
        expect(w.fake.unrouted).to.deep.equal([`GET /pipelines/${w.production.pipeline.id}/review-apps`])
      })
    })
  })

  describe('destroyFork (--destroy-on-failure)', function () {
    it('deletes the app this run created, and its add-ons with it', async function () {
      await withWorld(async w => {
        w.fake.addFault({method: 'POST', path: '^/apps/[^/]+/releases$', status: 500, times: Number.POSITIVE_INFINITY})
        const failed = await fork(w)
        expect(failed).to.be.instanceOf(ForkFailedError)
        const {result} = failed as ForkFailedError
        expect(result.created).to.equal(true)
        expect(result.app?.name).to.equal(TO)
        const api = await w.client()
        await destroyFork(api, await loadProduction(api), result.app!, result.created)
        expect(w.fake.state(TO)).to.equal(undefined)
        expect(w.fake.mutating().filter(r => r.method === 'DELETE').map(r => r.path)).to.deep.equal([`/apps/${result.app?.id}`])
        expect(w.fake.productionWrites()).to.deep.equal([])
      })
    })

    it('deletes an app of an earlier run that carries this fork\'s marker', async function () {
      await withWorld(async w => {
        expect(await fork(w)).to.equal(undefined)
        const api = await w.client()
        const app = await apiOf(api).app(TO)
        await destroyFork(api, await loadProduction(api), {id: app.id, name: app.name}, false)
        expect(w.fake.state(TO)).to.equal(undefined)
      })
    })

    it('refuses an app it did not create that lacks the marker, sending no DELETE', async function () {
      await withWorld(async w => {
        expect(await fork(w)).to.equal(undefined)
        const api = await w.client()
        const app = await apiOf(api).app(TO)
        await apiOf(api).updateConfigVars(app.id, {[FORK_MARKER]: null})
        const refused = await destroyFork(api, await loadProduction(api), {id: app.id, name: app.name}, false).then(() => undefined, (error: Error) => error)
        expect(refused?.message).to.equal(`Not destroying ${TO}: it does not carry this fork's marker.`)
        expect((refused as Error & {exit?: number}).exit).to.equal(ExitCode.Refused)
        expect(w.fake.mutating().filter(r => r.method === 'DELETE')).to.deep.equal([])
        expect(w.fake.state(TO)).to.not.equal(undefined)
      })
    })

    it('never deletes production, even when told it created it: the guard refuses before the request leaves', async function () {
      await withWorld(async w => {
        const api = await w.client()
        const production = await loadProduction(api)
        const refused = await destroyFork(api, production, {id: production.app.id, name: production.app.name}, true).then(() => undefined, (error: Error) => error)
        expect(refused?.name).to.equal('ProductionMutationError')
        expect(w.fake.mutating()).to.deep.equal([])
        expect(w.fake.state(FROM)).to.not.equal(undefined)
      })
    })
  })
})
