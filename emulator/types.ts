/**
 * The emulator's programmatic contract. Tests, benchmarks and the demo start it in-process with
 * `startEmulator()` (emulator/index.ts) and drive it over HTTP like Heroku, plus these controls.
 * The same controls are served over HTTP under `/__emulator/*`, never mixed with Heroku's routes.
 */

export interface EmulatorOptions {
  /** 0 or undefined: a random free port */
  port?: number
  /** keep state (and the PostgreSQL cluster) across restarts; without it everything is temporary */
  dataDir?: string
  /** delay before an add-on goes from `provisioning` to `provisioned` (default 0) */
  provisionDelayMs?: number
  /** latency added to every Heroku route (default 0) */
  latencyMs?: number
  /** rate-limit budget per account; 429 `rate_limit` once spent (default: unlimited) */
  rateLimit?: number
  /** log each request to stderr */
  verbose?: boolean
}

export interface Account {
  email: string
  id: string
  /** the Bearer token that authenticates as this account */
  token: string
}

export interface JournalEntry {
  seq: number
  /** ISO time the request arrived */
  time: string
  method: string
  path: string
  /** the app the request resolved to (by name), if any: path app, body app, or the add-on's owning app */
  app?: string
  /** the add-on the request touched (by name), if any */
  addon?: string
  /** `platform`, `data` or `control` */
  api: 'control' | 'data' | 'platform'
  account?: string
  status: number
  durationMs: number
  /**
   * true for POST, PATCH, PUT and DELETE on Heroku routes, except the read-only lookups Heroku
   * serves with POST (`/actions/addon-attachments/resolve`, `/actions/addons/resolve`, `/filters/*`)
   */
  mutating: boolean
}

export interface FaultRule {
  method?: string
  /** a RegExp source matched against the path, e.g. `^/apps/[^/]+/addons$` */
  path: string
  /** only requests made with this API token (one account's, or one user's) */
  token?: string
  /** fire on the Nth matching request (1-based); default 1 */
  nth?: number
  /** how many times to fire from the Nth on; default 1 */
  times?: number
  /** answer this status with a Heroku error body */
  status?: number
  /** drop the connection without answering */
  drop?: boolean
  /** add this much latency before answering normally */
  delayMs?: number
  /**
   * with `status` or `drop`: let the request take effect first, then answer the fault or drop the
   * connection (the change happened but the client never hears of it). Default false: refused before it runs.
   */
  applied?: boolean
}

/** A topology to load in one call; provisioning is immediate and each database is real. */
/**
 * Filler for an account of realistic size, seeded in one pass (the per-item `seed` checks names and
 * writes a release per attachment, which takes minutes for thousands): `count` apps named
 * `PREFIX-N` owned by accounts[0], each with one add-on per plan in `plans` (not Postgres: no database
 * is created) and `config`. No releases, no formation.
 */
export interface BulkSeed {
  config?: Record<string, string>
  count: number
  plans?: string[]
  prefix: string
}

export interface SeedFixture {
  /** spaces, created before the apps; an app in a `fir` space is a Fir app (OCI images, no buildpacks or stack) */
  spaces?: Array<{name: string; generation?: 'cedar' | 'fir'; owner?: string; region?: string; shield?: boolean; team?: string}>
  apps?: Array<{
    name: string
    /** a space seeded above (its generation becomes the app's) */
    space?: string
    /** account email; default the first account */
    owner?: string
    region?: string
    stack?: string
    team?: string
    config?: Record<string, string>
    formation?: Array<{type: string; quantity: number; size?: string}>
    buildpacks?: string[]
    /** give the app a release with a slug (default true) */
    release?: boolean
    maintenance?: boolean
  }>
  addons?: Array<{
    app: string
    /** `heroku-postgresql:essential-0`, `heroku-redis:mini`, `scheduler:standard`, … */
    plan: string
    name?: string
    /** the attachment name; default as Heroku picks it */
    as?: string
    /** Postgres major version */
    version?: string
    /** SQL run in the new database once it exists (not for a follower, which is read-only) */
    sql?: string
    /**
     * make it a read-only follower of this leader (an add-on seeded before it, on a standard or higher
     * plan): the leader's data is copied in once, as `addons:create … -- --follow LEADER` does
     */
    follow?: string
    /** make it a fork of this add-on (seeded before it, standard or higher): its data copied once, writable */
    fork?: string
    /** Postgres Advanced (`heroku-postgresql:advanced*`): the leader level, default `4G-Performance` */
    level?: string
  }>
  attachments?: Array<{app: string; addon: string; as?: string}>
  pipelines?: Array<{
    name: string
    apps: Record<string, 'development' | 'production' | 'review' | 'staging' | 'test'>
    /** config vars the pipeline gives every review app (`review`) and every Heroku CI run (`test`) */
    stageConfig?: {review?: Record<string, string>; test?: Record<string, string>}
    /**
     * review apps made as `POST /review-apps` makes them (after `stageConfig`, whose review vars they get),
     * coupled at stage review; `name` instead of Heroku's generated one, `config` as the POST's `environment`.
     * Seed their add-ons in a second seed call (add-ons are seeded before pipelines).
     */
    reviewApps?: Array<{branch: string; config?: Record<string, string>; name?: string; prNumber?: number}>
  }>
  collaborators?: Array<{app: string; email: string}>
}

export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  url: string
  port: number
  /** accounts[0] owns what seed creates by default; accounts[1] is a stranger */
  accounts: Account[]
  /** the environment that points the stock CLI (and this plugin) at the emulator as accounts[0] */
  env: Record<string, string>
  journal(): JournalEntry[]
  clearJournal(): void
  reset(): Promise<void>
  seed(fixture: SeedFixture): Promise<void>
  /** many plain apps at once, for account-size benchmarks (see BulkSeed); returns their names */
  seedBulk(spec: BulkSeed): string[]
  addFault(rule: FaultRule): void
  clearFaults(): void
  setLatency(ms: number): void
  setProvisionDelay(ms: number): void
  /**
   * Heroku's artifact retention (older than `days`, default 30, and than the `releases`, default 20, latest
   * releases of the app) applied as of `now` (ISO date, default now): those releases become `expired`.
   * `all` expires every release of `app` that has an artifact, the current one included.
   */
  expireArtifacts(options?: {all?: boolean; app?: string; days?: number; now?: string; releases?: number}): Array<{app: string; version: number}>
  /** per-account request budget from now on (429 `rate_limit` once spent); undefined = unlimited */
  setRateLimit(budget: number | undefined): void
  /** the real connection URL of a Postgres add-on, by add-on name (for tests to query rows) */
  databaseUrl(addonName: string): string
  stop(): Promise<void>
}
