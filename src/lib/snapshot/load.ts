import {ApiError, type HerokuClient, mapBounded, isNotFound} from '../heroku/client.js'
import {
  ADDON_HEADERS,
  type AddOn,
  type AddOnAttachment,
  type App,
  ATTACHMENT_HEADERS,
  type BuildpackInstallation,
  type ConfigVars,
  type DataDatabase,
  type Formation,
  type Pipeline,
  type PipelineCoupling,
  advancedAsDataDatabase,
  type AdvancedDatabase,
  postgresMajor,
  type Release,
} from '../heroku/types.js'
import {currentSecrets, maskUrl} from '../secrets/index.js'
import {credentialHosts} from './identity.js'
import {type HostResolver, resolveHosts} from './resolve.js'
import {type AddonRef, type AppSnapshot, type AttachmentRef, type DatabaseInfo, type PipelineRef, POSTGRES_SERVICE, serviceOfPlan} from './types.js'
import {isOwner} from './query.js'

export interface LoadOptions {
  buildpacks?: boolean
  /** Data API info for every Postgres add-on attached */
  databases?: boolean
  formation?: boolean
  /** how credential hosts are resolved (default: DNS with a short timeout, cached per run); false: no lookup, names decide */
  hosts?: false | HostResolver
  release?: boolean
}

/** Above this many apps, account-wide lists are cheaper than one list per app. */
const ACCOUNT_WIDE_FROM = 4
const FANOUT = 8

/**
 * A database's Data API info, or undefined when it answers 403 or 404: a user may be attached to an
 * add-on whose billing app they cannot see, and one such database must not abort the whole audit (it
 * becomes POSTGRES_VERSION_UNKNOWN). Postgres Advanced reports at /data/postgres/v1, not /client/v11.
 */
async function databaseInfo(client: HerokuClient, addon: AddonRef): Promise<DataDatabase | undefined> {
  try {
    if (ADVANCED_PLAN.test(addon.plan)) {
      return advancedAsDataDatabase(await client.get<AdvancedDatabase>(`/data/postgres/v1/${encodeURIComponent(addon.id)}/info`, {host: 'data'}), addon.plan)
    }

    return await client.get<DataDatabase>(`/client/v11/databases/${encodeURIComponent(addon.id)}`, {host: 'data'})
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return undefined
    throw error
  }
}

const ADVANCED_PLAN = /^heroku-postgresql:advanced/

async function orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

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

/** A follower's leader: the Data API names it in `leader` and gives its URL in `following`. */
function followingLabel(db: DataDatabase | undefined): null | string {
  if (!db?.following && !db?.leader) return null
  return db.leader || maskUrl(db.following ?? '')
}

function toDatabaseInfo(addon: AddonRef, db: DataDatabase | undefined): DatabaseInfo {
  return {
    addonId: addon.id,
    addonName: addon.name,
    following: followingLabel(db),
    ...(db?.following ? {followingUrl: db.following} : {}),
    majorVersion: postgresMajor(db),
    numBytes: db?.num_bytes,
    numTables: db?.num_tables,
    plan: db?.plan ?? addon.plan,
  }
}

/** Shared lists, fetched once per load: account-wide when many apps are loaded. */
interface SharedLists {
  addons?: AddOn[]
  apps?: App[]
  attachments?: AddOnAttachment[]
  couplings?: PipelineCoupling[]
  /** Data API info by add-on id, one request per database however many loaded apps attach it */
  databases: Map<string, Promise<DataDatabase | undefined>>
}

async function loadSharedLists(client: HerokuClient, count: number): Promise<SharedLists> {
  if (count < ACCOUNT_WIDE_FROM) return {databases: new Map()}
  const [apps, attachments, addons, couplings] = await Promise.all([
    client.list<App>('/apps'),
    client.list<AddOnAttachment>('/addon-attachments', {headers: ATTACHMENT_HEADERS}),
    client.list<AddOn>('/addons', {headers: ADDON_HEADERS}),
    client.list<PipelineCoupling>('/pipeline-couplings'),
  ])
  return {addons, apps, attachments, couplings, databases: new Map()}
}

const pipelineNames = new Map<string, Promise<string>>()

async function pipelineName(client: HerokuClient, coupling: PipelineCoupling): Promise<string> {
  if (coupling.pipeline.name) return coupling.pipeline.name
  const {id} = coupling.pipeline
  if (!pipelineNames.has(id)) pipelineNames.set(id, client.get<Pipeline>(`/pipelines/${id}`).then(p => p.name))
  return pipelineNames.get(id) as Promise<string>
}

async function loadOne(client: HerokuClient, name: string, shared: SharedLists, options: LoadOptions): Promise<AppSnapshot> {
  const encoded = encodeURIComponent(name)
  const known = shared.apps?.find(app => app.name === name || app.id === name)
  const app = known ?? await client.get<App>(`/apps/${encoded}`)
  const byId = encodeURIComponent(app.id)
  const [configVars, attachments, addons, coupling, formation, releases, buildpacks] = await Promise.all([
    client.get<ConfigVars>(`/apps/${byId}/config-vars`),
    shared.attachments
      ? Promise.resolve(shared.attachments.filter(a => a.app.id === app.id))
      : client.list<AddOnAttachment>(`/apps/${byId}/addon-attachments`, {headers: ATTACHMENT_HEADERS}),
    shared.addons ? Promise.resolve(shared.addons) : client.list<AddOn>(`/apps/${byId}/addons`, {headers: ADDON_HEADERS}),
    shared.couplings
      ? Promise.resolve(shared.couplings.find(c => c.app.id === app.id))
      : orUndefined(client.get<PipelineCoupling>(`/apps/${byId}/pipeline-couplings`)),
    options.formation ? client.list<Formation>(`/apps/${byId}/formation`) : Promise.resolve([]),
    options.release
      ? client.get<Release[]>(`/apps/${byId}/releases`, {headers: {range: 'version ..; max=10, order=desc'}})
      : Promise.resolve([]),
    options.buildpacks
      ? client.list<BuildpackInstallation>(`/apps/${byId}/buildpack-installations`)
      : Promise.resolve([]),
  ])
  currentSecrets().registerConfig(configVars)
  const hosts = options.hosts === false ? undefined : resolveHosts(credentialHosts(configVars), options.hosts)

  const addonsById = new Map(addons.map(addon => [addon.id, addon]))
  const attachmentRefs = attachments.map(attachment => toAttachmentRef(attachment, addonsById))
  const databases: Record<string, DatabaseInfo> = {}
  if (options.databases) {
    const postgres = [...new Map(attachmentRefs.filter(a => a.addon.service === POSTGRES_SERVICE).map(a => [a.addon.id, a.addon])).values()]
    const infos = await mapBounded(postgres, FANOUT, async addon => {
      let info = shared.databases.get(addon.id)
      if (!info) {
        info = databaseInfo(client, addon)
        shared.databases.set(addon.id, info)
      }

      return info
    })
    for (const [index, addon] of postgres.entries()) databases[addon.id] = toDatabaseInfo(addon, infos[index])
  }

  let pipeline: PipelineRef | undefined
  if (coupling) pipeline = {id: coupling.pipeline.id, name: await pipelineName(client, coupling), stage: coupling.stage}
  // The release Heroku marks current is what runs; older answers without the mark fall back to the newest that did not fail.
  const current = releases.find(release => release.current === true) ?? releases.find(release => release.current !== false && release.status !== 'failed') ?? releases[0]

  return {
    app: {
      buildpacks: buildpacks.map(b => b.buildpack?.url ?? b.buildpack?.name ?? '').filter(Boolean),
      id: app.id,
      ...(app.generation?.name ? {generation: app.generation.name} : {}),
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
    ownedAddons: addons.filter(addon => isOwner(app, addon.app)).map(addon => toAddonRef(addon)),
    ...(hosts ? {hosts: await hosts} : {}),
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

/** Loads one app. A 404 surfaces as an ApiError with status 404. */
export async function loadApp(client: HerokuClient, name: string, options: LoadOptions = {}): Promise<AppSnapshot> {
  const [snapshot] = await loadApps(client, [name], options)
  return snapshot as AppSnapshot
}

/** Loads several apps concurrently, using account-wide lists once there are enough of them. */
export async function loadApps(client: HerokuClient, names: readonly string[], options: LoadOptions = {}): Promise<AppSnapshot[]> {
  const unique = [...new Set(names)]
  const shared = await loadSharedLists(client, unique.length)
  const loaded = await mapBounded(unique, FANOUT, async name => loadOne(client, name, shared, options))
  const byName = new Map(unique.map((name, index) => [name, loaded[index] as AppSnapshot]))
  return names.map(name => byName.get(name) as AppSnapshot)
}

/** The apps coupled to a pipeline, with their stages. */
export async function loadPipelineCouplings(client: HerokuClient, pipeline: string): Promise<{apps: Array<{id: string; stage: string}>; pipeline: Pipeline}> {
  const found = await client.get<Pipeline>(`/pipelines/${encodeURIComponent(pipeline)}`, {headers: {accept: 'application/vnd.heroku+json; version=3.pipelines'}})
  const couplings = await client.list<PipelineCoupling>(`/pipelines/${found.id}/pipeline-couplings`)
  return {apps: couplings.map(c => ({id: c.app.id ?? '', stage: c.stage})), pipeline: found}
}
