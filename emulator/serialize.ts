/**
 * Store records → the JSON shapes of the Platform API schema (platform-api.schema.json).
 */

import {type PlanSpec, resolvePlan, type ServiceSpec, serviceByName, stableId} from './catalog.js'
import {headerValue} from './http.js'
import {
  type AddonRec,
  type AppRec,
  type AttachmentRec,
  type CouplingRec,
  type DrainRec,
  type FormationRec,
  type Generation,
  KNOWN_FEATURES,
  now,
  type OciImageRec,
  type PipelineRec,
  type PromotionRec,
  type ReleaseRec,
  type ReviewAppConfigRec,
  type ReviewAppRec,
  type SlugRec,
  type SpaceRec,
  type Store,
} from './store.js'
import type {Account} from './types.js'

type Json = Record<string, unknown>

const REGIONS: Record<string, string> = {eu: 'Europe', us: 'United States'}

export function accountJson(account: Account): Json {
  const time = '2020-01-01T00:00:00Z'
  return {
    allow_tracking: false,
    beta: false,
    country_of_residence: 'United States',
    created_at: time,
    default_organization: null,
    default_team: null,
    delinquent_at: null,
    email: account.email,
    federated: false,
    id: account.id,
    identity_provider: null,
    last_login: time,
    name: account.email.split('@')[0],
    sms_number: null,
    suspended_at: null,
    two_factor_authentication: false,
    updated_at: time,
    verified: true,
  }
}

function ref(id: string, name: string): Json {
  return {id, name}
}

/** The schema's generation object, `{id, name}`. */
export function generationRef(generation: Generation | undefined): Json {
  const name = generation ?? 'cedar'
  return ref(stableId(`generation:${name}`), name)
}

function teamRef(team: null | string): Json | null {
  return team ? ref(stableId(`team:${team}`), team) : null
}

export function appJson(store: Store, app: AppRec): Json {
  const owner = store.account(app.ownerId)
  const space = app.spaceId ? store.state.spaces.find(s => s.id === app.spaceId) : undefined
  return {
    acm: false,
    archived_at: null,
    build_stack: ref(stableId(`stack:${app.buildStack}`), app.buildStack),
    buildpack_provided_description: app.buildpacks.length > 0 ? app.buildpacks[0] : null,
    created_at: app.createdAt,
    generation: generationRef(app.generation),
    git_url: `https://git.heroku.com/${app.name}.git`,
    id: app.id,
    internal_routing: null,
    maintenance: app.maintenance,
    name: app.name,
    organization: teamRef(app.team),
    owner: {email: owner?.email ?? 'unknown@example.com', id: app.ownerId},
    region: ref(stableId(`region:${app.region}`), app.region),
    released_at: app.releasedAt,
    repo_size: null,
    slug_size: null,
    space: space ? {id: space.id, name: space.name, shield: space.shield} : null,
    stack: ref(stableId(`stack:${app.stack}`), app.stack),
    team: teamRef(app.team),
    updated_at: app.updatedAt,
    web_url: `https://${app.name}.herokuapp.com/`,
  }
}

export function regionJson(name: string): Json {
  return {country: name === 'eu' ? 'Ireland' : 'United States', created_at: '2012-01-01T00:00:00Z', description: REGIONS[name] ?? name,
    id: stableId(`region:${name}`), locale: name === 'eu' ? 'dublin' : 'virginia', name, private_capable: false, updated_at: '2012-01-01T00:00:00Z'}
}

export function serviceJson(service: ServiceSpec): Json {
  return {
    cli_plugin_name: null,
    created_at: '2015-01-01T00:00:00Z',
    human_name: service.humanName,
    id: stableId(`service:${service.name}`),
    name: service.name,
    state: 'ga',
    supported_generations: [generationRef('cedar'), generationRef('fir')],
    supports_multiple_installations: true,
    supports_sharing: service.supportsSharing,
    updated_at: '2024-01-01T00:00:00Z',
  }
}

export function planJson(service: ServiceSpec, plan: PlanSpec): Json {
  return {
    addon_service: ref(stableId(`service:${service.name}`), service.name),
    compliance: null,
    created_at: '2015-01-01T00:00:00Z',
    default: Boolean(plan.default),
    description: plan.description,
    human_name: plan.humanName,
    id: stableId(`plan:${service.name}:${plan.slug}`),
    installable_inside_private_network: false,
    installable_outside_private_network: true,
    name: `${service.name}:${plan.slug}`,
    price: {cents: plan.cents, contract: false, metered: false, unit: 'month'},
    space_default: false,
    state: 'public',
    updated_at: '2024-01-01T00:00:00Z',
    visible: true,
  }
}

/** `Accept-Expansion: addon_service,plan` and `Accept-Inclusion: addon:plan,config_vars`, parsed. */
export interface Shape {
  expand: Set<string>
  include: Set<string>
}

export function shapeOf(headers: Record<string, string | string[] | undefined>): Shape {
  const list = (name: string): Set<string> => new Set((headerValue(headers, name) ?? '').split(',').map(s => s.trim()).filter(Boolean))
  return {expand: list('accept-expansion'), include: list('accept-inclusion')}
}

export function addonJson(store: Store, addon: AddonRec, shape: Shape = {expand: new Set(), include: new Set()}): Json {
  const app = store.state.apps.find(a => a.id === addon.appId)
  const resolved = resolvePlan(addon.plan)
  const service = serviceByName(addon.service)
  const planId = stableId(`plan:${addon.plan}`)
  const price = {cents: resolved?.plan.cents ?? 0, contract: false, unit: 'month'}
  const configVars = store.attachmentsOfAddon(addon)
    .filter(a => a.appId === addon.appId)
    .flatMap(a => store.attachmentVarNames(a))
  return {
    actions: [],
    addon_service: shape.expand.has('addon_service') && service
      ? serviceJson(service)
      : ref(stableId(`service:${addon.service}`), addon.service),
    app: ref(addon.appId, app?.name ?? ''),
    billed_price: price,
    billing_entity: {id: addon.appId, name: app?.name ?? '', type: 'app'},
    config_vars: configVars,
    created_at: addon.createdAt,
    id: addon.id,
    name: addon.name,
    plan: shape.expand.has('plan') && resolved
      ? planJson(resolved.service, resolved.plan)
      : {id: planId, name: addon.plan, price},
    provider_id: addon.providerId,
    provision_message: addon.state === 'provisioning' ? 'Your add-on is being provisioned. It will be available shortly.' : null,
    state: addon.state,
    updated_at: addon.updatedAt,
    web_url: `https://addons-sso.heroku.com/apps/${addon.appId}/addons/${addon.id}`,
  }
}

export function attachmentJson(store: Store, attachment: AttachmentRec, shape: Shape = {expand: new Set(), include: new Set()}): Json {
  const addon = store.addonById(attachment.addonId)
  const owner = addon ? store.state.apps.find(a => a.id === addon.appId) : undefined
  const app = store.state.apps.find(a => a.id === attachment.appId)
  const addonRef: Json = {
    app: ref(addon?.appId ?? '', owner?.name ?? ''),
    id: attachment.addonId,
    name: addon?.name ?? '',
  }
  if (shape.include.has('addon:plan') && addon) addonRef.plan = {id: stableId(`plan:${addon.plan}`), name: addon.plan}
  const json: Json = {
    addon: addonRef,
    app: ref(attachment.appId, app?.name ?? ''),
    created_at: attachment.createdAt,
    id: attachment.id,
    log_input_url: null,
    name: attachment.name,
    namespace: attachment.namespace,
    updated_at: attachment.updatedAt,
    web_url: `https://addons-sso.heroku.com/apps/${attachment.appId}/addons/${attachment.addonId}`,
  }
  if (shape.include.has('config_vars')) json.config_vars = store.attachmentVarNames(attachment)
  return json
}

export function releaseJson(store: Store, release: ReleaseRec): Json {
  const app = store.state.apps.find(a => a.id === release.appId)
  const user = store.account(release.userId)
  const latest = app ? store.latestRelease(app) : undefined
  return {
    addon_plan_names: release.addonPlanNames,
    app: ref(release.appId, app?.name ?? ''),
    artifacts: release.ociImageId ? [{id: release.ociImageId, type: 'oci-image'}] : (release.slugId ? [{id: release.slugId, type: 'slug'}] : []),
    created_at: release.createdAt,
    current: latest?.id === release.id,
    description: release.description,
    eligible_for_rollback: release.status !== 'expired',
    id: release.id,
    oci_image: release.ociImageId ? {id: release.ociImageId} : null,
    output_stream_url: null,
    slug: release.slugId ? {id: release.slugId} : null,
    status: release.status,
    updated_at: release.updatedAt,
    user: {email: user?.email ?? 'unknown@example.com', id: release.userId},
    version: release.version,
  }
}

export function slugJson(slug: SlugRec): Json {
  return {
    blob: {method: 'get', url: `https://slugs.emulator.invalid/${slug.id}.tgz`},
    buildpack_provided_description: slug.buildpackProvidedDescription,
    checksum: slug.checksum,
    commit: slug.commit,
    commit_description: slug.commitDescription,
    created_at: slug.createdAt,
    deleted_at: null,
    id: slug.id,
    process_types: slug.processTypes,
    size: slug.size,
    stack: ref(stableId(`stack:${slug.stack}`), slug.stack),
    updated_at: slug.createdAt,
  }
}

export function formationJson(store: Store, formation: FormationRec): Json {
  const app = store.state.apps.find(a => a.id === formation.appId)
  return {
    app: ref(formation.appId, app?.name ?? ''),
    command: formation.command,
    created_at: formation.createdAt,
    dyno_size: ref(stableId(`size:${formation.size}`), formation.size),
    id: formation.id,
    quantity: formation.quantity,
    size: formation.size,
    type: formation.type,
    updated_at: formation.updatedAt,
  }
}

/** An official buildpack (`heroku/ruby`) comes back as its urn, `urn:buildpack:heroku/ruby`, as Heroku answers. */
export function buildpackJson(url: string, index: number): Json {
  const official = /^heroku\/[\w-]+$/.test(url)
  const name = official ? url : url.replace(/^urn:buildpack:/, '').replace(/^https?:\/\/[^/]+\//, '').replace(/\.tgz$/, '')
  return {buildpack: {name, url: official ? `urn:buildpack:${url}` : url}, ordinal: index}
}

export function featureJson(app: AppRec, feature: (typeof KNOWN_FEATURES)[number]): Json {
  return {
    created_at: app.createdAt,
    description: feature.description,
    display_name: feature.name,
    doc_url: feature.docUrl,
    enabled: app.features[feature.name] ?? false,
    feedback_email: null,
    id: stableId(`feature:${feature.name}`),
    name: feature.name,
    state: feature.state,
    updated_at: app.updatedAt,
  }
}

export function pipelineJson(pipeline: PipelineRec): Json {
  return {
    created_at: pipeline.createdAt,
    generation: generationRef(pipeline.generation),
    id: pipeline.id,
    name: pipeline.name,
    owner: {id: pipeline.ownerId, type: 'user'},
    updated_at: pipeline.updatedAt,
  }
}

/**
 * A coupling references its app and pipeline by `{id}` only (the schema; heroku/cli's fixtures). The
 * per-app answer (`GET /apps/:app/pipeline-couplings`) also names the pipeline, which the stock CLI prints.
 */
export function couplingJson(store: Store, coupling: CouplingRec, options: {pipelineName?: boolean} = {}): Json {
  const pipeline = store.state.pipelines.find(p => p.id === coupling.pipelineId)
  return {
    app: {id: coupling.appId},
    created_at: coupling.createdAt,
    id: coupling.id,
    pipeline: options.pipelineName ? ref(coupling.pipelineId, pipeline?.name ?? '') : {id: coupling.pipelineId},
    stage: coupling.stage,
    updated_at: coupling.updatedAt,
  }
}

/** `review-app`: the app, pipeline and creator by id only, as Heroku gives them. */
export function reviewAppJson(review: ReviewAppRec): Json {
  return {
    app: review.appId ? {id: review.appId} : null,
    app_setup: null,
    branch: review.branch,
    created_at: review.createdAt,
    creator: {id: review.creatorId},
    error_status: review.errorStatus,
    fork_repo: review.forkRepoId === null ? null : {id: review.forkRepoId},
    id: review.id,
    message: review.message,
    pipeline: {id: review.pipelineId},
    pr_number: review.prNumber,
    status: review.status,
    updated_at: review.updatedAt,
    wait_for_ci: review.waitForCi,
  }
}

export function reviewAppConfigJson(pipeline: PipelineRec, config: ReviewAppConfigRec): Json {
  return {
    automatic_review_apps: config.automaticReviewApps,
    base_name: config.baseName,
    deploy_target: config.deployTarget,
    destroy_stale_apps: config.destroyStaleApps,
    pipeline_id: pipeline.id,
    repo: {id: config.repoId},
    stale_days: config.staleDays,
    wait_for_ci: config.waitForCi,
  }
}

export function drainJson(store: Store, drain: DrainRec): Json {
  const app = store.state.apps.find(a => a.id === drain.appId)
  const addon = drain.addonId ? store.addonById(drain.addonId) : undefined
  return {
    addon: addon ? {app: ref(addon.appId, store.state.apps.find(a => a.id === addon.appId)?.name ?? ''), id: addon.id, name: addon.name} : null,
    app: ref(drain.appId, app?.name ?? ''),
    created_at: drain.createdAt,
    id: drain.id,
    token: drain.token,
    updated_at: drain.updatedAt,
    url: drain.url,
  }
}

export function collaboratorJson(app: AppRec, account: Account): Json {
  return {
    app: ref(app.id, app.name),
    created_at: app.createdAt,
    id: stableId(`collaborator:${app.id}:${account.id}`),
    permissions: [],
    role: app.ownerId === account.id ? 'owner' : 'collaborator',
    updated_at: now(),
    user: {email: account.email, federated: false, id: account.id},
  }
}

export function spaceJson(space: SpaceRec): Json {
  return {
    cidr: '10.0.0.0/16',
    created_at: space.createdAt,
    data_cidr: '172.23.0.0/20',
    generation: generationRef(space.generation),
    id: space.id,
    name: space.name,
    organization: teamRef(space.team),
    region: ref(stableId(`region:${space.region}`), space.region),
    shield: space.shield,
    state: 'allocated',
    team: teamRef(space.team),
    updated_at: space.updatedAt,
  }
}

export function ociImageJson(image: OciImageRec): Json {
  return {
    architecture: image.architecture,
    base_image_name: image.baseImageName,
    base_top_layer: image.baseTopLayer,
    commit: image.commit,
    commit_description: image.commitDescription,
    created_at: image.createdAt,
    id: image.id,
    image_repo: image.imageRepo,
    digest: image.digest,
    process_types: Object.fromEntries(Object.entries(image.processTypes).map(([name, command]) => [name, {command, name, working_dir: '/workspace'}])),
    stack: ref(stableId(`stack:${image.stack}`), image.stack),
    updated_at: image.updatedAt,
  }
}

export function promotionJson(store: Store, promotion: PromotionRec): Json {
  const pipeline = store.state.pipelines.find(p => p.id === promotion.pipelineId)
  const source = store.state.apps.find(a => a.id === promotion.sourceAppId)
  const release = store.state.releases.find(r => r.id === promotion.sourceReleaseId)
  return {
    created_at: promotion.createdAt,
    id: promotion.id,
    pipeline: ref(promotion.pipelineId, pipeline?.name ?? ''),
    source: {app: ref(promotion.sourceAppId, source?.name ?? ''), release: {id: promotion.sourceReleaseId, version: release?.version ?? null}},
    status: promotion.status,
    updated_at: promotion.updatedAt,
  }
}

export function promotionTargetsJson(promotion: PromotionRec): Json[] {
  return promotion.targets.map(target => ({
    app: {id: target.appId},
    error_message: target.errorMessage,
    id: target.id,
    pipeline_promotion: {id: promotion.id},
    release: target.releaseId ? {id: target.releaseId} : null,
    status: target.status,
  }))
}
