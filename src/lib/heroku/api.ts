import {type ApiError, isNotFound, type RequestOptions} from './client.js'
import {
  ADDON_HEADERS,
  type AddOn,
  type AddOnAttachment,
  type AdvancedDatabase,
  type App,
  ATTACHMENT_HEADERS,
  type BuildpackInstallation,
  type ConfigVars,
  type DataDatabase,
  type DataTransfer,
  type DataWaitStatus,
  type Formation,
  type Pipeline,
  type PipelineCoupling,
  type ServicePlan,
  type Release,
  REVIEW_APPS_ACCEPT,
  type ReviewApp,
} from './types.js'

/**
 * The typed resource layer: every Platform and Data API path the plugin uses is built here, with
 * its headers, Range, encoding and which answers mean "not there". Nothing outside this file writes
 * a path (ESLint refuses one); callers name resources and get typed answers.
 */

/** What the resource layer sends requests through: HerokuClient, or GuardedClient for executors. */
export interface Transport {
  delete<T>(path: string, options?: RequestOptions): Promise<T>
  get<T>(path: string, options?: RequestOptions): Promise<T>
  list<T>(path: string, options?: RequestOptions): Promise<T[]>
  patch<T>(path: string, options?: RequestOptions): Promise<T>
  post<T>(path: string, options?: RequestOptions): Promise<T>
  put<T>(path: string, options?: RequestOptions): Promise<T>
}

const enc = encodeURIComponent
const DATA = {host: 'data'} as const
const PIPELINES_ACCEPT = {accept: 'application/vnd.heroku+json; version=3.pipelines'}
/** The most ids one `POST /filters/apps` asks for: Heroku's largest page. */
const FILTER_PAGE = 1000

/** A 404 becomes undefined: the resource is not there (an app in no pipeline, a database still being made). */
async function orUndefined<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

export type ConfigChanges = Record<string, null | string>
export type FormationUpdate = {quantity: number; size?: string; type: string}
export interface AttachmentCreate {
  addon: {id: string}
  app: {id: string}
  /** the app's name, when Heroku asks to confirm replacing an attachment name in use */
  confirm?: string
  name: string
  namespace?: null | string
}
export interface AddonCreate {
  attachment?: {name: string}
  /** `{fork: ADDON_ID}` for a Heroku Postgres fork, `{version: '16'}` for a major */
  config?: Record<string, string>
  plan: {name: string}
}
export type ReleaseCreate = {description?: string; oci_image: string} | {description?: string; slug: string}
export type TransferCreate = Record<string, unknown>

const app = (ref: string): string => `/apps/${enc(ref)}`
const database = (addonId: string): string => `/client/v11/databases/${enc(addonId)}`
const transfers = (billingApp: string): string => `/client/v11/apps/${enc(billingApp)}/transfers`

export class HerokuApi {
  constructor(readonly transport: Transport) {}

  // Apps
  async app(ref: string): Promise<App> {
    return this.transport.get<App>(app(ref))
  }

  async findApp(ref: string): Promise<App | undefined> {
    return orUndefined(this.app(ref))
  }

  /** Apps by id, one request per 1,000 (the way `heroku pipelines:info` lists a pipeline's apps). */
  async appsById(ids: readonly string[]): Promise<App[]> {
    const pages: string[][] = []
    for (let index = 0; index < ids.length; index += FILTER_PAGE) pages.push(ids.slice(index, index + FILTER_PAGE))
    const found = await Promise.all(pages.map(async page => this.transport.post<App[]>('/filters/apps', {
      body: {in: {id: page}},
      headers: {accept: 'application/vnd.heroku+json; version=3.filters', range: `id ..; max=${FILTER_PAGE};`},
    })))
    return found.flat()
  }

  /** A team's or space's app is created through `/teams/apps`; a personal one through `/apps`. */
  async createApp(body: Record<string, unknown>, options: {team: boolean}): Promise<App> {
    return this.transport.post<App>(options.team ? '/teams/apps' : '/apps', {body})
  }

  async updateApp(ref: string, body: {maintenance?: boolean}): Promise<App> {
    return this.transport.patch<App>(app(ref), {body})
  }

  async deleteApp(ref: string): Promise<void> {
    await this.transport.delete(app(ref))
  }

  /** The app a 404 from `app()` was about, among `refs` (undefined when it was about something else). */
  static missingApp(error: ApiError, refs: readonly string[]): string | undefined {
    return refs.find(ref => error.path === app(ref))
  }

  // Config vars
  async configVars(ref: string): Promise<ConfigVars> {
    return this.transport.get<ConfigVars>(`${app(ref)}/config-vars`)
  }

  /** A null value unsets the var. */
  async updateConfigVars(ref: string, changes: ConfigChanges): Promise<ConfigVars> {
    return this.transport.patch<ConfigVars>(`${app(ref)}/config-vars`, {body: changes})
  }

  // Add-ons and attachments
  /** With the add-on's plan and the config var names each attachment sets, in one request. */
  async attachments(ref: string): Promise<AddOnAttachment[]> {
    return this.transport.list<AddOnAttachment>(`${app(ref)}/addon-attachments`, {headers: ATTACHMENT_HEADERS})
  }

  async createAttachment(body: AttachmentCreate): Promise<AddOnAttachment> {
    return this.transport.post<AddOnAttachment>('/addon-attachments', {body})
  }

  /** One attachment by id (or name, with its app), with its add-on and owner. */
  async attachment(id: string): Promise<AddOnAttachment> {
    return this.transport.get<AddOnAttachment>(`/addon-attachments/${enc(id)}`)
  }

  /** Every attachment of one add-on, on any app. */
  async addonAttachments(addonId: string): Promise<AddOnAttachment[]> {
    return this.transport.list<AddOnAttachment>(`/addons/${enc(addonId)}/addon-attachments`)
  }

  async deleteAttachment(id: string): Promise<void> {
    await this.transport.delete(`/addon-attachments/${enc(id)}`)
  }

  /** The add-ons an app owns, with service and plan expanded. */
  async addons(ref: string): Promise<AddOn[]> {
    return this.transport.list<AddOn>(`${app(ref)}/addons`, {headers: ADDON_HEADERS})
  }

  /** An add-on by name or id, whichever app owns it. */
  async addon(nameOrId: string): Promise<AddOn> {
    return this.transport.get<AddOn>(`/addons/${enc(nameOrId)}`, {headers: ADDON_HEADERS})
  }

  /** An add-on through the app it is attached to (what the provisioning wait polls). */
  async appAddon(ref: string, addonId: string): Promise<AddOn> {
    return this.transport.get<AddOn>(`${app(ref)}/addons/${enc(addonId)}`)
  }

  async createAddon(ref: string, body: AddonCreate): Promise<AddOn> {
    return this.transport.post<AddOn>(`${app(ref)}/addons`, {body})
  }

  async deleteAddon(ref: string, addonId: string): Promise<void> {
    await this.transport.delete(`${app(ref)}/addons/${enc(addonId)}`)
  }

  /** A service's plans; undefined for a service the API does not know. */
  async findServicePlans(service: string): Promise<ServicePlan[] | undefined> {
    return orUndefined(this.transport.list<ServicePlan>(`/addon-services/${enc(service)}/plans`))
  }

  // Formation, releases, buildpacks
  async formation(ref: string): Promise<Formation[]> {
    return this.transport.list<Formation>(`${app(ref)}/formation`)
  }

  async updateFormation(ref: string, updates: readonly FormationUpdate[]): Promise<Formation[]> {
    return this.transport.patch<Formation[]>(`${app(ref)}/formation`, {body: {updates}})
  }

  /** The newest `max` releases, newest first, in one page. */
  async releases(ref: string, max: number): Promise<Release[]> {
    const found = await this.transport.get<Release | Release[]>(`${app(ref)}/releases`, {headers: {range: `version ..; max=${max}, order=desc`}})
    return Array.isArray(found) ? found : [found]
  }

  async release(ref: string, id: string): Promise<Release> {
    return this.transport.get<Release>(`${app(ref)}/releases/${enc(id)}`)
  }

  async createRelease(ref: string, body: ReleaseCreate): Promise<Release> {
    return this.transport.post<Release>(`${app(ref)}/releases`, {body})
  }

  async buildpacks(ref: string): Promise<BuildpackInstallation[]> {
    return this.transport.list<BuildpackInstallation>(`${app(ref)}/buildpack-installations`)
  }

  async setBuildpacks(ref: string, buildpacks: readonly string[]): Promise<void> {
    await this.transport.put(`${app(ref)}/buildpack-installations`, {body: {updates: buildpacks.map(buildpack => ({buildpack}))}})
  }

  // Pipelines and review apps
  async pipeline(ref: string): Promise<Pipeline> {
    return this.transport.get<Pipeline>(`/pipelines/${enc(ref)}`, {headers: PIPELINES_ACCEPT})
  }

  /** Every pipeline the account can see, with its name (paged). */
  async pipelines(): Promise<Pipeline[]> {
    return this.transport.list<Pipeline>('/pipelines', {headers: PIPELINES_ACCEPT})
  }

  /** The app's coupling, or undefined when it is in no pipeline. */
  async findCoupling(ref: string): Promise<PipelineCoupling | undefined> {
    return orUndefined(this.transport.get<PipelineCoupling>(`${app(ref)}/pipeline-couplings`))
  }

  async coupling(id: string): Promise<PipelineCoupling> {
    return this.transport.get<PipelineCoupling>(`/pipeline-couplings/${enc(id)}`)
  }

  /** The config vars a release ran with (what a rollback to it brings back). */
  async releaseConfigVars(ref: string, release: string): Promise<ConfigVars> {
    return this.transport.get<ConfigVars>(`${app(ref)}/releases/${enc(release)}/config-vars`)
  }

  /** Every coupling the account can see (paged). */
  async allCouplings(): Promise<PipelineCoupling[]> {
    return this.transport.list<PipelineCoupling>('/pipeline-couplings')
  }

  /**
   * Every coupling of the account with its pipeline's name: Heroku's list names a coupling's pipeline
   * by id only, so the pipelines list is asked beside it (one more request, no more round trips). An id
   * stands in for a name when that list fails: names are for messages, never for decisions.
   */
  async allCouplingsNamed(): Promise<PipelineCoupling[]> {
    const [couplings, pipelines] = await Promise.all([this.allCouplings(), this.pipelines().catch(() => [])])
    const names = new Map(pipelines.map(pipeline => [pipeline.id, pipeline.name]))
    return couplings.map(c => (c.pipeline.name || !names.has(c.pipeline.id) ? c : {...c, pipeline: {...c.pipeline, name: names.get(c.pipeline.id)}}))
  }

  async pipelineCouplings(pipelineId: string): Promise<PipelineCoupling[]> {
    return this.transport.list<PipelineCoupling>(`/pipelines/${enc(pipelineId)}/pipeline-couplings`)
  }

  async createCoupling(body: {app: string; pipeline: string; stage: string}): Promise<PipelineCoupling> {
    return this.transport.post<PipelineCoupling>('/pipeline-couplings', {body})
  }

  async reviewApps(pipelineId: string): Promise<ReviewApp[]> {
    return this.transport.get<ReviewApp[]>(`/pipelines/${enc(pipelineId)}/review-apps`, {headers: {accept: REVIEW_APPS_ACCEPT}})
  }

  /** The review app record of an app (404 for an app that is not a review app). */
  async reviewAppOf(appId: string): Promise<ReviewApp> {
    return this.transport.get<ReviewApp>(`${app(appId)}/review-app`, {headers: {accept: REVIEW_APPS_ACCEPT}})
  }

  /** The config vars a pipeline gives its review or test apps. */
  async stageConfigVars(pipelineId: string, stage: 'review' | 'test'): Promise<ConfigVars> {
    return this.transport.get<ConfigVars>(`/pipelines/${enc(pipelineId)}/stage/${stage}/config-vars`)
  }

  // Data API
  async database(addonId: string): Promise<DataDatabase> {
    return this.transport.get<DataDatabase>(database(addonId), DATA)
  }

  /** Postgres Advanced reports at /data/postgres/v1, not /client/v11. */
  async advancedDatabase(addonId: string): Promise<AdvancedDatabase> {
    return this.transport.get<AdvancedDatabase>(`/data/postgres/v1/${enc(addonId)}/info`, DATA)
  }

  /** What `pg:wait` polls; undefined (a 404) while the database is still being created. */
  async findWaitStatus(addonId: string): Promise<DataWaitStatus | undefined> {
    return orUndefined(this.transport.get<DataWaitStatus>(`${database(addonId)}/wait_status`, DATA))
  }

  /** Backups, copies and restores listed under their billing app (`pg:backups`). */
  async transfers(billingApp: string): Promise<DataTransfer[]> {
    return this.transport.list<DataTransfer>(transfers(billingApp), DATA)
  }

  /** One transfer; `verbose` adds its logs. */
  async transfer(billingApp: string, uuid: string, options: {verbose?: boolean} = {}): Promise<DataTransfer> {
    return this.transport.get<DataTransfer>(`${transfers(billingApp)}/${enc(uuid)}${options.verbose ? '?verbose=true' : ''}`, DATA)
  }

  /** A copy into the database (`pg:copy`): the body names the source URL and both sides. */
  async createTransfer(targetAddonId: string, body: TransferCreate): Promise<DataTransfer> {
    return this.transport.post<DataTransfer>(`${database(targetAddonId)}/transfers`, {...DATA, body})
  }

  /** `pg:backups:capture` */
  async captureBackup(addonId: string): Promise<DataTransfer> {
    return this.transport.post<DataTransfer>(`${database(addonId)}/backups`, {...DATA, body: {}})
  }

  /** `pg:backups:restore`: the backup's `to_url` (as the CLI reads it from the backup) into the database */
  async restoreBackup(addonId: string, backupUrl: string): Promise<DataTransfer> {
    return this.transport.post<DataTransfer>(`${database(addonId)}/restores`, {...DATA, body: {backup_url: backupUrl}})
  }

  /** `pg:reset`: drops and recreates the database, empty */
  async resetDatabase(addonId: string): Promise<void> {
    await this.transport.put(`${database(addonId)}/reset`, {...DATA, body: {}})
  }

  /** `pg:backups:cancel` */
  async cancelTransfer(billingApp: string, uuid: string): Promise<void> {
    await this.transport.post(`${transfers(billingApp)}/${enc(uuid)}/actions/cancel`, {...DATA, body: {}})
  }
}

const apis = new WeakMap<Transport, HerokuApi>()

/** The resource layer over a transport, one per transport (so per-client caches keyed on it hold). */
export function apiOf(transport: Transport): HerokuApi {
  let api = apis.get(transport)
  if (!api) {
    api = new HerokuApi(transport)
    apis.set(transport, api)
  }

  return api
}
