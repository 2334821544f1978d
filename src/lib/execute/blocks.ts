import {type AddonCreate, apiOf, type HerokuApi} from '../heroku/api.js'
import type {HerokuClient} from '../heroku/client.js'
import {type AddOn, type ConfigVars, type DataTransfer, transferName} from '../heroku/types.js'
import {type PollOptions, requireSucceeded, WaitAbortedError, waitAddonProvisioned, waitDatabaseAvailable, waitTransferFinished} from '../heroku/wait.js'
import {type GuardOptions, GuardedClient, ProductionGuard} from '../production/guarded-client.js'
import {currentSecrets} from '../secrets/index.js'
import {type Credential, credentialsReaching, type HostTable, hostTableOf} from '../snapshot/identity.js'
import type {AppSnapshot} from '../snapshot/types.js'
import type {StepContext} from './steps.js'

/**
 * The building blocks the three executors (fork, fix, refresh) share, each written once: the guarded
 * resource layer, the one run-time "does this reach production?" check, capturing a backup and
 * waiting for it, and provisioning a Postgres add-on and waiting until it serves. Nothing here
 * prints: progress goes to the step's context.
 */

/** The resource layer every executor writes through: a mutating request naming production is refused before it leaves. */
export function guardedApi(client: HerokuClient, production: readonly AppSnapshot[], options?: GuardOptions): HerokuApi {
  return apiOf(new GuardedClient(client, new ProductionGuard(production, options)))
}

/** The config vars of the app an executor changes, each value masked in every output from here on. */
export async function maskedConfig(api: HerokuApi, app: string): Promise<ConfigVars> {
  const config = await api.configVars(app)
  currentSecrets().registerConfig(config)
  return config
}

/** A production credential a value reaches: the app and the variables that hold it (several for a split form). */
export interface ProductionHit {
  app: AppSnapshot
  vars: string[]
}

/**
 * The one run-time check of every flow: does this value (a URL, JDBC or key/value string, or a
 * split credential) reach a database or service of any production app of the account? Every
 * credential form of production counts (split PG and DB_ variables, JDBC, DSN), host aliases
 * count through the host table the load steps resolved, and every production app is asked, not
 * only the one a command names. The app being changed is never its own production.
 */
export class ProductionReach {
  private readonly apps: readonly AppSnapshot[]
  private readonly hosts: HostTable | undefined

  /**
   * `except`: the app being changed (never its own production); `alsoResolved`: other snapshots
   * whose resolved hosts join the table (the app being checked, when its load resolved them).
   */
  constructor(production: readonly AppSnapshot[], options: {alsoResolved?: readonly AppSnapshot[]; except?: string} = {}) {
    const unique = new Map(production.map(snapshot => [snapshot.app.id, snapshot]))
    this.apps = [...unique.values()].filter(snapshot => snapshot.app.id !== options.except)
    this.hosts = hostTableOf([...(options.alsoResolved ?? []), ...production])
  }

  /** The first production credential `value` (a whole value, or one split credential) reaches, if any. */
  of(value: Credential | string | undefined): ProductionHit | undefined {
    for (const app of this.apps) {
      const [hit] = credentialsReaching(app.configVars, value, this.hosts)
      if (hit) return {app, vars: hit.vars}
    }

    return undefined
  }

  /** Throws before anything is written to `value`'s database when it reaches production; `what` names it in the message. */
  refuse(value: string | undefined, what: string): void {
    const hit = this.of(value)
    if (hit) throw new Error(`${what} reaches the same database as ${describeHit(hit)} (production): stopping before anything is written to it.`)
  }
}

/** `acme-production's DATABASE_URL`, `acme-production's PGHOST+PGDATABASE`. */
export function describeHit(hit: ProductionHit): string {
  return `${hit.app.app.name}'s ${hit.vars.join('+')}`
}

/** A finished transfer (backup or copy) as a result names it. */
export interface TransferSummary {
  /** the billing app the transfer is listed under (`heroku pg:backups:info NAME -a APP`) */
  app: string
  bytes: number
  durationMs: number
  /** `b012`, `c003` */
  name: string
  uuid: string
}

export interface TransferWait {
  poll: PollOptions
  /** the size to show while Heroku does not give the source's yet */
  totalBytes?: number
  /** Ctrl-C stopped the wait: the transfer goes on at Heroku */
  onAbort?: (running: {app: string; name: string; uuid: string}) => void
  /** the progress message while it runs (default: its pg:backups name, `c003`) */
  progress?: string
  /** how a timeout names it (default: its pg:backups name) */
  what?: string
}

/**
 * Watches a started transfer until it has finished, succeeded or not, reporting its bytes as
 * progress: the wait itself, for a caller that judges the end (the fork's copy, where a re-sent
 * request may have started two transfers and only the one it trusts counts).
 */
export async function watchTransfer(api: HerokuApi, billingApp: string, transfer: DataTransfer, context: StepContext, options: TransferWait): Promise<DataTransfer> {
  const name = transferName(transfer)
  try {
    return await waitTransferFinished(api, billingApp, transfer, options.what ?? name, {
      ...options.poll,
      onProgress: current => context.progress(options.progress ?? name, {done: current.processed_bytes ?? 0, total: current.source_bytes ?? options.totalBytes}),
    })
  } catch (error) {
    if (error instanceof WaitAbortedError) options.onAbort?.({app: billingApp, name, uuid: transfer.uuid})
    throw error
  }
}

/** Waits for a started transfer to succeed (`watchTransfer`, then `requireSucceeded`), under its pg:backups name. */
export async function waitForTransfer(api: HerokuApi, billingApp: string, transfer: DataTransfer, context: StepContext, options: TransferWait): Promise<TransferSummary> {
  const name = transferName(transfer)
  const began = Date.now()
  const done = await requireSucceeded(api, billingApp, await watchTransfer(api, billingApp, transfer, context, options), name)
  return {app: billingApp, bytes: done.processed_bytes ?? done.source_bytes ?? 0, durationMs: Date.now() - began, name, uuid: done.uuid}
}

/**
 * Captures a backup of a database and waits until it succeeded (pg:backups:capture). `api` decides
 * who may be backed up: the guarded layer for staging's own, the plain one for the asked-for
 * backup of production (`--backup-source`).
 */
export async function captureAndWait(api: HerokuApi, target: {addonId: string; billingApp: string}, context: StepContext, options: TransferWait): Promise<TransferSummary> {
  const transfer = await api.captureBackup(target.addonId)
  return waitForTransfer(api, target.billingApp, transfer, context, options)
}

export interface ProvisionWait {
  poll: PollOptions
  /** a state or wait status of the add-on, already prefixed with its name */
  progress?: (message: string) => void
  /** the add-on exists at Heroku (before any wait): what an interrupted run must clean up */
  created?: (addon: AddOn) => void
  /** also wait for the Data API's `wait_status` (true for Postgres; false for another service) */
  database?: boolean
}

/**
 * Waits until an add-on is provisioned and, for Postgres, until the Data API says the database is
 * available (pg:wait: a fork or a new major is usable only then). Returns the provisioned add-on.
 */
export async function waitProvisioned(api: HerokuApi, app: string, addon: AddOn, options: ProvisionWait): Promise<AddOn> {
  const say = (message: string) => options.progress?.(`${addon.name}: ${message}`)
  const provisioned = await waitAddonProvisioned(api, app, addon, {...options.poll, onState: say})
  if (options.database ?? true) await waitDatabaseAvailable(api, provisioned, {...options.poll, onStatus: say})
  return provisioned
}

/**
 * Creates a Postgres add-on on `app` (`create` sends the request: a flow may wrap it) and waits until
 * it is provisioned and available (`waitProvisioned`).
 */
export async function provisionPostgres(api: HerokuApi, app: string, body: AddonCreate, options: ProvisionWait & {create?: () => Promise<AddOn>}): Promise<AddOn> {
  const created = await (options.create ?? (async () => api.createAddon(app, body)))()
  options.created?.(created)
  return waitProvisioned(api, app, created, options)
}
