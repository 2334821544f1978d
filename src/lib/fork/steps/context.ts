import {ActionableError} from '../../errors.js'
import {ExitCode} from '../../exit-codes.js'
import type {HerokuApi} from '../../heroku/api.js'
import type {HerokuClient} from '../../heroku/client.js'
import type {AddOn, AddOnAttachment, App, ConfigVars} from '../../heroku/types.js'
import type {PollOptions} from '../../heroku/wait.js'
import type {AppSnapshot} from '../../snapshot/types.js'
import {guardedApi, maskedConfig, ProductionReach} from '../../execute/blocks.js'
import type {StepEvent} from '../../execute/steps.js'
import type {ForkLedger} from '../ledger.js'
import type {AddonPlanItem, ForkPlan} from '../types.js'

/**
 * What every step of one fork run shares: its options, the guarded resource layer, the run-time
 * production check, the fork app once it is known and its add-ons once provisioned, and the one
 * way a step sends a change (`mutate`). The steps themselves are in the files beside this one.
 */

export interface ExecuteOptions {
  client: HerokuClient
  plan: ForkPlan
  production: AppSnapshot
  /** every production app of the account (the registry's): the runtime guard refuses writes naming any, not only --from */
  guarded?: readonly AppSnapshot[]
  /** `--set` values (the plan only names the keys) */
  set: Readonly<Record<string, string>>
  ledger: ForkLedger
  onEvent?: (event: StepEvent) => void
  /** polling of provisioning, transfers and releases (default: FORK_POLL) */
  poll?: PollOptions
  /** run one step at a time (to measure what the overlap saves) */
  sequential?: boolean
  /** the command that continues this fork, for the failure (default: --from and --to only) */
  resume?: string
}

/**
 * The fork's waits start at 200 ms and slow down by half each time, to at most every 250 ms for the
 * first 30 s of a wait (Heroku says an add-on is ready only when asked, so each wait overshoots by up
 * to one interval: BENCHMARKS.md) and then to once every 5 s, so long waits cost few requests; they
 * give up after 60 minutes.
 */
export const FORK_POLL: PollOptions = {initialMs: 200, maxMs: 5000, quick: {forMs: 30_000, maxMs: 250}, timeoutMs: 60 * 60 * 1000}

/** The app found at `--to` is not one this command may continue. */
export class ForkRefusedError extends ActionableError {
  constructor(message: string, fix: string) {
    super(message, fix, ExitCode.Refused)
    this.name = 'ForkRefusedError'
  }
}

/** Every production app the fork is guarded against: --from first, then the account's others. */
function productionOf(options: Pick<ExecuteOptions, 'guarded' | 'production'>): AppSnapshot[] {
  return [options.production, ...(options.guarded ?? []).filter(p => p.app.id !== options.production.app.id)]
}

/**
 * The fork's run-time check on each URL it is about to write into (its DATABASE_URL, a copy's
 * target): the one check of every flow, over every production app of the account, every credential
 * form and the host table the load steps resolved.
 */
export function forkProductionReach(options: Pick<ExecuteOptions, 'guarded' | 'production'>): ProductionReach {
  return new ProductionReach(productionOf(options))
}

/** The fork's attachment names per add-on item: the first is the one it is created with. */
export function itemKey(item: AddonPlanItem): string {
  return item.attachments[0] ?? item.source.name
}

export class ForkRun {
  app?: {id: string; name: string; webUrl?: string}
  /** true when this run created the app */
  created = false
  readonly api: HerokuApi
  /** the fork's add-on per plan item key, once provisioned */
  readonly addons = new Map<string, AddOn>()
  readonly polling: PollOptions
  /** every production app of the account, --from first: what no URL of the fork may reach */
  readonly reach: ProductionReach

  constructor(readonly options: ExecuteOptions) {
    this.api = guardedApi(options.client, productionOf(options))
    this.polling = options.poll ?? FORK_POLL
    this.reach = forkProductionReach(options)
  }

  get appId(): string {
    if (!this.app) throw new Error('the fork app is not known yet')
    return this.app.id
  }

  get plan(): ForkPlan {
    return this.options.plan
  }

  get production(): AppSnapshot {
    return this.options.production
  }

  /** From here on the steps act on `app`. */
  found(app: App): void {
    this.app = {id: app.id, name: app.name, webUrl: app.web_url ?? undefined}
  }

  async findApp(): Promise<App | undefined> {
    return this.api.findApp(this.plan.target.name)
  }

  /** Continues on the app `--to` names (after executeFork): the scale step needs its id. */
  async findTarget(): Promise<void> {
    const app = await this.findApp()
    if (!app) throw new Error(`${this.plan.target.name} does not exist.`)
    this.found(app)
  }

  /** The fork's config vars, each value masked from here on. */
  async config(): Promise<ConfigVars> {
    return maskedConfig(this.api, this.appId)
  }

  async attachments(): Promise<AddOnAttachment[]> {
    return this.api.attachments(this.appId)
  }

  /**
   * Sends one mutating request. If it fails (a dropped connection, which http-call may even have
   * re-sent, or an error answered after the change took effect), Heroku's state decides: when
   * `settled` finds the change in place the step goes on, otherwise the error stands.
   */
  async mutate<T>(send: () => Promise<T>, settled: () => Promise<T | undefined>): Promise<T> {
    try {
      return await send()
    } catch (error) {
      if (error instanceof ForkRefusedError || (error as Error).name === 'ProductionMutationError') throw error
      let found: T | undefined
      try {
        found = await settled()
      } catch {
        throw error
      }

      if (found === undefined) throw error
      return found
    }
  }
}
