/**
 * The emulator's one state store. Every change goes through a named transition that applies
 * Heroku's rules and side effects (attachments expose `NAME_URL`, config and attachment changes
 * write releases, add-on owned vars cannot be overwritten, …). Plain data, so it persists as JSON.
 */

import {randomBytes, randomUUID} from 'node:crypto'

import {
  COLORS,
  DEFAULT_POSTGRES_VERSION,
  nonPostgresConfig,
  POSTGRES,
  POSTGRES_VERSIONS,
  randomAddonName,
  resolvePlan,
  type ServiceSpec,
  serviceByName,
} from './catalog.js'
import {confirmationRequired, forbidden, HerokuError, invalidParams, notFound} from './http.js'
import {applyConfigPatch} from './config-vars.js'
import type {Account} from './types.js'

export type AddonState = 'deprovisioned' | 'provisioned' | 'provisioning'
export type Stage = 'development' | 'production' | 'review' | 'staging' | 'test'
export const STAGES: readonly Stage[] = ['test', 'review', 'development', 'staging', 'production']

/** Heroku's generations: Cedar (slugs, buildpacks, stacks) and Fir (Cloud Native Buildpacks, OCI images, Fir spaces only). */
export type Generation = 'cedar' | 'fir'

export interface SpaceRec {
  createdAt: string
  /** fixed at creation: an app in the space has the space's generation */
  generation: Generation
  id: string
  name: string
  ownerId: string
  region: string
  shield: boolean
  team: null | string
  updatedAt: string
}

/** A Fir app's build artifact (`oci-image` in the schema). */
export interface OciImageRec {
  appId: string
  architecture: string
  baseImageName: string
  baseTopLayer: string
  commit: null | string
  commitDescription: null | string
  createdAt: string
  /** `sha256:…`; releases may name the image by it */
  digest: string
  id: string
  imageRepo: string
  processTypes: Record<string, string>
  stack: string
  updatedAt: string
}

export interface PromotionTargetRec {
  appId: string
  errorMessage: null | string
  id: string
  releaseId: null | string
  status: 'failed' | 'pending' | 'succeeded'
}

export interface PromotionRec {
  createdAt: string
  id: string
  pipelineId: string
  sourceAppId: string
  sourceReleaseId: string
  status: 'completed' | 'pending'
  targets: PromotionTargetRec[]
  updatedAt: string
}

export interface AppRec {
  buildpacks: string[]
  buildStack: string
  collaborators: string[]
  /** plain config vars; attachment vars are computed from attachments */
  config: Record<string, string>
  createdAt: string
  features: Record<string, boolean>
  /** undefined in states saved before generations existed: cedar */
  generation?: Generation
  id: string
  maintenance: boolean
  name: string
  ownerId: string
  region: string
  releasedAt: null | string
  /** the space the app lives in (its generation comes from it) */
  spaceId?: null | string
  stack: string
  team: null | string
  updatedAt: string
}

export interface AddonRec {
  appId: string
  /** exposed config, keyed by suffix (`URL` → `DATABASE_URL` when attached as DATABASE) */
  config: Record<string, string>
  createdAt: string
  /** Postgres: credentials other than `default`, by name (`pg:credentials:create --name NAME`), each its own role */
  credentials?: Record<string, {password: string; user: string}>
  /** the real database's name in the cluster (heroku-postgresql only) */
  database?: string
  /** the major of the server holding `database` when it is not the default cluster (a database runs on the major it reports where that server exists) */
  clusterMajor?: string
  /** the leader this database follows (a read-only follower, heroku-postgresql only); cleared by unfollow */
  following?: FollowRef
  /** the database this one was forked from (`config.fork`), kept after the source is gone */
  forkedFrom?: FollowRef
  /** Postgres Advanced: the leader pool's high availability (`config['high-availability']`) */
  highAvailability?: boolean
  id: string
  /** Postgres Advanced: the leader pool's compute level (`config.level`, e.g. `4G-Performance`) */
  level?: string
  name: string
  plan: string
  providerId: string
  service: string
  state: AddonState
  updatedAt: string
  /** pinned Postgres major (heroku-postgresql only) */
  version?: string
}

/** A leader, by add-on id and by the name it had (kept if the leader is destroyed later). */
export interface FollowRef {
  id: string
  name: string
}

export interface AttachmentRec {
  addonId: string
  appId: string
  createdAt: string
  id: string
  name: string
  namespace: null | string
  updatedAt: string
}

export interface ReleaseRec {
  addonPlanNames: string[]
  appId: string
  /** the app's config vars as of this release (attachment vars included), for `releases/:id/config-vars` */
  config?: Record<string, string>
  /** the plain (non-attachment) config vars as of this release, which a rollback restores */
  plainConfig?: Record<string, string>
  createdAt: string
  description: string
  id: string
  /** a Fir release's image (its slug is null) */
  ociImageId?: null | string
  slugId: null | string
  /** `expired`: its artifact is gone (older than 30 days and 20 releases); it cannot be released again */
  status: 'expired' | 'failed' | 'pending' | 'succeeded'
  updatedAt: string
  userId: string
  version: number
}

export interface SlugRec {
  appId: string
  buildpackProvidedDescription: string
  checksum: string
  commit: null | string
  commitDescription: null | string
  createdAt: string
  id: string
  processTypes: Record<string, string>
  size: number
  stack: string
}

export interface FormationRec {
  appId: string
  command: string
  createdAt: string
  id: string
  quantity: number
  size: string
  type: string
  updatedAt: string
}

export interface PipelineRec {
  createdAt: string
  /** undefined in states saved before generations existed: cedar */
  generation?: Generation
  id: string
  name: string
  ownerId: string
  /** review-app settings, once enabled */
  reviewAppConfig?: ReviewAppConfigRec
  /** config vars the pipeline gives every review app (`review`) and every Heroku CI run (`test`) */
  stageConfig?: Partial<Record<ConfigStage, Record<string, string>>>
  updatedAt: string
}

/** The stages that have pipeline config vars (`pipeline-config-var`): Heroku CI (`test`) and review apps (`review`). */
export type ConfigStage = 'review' | 'test'
export const CONFIG_STAGES: readonly ConfigStage[] = ['review', 'test']

/** A pipeline's review-app settings (`review-app-config`); absent until review apps are enabled. */
export interface ReviewAppConfigRec {
  automaticReviewApps: boolean
  baseName: null | string
  deployTarget: null | {id: string; type: 'region' | 'space'}
  destroyStaleApps: boolean
  /** the connected repository, `owner/name` */
  repo: string
  repoId: number
  staleDays: number
  waitForCi: boolean
}

/** A review app (`review-app`): an app made for a branch or pull request, coupled to its pipeline at stage review. */
export interface ReviewAppRec {
  /** the app it made; null once it is gone */
  appId: null | string
  branch: string
  createdAt: string
  creatorId: string
  errorStatus: null | string
  forkRepoId: null | number
  id: string
  message: null | string
  pipelineId: string
  prNumber: null | number
  sourceBlob: {url: string; version: null | string}
  status: 'created' | 'creating' | 'deleted' | 'deleting' | 'errored' | 'pending'
  updatedAt: string
  waitForCi: boolean
}

export interface CouplingRec {
  appId: string
  createdAt: string
  id: string
  pipelineId: string
  stage: Stage
  updatedAt: string
}

export interface DrainRec {
  addonId: null | string
  appId: string
  createdAt: string
  id: string
  token: string
  updatedAt: string
  url: string
}

export interface TransferLog {
  created_at: string
  level: string
  message: string
}

export interface TransferRec {
  /** the billing app of the database the transfer was posted under */
  appId: string
  /** the database (add-on) the transfer was posted under */
  addonId: string
  /** the dump file, for backups */
  backupFile?: null | string
  canceledAt: null | string
  createdAt: string
  deletedAt: null | string
  finishedAt: null | string
  fromName: null | string
  fromType: string
  fromUrl: null | string
  logs: TransferLog[]
  num: number
  processedBytes: number
  /** the secret of the backup's public URL, once one was issued */
  publicToken?: string
  sourceBytes: number
  startedAt: null | string
  succeeded: boolean | null
  toName: null | string
  toType: string
  toUrl: null | string
  updatedAt: string
  uuid: string
}

export interface State {
  addons: AddonRec[]
  apps: AppRec[]
  attachments: AttachmentRec[]
  couplings: CouplingRec[]
  drains: DrainRec[]
  format: 1
  formation: FormationRec[]
  ociImages: OciImageRec[]
  /** the PostgreSQL server's port, reused across restarts so stored URLs stay valid */
  pgPort?: number
  /** the connection pooler's port (same server, another port), reused across restarts */
  poolerPort?: number
  /** servers of other majors than the default cluster's: their PostgreSQL and pooler ports, by major */
  majorPorts?: Record<string, {pg?: number; pooler?: number}>
  pipelines: PipelineRec[]
  promotions: PromotionRec[]
  releases: ReleaseRec[]
  reviewApps: ReviewAppRec[]
  slugs: SlugRec[]
  spaces: SpaceRec[]
  transfers: TransferRec[]
}

export function emptyState(): State {
  return {
    addons: [], apps: [], attachments: [], couplings: [], drains: [], format: 1, formation: [], ociImages: [], pipelines: [], promotions: [], releases: [], reviewApps: [], slugs: [], spaces: [], transfers: [],
  }
}

/** Artifact retention (since 2025-10-01): older than 30 days and than the app's 20 latest releases. */
export const RETENTION = {days: 30, releases: 20}

/** Heroku's timestamp format: ISO 8601 without milliseconds. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export const APP_NAME = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/
const ADDON_NAME = /^[a-zA-Z][A-Za-z0-9_-]+$/
const ATTACHMENT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/
/** the schema's pattern for pipeline config var names */
const STAGE_CONFIG_KEY = /^[\w.:[\]]+$/

export const KNOWN_FEATURES: Array<{description: string; docUrl: string; name: string; state: string}> = [
  {description: 'Provide dyno metadata as environment variables.', docUrl: 'https://devcenter.heroku.com/articles/dyno-metadata', name: 'runtime-dyno-metadata', state: 'beta'},
  {description: 'Start new dynos before stopping the old ones on deploy.', docUrl: 'https://devcenter.heroku.com/articles/preboot', name: 'preboot', state: 'general'},
  {description: 'Route requests of one session to the same dyno.', docUrl: 'https://devcenter.heroku.com/articles/session-affinity', name: 'http-session-affinity', state: 'general'},
  {description: 'Emit dyno load and memory metrics in the logs.', docUrl: 'https://devcenter.heroku.com/articles/log-runtime-metrics', name: 'log-runtime-metrics', state: 'beta'},
]

/** Suffixes a service's add-on exposes, known before it is provisioned. */
function suffixesOf(service: ServiceSpec): string[] {
  if (service.name === POSTGRES) return ['URL']
  return Object.keys(nonPostgresConfig(service, 'x'))
}

export interface CreateAddonInput {
  attachmentName?: string
  /** the owning app's name, to confirm replacing vars or attachments */
  confirm?: string
  /** precomputed config (e.g. the real database's URL); the add-on is then provisioned at once */
  config?: Record<string, string>
  database?: string
  /** the leader a new follower follows (already checked by provision.ts) */
  following?: FollowRef
  /** the database a new fork copies (already checked by provision.ts) */
  forkedFrom?: FollowRef
  highAvailability?: boolean
  level?: string
  name?: string
  plan: string
  /** start as `provisioned` (config given) or `provisioning` (completed later) */
  provisioned: boolean
  version?: string
}

export interface CreateAttachmentInput {
  confirm?: string
  name?: string
  namespace?: null | string
  /** how the attachment comes about: from `POST /addon-attachments` or as an add-on's first attachment */
  origin: 'addon-create' | 'attach'
}

export class Store {
  state: State
  private readonly listeners: Array<() => void> = []

  constructor(readonly accounts: readonly Account[], state: State = emptyState()) {
    this.state = state
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener)
  }

  /** Marks the state as changed (for persistence). Every transition calls it. */
  changed(): void {
    for (const listener of this.listeners) listener()
  }

  replace(state: State): void {
    this.state = state
    this.changed()
  }

  // ---------------------------------------------------------------- accounts and visibility

  account(idOrEmail: string): Account | undefined {
    return this.accounts.find(a => a.id === idOrEmail || a.email === idOrEmail)
  }

  accountOrThrow(idOrEmail: string): Account {
    const found = this.account(idOrEmail)
    if (!found) throw notFound('user', `Couldn't find that user.`)
    return found
  }

  canSee(account: Account, app: AppRec): boolean {
    return app.ownerId === account.id || app.collaborators.includes(account.id)
  }

  findApp(idOrName: string): AppRec | undefined {
    return this.state.apps.find(app => app.id === idOrName || app.name === idOrName)
  }

  /** The app as `account` may see it: 404 when it does not exist, 403 when it is someone else's. */
  app(account: Account, idOrName: string): AppRec {
    const app = this.findApp(idOrName)
    if (!app) throw notFound('app')
    if (!this.canSee(account, app)) throw forbidden(`You do not have access to the app ${app.name}.`)
    return app
  }

  visibleApps(account: Account): AppRec[] {
    return this.state.apps.filter(app => this.canSee(account, app))
  }

  appById(id: string): AppRec {
    const app = this.state.apps.find(a => a.id === id)
    if (!app) throw new HerokuError(500, 'internal_server_error', `app ${id} missing from the store`)
    return app
  }

  // ---------------------------------------------------------------- apps

  createApp(owner: Account, input: {name?: string; region?: string; space?: string; stack?: string; team?: null | string}): AppRec {
    const space = input.space === undefined ? undefined : this.space(owner, input.space)
    if (space?.generation === 'fir' && input.stack !== undefined) throw invalidParams('Fir apps do not take a stack: their base image comes from their Cloud Native Buildpacks (project.toml).')
    const name = input.name ?? this.randomAppName()
    if (!APP_NAME.test(name)) {
      throw invalidParams('Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes.')
    }

    if (this.findApp(name)) throw invalidParams('Name is already taken')
    const region = space?.region ?? input.region ?? 'us'
    if (!['eu', 'us'].includes(region)) throw notFound('region', "Couldn't find that region.")
    const stack = input.stack ?? 'heroku-24'
    if (!['heroku-22', 'heroku-24', 'container'].includes(stack)) throw notFound('stack', "Couldn't find that stack.")
    const time = now()
    const app: AppRec = {
      buildpacks: [],
      buildStack: stack,
      collaborators: [],
      config: {},
      createdAt: time,
      features: {},
      generation: space?.generation ?? 'cedar',
      id: randomUUID(),
      maintenance: false,
      name,
      ownerId: owner.id,
      region,
      releasedAt: null,
      spaceId: space?.id ?? null,
      stack,
      team: input.team ?? space?.team ?? null,
      updatedAt: time,
    }
    this.state.apps.push(app)
    this.addRelease(app, owner, 'Initial release')
    this.changed()
    return app
  }

  private randomAppName(): string {
    for (;;) {
      const name = `app-${randomBytes(4).toString('hex')}`
      if (!this.findApp(name)) return name
    }
  }

/** Many plain apps with non-Postgres add-ons in one pass (emulator control `seed-bulk`): no per-item checks, no releases. */
  createBulk(owner: Account, spec: {config?: Record<string, string>; count: number; plans?: readonly string[]; prefix: string}): AppRec[] {
    const services = (spec.plans ?? []).map(ref => {
      const resolved = resolvePlan(ref)
      if (!resolved || resolved.service.name === POSTGRES) throw invalidParams(`seed-bulk takes non-Postgres plans only, not "${ref}".`)
      return resolved
    })
    const taken = new Set(this.state.apps.map(app => app.name))
    const addonNames = new Set(this.state.addons.map(addon => addon.name))
    const time = now()
    const created: AppRec[] = []
    for (let index = 1; index <= spec.count; index++) {
      const name = `${spec.prefix}-${index}`
      if (!APP_NAME.test(name) || taken.has(name)) throw invalidParams(`seed-bulk: app name ${name} is invalid or taken.`)
      taken.add(name)
      const app: AppRec = {
        buildpacks: [], buildStack: 'heroku-24', collaborators: [], config: {...spec.config}, createdAt: time, features: {}, generation: 'cedar',
        id: randomUUID(), maintenance: false, name, ownerId: owner.id, region: 'us', releasedAt: null, spaceId: null, stack: 'heroku-24', team: null, updatedAt: time,
      }
      this.state.apps.push(app)
      created.push(app)
      for (const [k, {plan, service}] of services.entries()) {
        const addonName = `${service.namePrefix}-${name}-${k + 1}`
        if (addonNames.has(addonName)) throw invalidParams(`seed-bulk: add-on name ${addonName} is taken.`)
        addonNames.add(addonName)
        const addon: AddonRec = {
          appId: app.id, config: nonPostgresConfig(service, addonName), createdAt: time, id: randomUUID(), name: addonName, plan: `${service.name}:${plan.slug}`,
          providerId: `resource${randomBytes(6).toString('hex')}@heroku.com`, service: service.name, state: 'provisioned', updatedAt: time,
        }
        this.state.addons.push(addon)
        // Each service once per app here, so its default attachment name is free.
        this.state.attachments.push({addonId: addon.id, appId: app.id, createdAt: time, id: randomUUID(), name: service.defaultAttachment, namespace: null, updatedAt: time})
      }
    }

    this.changed()
    return created
  }

  updateApp(app: AppRec, patch: {buildStack?: string; maintenance?: boolean; name?: string}): AppRec {
    if (patch.buildStack !== undefined && app.generation === 'fir') throw invalidParams(`${app.name} is a Fir app: its stack can't be set (the base image comes from its Cloud Native Buildpacks).`)
    if (patch.name !== undefined && patch.name !== app.name) {
      if (!APP_NAME.test(patch.name)) throw invalidParams('Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes.')
      if (this.findApp(patch.name)) throw invalidParams('Name is already taken')
      app.name = patch.name
    }

    if (patch.maintenance !== undefined) app.maintenance = patch.maintenance
    if (patch.buildStack !== undefined) app.buildStack = patch.buildStack
    app.updatedAt = now()
    this.changed()
    return app
  }

  /** Deletes an app: its own add-ons are deprovisioned (and detached everywhere), the rest goes with it. */
  deleteApp(actor: Account, app: AppRec): {deprovisioned: AddonRec[]} {
    const owned = this.state.addons.filter(a => a.appId === app.id)
    for (const addon of owned) this.destroyAddon(actor, addon, {appDeleted: app.id})
    const {state} = this
    state.attachments = state.attachments.filter(a => a.appId !== app.id)
    state.apps = state.apps.filter(a => a.id !== app.id)
    state.releases = state.releases.filter(r => r.appId !== app.id)
    state.slugs = state.slugs.filter(s => s.appId !== app.id)
    state.ociImages = state.ociImages.filter(i => i.appId !== app.id)
    state.formation = state.formation.filter(f => f.appId !== app.id)
    state.couplings = state.couplings.filter(c => c.appId !== app.id)
    state.reviewApps = state.reviewApps.filter(r => r.appId !== app.id)
    state.drains = state.drains.filter(d => d.appId !== app.id)
    this.changed()
    return {deprovisioned: owned}
  }

  addCollaborator(app: AppRec, account: Account): void {
    if (app.ownerId !== account.id && !app.collaborators.includes(account.id)) app.collaborators.push(account.id)
    this.changed()
  }

  // ---------------------------------------------------------------- config vars

  attachmentsOfApp(app: AppRec): AttachmentRec[] {
    return this.state.attachments.filter(a => a.appId === app.id)
  }

  /**
   * The config vars an attachment exposes on its app, e.g. `{DATABASE_URL: …}`. A `connection-pooling:*`
   * attachment's URL is the same server on the pooler's port; a `credential:NAME` one differs in user and password.
   */
  attachmentVars(attachment: AttachmentRec): Record<string, string> {
    const addon = this.addonById(attachment.addonId)
    const vars: Record<string, string> = {}
    if (!addon) return vars
    for (const [suffix, value] of Object.entries(addon.config)) vars[`${attachment.name}_${suffix}`] = value
    const url = addon.config.URL
    const poolerPort = addon.clusterMajor ? this.state.majorPorts?.[addon.clusterMajor]?.pooler : this.state.poolerPort
    if (url && attachment.namespace?.startsWith('connection-pooling:') && poolerPort) {
      const pooled = new URL(url)
      pooled.port = String(poolerPort)
      vars[`${attachment.name}_URL`] = pooled.toString()
    }

    const credential = attachment.namespace?.startsWith('credential:') ? addon.credentials?.[attachment.namespace.slice('credential:'.length)] : undefined
    if (url && credential) {
      const other = new URL(url)
      other.username = credential.user
      other.password = credential.password
      vars[`${attachment.name}_URL`] = other.toString()
    }

    return vars
  }

  /** Var names an attachment owns, including those of an add-on still provisioning. */
  attachmentVarNames(attachment: AttachmentRec): string[] {
    const addon = this.addonById(attachment.addonId)
    if (!addon) return []
    const service = serviceByName(addon.service)
    const suffixes = new Set([...Object.keys(addon.config), ...(service ? suffixesOf(service) : [])])
    return [...suffixes].map(suffix => `${attachment.name}_${suffix}`)
  }

  /** The app's config as Heroku shows it: plain vars plus every attachment's vars. */
  configOf(app: AppRec): Record<string, string> {
    const config: Record<string, string> = {...app.config}
    for (const attachment of this.attachmentsOfApp(app)) Object.assign(config, this.attachmentVars(attachment))
    return config
  }

  /** PATCH config-vars: `null` unsets; keys an attachment owns are refused with a 422. */
  patchConfig(actor: Account, app: AppRec, patch: Record<string, unknown>): Record<string, string> {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw invalidParams('Config vars must be an object.')
    const owned = new Set(this.attachmentsOfApp(app).flatMap(a => this.attachmentVarNames(a)))
    const description = applyConfigPatch(app.config, patch, owned, invalidParams)
    if (description) this.addRelease(app, actor, description)
    this.changed()
    return this.configOf(app)
  }

  // ---------------------------------------------------------------- releases and slugs

  releasesOf(app: AppRec): ReleaseRec[] {
    return this.state.releases.filter(r => r.appId === app.id)
  }

  latestRelease(app: AppRec): ReleaseRec | undefined {
    return this.releasesOf(app).reduce<ReleaseRec | undefined>((latest, r) => (!latest || r.version > latest.version ? r : latest), undefined)
  }

  addRelease(app: AppRec, actor: Account, description: string, slugId?: string, ociImageId?: string): ReleaseRec {
    const previous = this.latestRelease(app)
    const time = now()
    const release: ReleaseRec = {
      addonPlanNames: this.state.attachments
        .filter(a => a.appId === app.id)
        .map(a => this.addonById(a.addonId)?.plan)
        .filter((p): p is string => Boolean(p)),
      appId: app.id,
      config: this.configOf(app),
      createdAt: time,
      description,
      id: randomUUID(),
      ociImageId: ociImageId ?? (slugId ? null : previous?.ociImageId ?? null),
      plainConfig: {...app.config},
      slugId: slugId ?? (ociImageId ? null : previous?.slugId ?? null),
      status: 'succeeded',
      updatedAt: time,
      userId: actor.id,
      version: (previous?.version ?? 0) + 1,
    }
    this.state.releases.push(release)
    app.releasedAt = time
    app.updatedAt = time
    this.changed()
    return release
  }

  release(app: AppRec, idOrVersion: string): ReleaseRec {
    const version = /^v?\d+$/.test(idOrVersion) ? Number(idOrVersion.replace(/^v/, '')) : undefined
    const found = this.releasesOf(app).find(r => r.id === idOrVersion || r.version === version)
    if (!found) throw notFound('release')
    return found
  }

  createSlug(app: AppRec, input: {buildpackProvidedDescription?: string; checksum?: string; commit?: null | string; commitDescription?: null | string; processTypes?: Record<string, string>; stack?: string}): SlugRec {
    if (app.generation === 'fir') throw invalidParams(`${app.name} is a Fir app: its code is an OCI image, not a slug.`)
    const slug: SlugRec = {
      appId: app.id,
      buildpackProvidedDescription: input.buildpackProvidedDescription ?? 'Node.js',
      checksum: input.checksum ?? `SHA256:${randomBytes(32).toString('hex')}`,
      commit: input.commit ?? null,
      commitDescription: input.commitDescription ?? null,
      createdAt: now(),
      id: randomUUID(),
      processTypes: input.processTypes ?? {web: 'npm start'},
      size: 25_000_000 + (randomBytes(2).readUInt16BE(0) * 100),
      stack: input.stack ?? app.stack,
    }
    this.state.slugs.push(slug)
    this.changed()
    return slug
  }

  slug(id: string): SlugRec | undefined {
    return this.state.slugs.find(s => s.id === id)
  }

  /** Whether an app may read a slug: its own, or one released on it (a slug released elsewhere keeps its id). */
  slugOnApp(app: AppRec, slugId: string): SlugRec | undefined {
    const slug = this.slug(slugId)
    if (!slug) return undefined
    return slug.appId === app.id || this.releasesOf(app).some(r => r.slugId === slug.id) ? slug : undefined
  }

  /** An artifact is gone once every release of it expired (retention destroyed it). */
  private artifactExpired(kind: 'oci' | 'slug', id: string): boolean {
    const users = this.state.releases.filter(r => (kind === 'slug' ? r.slugId === id : r.ociImageId === id))
    return users.length > 0 && users.every(r => r.status === 'expired')
  }

  /** `POST /apps/:app/releases {slug}`: a new release of a slug (from this app or one the actor can see); the slug keeps its id, as on Heroku. */
  releaseSlug(actor: Account, app: AppRec, slugId: string, description?: string): ReleaseRec {
    if (app.generation === 'fir') throw invalidParams(`${app.name} is a Fir app: release an oci_image, not a slug.`)
    const slug = this.slug(slugId)
    if (!slug || this.artifactExpired('slug', slug.id)) throw notFound('slug')
    const owner = this.state.apps.find(a => a.id === slug.appId)
    if (owner && !this.canSee(actor, owner)) throw forbidden('You do not have access to that slug.')
    for (const type of Object.keys(slug.processTypes)) this.ensureFormation(app, type, slug.processTypes[type] ?? '')
    return this.addRelease(app, actor, description ?? `Deploy ${(slug.commit ?? slug.id).slice(0, 8)}`, slug.id)
  }

  // ---------------------------------------------------------------- spaces and OCI images (Fir)

  findSpace(idOrName: string): SpaceRec | undefined {
    return this.state.spaces.find(s => s.id === idOrName || s.name === idOrName)
  }

  /** A space its owner (or a member of its team) sees; 404 otherwise. */
  space(account: Account, idOrName: string): SpaceRec {
    const space = this.findSpace(idOrName)
    if (!space || (space.ownerId !== account.id && !(space.team && this.state.apps.some(a => a.team === space.team && this.canSee(account, a))))) {
      throw notFound('space', "Couldn't find that space.")
    }

    return space
  }

  createSpace(owner: Account, input: {generation?: string; name: string; region?: string; shield?: boolean; team?: null | string}): SpaceRec {
    if (!APP_NAME.test(input.name)) throw invalidParams('Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes.')
    if (this.findSpace(input.name)) throw invalidParams('Name is already taken')
    const generation = input.generation ?? 'cedar'
    if (generation !== 'cedar' && generation !== 'fir') throw invalidParams(`Generation must be cedar or fir, not ${generation}.`)
    if (generation === 'fir' && input.shield) throw invalidParams('Fir spaces cannot be Shield spaces.')
    const time = now()
    const space: SpaceRec = {
      createdAt: time, generation, id: randomUUID(), name: input.name, ownerId: owner.id, region: input.region ?? 'us', shield: Boolean(input.shield),
      team: input.team ?? null, updatedAt: time,
    }
    this.state.spaces.push(space)
    this.changed()
    return space
  }

  createOciImage(app: AppRec, input: {commit?: null | string; commitDescription?: null | string; digest?: string; processTypes?: Record<string, string>}): OciImageRec {
    if (app.generation !== 'fir') throw invalidParams(`${app.name} is a Cedar app: OCI images are for Fir apps (build a slug instead).`)
    const time = now()
    const image: OciImageRec = {
      appId: app.id,
      architecture: 'amd64',
      baseImageName: 'heroku/heroku:24-cnb',
      baseTopLayer: `sha256:${randomBytes(32).toString('hex')}`,
      commit: input.commit ?? null,
      commitDescription: input.commitDescription ?? null,
      createdAt: time,
      digest: input.digest ?? `sha256:${randomBytes(32).toString('hex')}`,
      id: randomUUID(),
      imageRepo: `registry.emulator.invalid/${app.id}`,
      processTypes: input.processTypes ?? {web: 'npm start'},
      stack: 'heroku-24',
      updatedAt: time,
    }
    this.state.ociImages.push(image)
    this.changed()
    return image
  }

  /** Images of an app by id or digest (`GET /apps/:app/oci-images/:id` answers an array): its own and those released on it. */
  ociImagesOf(app: AppRec, idOrDigest: string): OciImageRec[] {
    return this.state.ociImages.filter(i => (i.id === idOrDigest || i.digest === idOrDigest)
      && (i.appId === app.id || this.releasesOf(app).some(r => r.ociImageId === i.id)))
  }

  /** `POST /apps/:app/releases {oci_image}` (a uuid or a sha256 digest): Fir only; the image may come from another app the actor sees. */
  releaseOciImage(actor: Account, app: AppRec, ref: string, description?: string): ReleaseRec {
    if (app.generation !== 'fir') throw invalidParams(`${app.name} is a Cedar app: release a slug, not an oci_image.`)
    const image = this.state.ociImages.find(i => i.id === ref || i.digest === ref)
    if (!image || this.artifactExpired('oci', image.id)) throw notFound('oci_image', "Couldn't find that OCI image.")
    const owner = this.state.apps.find(a => a.id === image.appId)
    if (owner && !this.canSee(actor, owner)) throw forbidden('You do not have access to that OCI image.')
    for (const type of Object.keys(image.processTypes)) this.ensureFormation(app, type, image.processTypes[type] ?? '')
    return this.addRelease(app, actor, description ?? `Deploy ${(image.commit ?? image.id).slice(0, 8)}`, undefined, image.id)
  }

  /**
   * Heroku's artifact retention: an artifact (slug or OCI image) that no release among the app's `releases`
   * latest uses, released more than `days` ago, is destroyed, and every release of it becomes `expired`.
   * `all` expires every release of the app that has an artifact (a test's way to get an expired current
   * release). Returns the releases it expired.
   */
  expireArtifacts(options: {all?: boolean; app?: AppRec; days?: number; now?: Date; releases?: number} = {}): ReleaseRec[] {
    const days = options.days ?? RETENTION.days
    const keep = options.releases ?? RETENTION.releases
    const cutoff = (options.now ?? new Date()).getTime() - (days * 86_400_000)
    const artifact = (r: ReleaseRec): null | string => r.ociImageId ?? r.slugId ?? null
    const expired: ReleaseRec[] = []
    for (const app of options.app ? [options.app] : this.state.apps) {
      const releases = this.releasesOf(app).sort((a, b) => b.version - a.version)
      const kept = new Set(options.all ? [] : releases.slice(0, keep).map(r => artifact(r)))
      for (const release of releases) {
        const id = artifact(release)
        if (release.status === 'expired' || !id || kept.has(id)) continue
        if (!options.all && Date.parse(release.createdAt) >= cutoff) {
          kept.add(id) // a recent release of it keeps it
          continue
        }

        expired.push(release)
      }

      // an artifact one recent release still uses survives: only releases of destroyed artifacts expire
      for (const release of expired.filter(r => r.appId === app.id && !kept.has(artifact(r)))) {
        release.status = 'expired'
        release.updatedAt = now()
      }
    }

    this.changed()
    return expired.filter(r => r.status === 'expired')
  }

  /** A rollback restores the release's code and plain config vars; add-ons and attachments stay as they are. */
  rollback(actor: Account, app: AppRec, releaseId: string): ReleaseRec {
    const target = this.release(app, releaseId)
    if (target.status === 'expired') throw invalidParams(`v${target.version} has expired: its artifact is no longer available, so it can't be released again. Deploy a new release instead.`)
    if (target.plainConfig) {
      const owned = new Set(this.attachmentsOfApp(app).flatMap(a => this.attachmentVarNames(a)))
      app.config = Object.fromEntries(Object.entries(target.plainConfig).filter(([key]) => !owned.has(key)))
    }

    return this.addRelease(app, actor, `Rollback to v${target.version}`, target.slugId ?? undefined, target.ociImageId ?? undefined)
  }

  // ---------------------------------------------------------------- formation and buildpacks

  formationOf(app: AppRec): FormationRec[] {
    return this.state.formation.filter(f => f.appId === app.id)
  }

  ensureFormation(app: AppRec, type: string, command: string): FormationRec {
    const existing = this.formationOf(app).find(f => f.type === type)
    if (existing) {
      existing.command = command || existing.command
      return existing
    }

    const time = now()
    const formation: FormationRec = {
      appId: app.id,
      command,
      createdAt: time,
      id: randomUUID(),
      quantity: type === 'web' ? 1 : 0,
      size: 'Basic',
      type,
      updatedAt: time,
    }
    this.state.formation.push(formation)
    this.changed()
    return formation
  }

  scale(app: AppRec, updates: Array<{quantity?: unknown; size?: unknown; type?: unknown}>): FormationRec[] {
    const result: FormationRec[] = []
    for (const update of updates) {
      if (typeof update.type !== 'string') throw invalidParams('Each formation update needs a type.')
      const formation = this.formationOf(app).find(f => f.type === update.type)
      if (!formation) throw notFound('formation', `Couldn't find that process type (${update.type}).`)
      if (update.quantity !== undefined) {
        const quantity = Number(update.quantity)
        if (!Number.isInteger(quantity) || quantity < 0) throw invalidParams(`Invalid quantity for ${update.type}: ${String(update.quantity)}.`)
        formation.quantity = quantity
      }

      if (update.size !== undefined) {
        if (typeof update.size !== 'string') throw invalidParams('Dyno size must be a string.')
        formation.size = update.size
      }

      formation.updatedAt = now()
      result.push(formation)
    }

    this.changed()
    return result
  }

  setBuildpacks(app: AppRec, buildpacks: string[]): void {
    if (app.generation === 'fir') throw invalidParams(`${app.name} is a Fir app: buildpacks can't be set on it (they come from project.toml).`)
    app.buildpacks = buildpacks
    app.updatedAt = now()
    this.changed()
  }

  setFeature(app: AppRec, name: string, enabled: boolean): void {
    if (!KNOWN_FEATURES.some(f => f.name === name)) throw notFound('feature')
    app.features[name] = enabled
    this.changed()
  }

  // ---------------------------------------------------------------- add-ons

  addonById(id: string): AddonRec | undefined {
    return this.state.addons.find(a => a.id === id)
  }

  findAddon(idOrName: string): AddonRec | undefined {
    return this.state.addons.find(a => a.id === idOrName || a.name === idOrName)
  }

  /** An add-on is visible to whoever sees its owning app or an app it is attached to. */
  canSeeAddon(account: Account, addon: AddonRec): boolean {
    const owner = this.state.apps.find(a => a.id === addon.appId)
    if (owner && this.canSee(account, owner)) return true
    return this.state.attachments.some(att => att.addonId === addon.id && this.canSee(account, this.appById(att.appId)))
  }

  addon(account: Account, idOrName: string): AddonRec {
    const addon = this.findAddon(idOrName)
    if (!addon || !this.canSeeAddon(account, addon)) throw notFound('add_on', "Couldn't find that add on.")
    return addon
  }

  attachmentsOfAddon(addon: AddonRec): AttachmentRec[] {
    return this.state.attachments.filter(a => a.addonId === addon.id)
  }

  private pickAttachmentName(app: AppRec, service: ServiceSpec, origin: CreateAttachmentInput['origin']): string {
    const taken = new Set(this.attachmentsOfApp(app).map(a => a.name))
    const config = this.configOf(app)
    const free = (name: string): boolean => !taken.has(name) && !suffixesOf(service).some(s => `${name}_${s}` in config)
    // The first database takes DATABASE; an attach of a database always gets a colour.
    const defaultAllowed = service.name !== POSTGRES || origin === 'addon-create'
    if (defaultAllowed && free(service.defaultAttachment)) return service.defaultAttachment
    const prefix = service.colorPrefix ?? service.defaultAttachment
    const colors = [...COLORS].sort(() => (randomBytes(1)[0]! < 128 ? -1 : 1))
    for (const color of colors) if (free(`${prefix}_${color}`)) return `${prefix}_${color}`
    for (let i = 2; ; i++) if (free(`${prefix}_${i}`)) return `${prefix}_${i}`
  }

  createAddon(actor: Account, app: AppRec, input: CreateAddonInput): {addon: AddonRec; attachment: AttachmentRec} {
    const resolved = resolvePlan(input.plan)
    if (!resolved) throw invalidParams(`Couldn't find either the add-on service or the add-on plan of "${input.plan}".`)
    const {plan, service} = resolved
    if (input.name !== undefined) {
      if (!ADDON_NAME.test(input.name)) throw invalidParams('Name must start with a letter and can only contain letters, digits, dashes and underscores.')
      if (this.findAddon(input.name)) throw invalidParams(`Name ${input.name} is already taken by another add-on.`)
    }

    let version: string | undefined
    if (service.name === POSTGRES) {
      version = input.version ?? DEFAULT_POSTGRES_VERSION
      if (!(version in POSTGRES_VERSIONS)) {
        throw invalidParams(`Postgres version ${version} is not available. Supported versions: ${Object.keys(POSTGRES_VERSIONS).join(', ')}.`)
      }
    } else if (input.version !== undefined) {
      throw invalidParams(`${service.name} does not take a version.`)
    }

    const name = input.name ?? randomAddonName(service, n => Boolean(this.findAddon(n)))
    const time = now()
    const addon: AddonRec = {
      appId: app.id,
      config: input.provisioned ? input.config ?? (service.name === POSTGRES ? {} : nonPostgresConfig(service, name)) : {},
      createdAt: time,
      database: input.database,
      ...(input.following ? {following: {...input.following}} : {}),
      ...(input.forkedFrom ? {forkedFrom: {...input.forkedFrom}} : {}),
      ...(input.highAvailability === undefined ? {} : {highAvailability: input.highAvailability}),
      id: randomUUID(),
      ...(input.level ? {level: input.level} : {}),
      name,
      plan: `${service.name}:${plan.slug}`,
      providerId: `resource${randomBytes(6).toString('hex')}@heroku.com`,
      service: service.name,
      state: input.provisioned ? 'provisioned' : 'provisioning',
      updatedAt: time,
      version,
    }
    // Validate the attachment before anything is stored, so a refusal leaves no half-made add-on.
    const attachmentName = input.attachmentName?.toUpperCase() ?? this.pickAttachmentName(app, service, 'addon-create')
    this.checkAttachment(app, addon, service, attachmentName, null, input.confirm)
    this.state.addons.push(addon)
    const attachment = this.createAttachment(actor, app, addon, {confirm: input.confirm, name: attachmentName, origin: 'addon-create'})
    this.changed()
    return {addon, attachment}
  }

  /** The add-on's database exists now: expose its config and write the release Heroku writes. */
  completeProvisioning(actor: Account, addon: AddonRec, config: Record<string, string>, options: {clusterMajor?: string; database?: string; silent?: boolean} = {}): void {
    if (addon.state !== 'provisioning' || !this.addonById(addon.id)) return
    addon.config = {...addon.config, ...config}
    if (options.database) addon.database = options.database
    if (options.clusterMajor) addon.clusterMajor = options.clusterMajor
    addon.state = 'provisioned'
    addon.updatedAt = now()
    const owner = this.state.apps.find(a => a.id === addon.appId)
    const first = this.attachmentsOfAddon(addon).find(a => a.appId === addon.appId)
    if (owner && first && !options.silent && Object.keys(config).length > 0) {
      const vars = Object.keys(config).map(suffix => `${first.name}_${suffix}`).join(', ')
      this.addRelease(owner, actor, `@ref:${addon.name} completed provisioning, setting ${vars}.`)
    }

    this.changed()
  }

  /** `pg:unfollow`: the database stops following its leader (the caller makes it writable). */
  unfollow(addon: AddonRec): AddonRec {
    if (!addon.following) throw invalidParams(`${addon.name} is not a follower.`)
    delete addon.following
    addon.updatedAt = now()
    this.changed()
    return addon
  }

  /** `pg:credentials:create`: a named credential (its role already exists in the cluster). */
  addCredential(addon: AddonRec, name: string, credential: {password: string; user: string}): AddonRec {
    if (name === 'default' || addon.credentials?.[name]) throw invalidParams(`A credential named ${name} already exists on ${addon.name}.`)
    addon.credentials = {...addon.credentials, [name]: credential}
    addon.updatedAt = now()
    this.changed()
    return addon
  }

  /** `pg:credentials:destroy`: refused while an attachment still uses it, as Heroku refuses it. */
  removeCredential(addon: AddonRec, name: string): {password: string; user: string} {
    const credential = addon.credentials?.[name]
    if (!credential) throw notFound('credential', `Couldn't find the credential ${name} on ${addon.name}.`)
    const users = this.attachmentsOfAddon(addon).filter(a => a.namespace === `credential:${name}`)
    if (users.length > 0) {
      throw invalidParams(`The credential ${name} is attached to ${[...new Set(users.map(a => this.appById(a.appId).name))].join(', ')}: detach it before destroying it.`)
    }

    const {[name]: _removed, ...rest} = addon.credentials!
    addon.credentials = rest
    addon.updatedAt = now()
    this.changed()
    return credential
  }

  /** `pg:credentials:rotate`: a new password for a credential; for `default`, the add-on's URL (every attachment's var) changes. */
  rotateCredential(actor: Account, addon: AddonRec, name: string, password: string): void {
    if (name === 'default') {
      const url = new URL(addon.config.URL!)
      url.password = password
      addon.config = {...addon.config, URL: url.toString()}
      for (const attachment of this.attachmentsOfAddon(addon)) {
        this.addRelease(this.appById(attachment.appId), actor, `Update ${attachment.name} by ${addon.name}`)
      }
    } else {
      const credential = addon.credentials?.[name]
      if (!credential) throw notFound('credential', `Couldn't find the credential ${name} on ${addon.name}.`)
      credential.password = password
    }

    addon.updatedAt = now()
    this.changed()
  }

  /** `pg:upgrade:run`: the reported major moves up (never down); a follower stops following, as Heroku's does. */
  upgradeVersion(addon: AddonRec, version: string): AddonRec {
    if (!(version in POSTGRES_VERSIONS)) throw invalidParams(`Postgres version ${version} is not available. Supported versions: ${Object.keys(POSTGRES_VERSIONS).join(', ')}.`)
    if (Number(version) <= Number(addon.version ?? 0)) throw invalidParams(`${addon.name} is already on Postgres ${addon.version}: an upgrade needs a newer version than ${version}.`)
    addon.version = version
    delete addon.following
    addon.updatedAt = now()
    this.changed()
    return addon
  }

  /** Deprovisions an add-on: every attachment is removed (with a Detach release on each app). */
  destroyAddon(actor: Account, addon: AddonRec, options: {appDeleted?: string} = {}): AddonRec {
    for (const attachment of this.attachmentsOfAddon(addon)) {
      this.state.attachments = this.state.attachments.filter(a => a.id !== attachment.id)
      if (attachment.appId !== options.appDeleted) {
        this.addRelease(this.appById(attachment.appId), actor, `Detach ${attachment.name} (@ref:${addon.name})`)
      }
    }

    this.state.drains = this.state.drains.filter(d => d.addonId !== addon.id)
    this.state.addons = this.state.addons.filter(a => a.id !== addon.id)
    addon.state = 'deprovisioned'
    addon.updatedAt = now()
    this.changed()
    return addon
  }

  changePlan(addon: AddonRec, planRef: string): AddonRec {
    const resolved = resolvePlan(planRef.includes(':') ? planRef : `${addon.service}:${planRef}`)
    if (!resolved || resolved.service.name !== addon.service) throw invalidParams(`Couldn't find either the add-on service or the add-on plan of "${planRef}".`)
    addon.plan = `${resolved.service.name}:${resolved.plan.slug}`
    addon.updatedAt = now()
    this.changed()
    return addon
  }

  // ---------------------------------------------------------------- attachments

  attachment(id: string): AttachmentRec | undefined {
    return this.state.attachments.find(a => a.id === id)
  }

  /**
   * The rules of a new attachment: a name already used on the app by another add-on, or vars
   * that would replace plain config vars, need `confirm` = the app's name.
   */
  private checkAttachment(app: AppRec, addon: AddonRec, service: ServiceSpec, name: string, namespace: null | string, confirm?: string): {
    replaces?: AttachmentRec; same?: AttachmentRec; shadowed: string[]
  } {
    if (!ATTACHMENT_NAME.test(name)) throw invalidParams('Attachment name must start with a letter and contain only letters, digits and underscores.')
    const existing = this.attachmentsOfApp(app).find(a => a.name === name)
    if (existing && existing.addonId === addon.id && existing.namespace === namespace) return {same: existing, shadowed: []}
    const varNames = suffixesOf(service).map(s => `${name}_${s}`)
    const shadowed = varNames.filter(v => v in app.config)
    const confirmed = confirm === app.name
    if (existing && !confirmed) {
      throw confirmationRequired(`The attachment name ${name} is already used on ${app.name}. To replace it, confirm with the app name ${app.name}.`)
    }

    if (shadowed.length > 0 && !confirmed) {
      throw confirmationRequired(`This would overwrite the config vars ${shadowed.join(', ')} on ${app.name}. To proceed, confirm with the app name ${app.name}.`)
    }

    return {replaces: existing, shadowed}
  }

  createAttachment(actor: Account, app: AppRec, addon: AddonRec, input: CreateAttachmentInput): AttachmentRec {
    const service = serviceByName(addon.service)
    if (!service) throw new HerokuError(500, 'internal_server_error', `unknown service ${addon.service}`)
    if (addon.appId !== app.id && !service.supportsSharing) {
      throw invalidParams(`${service.humanName} add-ons cannot be attached to other apps.`)
    }

    const name = input.name ? input.name.toUpperCase() : this.pickAttachmentName(app, service, input.origin)
    const namespace = input.namespace ?? null
    const check = this.checkAttachment(app, addon, service, name, namespace, input.confirm)
    if (check.same) return check.same
    if (check.replaces) {
      const old = this.addonById(check.replaces.addonId)
      this.state.attachments = this.state.attachments.filter(a => a.id !== check.replaces!.id)
      this.addRelease(app, actor, `Detach ${check.replaces.name} (@ref:${old?.name ?? check.replaces.addonId})`)
    }

    for (const key of check.shadowed) delete app.config[key]
    const time = now()
    const attachment: AttachmentRec = {addonId: addon.id, appId: app.id, createdAt: time, id: randomUUID(), name, namespace, updatedAt: time}
    this.state.attachments.push(attachment)
    this.addRelease(app, actor, `Attach ${name} (@ref:${addon.name})`)
    this.changed()
    return attachment
  }

  /** Detaches; the billing app's last attachment of an add-on cannot be removed (destroy the add-on). */
  deleteAttachment(actor: Account, attachment: AttachmentRec): AttachmentRec {
    const addon = this.addonById(attachment.addonId)
    if (addon && attachment.appId === addon.appId) {
      const others = this.attachmentsOfAddon(addon).filter(a => a.appId === addon.appId && a.id !== attachment.id)
      if (others.length === 0) throw invalidParams(`Cannot destroy last attachment to billing app for resource ${addon.name}`)
    }

    this.state.attachments = this.state.attachments.filter(a => a.id !== attachment.id)
    this.addRelease(this.appById(attachment.appId), actor, `Detach ${attachment.name} (@ref:${addon?.name ?? attachment.addonId})`)
    this.changed()
    return attachment
  }

  // ---------------------------------------------------------------- pipelines

  findPipeline(idOrName: string): PipelineRec | undefined {
    return this.state.pipelines.find(p => p.id === idOrName || p.name === idOrName)
  }

  canSeePipeline(account: Account, pipeline: PipelineRec): boolean {
    if (pipeline.ownerId === account.id) return true
    return this.state.couplings.some(c => c.pipelineId === pipeline.id && this.canSee(account, this.appById(c.appId)))
  }

  pipeline(account: Account, idOrName: string): PipelineRec {
    const pipeline = this.findPipeline(idOrName)
    if (!pipeline || !this.canSeePipeline(account, pipeline)) throw notFound('pipeline')
    return pipeline
  }

  createPipeline(owner: Account, name: string, generation: Generation = 'cedar'): PipelineRec {
    if (!/^[a-z][a-z0-9-]{1,28}[a-z0-9]$/.test(name)) throw invalidParams('Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes.')
    if (this.findPipeline(name)) throw invalidParams('Name is already taken')
    const time = now()
    const pipeline: PipelineRec = {createdAt: time, generation, id: randomUUID(), name, ownerId: owner.id, updatedAt: time}
    this.state.pipelines.push(pipeline)
    this.changed()
    return pipeline
  }

  deletePipeline(pipeline: PipelineRec): PipelineRec {
    this.state.reviewApps = this.state.reviewApps.filter(r => r.pipelineId !== pipeline.id)
    this.state.couplings = this.state.couplings.filter(c => c.pipelineId !== pipeline.id)
    this.state.pipelines = this.state.pipelines.filter(p => p.id !== pipeline.id)
    this.changed()
    return pipeline
  }

  couple(app: AppRec, pipeline: PipelineRec, stage: string): CouplingRec {
    if (!STAGES.includes(stage as Stage)) throw invalidParams(`Stage must be one of ${STAGES.join(', ')}.`)
    if (this.state.couplings.some(c => c.appId === app.id)) throw invalidParams(`${app.name} is already in a pipeline.`)
    if ((app.generation ?? 'cedar') !== (pipeline.generation ?? 'cedar')) {
      throw invalidParams(`${app.name} is a ${app.generation ?? 'cedar'} app and ${pipeline.name} a ${pipeline.generation ?? 'cedar'} pipeline: a pipeline's apps share its generation.`)
    }

    const time = now()
    const coupling: CouplingRec = {appId: app.id, createdAt: time, id: randomUUID(), pipelineId: pipeline.id, stage: stage as Stage, updatedAt: time}
    this.state.couplings.push(coupling)
    this.changed()
    return coupling
  }

  updateCoupling(coupling: CouplingRec, stage: string): CouplingRec {
    if (!STAGES.includes(stage as Stage)) throw invalidParams(`Stage must be one of ${STAGES.join(', ')}.`)
    coupling.stage = stage as Stage
    coupling.updatedAt = now()
    this.changed()
    return coupling
  }

  /**
   * `POST /pipeline-promotions`: the source's release (`source.release.id`, else its current one) is released
   * on each target with the same artifact (slug or OCI image). Refused (422) for an expired release, a target
   * outside the pipeline or the source itself; a target that cannot take it fails with an error message.
   */
  promote(actor: Account, pipeline: PipelineRec, source: AppRec, targets: AppRec[], releaseId?: string): PromotionRec {
    const coupled = (app: AppRec): boolean => this.state.couplings.some(c => c.appId === app.id && c.pipelineId === pipeline.id)
    if (!coupled(source)) throw invalidParams(`${source.name} is not in the pipeline ${pipeline.name}.`)
    if (targets.length === 0) throw invalidParams('A promotion needs at least one target app.')
    for (const target of targets) {
      if (!coupled(target)) throw invalidParams(`${target.name} is not in the pipeline ${pipeline.name}.`)
      if (target.id === source.id) throw invalidParams(`Cannot promote ${source.name} to itself.`)
    }

    const release = releaseId ? this.release(source, releaseId) : this.latestRelease(source)
    if (!release || (!release.slugId && !release.ociImageId)) throw invalidParams(`${source.name} has no release with code to promote.`)
    if (release.status === 'expired') throw invalidParams(`v${release.version} of ${source.name} has expired: its artifact is gone. Promote an unexpired release.`)
    const time = now()
    const promotion: PromotionRec = {
      createdAt: time, id: randomUUID(), pipelineId: pipeline.id, sourceAppId: source.id, sourceReleaseId: release.id, status: 'completed', targets: [], updatedAt: time,
    }
    const description = `Promote ${source.name} v${release.version}`
    for (const target of targets) {
      const entry: PromotionTargetRec = {appId: target.id, errorMessage: null, id: randomUUID(), releaseId: null, status: 'succeeded'}
      try {
        const made = release.ociImageId
          ? this.releaseOciImage(actor, target, release.ociImageId, description)
          : this.releaseSlug(actor, target, release.slugId!, description)
        entry.releaseId = made.id
      } catch (error) {
        entry.status = 'failed'
        entry.errorMessage = (error as Error).message
      }

      promotion.targets.push(entry)
    }

    this.state.promotions.push(promotion)
    this.changed()
    return promotion
  }

  uncouple(coupling: CouplingRec): CouplingRec {
    this.state.couplings = this.state.couplings.filter(c => c.id !== coupling.id)
    this.changed()
    return coupling
  }

  // ---------------------------------------------------------------- pipeline config vars and review apps

  private configStage(stage: string): ConfigStage {
    if (!CONFIG_STAGES.includes(stage as ConfigStage)) {
      if (STAGES.includes(stage as Stage)) throw invalidParams(`Only the review and test stages have pipeline config vars, not ${stage}.`)
      throw notFound('stage', "Couldn't find that stage.")
    }

    return stage as ConfigStage
  }

  /** `GET /pipelines/:id/stage/:stage/config-vars` */
  stageConfigOf(pipeline: PipelineRec, stage: string): Record<string, string> {
    const key = this.configStage(stage)
    return {...pipeline.stageConfig?.[key]}
  }

  /** `PATCH /pipelines/:id/stage/:stage/config-vars`: `null` removes; apps made before keep what they got. */
  patchStageConfig(pipeline: PipelineRec, stage: string, patch: Record<string, unknown>): Record<string, string> {
    const key = this.configStage(stage)
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw invalidParams('Config vars must be an object.')
    for (const [name, value] of Object.entries(patch)) {
      if (!STAGE_CONFIG_KEY.test(name)) throw invalidParams(`Invalid config var name: ${name}.`)
      if (value !== null && typeof value !== 'string') throw invalidParams(`Config var ${name} must be a string or null.`)
    }

    const config = {...pipeline.stageConfig?.[key]}
    for (const [name, value] of Object.entries(patch)) {
      if (value === null) delete config[name]
      else config[name] = value as string
    }

    pipeline.stageConfig = {...pipeline.stageConfig, [key]: config}
    pipeline.updatedAt = now()
    this.changed()
    return {...config}
  }

  /** `POST /pipelines/:id/review-app-config` (enable) and `PATCH` (update, which needs it enabled). */
  setReviewAppConfig(pipeline: PipelineRec, input: Partial<Omit<ReviewAppConfigRec, 'repoId'>>, mode: 'enable' | 'update'): ReviewAppConfigRec {
    const existing = pipeline.reviewAppConfig
    if (mode === 'update' && !existing) throw notFound('review_app_config', 'Review apps are not enabled for this pipeline.')
    const repo = input.repo ?? existing?.repo
    if (!repo) throw invalidParams('repo is required.')
    if (input.staleDays !== undefined && (!Number.isInteger(input.staleDays) || input.staleDays < 1)) throw invalidParams('stale_days must be a whole number of days, 1 or more.')
    const config: ReviewAppConfigRec = {
      automaticReviewApps: input.automaticReviewApps ?? existing?.automaticReviewApps ?? false,
      baseName: input.baseName === undefined ? existing?.baseName ?? null : input.baseName,
      deployTarget: input.deployTarget === undefined ? existing?.deployTarget ?? null : input.deployTarget,
      destroyStaleApps: input.destroyStaleApps ?? existing?.destroyStaleApps ?? false,
      repo,
      repoId: existing?.repo === repo ? existing.repoId : randomBytes(3).readUIntBE(0, 3),
      staleDays: input.staleDays ?? existing?.staleDays ?? 5,
      waitForCi: input.waitForCi ?? existing?.waitForCi ?? false,
    }
    pipeline.reviewAppConfig = config
    this.changed()
    return config
  }

  disableReviewApps(pipeline: PipelineRec): ReviewAppConfigRec {
    const existing = pipeline.reviewAppConfig
    if (!existing) throw notFound('review_app_config', 'Review apps are not enabled for this pipeline.')
    delete pipeline.reviewAppConfig
    this.changed()
    return existing
  }

  reviewAppsOf(pipeline: PipelineRec): ReviewAppRec[] {
    return this.state.reviewApps.filter(r => r.pipelineId === pipeline.id)
  }

  /** A review app its pipeline's viewer may see; 404 otherwise. */
  reviewApp(account: Account, id: string): ReviewAppRec {
    const found = this.state.reviewApps.find(r => r.id === id)
    const pipeline = found && this.findPipeline(found.pipelineId)
    if (!found || !pipeline || !this.canSeePipeline(account, pipeline)) throw notFound('review_app', "Couldn't find that review app.")
    return found
  }

  /** The review app that made `app`, if it is one. */
  reviewAppOfApp(app: AppRec): ReviewAppRec | undefined {
    return this.state.reviewApps.find(r => r.appId === app.id)
  }

  /**
   * `POST /review-apps`: a new app owned by the pipeline's owner, with the review stage's config vars and
   * `environment` on top, coupled to the pipeline at stage review (Heroku couples review apps itself). The
   * emulator builds nothing, so it is `created` at once; add-ons (app.json's) are added afterwards.
   */
  createReviewApp(actor: Account, pipeline: PipelineRec, input: {
    branch: string; environment?: Record<string, unknown>; forkRepoId?: null | number; name?: string; prNumber?: null | number; sourceBlob: {url: string; version: null | string}
  }): ReviewAppRec {
    if (!input.branch) throw invalidParams('branch is required.')
    if (input.prNumber !== undefined && input.prNumber !== null && (!Number.isInteger(input.prNumber) || input.prNumber < 1)) throw invalidParams('pr_number must be a whole number.')
    const open = this.reviewAppsOf(pipeline).find(r => r.branch === input.branch && (r.prNumber ?? null) === (input.prNumber ?? null))
    if (open) throw invalidParams(`A review app for ${input.prNumber ? `pull request #${input.prNumber}` : `branch ${input.branch}`} already exists in ${pipeline.name}.`)
    const environment = input.environment ?? {}
    for (const [name, value] of Object.entries(environment)) {
      if (!STAGE_CONFIG_KEY.test(name) || (value !== null && typeof value !== 'string')) throw invalidParams(`environment.${name} must be a string.`)
    }

    const owner = this.account(pipeline.ownerId) ?? actor
    const app = this.createApp(owner, {name: input.name ?? this.reviewAppName(pipeline, input.branch, input.prNumber ?? null)})
    app.generation = pipeline.generation ?? 'cedar'
    if (app.ownerId !== actor.id) this.addCollaborator(app, actor)
    const config = Object.fromEntries(Object.entries({...pipeline.stageConfig?.review, ...environment}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
    if (Object.keys(config).length > 0) this.patchConfig(owner, app, config)
    this.couple(app, pipeline, 'review')
    const time = now()
    const review: ReviewAppRec = {
      appId: app.id,
      branch: input.branch,
      createdAt: time,
      creatorId: actor.id,
      errorStatus: null,
      forkRepoId: input.forkRepoId ?? null,
      id: randomUUID(),
      message: null,
      pipelineId: pipeline.id,
      prNumber: input.prNumber ?? null,
      sourceBlob: input.sourceBlob,
      status: 'created',
      updatedAt: time,
      waitForCi: pipeline.reviewAppConfig?.waitForCi ?? false,
    }
    this.state.reviewApps.push(review)
    this.changed()
    return review
  }

  /** Heroku's names: `BASE-pr-N` with a base name, else `PIPELINE-pr-N-xxxxxx` (or the branch for N), at most 30 characters. */
  private reviewAppName(pipeline: PipelineRec, branch: string, prNumber: null | number): string {
    const what = prNumber ? `pr-${prNumber}` : branch.toLowerCase().replaceAll(/[^a-z0-9]+/g, '-').replaceAll(/^-|-$/g, '') || 'branch'
    const base = pipeline.reviewAppConfig?.baseName
    for (;;) {
      const suffix = base ? '' : `-${randomBytes(3).toString('hex')}`
      const name = `${(base ?? pipeline.name).slice(0, 30 - what.length - suffix.length - 1)}-${what}`.replaceAll(/-+/g, '-') + suffix
      if (!this.findApp(name)) return name
      if (base) throw invalidParams(`Name ${name} is already taken.`)
    }
  }

  /** `DELETE /review-apps/:id`: the app goes (its own add-ons with it); the answer says `deleting`. */
  deleteReviewApp(actor: Account, review: ReviewAppRec): ReviewAppRec {
    const app = review.appId ? this.state.apps.find(a => a.id === review.appId) : undefined
    if (app) this.deleteApp(actor, app)
    this.state.reviewApps = this.state.reviewApps.filter(r => r.id !== review.id)
    this.changed()
    return {...review, status: 'deleting', updatedAt: now()}
  }

  // ---------------------------------------------------------------- log drains

  addDrain(app: AppRec, url: string, addonId: null | string = null): DrainRec {
    if (!/^(https?|syslog(\+tls)?):\/\//.test(url)) throw invalidParams('Url is invalid')
    if (this.state.drains.some(d => d.appId === app.id && d.url === url)) throw invalidParams('Url has already been taken')
    const time = now()
    const drain: DrainRec = {addonId, appId: app.id, createdAt: time, id: randomUUID(), token: `d.${randomUUID()}`, updatedAt: time, url}
    this.state.drains.push(drain)
    this.changed()
    return drain
  }

  removeDrain(drain: DrainRec): DrainRec {
    if (drain.addonId) throw invalidParams('Add-on owned drains can only be removed by removing the add-on.')
    this.state.drains = this.state.drains.filter(d => d.id !== drain.id)
    this.changed()
    return drain
  }

  // ---------------------------------------------------------------- transfers

  nextTransferNum(appId: string): number {
    return this.state.transfers.filter(t => t.appId === appId).reduce((max, t) => Math.max(max, t.num), 0) + 1
  }

  addTransfer(transfer: TransferRec): TransferRec {
    this.state.transfers.push(transfer)
    this.changed()
    return transfer
  }
}
