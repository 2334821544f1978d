/**
 * Production is a property of the account, not of the app in hand. The registry is the one view of it
 * that every guard and every audit asks: which apps are production, which add-ons are theirs, and which
 * credentials reach their data.
 *
 * Production apps are every app coupled at stage `production` in any pipeline the user can see
 * (`GET /pipeline-couplings`, account-wide), every app protected with `heroku staging:protect`, and the
 * apps named with `--from` or `--production`. Loading is lazy and memoised: "is this app production?"
 * costs the couplings list only; the add-on and URL questions load each production app once (its own
 * lists, never the account's), so the cost follows the number of production apps.
 *
 * It fails closed: when the account's production apps cannot be listed or loaded, every question throws
 * a `ProductionRegistryError` (exit 4) whose fix names the flag that names production explicitly.
 */
import {ActionableError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {ApiError, type HerokuClient, isNotFound, mapBounded} from '../heroku/client.js'
import {apiOf} from '../heroku/api.js'
import type {PipelineCoupling} from '../heroku/types.js'
import {endpointKey, sameEndpoint} from '../snapshot/identity.js'
import {loadApp, type LoadOptions} from '../snapshot/load.js'
import type {AppSnapshot} from '../snapshot/types.js'
import {PROTECTED_MARKER} from '../protect/policy.js'

/** Why an app counts as production. */
export type ProductionVia = 'from' | 'listed' | 'marked' | 'pipeline' | 'production' | 'protected'

export const VIA_TEXT: Record<ProductionVia, string> = {
  from: 'named with --from',
  listed: 'found as production',
  marked: `config var ${PROTECTED_MARKER} set on it`,
  pipeline: 'pipeline stage production',
  production: 'named with --production',
  protected: 'protected with heroku staging:protect',
}

export function viaText(via: readonly ProductionVia[]): string {
  return via.map(v => VIA_TEXT[v]).join(', ')
}

/** A production app with why it is one. */
export interface ProductionAppRef {
  id: string
  name: string
  /** the pipeline it is coupled to at stage production, when that is why */
  pipeline?: string
  via: ProductionVia[]
}

/** "Is this app production?": yes, with the app and why. */
export type AppEvidence = ProductionAppRef

/** "Is this add-on production's?": one entry per production app that owns it or has it attached. */
export interface AddonEvidence {
  addon: {id: string; name: string}
  app: ProductionAppRef
  /** the attachment name on the production app, when attached there */
  attachment?: string
  how: 'attached' | 'owned'
}

/** "Does this URL reach production?": one entry per production config var that reaches the same database. */
export interface ReachEvidence {
  app: ProductionAppRef
  configVar: string
  /** the physical identity both reach, `postgres://host:5432/db` (no credentials) */
  endpoint: string
}

export interface RegistryOptions {
  /** apps named with --from (names or ids) */
  from?: readonly string[]
  /** the flag the fail-closed fix line names (default `--from PRODUCTION_APP`); null: none helps, the line names none */
  namingFlag?: null | string
  /** exit code when production cannot be loaded (default 4, refused) */
  failExit?: ExitCodeValue
  /** what to load of each production app (the audit needs database info) */
  load?: LoadOptions
  /** apps named with --production (names or ids) */
  production?: readonly string[]
  /** apps protected with staging:protect */
  protectedApps?: readonly {id?: string; name: string}[]
  /** snapshots already loaded by the caller, reused instead of loaded again (matched by id) */
  known?: readonly AppSnapshot[]
  /** name each coupling's pipeline (one more request beside the couplings list): for messages that print it */
  pipelineNames?: boolean
}

/** Production could not be loaded: the guard refuses rather than guess. */
export class ProductionRegistryError extends ActionableError {
  constructor(reason: string, fix: string, exit: ExitCodeValue) {
    super(`Cannot tell which apps of the account are production: ${reason}.`, fix, exit)
    this.name = 'ProductionRegistryError'
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return `${error.method} ${error.path} failed (${error.status ?? 'network'}: ${error.message})`
  return error instanceof Error ? error.message : String(error)
}

interface Loaded {
  apps: ProductionAppRef[]
  snapshots: Map<string, AppSnapshot>
}

export class ProductionRegistry {
  /** things the user should know, e.g. a protected app that no longer exists */
  readonly warnings: string[] = []
  private couplingsLoad?: Promise<PipelineCoupling[]>
  private refsLoad?: Promise<ProductionAppRef[]>
  private snapshotsLoad?: Promise<Loaded>
  private readonly known: AppSnapshot[]
  private readonly options: RegistryOptions

  constructor(private readonly client: HerokuClient, options: RegistryOptions = {}) {
    this.options = options
    this.known = [...(options.known ?? [])]
  }

  /** Snapshots the caller has loaded anyway: reused, not loaded again, when they turn out to be production. */
  know(...snapshots: AppSnapshot[]): void {
    this.known.push(...snapshots)
  }

  /**
   * Every pipeline coupling of the account (one paged list), memoised. Fails closed. With `pipelineNames`,
   * each coupling's pipeline carries its name for the messages (Heroku's list gives its id only).
   */
  async couplings(): Promise<PipelineCoupling[]> {
    const api = apiOf(this.client)
    this.couplingsLoad ??= (this.options.pipelineNames ? api.allCouplingsNamed() : api.allCouplings()).catch(error => {
      throw this.failure(`listing the account's pipeline couplings failed: ${describe(error)}`)
    })
    return this.couplingsLoad
  }

  /** The stage production couplings: app ids and the pipeline each is production of. */
  private async pipelineProduction(): Promise<Map<string, {name?: string; pipeline?: string}>> {
    const byId = new Map<string, {name?: string; pipeline?: string}>()
    for (const coupling of await this.couplings()) {
      if (coupling.stage !== 'production' || !coupling.app.id) continue
      byId.set(coupling.app.id, {name: (coupling.app as {name?: string}).name, pipeline: coupling.pipeline.name ?? coupling.pipeline.id})
    }

    return byId
  }

  /**
   * Every production app of the account, with why, without loading any app: pipeline couplings give ids,
   * the protected list gives names and ids, --from/--production give what the user typed (resolved by
   * `apps()` once loaded).
   */
  private async refs(): Promise<ProductionAppRef[]> {
    this.refsLoad ??= (async () => {
      const refs = new Map<string, ProductionAppRef>()
      const add = (key: string, name: string, via: ProductionVia, pipeline?: string): void => {
        const ref = refs.get(key) ?? {id: key, name, via: []}
        if (!ref.via.includes(via)) ref.via.push(via)
        if (pipeline) ref.pipeline = pipeline
        refs.set(key, ref)
      }

      const named = (this.options.from?.length ?? 0) + (this.options.production?.length ?? 0) > 0
      try {
        for (const [id, coupled] of await this.pipelineProduction()) add(id, coupled.name ?? id, 'pipeline', coupled.pipeline)
      } catch (error) {
        // Production named explicitly is the documented way out when the account's couplings cannot be read.
        if (!named || !(error instanceof ProductionRegistryError)) throw error
        this.warnings.push(`${error.message} Only the apps named with --from/--production and protected apps are guarded.`)
      }

      for (const entry of this.options.protectedApps ?? []) add(entry.id ?? entry.name, entry.name, 'protected')
      for (const key of this.options.from ?? []) add(key, key, 'from')
      for (const key of this.options.production ?? []) add(key, key, 'production')
      return [...refs.values()]
    })()
    return this.refsLoad
  }

  /**
   * Every production app of the account, with why, without loading any: ids from the couplings,
   * names or ids from the protected list and the flags, as given (the same app may appear twice).
   */
  async candidates(): Promise<ProductionAppRef[]> {
    return this.refs()
  }

  /** Loads every production app once (its own lists), and merges refs that turn out to be the same app. */
  private async loaded(): Promise<Loaded> {
    this.snapshotsLoad ??= (async () => {
      const refs = await this.refs()
      const known = new Map(this.known.flatMap(s => [[s.app.id, s], [s.app.name, s]] as const))
      const named = new Set([...(this.options.from ?? []), ...(this.options.production ?? [])])
      const snapshots = await mapBounded(refs, 8, async ref => {
        const reused = known.get(ref.id)
        if (reused) return reused
        try {
          return await loadApp(this.client, ref.id, this.options.load ?? {})
        } catch (error) {
          // An app the user named: its error is theirs to see (e.g. a 404 for a typo).
          if (named.has(ref.id)) throw error
          if (isNotFound(error)) {
            if (ref.via.includes('protected')) this.warnings.push(`Protected app ${ref.name} could not be loaded (not found): only its name is guarded.`)
            return undefined
          }

          throw this.failure(`loading production app ${ref.name} failed: ${describe(error)}`)
        }
      })
      const apps = new Map<string, ProductionAppRef>()
      const byId = new Map<string, AppSnapshot>()
      for (const [index, ref] of refs.entries()) {
        const snapshot = snapshots[index]
        if (!snapshot) {
          // Not loadable (a removed protected app): still production by its name.
          apps.set(ref.id, {...ref})
          continue
        }

        byId.set(snapshot.app.id, snapshot)
        const merged = apps.get(snapshot.app.id) ?? {id: snapshot.app.id, name: snapshot.app.name, pipeline: snapshot.pipeline?.stage === 'production' ? snapshot.pipeline.name : undefined, via: []}
        for (const via of ref.via) if (!merged.via.includes(via)) merged.via.push(via)
        if (ref.pipeline && !merged.pipeline) merged.pipeline = ref.pipeline
        apps.set(snapshot.app.id, merged)
      }

      return {apps: [...apps.values()], snapshots: byId}
    })()
    return this.snapshotsLoad
  }

  /** Every production app, loaded, with why. */
  async apps(): Promise<ProductionAppRef[]> {
    return (await this.loaded()).apps
  }

  /** The loaded snapshots of every production app (an app that could not be loaded has none). */
  async snapshots(): Promise<AppSnapshot[]> {
    return [...(await this.loaded()).snapshots.values()]
  }

  /** The loaded snapshot of one production app, by id. */
  async snapshot(id: string): Promise<AppSnapshot | undefined> {
    return (await this.loaded()).snapshots.get(id)
  }

  /**
   * Is this app production? Costs the couplings list only, unless the app is known by a name the
   * couplings do not carry (then production apps are loaded to learn their names). With the app's config
   * vars (already loaded by the caller), the HEROKU_STAGING_PROTECTED marker makes it production too.
   */
  async isProduction(app: {id?: string; name: string}, configVars?: Readonly<Record<string, string>>): Promise<AppEvidence | undefined> {
    const matches = (ref: ProductionAppRef): boolean => ref.id === app.id || ref.id === app.name || ref.name === app.name
    const cheap = (await this.refs()).filter(ref => matches(ref))
    if (cheap.length > 0 && app.id) {
      const via = [...new Set(cheap.flatMap(ref => ref.via))]
      return {id: app.id, name: app.name, pipeline: cheap.find(ref => ref.pipeline)?.pipeline, via}
    }

    const found = (await this.apps()).find(ref => matches(ref))
    if (found || !configVars || !(PROTECTED_MARKER in configVars)) return found
    return {id: app.id ?? app.name, name: app.name, via: ['marked']}
  }

  /** Is this add-on production's? Every production app that owns it or has it attached. */
  async addon(addonId: string): Promise<AddonEvidence[]> {
    const {apps, snapshots} = await this.loaded()
    const evidence: AddonEvidence[] = []
    for (const ref of apps) {
      const snapshot = snapshots.get(ref.id)
      if (!snapshot) continue
      const owned = snapshot.ownedAddons?.find(addon => addon.id === addonId)
        ?? snapshot.attachments.find(a => a.addon.id === addonId && a.addon.owner.id === snapshot.app.id)?.addon
      if (owned) evidence.push({addon: {id: owned.id, name: owned.name}, app: ref, how: 'owned'})
      for (const attachment of snapshot.attachments.filter(a => a.addon.id === addonId)) {
        evidence.push({addon: {id: attachment.addon.id, name: attachment.addon.name}, app: ref, attachment: attachment.name, how: 'attached'})
      }
    }

    return evidence
  }

  /** Does this URL or credential reach production? Every production config var reaching the same database. */
  async reaching(url: string | undefined): Promise<ReachEvidence[]> {
    if (!url) return []
    const {apps, snapshots} = await this.loaded()
    const evidence: ReachEvidence[] = []
    for (const ref of apps) {
      const snapshot = snapshots.get(ref.id)
      if (!snapshot) continue
      for (const [configVar, value] of Object.entries(snapshot.configVars)) {
        if (sameEndpoint(url, value)) evidence.push({app: ref, configVar, endpoint: endpointKey(value) ?? ''})
      }
    }

    return evidence
  }

  private failure(reason: string): ProductionRegistryError {
    const flag = this.options.namingFlag === undefined ? '--from PRODUCTION_APP' : this.options.namingFlag
    const naming = flag ? `, or name production explicitly with ${flag}` : ''
    return new ProductionRegistryError(reason, `Run the same command again; if it keeps failing, check heroku pipelines${naming}.`, this.options.failExit ?? ExitCode.Refused)
  }
}
