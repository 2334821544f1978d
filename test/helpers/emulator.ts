/**
 * Helpers for end-to-end tests against the local Heroku emulator (emulator/index.ts):
 * start one on a random port (`useEmulator` does it as mocha hooks), point the plugin's in-process
 * commands (`withEmulatorEnv`) or the real `heroku` binary (`useEmulator({cli})`, ./heroku-cli.ts) at it,
 * build the topologies the tests need (the seed incident, a clean pair) and read its journal.
 * Rows: ./db.ts. HTTP: ./api.ts.
 *
 * These exports are a contract for every e2e suite and for bench/ and demo/: add to them, never break them.
 */

import {mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {expect} from 'chai'
import nock from 'nock'

import {startEmulator} from '../../emulator/index.js'
import type {Account, Emulator, EmulatorOptions, JournalEntry} from '../../emulator/types.js'
import {type ApiClient, apiClient} from './api.js'
import {checksum} from './db.js'
import {HerokuCli} from './heroku-cli.js'

export type {Account, Emulator, EmulatorOptions, FaultRule, JournalEntry, SeedFixture} from '../../emulator/types.js'

/** Starts an emulator on a random port. Stop it in `after()` with `await emu.stop()`. */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  // init.ts allows 127.0.0.1 only; particleboard is reached as localhost (see emulator env).
  nock.enableNetConnect(host => /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host))
  return startEmulator({port: 0, ...options})
}

/** The env vars that point a Heroku client at the emulator, as `account` (default accounts[0]). */
export function emulatorEnv(emu: Emulator, account: Account = emu.accounts[0]!): Record<string, string> {
  return {...emu.env, HEROKU_API_KEY: account.token}
}

/**
 * Runs `fn` with process.env pointing at the emulator (HEROKU_HOST, HEROKU_DATA_HOST=127.0.0.1,
 * HEROKU_API_KEY, HEROKU_PARTICLEBOARD_URL, DISABLE_TELEMETRY), then restores the env exactly.
 * Use it around `runCommand(...)` of the plugin's commands.
 */
export async function withEmulatorEnv<T>(emu: Emulator, fn: () => Promise<T>, account?: Account): Promise<T> {
  const vars = emulatorEnv(emu, account)
  const saved = new Map(Object.keys(vars).map(key => [key, process.env[key]]))
  Object.assign(process.env, vars)
  try {
    return await fn()
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

// ---------------------------------------------------------------------- mocha hooks

/**
 * How long a new add-on takes to provision under `provisioning: 'realistic'`: a few seconds, so every wait
 * and poll path of the plugin (add-on state, wait_status) runs over HTTP, as against Heroku where a
 * database takes minutes. Seeding stays immediate.
 */
export const REALISTIC_PROVISION_DELAY_MS = 3000

/**
 * How long a new add-on takes under `provisioning: 'short'`: above zero, so every add-on is still `creating`
 * when first read and the plugin's polls (first look, then 200 ms, 300 ms...) run at least twice, and an
 * ordering bug (using a database before it is available) still shows; short enough that a fork of five
 * add-ons does not wait a minute. The default choice for e2e suites; 'realistic' is for tests whose
 * subject is the waiting itself.
 */
export const SHORT_PROVISION_DELAY_MS = 300

/**
 * The default of suites that do not choose. Every test/e2e suite asks for `'short'` itself (pg-fork
 * and refresh-fork set a delay of their own; `'realistic'` only where the wait is what is tested);
 * test/cli and test/emulator drive the stock CLI and the emulator's own routes, and stay `'instant'`
 * unless a test sets a delay.
 * `HEROKU_EMULATOR_PROVISIONING=realistic` (or `short`, `instant`) overrides the default for one run.
 */
export const DEFAULT_PROVISIONING: 'instant' | 'realistic' | 'short' = 'instant'

export type ProvisioningMode = 'instant' | 'realistic' | 'short'

function provisioningMode(option: ProvisioningMode | undefined): ProvisioningMode {
  if (option) return option
  const fromEnv = process.env.HEROKU_EMULATOR_PROVISIONING
  if (fromEnv === 'instant' || fromEnv === 'realistic' || fromEnv === 'short') return fromEnv
  return DEFAULT_PROVISIONING
}

/** The emulator's provisionDelayMs for a provisioning mode. */
export function provisionDelayFor(mode: ProvisioningMode): number {
  return mode === 'realistic' ? REALISTIC_PROVISION_DELAY_MS : mode === 'short' ? SHORT_PROVISION_DELAY_MS : 0
}

export interface UseEmulatorOptions<T> {
  /** `'link'`: also a real `heroku` binary with this plugin linked (`fixture.cli`); `'none'`: the stock CLI alone */
  cli?: 'installed' | 'link' | 'none'
  /** added to the emulator's env for that CLI */
  cliEnv?: Record<string, string>
  /** passed to `startTestEmulator` (its `provisionDelayMs` wins over `provisioning`) */
  emulator?: EmulatorOptions
  /**
   * `'once'` (default): started and seeded once for the block, tests share the state;
   * `'each'`: `reset()` and seeded again before every test of the block.
   */
  fresh?: 'each' | 'once'
  /**
   * `'realistic'`: add-ons created by requests provision after REALISTIC_PROVISION_DELAY_MS (kept across
   * `reset()`), for tests whose subject is waiting; `'short'`: after SHORT_PROVISION_DELAY_MS, for the rest
   * of e2e; `'instant'`: at once. Default DEFAULT_PROVISIONING, or HEROKU_EMULATOR_PROVISIONING.
   */
  provisioning?: ProvisioningMode
  /** builds the state the block starts from; its result is `fixture.seeded` (the journal is cleared after it) */
  seed?: (emu: Emulator) => Promise<T>
}

export interface EmulatorFixture<T> {
  /** a JSON client for the emulator as accounts[0]; may be taken at describe time */
  readonly api: ApiClient
  /** the real `heroku` binary pointed at the emulator (only with the `cli` option) */
  readonly cli: HerokuCli
  readonly emu: Emulator
  /** what `seed` returned for the current test */
  readonly seeded: T
  /** `reset()`, seed again (with the option's `seed`, or this one), clear the journal; returns what was seeded */
  reseed(): Promise<T>
  reseed<U>(seed: (emu: Emulator) => Promise<U>): Promise<U>
}

/**
 * One emulator for a describe block: registers `before` (start, optional CLI, seed), `afterEach`
 * (fault rules cleared) and `after` (CLI home removed, emulator stopped). Call it at the top of the
 * `describe`; read the fixture's fields inside hooks and tests only.
 */
export function useEmulator<T = undefined>(options: UseEmulatorOptions<T> = {}): EmulatorFixture<T> {
  let emu: Emulator | undefined
  let cli: HerokuCli | undefined
  let seeded: T | undefined
  let isSeeded = false
  const need = <V>(value: V | undefined, what: string): V => {
    if (value === undefined) throw new Error(`useEmulator: ${what} is not there (read the fixture inside hooks and tests${what === 'cli' ? ', and pass the cli option' : ''})`)
    return value
  }

  const seed = async (): Promise<void> => {
    if (!options.seed) return
    seeded = await options.seed(emu!)
    isSeeded = true
    emu!.clearJournal()
  }

  async function reseed(): Promise<T>
  async function reseed<U>(other: (emu: Emulator) => Promise<U>): Promise<U>
  async function reseed<U>(other?: (emu: Emulator) => Promise<U>): Promise<T | U> {
    const running = need(emu, 'emu')
    await running.reset()
    if (!other) {
      await seed()
      return seeded as T
    }

    const value = await other(running)
    running.clearJournal()
    return value
  }

  before(async function () {
    const delay = provisionDelayFor(provisioningMode(options.provisioning))
    emu = await startTestEmulator({provisionDelayMs: delay, ...options.emulator})
    if (options.cli) cli = await HerokuCli.create({env: {...emu.env, ...options.cliEnv}, plugin: options.cli})
    if (options.fresh !== 'each') await seed()
  })

  if (options.fresh === 'each') {
    beforeEach(async function () {
      await emu!.reset()
      await seed()
    })
  }

  afterEach(function () {
    emu?.clearFaults()
  })

  after(async function () {
    await cli?.cleanup()
    await emu?.stop()
  })

  // Safe to take at describe time (`const api = fixture.api`): it finds the emulator when called.
  const api: ApiClient = async (method, pathname, body, headers) => apiClient(need(emu, 'emu'))(method, pathname, body, headers)
  return {
    api,
    get cli() {
      return need(cli, 'cli')
    },
    get emu() {
      return need(emu, 'emu')
    },
    reseed,
    get seeded() {
      if (!isSeeded) throw new Error('useEmulator: nothing seeded yet (pass the seed option)')
      return seeded as T
    },
  }
}

export interface SharedSeed<T> {
  /** what the seed returned (inside hooks and tests) */
  readonly seeded: T
  /**
   * Asserts that nothing changed since the seed: no mutating request in the journal, and every watched
   * database's rows (`checksum`, ./db.ts) as they were right after the seed.
   */
  expectUnchanged(message?: string): Promise<void>
  /** The next test starts from a new seed (for a test that changed something on purpose). */
  invalidate(): void
  /**
   * Within a test: seeds again now if anything changed since the seed (a mutating request, or a watched
   * database's rows), then clears the journal; true when it seeded. For a test that runs one command twice
   * (once through each installation) from the same state.
   */
  reseedIfChanged(): Promise<boolean>
}

/**
 * The databases a shared seed or a batch watches, and their row checksums; a database gone or unreachable
 * reads as `unreadable: …`, so it shows as changed.
 */
function watchedDatabases<T>(fixture: EmulatorFixture<unknown>, databases: readonly string[] | ((seeded: T) => readonly string[]), seeded: () => T): {checksums: () => Promise<Record<string, string>>; watched: () => readonly string[]} {
  const watched = (): readonly string[] => (typeof databases === 'function' ? databases(seeded()) : databases)
  const checksums = async (): Promise<Record<string, string>> => {
    const sums: Record<string, string> = {}
    for (const name of watched()) sums[name] = await checksum(fixture.emu.databaseUrl(name)).catch((error: Error) => `unreadable: ${error.message}`)
    return sums
  }

  return {checksums, watched}
}

/**
 * One seed shared by the tests of a block that each assert that nothing changed (refusals, dry runs): it is
 * seeded before the first test and seeded again only when a test left it changed, that is when the test
 * failed, sent a mutating request (the journal), changed a watched database's rows, or called `invalidate()`. Each test starts with an empty
 * journal and the fault rules cleared. `databases` names the Postgres add-ons whose rows `expectUnchanged`
 * compares (a command that writes a database directly, as pg:push does, shows there and not in the journal);
 * a test whose expectUnchanged fails fails, so the next one is seeded again.
 * Call it at the top of a `describe`, after `useEmulator` (in it or in an enclosing block).
 */
export function useSharedSeed<T>(fixture: EmulatorFixture<unknown>, seed: (emu: Emulator) => Promise<T>, databases: readonly string[] | ((seeded: T) => readonly string[]) = []): SharedSeed<T> {
  let seeded: T | undefined
  let isSeeded = false
  let dirty = true
  let baseline: Record<string, string> = {}
  const {checksums, watched} = watchedDatabases(fixture, databases, () => seeded as T)

  const fresh = async (): Promise<void> => {
    seeded = await fixture.reseed(seed)
    isSeeded = true
    baseline = await checksums()
    dirty = false
  }

  const changed = async (): Promise<boolean> => mutating(fixture.emu).length > 0
    || JSON.stringify(await checksums()) !== JSON.stringify(baseline)

  beforeEach(async function () {
    const {emu} = fixture
    emu.clearFaults()
    if (dirty) await fresh()
    emu.clearJournal()
  })

  // Whether the running test's expectUnchanged passed, with nothing mutating sent after it: no second checksum then.
  let verified = false
  let verifiedRequests = 0
  afterEach(async function () {
    const provenUnchanged = verified && mutating(fixture.emu).length === 0 && fixture.emu.journal().length === verifiedRequests
    verified = false
    if (!dirty && (this.currentTest?.state !== 'passed' || (!provenUnchanged && (await changed())))) dirty = true
  })

  return {
    async expectUnchanged(message?: string) {
      const prefix = message ? `${message}: ` : ''
      expect(requestLines(mutating(fixture.emu)), `${prefix}mutating requests`).to.deep.equal([])
      expect(await checksums(), `${prefix}rows of ${watched().join(', ')}`).to.deep.equal(baseline)
      verified = true
      verifiedRequests = fixture.emu.journal().length
    },
    invalidate() {
      dirty = true
    },
    async reseedIfChanged() {
      const again = dirty || (await changed())
      if (again) await fresh()
      fixture.emu.clearJournal()
      return again
    },
    get seeded() {
      if (!isSeeded) throw new Error('useSharedSeed: read `seeded` inside hooks and tests')
      return seeded as T
    },
  }
}

export interface BatchStep<R> {
  /** the mutating requests the step sent, as `requestLines` (the journal is cleared before each step) */
  readonly mutating: string[]
  /** what the step returned */
  readonly result: R
}

export interface Batch<T, R> {
  /** Adds a step, at describe time. The steps run once, in the order added, in the block's `before`. */
  add(key: string, step: () => Promise<R>): void
  /**
   * Asserts that the batch as a whole changed nothing: no step sent a mutating request, and every watched
   * database's rows (`checksum`) are, after the last step, as they were right after the seed.
   */
  expectUnchanged(message?: string): void
  /** What the step added as `key` did (inside tests). */
  get(key: string): BatchStep<R>
  /** what the seed returned (inside hooks, steps and tests) */
  readonly seeded: T
}

/**
 * One seed, then several commands one after the other, run once in the block's `before`; the tests then
 * assert on what each did (`get`). Each step starts with an empty journal, and what it sent is kept with its
 * result. The state is NOT restored between steps, so a batch holds either:
 * - steps that must each change nothing (refusals): `expectUnchanged` proves it for all of them at once, with
 *   the journal of every step and the watched databases' rows after the last one; a step that did change
 *   something fails every test of the batch, never none;
 * - or steps whose targets are disjoint: each starts from the seed plus what the steps before it did, which
 *   is the same in two batches of the same steps (the stock CLI's and the plugin's, compared step by step).
 * The next block that seeds starts over (`reseed`). Call it at the top of a `describe`, after `useEmulator`.
 */
export function useBatch<T, R>(fixture: EmulatorFixture<unknown>, seed: (emu: Emulator) => Promise<T>, databases: readonly string[] | ((seeded: T) => readonly string[]) = []): Batch<T, R> {
  const steps: Array<{key: string; run: () => Promise<R>}> = []
  const done = new Map<string, BatchStep<R>>()
  let seeded: T | undefined
  let isSeeded = false
  let baseline: Record<string, string> = {}
  let after: Record<string, string> | undefined
  const {checksums, watched} = watchedDatabases(fixture, databases, () => seeded as T)

  before(async function () {
    // Each step is one or two CLI runs: give the batch the time its steps would have had as tests.
    this.timeout(Math.max(this.timeout(), 60_000 * (steps.length + 1)))
    done.clear()
    seeded = await fixture.reseed(seed)
    isSeeded = true
    baseline = await checksums()
    for (const {key, run} of steps) {
      fixture.emu.clearJournal()
      fixture.emu.clearFaults()
      const result = await run()
      done.set(key, {mutating: requestLines(mutating(fixture.emu)), result})
    }

    after = await checksums()
    fixture.emu.clearJournal()
  })

  return {
    add(key: string, run: () => Promise<R>) {
      if (steps.some(step => step.key === key)) throw new Error(`useBatch: two steps named ${key}`)
      steps.push({key, run})
    },
    expectUnchanged(message?: string) {
      const prefix = message ? `${message}: ` : ''
      const sent = [...done].flatMap(([key, step]) => step.mutating.map(line => `${key}: ${line}`))
      expect(sent, `${prefix}mutating requests of the batch (${sent.join('; ')})`).to.deep.equal([])
      expect(after, `${prefix}rows of ${watched().join(', ')} after the batch`).to.deep.equal(baseline)
    },
    get(key: string): BatchStep<R> {
      const step = done.get(key)
      if (!step) throw new Error(`useBatch: no step ${key} ran (add it at describe time; read it inside tests)`)
      return step
    },
    get seeded() {
      if (!isSeeded) throw new Error('useBatch: read `seeded` inside hooks, steps and tests')
      return seeded as T
    },
  }
}

/**
 * For commands run in-process (`runCommand`): before each test (and before the block's `before` hooks)
 * `process.exitCode` is cleared, HEROKU_APP unset and HEROKU_CONFIG_DIR (where `staging:protect` keeps its
 * list) a new empty directory; all restored after the block. A block that runs its command once in `before`
 * must read `process.exitCode` there: it is cleared before each test.
 */
export function isolateCommandEnv(): void {
  const saved: Record<string, string | undefined> = {}
  const isolate = (): void => {
    process.exitCode = undefined
    delete process.env.HEROKU_APP
    process.env.HEROKU_CONFIG_DIR = mkdtempSync(path.join(os.tmpdir(), 'heroku-staging-config-'))
  }

  // Isolated from `before` on too, for blocks that run a command once in their own `before`.
  before(function () {
    for (const key of ['HEROKU_APP', 'HEROKU_CONFIG_DIR']) saved[key] = process.env[key]
    isolate()
  })

  beforeEach(isolate)

  afterEach(function () {
    process.exitCode = undefined
  })

  after(function () {
    process.exitCode = undefined
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  })
}

// ---------------------------------------------------------------------- the journal

/** Mutating requests in the journal (POST/PATCH/PUT/DELETE on Heroku routes), or only those to `app`. */
export function mutating(emu: Emulator, app?: string): JournalEntry[] {
  return emu.journal().filter(entry => entry.mutating && (app === undefined || entry.app === app))
}

/**
 * Mutating requests that reached production or one of its add-ons: by the app or add-on the emulator
 * resolved, or by a name (or production's app id) anywhere in the path.
 */
export function productionWrites(emu: Emulator, topology: Topology, productionId?: string): JournalEntry[] {
  const {app, database, mail, redis, scheduler} = topology.production
  const names = new Set([app, database, redis, scheduler, mail])
  return mutating(emu).filter(entry => names.has(entry.app ?? '') || names.has(entry.addon ?? '')
    || entry.path.split('/').some(segment => names.has(segment) || segment === productionId))
}

const UUID = /[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}/gi

/** `METHOD /path` lines with every id as `<id>`, to compare requests across runs. */
export function requestLines(entries: JournalEntry[]): string[] {
  return entries.map(entry => `${entry.method} ${entry.path.replaceAll(UUID, '<id>')}`)
}

// ---------------------------------------------------------------------- topologies

export const INCIDENT_ROWS = {orders: 3000, users: 2000}

/** SQL that creates the production schema with `INCIDENT_ROWS` deterministic rows. */
export const PRODUCTION_SQL = `
CREATE TABLE users (
  id serial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO users (email, name, created_at)
  SELECT 'user' || g || '@example.com', 'User ' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour'
  FROM generate_series(1, ${INCIDENT_ROWS.users}) g;
CREATE TABLE orders (
  id serial PRIMARY KEY,
  user_id int NOT NULL REFERENCES users(id),
  total_cents int NOT NULL,
  status text NOT NULL
);
INSERT INTO orders (user_id, total_cents, status)
  SELECT 1 + (g % ${INCIDENT_ROWS.users}), (g * 37) % 100000, CASE WHEN g % 10 = 0 THEN 'refunded' ELSE 'paid' END
  FROM generate_series(1, ${INCIDENT_ROWS.orders}) g;
CREATE INDEX orders_user_id ON orders (user_id);
`

export const PRODUCTION_SECRETS = {
  SECRET_KEY_BASE: 'c0ffee5ecret0base0for0acme0production0do0not0share0000000000000000',
  STRIPE_API_KEY: 'sk_live_acmeProduction0000000000000000',
}

export interface ProductionTopology {
  app: string
  /** the Postgres add-on attached as DATABASE (owned by production) */
  database: string
  databaseUrl: string
  mail: string
  redis: string
  scheduler: string
}

export interface StagingTopology {
  app: string
  /** staging's own Postgres add-on */
  database: string
  /** the attachment name of staging's own database (`HEROKU_POSTGRESQL_ROSE` in the incident, `DATABASE` when clean) */
  databaseAttachment: string
  databaseUrl: string
  /** staging's own Redis add-on (clean pair only; in the incident staging uses production's) */
  redis?: string
}

export interface Topology {
  pipeline: string
  production: ProductionTopology
  /** rows in production's `users` and `orders` tables */
  rows: typeof INCIDENT_ROWS
  secrets: typeof PRODUCTION_SECRETS
  staging: StagingTopology
}

export interface TopologyOptions {
  /** app and pipeline prefix (default `acme`): apps `<prefix>-production` and `<prefix>-staging` */
  prefix?: string
  /** Postgres major of both databases (default `16`) */
  version?: string
}

async function seedProduction(emu: Emulator, prefix: string, version: string): Promise<ProductionTopology> {
  const app = `${prefix}-production`
  const names = {database: `${prefix}-production-db`, mail: `${prefix}-production-mailgun`, redis: `${prefix}-production-redis`, scheduler: `${prefix}-production-scheduler`}
  await emu.seed({
    addons: [
      {app, as: 'DATABASE', name: names.database, plan: 'heroku-postgresql:standard-0', sql: PRODUCTION_SQL, version},
      {app, name: names.redis, plan: 'heroku-redis:premium-0'},
      {app, name: names.scheduler, plan: 'scheduler:standard'},
      {app, name: names.mail, plan: 'mailgun:starter'},
    ],
    apps: [{
      buildpacks: ['heroku/nodejs'],
      config: {...PRODUCTION_SECRETS, NODE_ENV: 'production'},
      formation: [{quantity: 2, size: 'Standard-1X', type: 'web'}, {quantity: 1, size: 'Standard-1X', type: 'worker'}],
      name: app,
    }],
  })
  return {app, ...names, databaseUrl: emu.databaseUrl(names.database)}
}

/**
 * The seed incident: `acme-production` (pipeline `acme`, stage production) with a real
 * Postgres as DATABASE holding a few thousand rows, a Redis, a scheduler, a Mailgun, secrets and
 * a web/worker formation; and `acme-staging` (stage staging) whose DATABASE_URL is a PLAIN config
 * var equal to production's database URL, while its own new database sits under
 * HEROKU_POSTGRESQL_ROSE, with production's secrets copied and production's Redis attached.
 */
export async function seedIncident(emu: Emulator, options: TopologyOptions = {}): Promise<Topology> {
  const prefix = options.prefix ?? 'acme'
  const version = options.version ?? '16'
  const production = await seedProduction(emu, prefix, version)
  const app = `${prefix}-staging`
  const database = `${prefix}-staging-db`
  await emu.seed({
    addons: [{app, as: 'HEROKU_POSTGRESQL_ROSE', name: database, plan: 'heroku-postgresql:essential-0', version}],
    apps: [{
      buildpacks: ['heroku/nodejs'],
      config: {...PRODUCTION_SECRETS, DATABASE_URL: production.databaseUrl, NODE_ENV: 'staging'},
      formation: [{quantity: 1, size: 'Basic', type: 'web'}, {quantity: 0, size: 'Basic', type: 'worker'}],
      name: app,
    }],
    attachments: [{addon: production.redis, app}],
    pipelines: [{apps: {[production.app]: 'production', [app]: 'staging'}, name: prefix}],
  })
  return {
    pipeline: prefix,
    production,
    rows: INCIDENT_ROWS,
    secrets: PRODUCTION_SECRETS,
    staging: {app, database, databaseAttachment: 'HEROKU_POSTGRESQL_ROSE', databaseUrl: emu.databaseUrl(database)},
  }
}

/** Production as in the incident, plus a correctly separated staging: own DATABASE, own Redis, own secrets. */
export async function seedCleanPair(emu: Emulator, options: TopologyOptions = {}): Promise<Topology> {
  const prefix = options.prefix ?? 'acme'
  const version = options.version ?? '16'
  const production = await seedProduction(emu, prefix, version)
  const app = `${prefix}-staging`
  const database = `${prefix}-staging-db`
  const redis = `${prefix}-staging-redis`
  await emu.seed({
    addons: [
      {app, as: 'DATABASE', name: database, plan: 'heroku-postgresql:essential-0', version},
      {app, name: redis, plan: 'heroku-redis:mini'},
    ],
    apps: [{
      buildpacks: ['heroku/nodejs'],
      config: {NODE_ENV: 'staging', SECRET_KEY_BASE: 'staging0only0secret0key0base000000000000000000000000000000000000', STRIPE_API_KEY: 'sk_test_acmeStaging000000000000000000'},
      formation: [{quantity: 1, size: 'Basic', type: 'web'}, {quantity: 0, size: 'Basic', type: 'worker'}],
      name: app,
    }],
    pipelines: [{apps: {[production.app]: 'production', [app]: 'staging'}, name: prefix}],
  })
  return {
    pipeline: prefix,
    production,
    rows: INCIDENT_ROWS,
    secrets: PRODUCTION_SECRETS,
    staging: {app, database, databaseAttachment: 'DATABASE', databaseUrl: emu.databaseUrl(database), redis},
  }
}
