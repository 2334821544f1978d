import {type HerokuClient, mapBounded} from '../heroku/client.js'
import {credentialHosts, credentialsIn, credentialsOf, credentialsReaching, credentialsUnknown, type HostTable, sameEndpoint} from '../snapshot/identity.js'
import {dnsResolver, type HostResolver, resolveHosts} from '../snapshot/resolve.js'
import {apiOf} from '../heroku/api.js'
import type {Effect} from '../heroku/routes.js'
import {applyConfig, attachmentVar, changedEndpoints, credentialEndpoints, defaultAttachment, isDataService, replacedVars} from './effects.js'
import {PROTECTED_MARKER} from '../protect/policy.js'
import {GuardReadError, Reads} from './guard-reads.js'

export {GuardReadError} from './guard-reads.js'

/**
 * What an effect (effects.ts) does to production, read through the Platform API with GET requests only,
 * the fewest the question needs (in parallel: the account's couplings alongside the effect's own reads).
 * Every read the answer depends on must succeed: a 403, 404, 5xx or timeout makes the effect `undecided`,
 * which the interceptor refuses (fail closed), naming the read that failed.
 */

export interface AppRef {
  id?: string
  name: string
}

/** One way an effect touches production. */
export interface EffectFinding {
  /** the production apps involved: the override must name the one app, and only when there is one */
  apps: string[]
  /** what to do instead, one line each (shown under "To proceed") */
  fix?: string[]
  /** what the request would do, in full (names only: never a config var value) */
  what: string
  /** why it counts as production, one line each */
  why: string[]
}

export type EffectVerdict =
  | {findings: EffectFinding[]; kind: 'production'}
  | {kind: 'clear'}
  | {kind: 'undecided'; reason: string}

/** The production apps known without loading any app: pipeline stage production, protected entries. */
export interface ProductionSources {
  /** the account's pipeline couplings (one paged list), read once */
  couplings: () => Promise<Array<{app: {id?: string; name?: string}; id: string; pipeline: {id?: string; name?: string}; stage: string}>>
  /** apps protected with staging:protect (the policy file at the git root and this machine's list) */
  protectedApps: ReadonlyArray<{id?: string; name: string}>
  /** resolves credential hosts to addresses (DNS by default), as the command-level check does */
  resolver?: HostResolver
}

/** Why an app is production: which mark says so (a rename demotes only an app marked by its name alone). */
type Mark = {how: 'marker' | 'pipeline' | 'protected-id' | 'protected-name'; text: string}

interface AddonInfo {
  addon_service?: {id?: string; name?: string}
  app: {id?: string; name?: string}
  id: string
  name: string
  plan?: {name?: string}
}

interface AttachmentInfo {
  addon: {app?: {id?: string; name?: string}; id: string; name: string}
  app: {id?: string; name?: string}
  id: string
  name: string
}

const lower = (value: string | undefined): string => (value ?? '').toLowerCase()

export class EffectChecker {
  private readonly api: ReturnType<typeof apiOf>
  private readonly reads = new Reads()

  constructor(client: HerokuClient, private readonly sources: ProductionSources) {
    this.api = apiOf(client)
  }

  private async couplings() {
    try {
      return await this.sources.couplings()
    } catch (error) {
      throw new GuardReadError('the account\'s pipeline couplings', error)
    }
  }

  /**
   * Every mark that makes an app production. Its config vars are read alongside the couplings (no round trip
   * of its own) unless given: the HEROKU_STAGING_PROTECTED marker counts wherever the guard asks, and when no
   * other mark says production, a failed read of them refuses. With `complete`, the marker is read even when
   * another mark already says production (a rename asks whether any mark survives it).
   */
  private async marks(app: AppRef, configVars?: Readonly<Record<string, string>>, complete = false): Promise<Mark[]> {
    const vars = configVars ? Promise.resolve(configVars) : this.config(app.name)
    vars.catch(() => {})
    const marks: Mark[] = []
    for (const coupling of await this.couplings()) {
      if (coupling.stage !== 'production') continue
      if ((app.id && coupling.app.id === app.id) || (coupling.app.name && lower(coupling.app.name) === lower(app.name))) {
        marks.push({how: 'pipeline', text: `pipeline stage production${coupling.pipeline.name ? `, pipeline ${coupling.pipeline.name}` : ''}`})
      }
    }

    for (const entry of this.sources.protectedApps) {
      if (app.id && entry.id === app.id) marks.push({how: 'protected-id', text: 'protected with heroku staging:protect'})
      else if (lower(entry.name) === lower(app.name)) marks.push({how: 'protected-name', text: 'protected with heroku staging:protect'})
    }

    if (marks.length > 0 && !complete) return marks
    if (PROTECTED_MARKER in await vars) marks.push({how: 'marker', text: `config var ${PROTECTED_MARKER} set on it`})
    return marks
  }

  /** Why an app is production, or undefined. Names compared case-insensitively, as Heroku does. */
  async production(app: AppRef, configVars?: Readonly<Record<string, string>>): Promise<string[] | undefined> {
    const marks = await this.marks(app, configVars)
    return marks.length > 0 ? [...new Set(marks.map(mark => mark.text))] : undefined
  }

  private async app(nameOrId: string): Promise<AppRef> {
    const read = this.reads.read(`app ${nameOrId}`, async () => this.api.app(nameOrId))
    const app = await read
    // The owner of an add-on comes back by id: the same app, read once.
    this.reads.remember(`app ${app.id}`, read)
    this.reads.remember(`app ${app.name}`, read)
    return {id: app.id, name: app.name}
  }

  private async config(app: string): Promise<Record<string, string>> {
    return this.reads.read(`config vars of ${app}`, async () => this.api.configVars(app))
  }

  private async addon(nameOrId: string): Promise<AddonInfo> {
    return this.reads.read(`add-on ${nameOrId}`, async () => this.api.addon(nameOrId) as Promise<AddonInfo>)
  }

  private async attachmentsOf(addonId: string): Promise<AttachmentInfo[]> {
    return this.reads.read(`attachments of add-on ${addonId}`, async () => this.api.addonAttachments(addonId) as Promise<AttachmentInfo[]>)
  }

  /** An app whose name the account cannot see is refused: the guard cannot tell what it is. */
  private visible(ref: {id?: string; name?: string}, what: string): AppRef {
    if (!ref.name) throw new Error(`${what} is owned by app ${ref.id ?? '(unknown)'}, which this account cannot see`)
    return {id: ref.id, name: ref.name}
  }

  /**
   * Whether an app that owns data is production. When neither its coupling nor a protection says so, the app
   * must be visible to this account: one it cannot read may well be production (its pipeline is invisible too),
   * so the guard cannot tell and refuses, naming the read.
   */
  private async ownerProduction(owner: AppRef, what: string): Promise<string[] | undefined> {
    const visible = this.app(owner.id ?? owner.name)
    visible.catch(() => {})
    try {
      const why = await this.production(owner)
      if (why) return why
      await visible
    } catch (error) {
      throw new Error(`${what} is owned by ${owner.name}, which this account cannot read, so whether it is production is unknown (${error instanceof Error ? error.message : String(error)})`)
    }

    return undefined
  }

  /** Every production app that owns an add-on or has it attached, with why and its attachment names there. */
  private async addonProduction(addon: AddonInfo): Promise<Array<{app: string; names: string[]; ref: AppRef; why: string}>> {
    const owner = this.visible(addon.app, `add-on ${addon.name}`)
    const [attachments, ownerWhy] = await Promise.all([this.attachmentsOf(addon.id), this.ownerProduction(owner, `add-on ${addon.name}`)])
    const apps = new Map<string, {app: AppRef; how: string; names: string[]}>()
    apps.set(lower(owner.name), {app: owner, how: 'owns it', names: []})
    for (const attachment of attachments) {
      const app = this.visible(attachment.app, `an attachment of ${addon.name}`)
      const entry = apps.get(lower(app.name)) ?? {app, how: `has it attached as ${attachment.name}`, names: []}
      entry.names.push(attachment.name)
      apps.set(lower(app.name), entry)
    }

    const checked = await Promise.all([...apps.values()].map(async ({app, how, names}) => ({app, how, names, why: app === owner ? ownerWhy : await this.production(app)})))
    return checked.filter(c => c.why).map(({app, how, names, why}) => ({app: app.name, names, ref: app, why: `${app.name} ${how} and is a production app (${why!.join(', ')})`}))
  }

  /**
   * Whether an add-on is a data store, from what Heroku says of it: its service (read through the API, never
   * the plan as typed), or a credential (the one credential parser) among the config vars its attachments
   * give the apps in `on`. Undefined when neither says so.
   */
  private async dataStore(addon: AddonInfo, on: ReadonlyArray<{names: readonly string[]; ref: AppRef}>): Promise<string | undefined> {
    const service = this.serviceOf(addon)
    if (isDataService(service)) return `a ${service} add-on`
    const configs = await Promise.all(on.map(async ({names, ref}) => ({names, ref, vars: await this.config(ref.name)})))
    for (const {names, ref, vars} of configs) {
      const prefixes = names.map(name => `${name.toUpperCase()}_`)
      const exposed = Object.fromEntries(Object.entries(vars).filter(([key]) => prefixes.some(prefix => key.toUpperCase().startsWith(prefix))))
      const holding = [...credentialEndpoints(exposed).keys()].sort()
      if (holding.length > 0) return `its config ${holding.length === 1 ? 'var' : 'vars'} ${holding.join(', ')} on ${ref.name} ${holding.length === 1 ? 'holds' : 'hold'} a credential`
    }

    return undefined
  }

  private serviceOf(addon: AddonInfo): string {
    return addon.addon_service?.name ?? addon.plan?.name ?? ''
  }

  private async databaseFinding(database: string, doing: string): Promise<EffectFinding[]> {
    const addon = await this.addon(database)
    const production = await this.addonProduction(addon)
    if (production.length === 0) return []
    return [{apps: [...new Set(production.map(p => p.app))], what: `${doing} add-on ${addon.name} (${addon.plan?.name ?? this.serviceOf(addon)})`, why: production.map(p => p.why)}]
  }

  private async appFinding(appName: string, what: string, configVars?: Record<string, string>): Promise<{app: AppRef; finding?: EffectFinding}> {
    // The app and its config vars (the marker) in one round trip.
    const [app, vars] = await Promise.all([this.app(appName), configVars ?? this.config(appName)])
    const why = await this.production(app, vars)
    return {app, finding: why ? {apps: [app.name], what, why: [`${app.name} is a production app (${why.join(', ')})`]} : undefined}
  }

  private async configFinding(appName: string, before: Record<string, string>, after: Record<string, string>, doing: string): Promise<EffectFinding[]> {
    const changed = changedEndpoints(before, after)
    const demoted = PROTECTED_MARKER in before && !(PROTECTED_MARKER in after)
    if (changed.length === 0 && !demoted) return []
    const {finding} = await this.appFinding(appName, '', before)
    if (!finding) return []
    const parts = []
    if (changed.length > 0) parts.push(`change the endpoint ${changed.join(', ')} ${changed.length === 1 ? 'reaches' : 'reach'}`)
    if (demoted) parts.push(`remove ${PROTECTED_MARKER}, its protection`)
    return [{...finding, what: `${doing} on ${finding.apps[0]}: ${parts.join(' and ')}`}]
  }

  async findings(effect: Effect): Promise<EffectFinding[]> {
    switch (effect.kind) {
      case 'app-destroy': {
        // Its add-ons go with it: one of them may be production's data store, attached there.
        const owned = this.reads.read(`add-ons of ${effect.app}`, async () => this.api.addons(effect.app) as Promise<AddonInfo[]>)
        owned.catch(() => {})
        const {app, finding} = await this.appFinding(effect.app, `destroy app ${effect.app} and every add-on it owns`)
        if (finding) return [finding]
        const findings = await Promise.all((await owned).filter(addon => addon.app.id === app.id || lower(addon.app.name) === lower(app.name)).map(async addon => {
          const production = await this.addonProduction(addon)
          return production.length > 0 && await this.dataStore(addon, production) ? [{apps: [...new Set(production.map(p => p.app))], what: `destroy app ${app.name} and with it ${addon.name}, which production uses`, why: production.map(p => p.why)}] : []
        }))
        return findings.flat()
      }

      case 'app-rename': {
        // A mark by name alone names another app (or none) once the app is renamed: that is a demotion.
        const [app, vars] = await Promise.all([this.app(effect.app), this.config(effect.app)])
        const marks = await this.marks(app, vars, true)
        if (marks.length === 0 || marks.some(mark => mark.how !== 'protected-name')) return []
        return [{
          apps: [app.name],
          fix: [`Record its id first, so that its protection survives the rename: heroku staging:protect -a ${app.name}`],
          what: `rename ${app.name} to ${effect.name}: it is protected by its name alone (an entry with no id), so it would no longer be production`,
          why: [`${app.name} is a production app (protected with heroku staging:protect, by name only)`],
        }]
      }

      case 'addon-destroy':
      case 'addon-plan': {
        const addon = await this.addon(effect.addon)
        const production = await this.addonProduction(addon)
        if (production.length === 0) return []
        const store = await this.dataStore(addon, production)
        if (!store) return []
        const what = effect.kind === 'addon-destroy'
          ? `destroy add-on ${addon.name} (${store}) and its data`
          : `move add-on ${addon.name} (${store}) to plan ${effect.plan}: its data is copied to a new server and its URL may change`
        return [{apps: [...new Set(production.map(p => p.app))], what, why: production.map(p => p.why)}]
      }

      case 'attachment-delete': {
        const attachment = await this.reads.read(`attachment ${effect.attachment}`, async () => this.api.attachment(effect.attachment) as Promise<AttachmentInfo>)
        const app = this.visible(attachment.app, `attachment ${attachment.name}`)
        const [addon, why] = await Promise.all([this.addon(attachment.addon.id), this.production(app)])
        if (!why) return []
        const store = await this.dataStore(addon, [{names: [attachment.name], ref: app}])
        return store ? [{apps: [app.name], what: `detach ${addon.name} (${store}) from ${app.name} (its ${attachment.name} attachment, ${attachmentVar(attachment.name)})`, why: [`${app.name} is a production app (${why.join(', ')})`]}] : []
      }

      case 'attachment-create': {
        // The add-on's attachments are asked for in the same round trip, by the name or id the request gives.
        const attachments = this.attachmentsOf(effect.addon)
        attachments.catch(() => {})
        const [addon, app, vars] = await Promise.all([this.addon(effect.addon), this.app(effect.app), this.config(effect.app)])
        this.reads.remember(`attachments of add-on ${addon.id}`, attachments)
        const why = await this.production(app, vars)
        if (why) {
          // Any add-on, whatever its service or plan: an attachment replacing what production's config holds re-wires it.
          const replaced = replacedVars(vars, effect.name)
          if (replaced.length === 0) return []
          return [{apps: [app.name], what: `attach ${addon.name} to ${app.name} as ${effect.name!.toUpperCase()} (${attachmentVar(effect.name!)}), taking over ${replaced.join(', ')}`, why: [`${app.name} is a production app (${why.join(', ')})`]}]
        }

        // Production's data store attached elsewhere as that app's primary: that app then writes production.
        const production = await this.addonProduction(addon)
        if (production.length === 0) return []
        const store = await this.dataStore(addon, production)
        const primary = defaultAttachment(this.serviceOf(addon)) ?? (store ? 'DATABASE' : undefined)
        const asPrimary = primary !== undefined && (effect.name ? effect.name.toUpperCase() === primary : !(attachmentVar(primary) in vars))
        if (!store || !asPrimary) return []
        return [{apps: [...new Set(production.map(p => p.app))], what: `attach production's ${addon.name} to ${app.name} as its ${primary} (${attachmentVar(primary)}): ${app.name} would write production`, why: production.map(p => p.why)}]
      }

      case 'addon-create': {
        // Without a name Heroku picks one that replaces nothing; with one, whatever the plan (a name or an id,
        // any service), taking a name production's config vars use re-points them at the new add-on.
        if (!effect.name) return []
        const vars = await this.config(effect.app)
        const replaced = replacedVars(vars, effect.name)
        if (replaced.length === 0) return []
        const {finding} = await this.appFinding(effect.app, `create ${effect.plan} on ${effect.app} as ${effect.name.toUpperCase()} (${attachmentVar(effect.name)} re-pointed at the new add-on), taking over ${replaced.join(', ')}`, vars)
        return finding ? [finding] : []
      }

      case 'backup-delete': {
        const {finding} = await this.appFinding(effect.app, `delete backup ${effect.backup} of ${effect.app}`)
        return finding ? [finding] : []
      }

      case 'unknown': {
        throw new Error(effect.reason)
      }

      case 'config-write': {
        const before = await this.config(effect.app)
        return this.configFinding(effect.app, before, applyConfig(before, effect.vars), 'config var write')
      }

      case 'coupling': {
        const coupling = await this.reads.read(`coupling ${effect.coupling}`, async () => this.api.coupling(effect.coupling))
        if (coupling.stage !== 'production' || (effect.what === 'update' && (effect.stage ?? 'production') === 'production')) return []
        // Couplings name their app by id: the override and the message need its name.
        const app = (await this.app(coupling.app.id ?? '')).name
        const what = effect.what === 'delete' ? `remove ${app} from pipeline ${coupling.pipeline.name ?? ''}` : `move ${app} to stage ${effect.stage}`
        return [{apps: [app], what: `${what}: production would no longer be production`, why: [`${app} is a production app (pipeline stage production, pipeline ${coupling.pipeline.name ?? ''})`]}]
      }

      case 'credentials': {
        const who = effect.credential ? `credential ${effect.credential}` : 'every credential'
        return this.databaseFinding(effect.database, `${effect.what === 'rotate' ? 'rotate' : 'destroy'} ${who} of`)
      }

      case 'database-write': {
        return this.databaseFinding(effect.database, effect.what === 'unknown' ? 'write (a Data API request this plugin does not know) to' : `${effect.what} database`)
      }

      case 'pipeline-delete': {
        const couplings = await this.reads.read(`couplings of pipeline ${effect.pipeline}`, async () => this.api.pipelineCouplings(effect.pipeline))
        const production = await Promise.all(couplings.filter(c => c.stage === 'production').map(async c => (await this.app(c.app.id ?? '')).name))
        return production.length > 0 ? [{apps: production, what: `delete pipeline ${effect.pipeline}: ${production.join(', ')} would no longer be production`, why: production.map(app => `${app} is a production app (pipeline stage production)`)}] : []
      }

      case 'rollback': {
        const [before, after] = await Promise.all([this.config(effect.app), this.reads.read(`config vars of ${effect.app} release ${effect.release}`, async () => this.api.releaseConfigVars(effect.app, effect.release))])
        return this.configFinding(effect.app, before, after, `roll back to release ${effect.release}`)
      }

      case 'transfer': {
        return this.transferFindings(effect)
      }
    }
  }

  /**
   * pg:copy's destination is `to_url`: production when it reaches a production app's credential, or
   * when it is the URL of an attachment whose owner is production (or cannot be seen).
   */
  private async transferFindings(effect: Extract<Effect, {kind: 'transfer'}>): Promise<EffectFinding[]> {
    const findings: EffectFinding[] = []
    const addon = await this.addon(effect.database)
    const url = effect.toUrl
    // Through the apps the transfer's add-on is attached to: their attachments name each database's owner.
    const attachedTo = (await this.attachmentsOf(addon.id)).map(attachment => this.visible(attachment.app, `an attachment of ${addon.name}`))
    const perApp = await Promise.all(attachedTo.map(async app => {
      const [vars, attachments] = await Promise.all([this.config(app.name), this.reads.read(`attachments on ${app.name}`, async () => this.api.attachments(app.name) as Promise<AttachmentInfo[]>)])
      const destinations = attachments.filter(candidate => {
        const value = vars[attachmentVar(candidate.name)]
        return url !== undefined && value !== undefined && sameEndpoint(url, value)
      })
      return Promise.all(destinations.map(async candidate => {
        const owner = this.visible(candidate.addon.app ?? {}, `the destination (${app.name}'s ${candidate.name}, add-on ${candidate.addon.name})`)
        const why = await this.ownerProduction(owner, `the destination, ${app.name}'s ${candidate.name} (add-on ${candidate.addon.name}),`)
        return why ? [{apps: [owner.name], what: `overwrite ${candidate.addon.name} (${app.name}'s ${candidate.name}), owned by ${owner.name}`, why: [`${owner.name} is a production app (${why.join(', ')})`]}] : []
      }))
    }))
    findings.push(...perApp.flat(2))

    // Every production app's own credentials (a URL typed by hand reaches production without any attachment).
    const production = (await this.couplings()).filter(c => c.stage === 'production').map(c => ({id: c.app.id, name: c.app.name ?? c.app.id ?? ''}))
    const all = [...production, ...this.sources.protectedApps]
    const seen = new Set(findings.flatMap(f => f.apps.map(a => lower(a))))
    const configs = await mapBounded(all, 16, async app => ({app, vars: await this.config(app.id ?? app.name)}))
    const reach = async (hosts?: HostTable): Promise<void> => {
      // Every credential form (split PG*/DB_* vars, JDBC, DSN), as the executors' ProductionReach asks.
      const hits = configs.flatMap(({app, vars}) => {
        const [hit] = credentialsReaching(vars, url, hosts)
        return hit ? [{app, hit, vars}] : []
      })
      const named = await Promise.all(hits.map(async ({app, hit, vars}) => {
        const {name} = await this.app(app.id ?? app.name)
        return {hit, name, why: await this.production({id: app.id, name}, vars)}
      }))
      for (const {hit, name, why} of named) {
        if (seen.has(lower(name))) continue
        seen.add(lower(name))
        findings.push({apps: [name], what: `overwrite the database ${name}'s ${hit.vars.join('+')} reaches`, why: [`${name} is a production app (${why?.join(', ') ?? 'listed'})`]})
      }
    }

    await reach()
    if (findings.length > 0 || url === undefined) return findings
    // No name in common: compare addresses too, as the command-level check does (production's host by IP or DNS alias).
    const hosts = [...new Set([...credentialHosts({TO_URL: url}), ...configs.flatMap(({vars}) => credentialHosts(vars))])]
    const table: HostTable = new Map(Object.entries(await resolveHosts(hosts, this.sources.resolver ?? dnsResolver())))
    await reach(table)
    if (findings.length > 0) return findings
    const target = credentialsIn(url)
    const unresolved = configs.find(({vars}) => credentialsOf(vars).some(credential => target.some(t => credentialsUnknown(credential, t, table))))
    if (unresolved) throw new Error(`the destination's host could not be compared with ${unresolved.app.name}'s database: a host did not resolve`)
    return findings
  }

  /** The verdict on one effect; never throws (a failed read is `undecided`). */
  async verdict(effect: Effect): Promise<EffectVerdict> {
    try {
      const findings = await this.findings(effect)
      return findings.length > 0 ? {findings, kind: 'production'} : {kind: 'clear'}
    } catch (error) {
      return {kind: 'undecided', reason: error instanceof Error ? error.message : String(error)}
    }
  }
}
