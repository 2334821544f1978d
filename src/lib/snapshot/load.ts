import {apiOf, type HerokuApi} from '../heroku/api.js'
import {type HerokuClient, isNotVisible, mapBounded} from '../heroku/client.js'
import {
  type AddOn,
  type AddOnAttachment,
  type App,
  type DataDatabase,
  type Pipeline,
  type PipelineCoupling,
  advancedAsDataDatabase,
  dataLeaderName,
  dataPlanName,
  dataTableCount,
  generationName,
  postgresMajor,
} from '../heroku/types.js'
import {currentSecrets, maskUrl} from '../secrets/index.js'
import {credentialHosts} from './identity.js'
import {type HostResolver, resolveHosts} from './resolve.js'
import {type AddonRef, type AppSnapshot, type AttachmentRef, type DatabaseInfo, type PipelineRef, POSTGRES_SERVICE, serviceOfPlan} from './types.js'
import {isOwner} from './query.js'

export interface LoadOptions {
  /** the add-ons the app owns (`ownedAddons`; default true); false: absent, ownership is read from each add-on's owner */
  addons?: boolean
  buildpacks?: boolean
  /** Data API info for every Postgres add-on attached */
  databases?: boolean
  formation?: boolean
  /** how credential hosts are resolved (default: DNS with a short timeout, cached per run); false: no lookup, names decide */
  hosts?: false | HostResolver
  release?: boolean
}

const FANOUT = 8
/**
 * Apps loaded at once. The client bounds the requests in flight; this only bounds the apps whose
 * requests are queued, so that 20 production apps ask for their lists in one round trip, not three.
 */
const APP_FANOUT = 32

/**
 * A database's Data API info, or undefined when it answers 403 or 404: a user may be attached to an
 * add-on whose billing app they cannot see, and one such database must not abort the whole audit (it
 * becomes POSTGRES_VERSION_UNKNOWN). Postgres Advanced reports at /data/postgres/v1, not /client/v11.
 */
async function databaseInfo(api: HerokuApi, addon: AddonRef): Promise<DataDatabase | undefined> {
  try {
    if (ADVANCED_PLAN.test(addon.plan)) return advancedAsDataDatabase(await api.advancedDatabase(addon.id), addon.plan)
    return await api.database(addon.id)
  } catch (error) {
    if (isNotVisible(error)) return undefined
    throw error
  }
}

const ADVANCED_PLAN = /^heroku-postgresql:advanced/

function toAddonRef(addon: Pick<AddOn, 'app' | 'id' | 'name'> & Partial<AddOn>, planName?: string): AddonRef {
  const plan = planName ?? addon.plan?.name ?? ''
  return {
    id: addon.id,
    name: addon.name,
    owner: {id: addon.app.id ?? '', name: addon.app.name ?? ''},
    plan,
    priceCents: addon.plan && 'price' in addon.plan ? (addon.plan as {price?: {cents?: number}}).price?.cents : undefined,
    service: addon.addon_service?.name ?? serviceOfPlan(plan),
    state: addon.state,
  }
}

function toAttachmentRef(attachment: AddOnAttachment, addons: Map<string, AddOn>): AttachmentRef {
  const full = addons.get(attachment.addon.id ?? '')
  const inline = attachment.addon as AddOnAttachment['addon'] & {plan?: {name?: string}}
  const addon = full
    ? toAddonRef(full)
    : toAddonRef({app: inline.app ?? {}, id: inline.id ?? '', name: inline.name ?? ''}, inline.plan?.name)
  return {
    addon,
    configVarNames: attachment.config_vars ?? [`${attachment.name}_URL`],
    id: attachment.id,
    name: attachment.name,
    namespace: attachment.namespace ?? null,
  }
}

/** A follower's leader: the Data API names it in `leader` ({addon_id, name}) and gives its URL in `following`. */
function followingLabel(db: DataDatabase | undefined): null | string {
  if (!db?.following && !db?.leader) return null
  return dataLeaderName(db) ?? maskUrl(db.following ?? '')
}

function toDatabaseInfo(addon: AddonRef, db: DataDatabase | undefined): DatabaseInfo {
  return {
    addonId: addon.id,
    addonName: addon.name,
    following: followingLabel(db),
    ...(db?.following ? {followingUrl: db.following} : {}),
    majorVersion: postgresMajor(db),
    numBytes: db?.num_bytes,
    numTables: dataTableCount(db),
    plan: dataPlanName(db) ?? addon.plan,
  }
}

/** Data API info of every Postgres add-on attached, by add-on id; one request per database, shared through `known`. */
async function databasesOf(api: HerokuApi, attachments: readonly AttachmentRef[], known: Map<string, Promise<DataDatabase | undefined>>): Promise<Record<string, DatabaseInfo>> {
  const postgres = [...new Map(attachments.filter(a => a.addon.service === POSTGRES_SERVICE).map(a => [a.addon.id, a.addon])).values()]
  const infos = await mapBounded(postgres, FANOUT, async addon => {
    let info = known.get(addon.id)
    if (!info) {
      info = databaseInfo(api, addon)
      known.set(addon.id, info)
    }

    return info
  })
  const databases: Record<string, DatabaseInfo> = {}
  for (const [index, addon] of postgres.entries()) databases[addon.id] = toDatabaseInfo(addon, infos[index])
  return databases
}

/**
 * A snapshot loaded without databases, with the Data API info of its Postgres add-ons added: for a
 * caller that learns which apps need it only once their lists are in (the audit's related production).
 */
export async function withDatabases(client: HerokuClient, snapshot: AppSnapshot): Promise<AppSnapshot> {
  return {...snapshot, databases: {...snapshot.databases, ...await databasesOf(apiOf(client), snapshot.attachments, new Map())}}
}

/** What one load shares between its apps. */
interface SharedLoad {
  /** app records fetched together (`POST /filters/apps`), by the id asked for */
  apps?: Promise<Map<string, App>>
  /** Data API info by add-on id, one request per database however many loaded apps attach it */
  databases: Map<string, Promise<DataDatabase | undefined>>
}

/**
 * From this many apps given by id, one `POST /filters/apps` (per 1,000) replaces a `GET /apps/:id`
 * each. Only the per-app lists remain per app: loading follows the apps loaded, never the account.
 */
const FILTER_FROM = 4
const APP_ID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

/**
 * Couplings asked for or listed ahead of a load, per client and by the reference they were asked for:
 * the coupling a pipeline list has just given is not asked for again, and a caller that needs an app's
 * coupling early (to find production) shares the loader's request. The next load of that app takes
 * the entry, so a later load (after a write) asks again.
 */
const couplingLoads = new WeakMap<HerokuClient, Map<string, Promise<PipelineCoupling | undefined>>>()

function couplingsOf(client: HerokuClient): Map<string, Promise<PipelineCoupling | undefined>> {
  let known = couplingLoads.get(client)
  if (!known) {
    known = new Map()
    couplingLoads.set(client, known)
  }

  return known
}

/** An app's pipeline coupling (undefined when it is in no pipeline), shared with the app's next load. */
export async function appCoupling(client: HerokuClient, ref: string): Promise<PipelineCoupling | undefined> {
  const known = couplingsOf(client)
  let load = known.get(ref)
  if (!load) {
    load = apiOf(client).findCoupling(ref)
    known.set(ref, load)
  }

  return load
}

async function takeCoupling(client: HerokuClient, ref: string): Promise<PipelineCoupling | undefined> {
  const load = appCoupling(client, ref)
  couplingsOf(client).delete(ref)
  return load
}

/** A pipeline's couplings, each remembered for its app (by id), with the pipeline's name when known. */
export async function listPipelineCouplings(client: HerokuClient, pipeline: {id: string; name?: string}): Promise<PipelineCoupling[]> {
  const couplings = (await apiOf(client).pipelineCouplings(pipeline.id))
    .map(c => ({...c, pipeline: {...c.pipeline, name: c.pipeline.name || pipeline.name}}))
  rememberCouplings(client, couplings)
  return couplings
}

const pipelineNames = new Map<string, Promise<string>>()
/** The account's pipelines listed ahead of a load, per client, by id. */
const pipelineLists = new WeakMap<HerokuClient, Promise<Map<string, string>>>()

/**
 * Pipeline names listed ahead of a load (`GET /pipelines`, in flight or done): a coupling that carries
 * only its pipeline's id (Heroku's shape) is named from the list instead of asking for the pipeline.
 */
export function rememberPipelines(client: HerokuClient, pipelines: Promise<readonly Pick<Pipeline, 'id' | 'name'>[]>): void {
  // A failed list is no error here: each pipeline is then asked for by id.
  pipelineLists.set(client, pipelines.then(list => new Map(list.map(p => [p.id, p.name])), () => new Map()))
}

/** Couplings listed ahead of a load (the account's, `GET /pipeline-couplings`): each app's next load takes its own instead of asking. */
export function rememberCouplings(client: HerokuClient, couplings: readonly PipelineCoupling[]): void {
  const known = couplingsOf(client)
  for (const coupling of couplings) if (coupling.app.id && !known.has(coupling.app.id)) known.set(coupling.app.id, Promise.resolve(coupling))
}

async function pipelineName(client: HerokuClient, coupling: PipelineCoupling): Promise<string> {
  if (coupling.pipeline.name) return coupling.pipeline.name
  const {id} = coupling.pipeline
  const listed = (await pipelineLists.get(client))?.get(id)
  if (listed) return listed
  if (!pipelineNames.has(id)) pipelineNames.set(id, apiOf(client).pipeline(id).then(p => p.name))
  return pipelineNames.get(id) as Promise<string>
}

/**
 * Settles every promise, then returns their values or throws: the app's own error first (a 404 for a
 * missing app names the app, not one of its lists), so that no request outlives the load.
 */
async function settled<T extends readonly unknown[]>(app: Promise<App>, rest: {[K in keyof T]: Promise<T[K]>}): Promise<[App, ...T]> {
  const results = await Promise.allSettled([app, ...rest])
  const first = results[0]
  if (first?.status === 'rejected') throw first.reason
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
  return results.map(result => (result as PromiseFulfilledResult<unknown>).value) as [App, ...T]
}

/**
 * One app, in two round trips: the app and every list at once, by the reference given (name or id;
 * Heroku accepts both), then the Data API for its databases.
 */
async function loadOne(client: HerokuClient, ref: string, shared: SharedLoad, options: LoadOptions): Promise<AppSnapshot> {
  const api = apiOf(client)
  const appLoad = shared.apps
    ? shared.apps.then(async apps => apps.get(ref) ?? api.app(ref))
    : api.app(ref)
  const [app, configVars, attachments, addons, coupling, formation, releases, buildpacks] = await settled(appLoad, [
    api.configVars(ref),
    api.attachments(ref),
    options.addons === false ? Promise.resolve(undefined) : api.addons(ref),
    takeCoupling(client, ref),
    options.formation ? api.formation(ref) : Promise.resolve([]),
    options.release ? api.releases(ref, 10) : Promise.resolve([]),
    options.buildpacks ? api.buildpacks(ref) : Promise.resolve([]),
  ] as const)
  currentSecrets().registerConfig(configVars)
  const hosts = options.hosts === false ? undefined : resolveHosts(credentialHosts(configVars), options.hosts)

  const addonsById = new Map((addons ?? []).map(addon => [addon.id, addon]))
  const attachmentRefs = attachments.map(attachment => toAttachmentRef(attachment, addonsById))
  // The second round trip: databases, the pipeline's name and host lookups at once.
  const [databases, pipelineLabel, resolved] = await Promise.all([
    options.databases ? databasesOf(api, attachmentRefs, shared.databases) : Promise.resolve({}),
    coupling ? pipelineName(client, coupling) : Promise.resolve(undefined),
    hosts,
  ])

  const pipeline: PipelineRef | undefined = coupling && pipelineLabel !== undefined
    ? {id: coupling.pipeline.id, name: pipelineLabel, stage: coupling.stage}
    : undefined
  // The release Heroku marks current is what runs; older answers without the mark fall back to the newest that did not fail.
  const current = releases.find(release => release.current === true) ?? releases.find(release => release.current !== false && release.status !== 'failed') ?? releases[0]

  return {
    app: {
      buildpacks: buildpacks.map(b => b.buildpack?.url ?? b.buildpack?.name ?? '').filter(Boolean),
      id: app.id,
      ...(generationName(app.generation) ? {generation: generationName(app.generation)} : {}),
      maintenance: app.maintenance ?? false,
      name: app.name,
      region: app.region?.name,
      ...(app.space?.name ? {space: app.space.name} : {}),
      stack: app.build_stack?.name ?? app.stack?.name,
      team: app.team?.name ?? undefined,
    },
    attachments: attachmentRefs,
    configVars,
    databases,
    formation: formation.map(f => ({quantity: f.quantity, size: f.size ?? 'standard-1X', type: f.type})),
    ...(addons ? {ownedAddons: addons.filter(addon => isOwner(app, addon.app)).map(addon => toAddonRef(addon))} : {}),
    ...(resolved ? {hosts: resolved} : {}),
    pipeline,
    release: current && {
      description: current.description,
      id: current.id,
      ...(current.oci_image?.id ? {ociImageId: current.oci_image.id} : {}),
      slugId: current.slug?.id ?? undefined,
      ...(current.status ? {status: current.status} : {}),
      version: current.version,
    },
  }
}

/** Snapshots by the reference each app was asked for (a name or an id). */
export class LoadedApps extends Map<string, AppSnapshot> {
  /** The snapshot of an app this load was asked for. */
  of(ref: string): AppSnapshot {
    const snapshot = this.get(ref)
    if (!snapshot) throw new Error(`${ref} was not asked for in this load`)
    return snapshot
  }

  /** The snapshots of `refs`, in their order. */
  ofAll(refs: readonly string[]): AppSnapshot[] {
    return refs.map(ref => this.of(ref))
  }
}

/** Loads one app. A 404 surfaces as an ApiError with status 404. */
export async function loadApp(client: HerokuClient, name: string, options: LoadOptions = {}): Promise<AppSnapshot> {
  return (await loadApps(client, [name], options)).of(name)
}

/**
 * Loads several apps concurrently, each with its own lists (never the account's): the cost follows
 * the apps loaded. Many apps given by id share one request for their app records.
 */
export async function loadApps(client: HerokuClient, refs: readonly string[], options: LoadOptions = {}): Promise<LoadedApps> {
  const unique = [...new Set(refs)]
  const ids = unique.filter(ref => APP_ID.test(ref))
  const shared: SharedLoad = {databases: new Map()}
  if (ids.length >= FILTER_FROM) shared.apps = apiOf(client).appsById(ids).then(apps => new Map(apps.map(app => [app.id, app])))
  const loaded = await mapBounded(unique, APP_FANOUT, async ref => [ref, await loadOne(client, ref, shared, options)] as const)
  return new LoadedApps(loaded)
}

/** The apps coupled to a pipeline, with their stages. */
export async function loadPipelineCouplings(client: HerokuClient, pipeline: string): Promise<{apps: Array<{id: string; stage: string}>; pipeline: Pipeline}> {
  const found = await apiOf(client).pipeline(pipeline)
  const couplings = await listPipelineCouplings(client, found)
  return {apps: couplings.map(c => ({id: c.app.id ?? '', stage: c.stage})), pipeline: found}
}
