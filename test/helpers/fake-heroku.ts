import {APIClient} from '@heroku-cli/command'
import type {Config} from '@oclif/core'
import {randomUUID} from 'node:crypto'
import {Readable} from 'node:stream'
import nock from 'nock'

import {applyConfigPatch} from '../../emulator/config-vars.js'
import {nonPostgresConfig, POSTGRES, POSTGRES_VERSIONS, resolvePlan, type ServiceSpec, serviceByName} from '../../emulator/catalog.js'

/**
 * A scripted Heroku for unit tests of the executors: an in-memory Platform and Data API the plugin's
 * real client talks to (APIClient, http-call, HerokuClient's retries and error mapping). Two ways in:
 * `apiClient()`, an APIClient whose http-call sends each request to the fake in-process instead of to
 * a socket (http-call's `_performRequest`, the one method that touches the network), fast enough to
 * run a whole fork dozens of times in a unit test; and `install()`, the same fake behind nock, over
 * node's http as to api.heroku.com (nock's socket emulation costs about 2 ms of CPU a request on the
 * shared 2-core machine), to check the two agree. It holds only the routes and rules a fork
 * uses, with the emulator's semantics (emulator/store.ts): app names are unique, add-ons provision
 * then expose their vars, config changes and attachments write releases, an app is in one pipeline,
 * a transfer copies its source's rows when it finishes. Every request is recorded; faults refuse a
 * request or drop its connection before or after it takes effect, as the emulator's FaultRule does.
 * A request no route knows answers 404 and is listed in `unrouted`, so the fake cannot hide a gap.
 */

export const PLATFORM_URL = 'https://api.heroku.com'
export const DATA_URL = 'https://api.data.heroku.com'

/** Path segments followed by an id or a name. */
const COLLECTIONS = new Set(['addon-services', 'addons', 'apps', 'databases', 'pipelines', 'releases', 'transfers'])
const MUTATING = new Set(['DELETE', 'PATCH', 'POST', 'PUT'])
const METHODS = ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'] as const

export interface FakeRequest {
  method: string
  host: 'data' | 'platform'
  /** the path as sent, with its query */
  path: string
  body?: unknown
  /** the status answered; 0 when the connection was dropped */
  status: number
  mutating: boolean
  /** the ids of the apps a mutating request writes to (the app in its path, a body's app, the owner of an add-on or of a transfer's target) */
  writes: string[]
}

/** The emulator's FaultRule (emulator/types.ts), for this fake. */
export interface FakeFault {
  method: string
  /** a RegExp source matched against the path (without the query) */
  path: string
  /** fire on the Nth matching request (1-based; default 1)… */
  nth?: number
  /** …and this many times from there (default 1) */
  times?: number
  /** answer this status with a Heroku error body */
  status?: number
  /** drop the connection without answering */
  drop?: boolean
  /** let the request take effect first, then answer the fault or drop */
  applied?: boolean
}

interface AppRec {
  buildpacks: string[]
  config: Record<string, string>
  createdAt: string
  id: string
  name: string
  /** seeded as a production app: no request may write to it */
  production: boolean
  region: string
  stack: string
  team: null | string
}

interface AddonRec {
  appId: string
  config: Record<string, string>
  id: string
  name: string
  plan: string
  /** looks at the add-on after which it is provisioned */
  provisionAfter: number
  reads: number
  /** Postgres: what the database holds (a transfer copies it) */
  rows?: string
  service: string
  state: 'provisioned' | 'provisioning'
  version?: string
}

interface AttachmentRec {addonId: string; appId: string; id: string; name: string}
interface ReleaseRec {appId: string; description: string; id: string; slugId: null | string; version: number}
interface FormationRec {appId: string; quantity: number; size: string; type: string}
/** A process type's quantity as it became, and the index in `requests` of the request that set it (-1: seeded). */
export interface DynoChange {quantity: number; request: number; type: string}
interface CouplingRec {appId: string; id: string; pipelineId: string; stage: string}
interface TransferRec {
  addonId: string
  appId: string
  finishedAt: null | string
  fromName: null | string
  fromUrl: string
  num: number
  reads: number
  startedAt: string
  succeeded: boolean | null
  toName: null | string
  toUrl: string
  uuid: string
}

interface Reply {
  body?: unknown
  status?: number
}

class FakeError extends Error {
  constructor(readonly status: number, readonly id: string, message: string, readonly resource?: string) {
    super(message)
  }
}

const notFound = (resource: string, message = `Couldn't find that ${resource.replaceAll('_', ' ')}.`) => new FakeError(404, 'not_found', message, resource)
const invalid = (message: string) => new FakeError(422, 'invalid_params', message)

function object(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {}
}

/** `{id}`, `{name}` or a bare string, as Heroku accepts references. */
function refOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  const ref = object(value)
  return typeof ref.id === 'string' ? ref.id : typeof ref.name === 'string' ? ref.name : undefined
}

function dropped(): Error {
  return Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'})
}

/** Heroku's suffixes for an add-on's vars (`URL`), known before it is provisioned. */
function suffixesOf(service: ServiceSpec | undefined, addon: AddonRec): string[] {
  if (!service) return Object.keys(addon.config)
  if (service.name === POSTGRES) return ['URL']
  return Object.keys(nonPostgresConfig(service, 'x'))
}

export interface SeededProduction {
  app: {id: string; name: string}
  /** add-on names and ids, by service */
  addons: Record<string, {id: string; name: string}>
  databaseUrl: string
  pipeline: {id: string; name: string}
  /** what production's database holds */
  rows: string
  slugId: string
}

export class FakeHeroku {
  readonly requests: FakeRequest[] = []
  private readonly apps: AppRec[] = []
  private readonly addons: AddonRec[] = []
  private readonly attachments: AttachmentRec[] = []
  private readonly releases: ReleaseRec[] = []
  private readonly formation: FormationRec[] = []
  /** every quantity a process type took, by app id: a formation's history, not only its end */
  private readonly dynoChanges: Array<DynoChange & {appId: string}> = []
  /** the index in `requests` of the request being routed (routing is synchronous); -1 outside one */
  private routing = -1
  private readonly couplings: CouplingRec[] = []
  private readonly pipelines: Array<{id: string; name: string}> = []
  private readonly slugs: Array<{appId: string; id: string; processTypes: string[]}> = []
  private readonly transfers: TransferRec[] = []
  private faults: Array<FakeFault & {seen: number}> = []
  private interceptors: nock.Interceptor[] = []
  private databases = 0

  // ------------------------------------------------------------------ setup

  /** Answers every request to the Platform and Data API hosts until `uninstall`. */
  install(): this {
    for (const [origin, host] of [[PLATFORM_URL, 'platform'], [DATA_URL, 'data']] as const) {
      for (const method of METHODS) {
        const interceptor = nock(origin).persist().intercept(() => true, method)
        const answer = async (uri: string, body: unknown, headers: Record<string, string>) => this.handle(host, method, uri, body === '' ? undefined : body, headers)
        interceptor.reply(async function (uri, body) {
          return answer(uri, body, this.req.headers)
        })
        this.interceptors.push(interceptor)
      }
    }

    return this
  }

  /**
   * An APIClient whose requests this fake answers in-process: http-call builds the request (auth,
   * headers, JSON body) and reads the answer (status, JSON, HTTPError) as it does off a socket; a
   * dropped connection rejects with the error node's http gives (`socket hang up`, ECONNRESET).
   */
  apiClient(config: Config): APIClient {
    const api = new APIClient(config)
    const answer = async (host: 'data' | 'platform', method: string, path: string, body: unknown, headers: Record<string, string>) => this.handle(host, method, path, body, headers)
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin base must take any constructor arguments
    const Base = api.http as unknown as new (...args: any[]) => {options: {body?: unknown; headers?: Record<string, string>; host?: string; hostname?: string; method?: string; path?: string}}
    class InProcess extends Base {
      async _performRequest(): Promise<Readable> {
        const {body, headers = {}, host, hostname, method = 'GET', path = '/'} = this.options
        const origin = `https://${hostname ?? host}`
        if (origin !== PLATFORM_URL && origin !== DATA_URL) throw new Error(`The fake Heroku answers ${PLATFORM_URL} and ${DATA_URL}, not ${origin}.`)
        const sent = typeof body === 'string' && body !== '' ? JSON.parse(body) as unknown : body
        const [status, reply] = await answer(origin === DATA_URL ? 'data' : 'platform', method, path, sent, headers)
        return Object.assign(Readable.from([Buffer.from(JSON.stringify(reply))]), {headers: {'content-type': 'application/json; charset=utf-8'}, statusCode: status})
      }
    }

    api.http = InProcess as unknown as typeof api.http
    return api
  }

  uninstall(): void {
    for (const interceptor of this.interceptors) nock.removeInterceptor(interceptor)
    this.interceptors = []
  }

  addFault(fault: FakeFault): void {
    this.faults.push({...fault, seen: 0})
  }

  clearFaults(): void {
    this.faults = []
  }

  /**
   * The seed incident's production (test/helpers/emulator.ts `seedIncident`): `acme-production` in
   * pipeline `acme` at stage production, with a Postgres as DATABASE holding rows, a Redis, a
   * scheduler and a Mailgun, secrets, the nodejs buildpack, web 2 / worker 1 and a released slug.
   */
  seedProduction(options: {prefix?: string; secrets?: Record<string, string>; version?: string} = {}): SeededProduction {
    const prefix = options.prefix ?? 'acme'
    const app = this.createApp({name: `${prefix}-production`, production: true})
    app.buildpacks = ['heroku/nodejs']
    Object.assign(app.config, options.secrets ?? {}, {NODE_ENV: 'production'})
    const addons: SeededProduction['addons'] = {}
    const rows = `users and orders of ${app.name}`
    for (const [plan, name, as] of [
      ['heroku-postgresql:standard-0', `${prefix}-production-db`, 'DATABASE'],
      ['heroku-redis:premium-0', `${prefix}-production-redis`, undefined],
      ['scheduler:standard', `${prefix}-production-scheduler`, undefined],
      ['mailgun:starter', `${prefix}-production-mailgun`, undefined],
    ] as const) {
      const addon = this.createAddon(app, {attachment: as, name, plan, version: plan.startsWith(POSTGRES) ? options.version ?? '16' : undefined})
      this.provision(addon)
      if (addon.service === POSTGRES) addon.rows = rows
      addons[addon.service] = {id: addon.id, name: addon.name}
    }

    const slug = {appId: app.id, id: randomUUID(), processTypes: ['web', 'worker']}
    this.slugs.push(slug)
    this.releaseSlug(app, slug.id, 'Deploy 3f2a9c1')
    this.scale(app, [{quantity: 2, size: 'Standard-1X', type: 'web'}, {quantity: 1, size: 'Standard-1X', type: 'worker'}])
    const pipeline = {id: randomUUID(), name: prefix}
    this.pipelines.push(pipeline)
    this.couplings.push({appId: app.id, id: randomUUID(), pipelineId: pipeline.id, stage: 'production'})
    const database = this.addons.find(a => a.id === addons[POSTGRES]?.id)
    return {addons, app: {id: app.id, name: app.name}, databaseUrl: database?.config.URL ?? '', pipeline, rows, slugId: slug.id}
  }

  // ------------------------------------------------------------------ what a test reads

  /** Mutating requests, or those written to `app` (by name or id). */
  mutating(app?: string): FakeRequest[] {
    const id = app === undefined ? undefined : this.findApp(app)?.id ?? app
    return this.requests.filter(r => r.mutating && (id === undefined || r.writes.includes(id)))
  }

  /**
   * Mutating requests that reached a production app or one of its add-ons: by what the request
   * resolved to, or by a production name or id anywhere in its path (as test/helpers/emulator.ts
   * `productionWrites` reads the journal), answered or not.
   */
  productionWrites(): FakeRequest[] {
    const production = this.apps.filter(a => a.production)
    const ids = new Set(production.map(a => a.id))
    const names = new Set([
      ...production.flatMap(a => [a.id, a.name]),
      ...this.addons.filter(a => ids.has(a.appId)).flatMap(a => [a.id, a.name]),
    ])
    return this.requests.filter(r => r.mutating && (r.writes.some(id => ids.has(id))
      || r.path.split(/[/?]/).some(segment => names.has(decodeURIComponent(segment)))))
  }

  /**
   * Every quantity `app`'s process types took, in order, each with the index in `requests` of the
   * request that set it: a first slug release starting web=1 shows here even if a later PATCH
   * scaled it back before anyone read the formation.
   */
  dynoHistory(app: string): DynoChange[] {
    const id = this.findApp(app)?.id ?? app
    return this.dynoChanges.filter(c => c.appId === id).map(({quantity, request, type}) => ({quantity, request, type}))
  }

  /** Requests no route of the fake answers (each also answered 404). */
  get unrouted(): string[] {
    return this.unknown
  }

  private readonly unknown: string[] = []

  /**
   * An app as Heroku holds it, in a form two runs can be compared by: settings, config (values; an
   * add-on's vars as `(add-on)`, since each new add-on has its own credentials; an app id as the
   * app's name), add-ons and
   * attachments with plan and owner (duplicates show), buildpacks, formation, every release (an
   * add-on's name as its plan), the current one's slug, couplings, transfers into its databases
   * and what those databases hold. Undefined when the app does not exist.
   */
  state(name: string): Record<string, unknown> | undefined {
    const app = this.findApp(name)
    if (!app) return undefined
    const owner = (addon: AddonRec) => (addon.appId === app.id ? 'the app' : this.apps.find(a => a.id === addon.appId)?.name ?? '?')
    const attachments = this.attachments.filter(a => a.appId === app.id)
    const addonVars = new Set(attachments.flatMap(a => this.varNames(a)))
    const owned = this.addons.filter(a => a.appId === app.id)
    const planOf = new Map(this.addons.map(a => [a.name, a.plan]))
    const releases = this.releasesOf(app)
    const current = releases.at(-1)
    return {
      addons: owned.map(a => `${a.plan} (${a.state}) owned by ${owner(a)}`).sort(),
      attachments: attachments.map(a => {
        const addon = this.addons.find(x => x.id === a.addonId)
        return `${a.name} → ${addon ? `${addon.plan} owned by ${owner(addon)}` : '?'}`
      }).sort(),
      buildpacks: [...app.buildpacks],
      // An app's id (the fork marker's value) differs per fake: named by the app instead.
      config: Object.fromEntries(Object.entries(this.configOf(app)).sort().map(([key, value]) => [
        key, addonVars.has(key) ? '(add-on)' : this.apps.some(a => a.id === value) ? `(id of ${this.apps.find(a => a.id === value)?.name})` : value,
      ])),
      couplings: this.couplings.filter(c => c.appId === app.id).map(c => `${this.pipelines.find(p => p.id === c.pipelineId)?.name ?? '?'} ${c.stage}`),
      data: Object.fromEntries(attachments.flatMap(a => {
        const addon = this.addons.find(x => x.id === a.addonId)
        return addon?.service === POSTGRES ? [[a.name, addon.rows ?? null]] : []
      }).sort()),
      formation: this.formation.filter(f => f.appId === app.id).map(f => `${f.type} ${f.quantity} ${f.size}`).sort(),
      region: app.region,
      release: current ? `${current.description}${current.slugId ? ' (with a slug)' : ''}` : null,
      releases: releases.map(r => r.description.replaceAll(/@ref:([\w-]+)/g, (_, addon: string) => `@ref:${planOf.get(addon) ?? addon}`)).sort(),
      stack: app.stack,
      transfers: this.transfers.filter(t => owned.some(a => a.id === t.addonId)).map(t => `${t.fromName} → ${t.toName}: ${t.succeeded === true ? 'succeeded' : t.finishedAt ? 'failed' : 'running'}`),
    }
  }

  /** What production's apps, add-ons and databases hold, to compare before and after a run. */
  productionState(): unknown {
    return this.apps.filter(a => a.production).map(a => ({...this.state(a.name), id: a.id}))
  }

  // ------------------------------------------------------------------ the store

  private findApp(ref: string): AppRec | undefined {
    return this.apps.find(a => a.id === ref || a.name === ref)
  }

  private app(ref: string): AppRec {
    const app = this.findApp(ref)
    if (!app) throw notFound('app')
    return app
  }

  private createApp(input: {name: string; production?: boolean; region?: string; stack?: string; team?: null | string}): AppRec {
    if (!/^[a-z][a-z0-9-]{1,28}[a-z0-9]$/.test(input.name)) throw invalid('Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes.')
    if (this.findApp(input.name)) throw invalid('Name is already taken')
    const app: AppRec = {
      buildpacks: [],
      config: {},
      createdAt: new Date().toISOString(),
      id: randomUUID(),
      name: input.name,
      production: input.production ?? false,
      region: input.region ?? 'us',
      stack: input.stack ?? 'heroku-24',
      team: input.team ?? null,
    }
    this.apps.push(app)
    this.addRelease(app, 'Initial release')
    return app
  }

  private configOf(app: AppRec): Record<string, string> {
    const config = {...app.config}
    for (const attachment of this.attachments.filter(a => a.appId === app.id)) {
      const addon = this.addons.find(a => a.id === attachment.addonId)
      for (const [suffix, value] of Object.entries(addon?.config ?? {})) config[`${attachment.name}_${suffix}`] = value
    }

    return config
  }

  private varNames(attachment: AttachmentRec): string[] {
    const addon = this.addons.find(a => a.id === attachment.addonId)
    return addon ? suffixesOf(serviceByName(addon.service), addon).map(suffix => `${attachment.name}_${suffix}`) : []
  }

  private patchConfig(app: AppRec, patch: Record<string, unknown>): Record<string, string> {
    const owned = new Set(this.attachments.filter(a => a.appId === app.id).flatMap(a => this.varNames(a)))
    const description = applyConfigPatch(app.config, patch, owned, invalid)
    if (description) this.addRelease(app, description)
    return this.configOf(app)
  }

  private dynoChanged(app: AppRec, type: string, quantity: number): void {
    this.dynoChanges.push({appId: app.id, quantity, request: this.routing, type})
  }

  private releasesOf(app: AppRec): ReleaseRec[] {
    return this.releases.filter(r => r.appId === app.id)
  }

  private addRelease(app: AppRec, description: string, slugId?: string): ReleaseRec {
    const previous = this.releasesOf(app).at(-1)
    const release = {appId: app.id, description, id: randomUUID(), slugId: slugId ?? previous?.slugId ?? null, version: (previous?.version ?? 0) + 1}
    this.releases.push(release)
    return release
  }

  private releaseSlug(app: AppRec, slugId: string, description: string): ReleaseRec {
    const slug = this.slugs.find(s => s.id === slugId)
    if (!slug) throw notFound('slug')
    for (const type of slug.processTypes) {
      // A first release starts web=1, as on Heroku and the emulator (emulator/store.ts ensureFormation).
      if (!this.formation.some(f => f.appId === app.id && f.type === type)) {
        this.formation.push({appId: app.id, quantity: type === 'web' ? 1 : 0, size: 'Basic', type})
        this.dynoChanged(app, type, type === 'web' ? 1 : 0)
      }
    }

    return this.addRelease(app, description, slug.id)
  }

  private scale(app: AppRec, updates: unknown): FormationRec[] {
    if (!Array.isArray(updates)) throw invalid('updates must be a list.')
    return updates.map(raw => {
      const update = object(raw)
      const formation = this.formation.find(f => f.appId === app.id && f.type === update.type)
      if (!formation) throw notFound('formation', `Couldn't find that process type (${String(update.type)}).`)
      if (update.quantity !== undefined) {
        if (!Number.isInteger(update.quantity) || (update.quantity as number) < 0) throw invalid(`Invalid quantity for ${formation.type}.`)
        if (formation.quantity !== update.quantity) this.dynoChanged(app, formation.type, update.quantity as number)
        formation.quantity = update.quantity as number
      }

      if (typeof update.size === 'string') formation.size = update.size
      return formation
    })
  }

  private createAddon(app: AppRec, input: {attachment?: string; name?: string; plan: string; version?: string}): AddonRec {
    const resolved = resolvePlan(input.plan)
    if (!resolved) throw invalid(`Couldn't find either the add-on service or the add-on plan of "${input.plan}".`)
    const {plan, service} = resolved
    let version: string | undefined
    if (service.name === POSTGRES) {
      version = input.version ?? '16'
      if (!(version in POSTGRES_VERSIONS)) throw invalid(`Postgres version ${version} is not available.`)
    } else if (input.version !== undefined) {
      throw invalid(`${service.name} does not take a version.`)
    }

    const addon: AddonRec = {
      appId: app.id,
      config: {},
      id: randomUUID(),
      name: input.name ?? `${service.namePrefix}-${randomUUID().slice(0, 8)}`,
      plan: `${service.name}:${plan.slug}`,
      provisionAfter: 2,
      reads: 0,
      service: service.name,
      state: 'provisioning',
      version,
    }
    const name = (input.attachment ?? (service.name === POSTGRES && !this.attachments.some(a => a.appId === app.id && a.name === 'DATABASE') ? 'DATABASE' : service.defaultAttachment)).toUpperCase()
    this.checkAttachment(app, addon, name)
    this.addons.push(addon)
    this.attach(app, addon, name)
    return addon
  }

  private checkAttachment(app: AppRec, addon: AddonRec, name: string): void {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw invalid('Attachment name must start with a letter and contain only letters, digits and underscores.')
    if (this.attachments.some(a => a.appId === app.id && a.name === name)) {
      throw new FakeError(423, 'confirmation_required', `The attachment name ${name} is already used on ${app.name}. To replace it, confirm with the app name ${app.name}.`)
    }

    const shadowed = suffixesOf(serviceByName(addon.service), addon).map(s => `${name}_${s}`).filter(key => key in app.config)
    if (shadowed.length > 0) throw new FakeError(423, 'confirmation_required', `This would overwrite the config vars ${shadowed.join(', ')} on ${app.name}.`)
  }

  private attach(app: AppRec, addon: AddonRec, name: string): AttachmentRec {
    const attachment = {addonId: addon.id, appId: app.id, id: randomUUID(), name}
    this.attachments.push(attachment)
    this.addRelease(app, `Attach ${name} (@ref:${addon.name})`)
    return attachment
  }

  /** The add-on's resource exists now: its vars appear, and Heroku writes a release saying so. */
  private provision(addon: AddonRec): void {
    if (addon.state === 'provisioned') return
    const service = serviceByName(addon.service)
    if (service?.name === POSTGRES) {
      this.databases++
      const user = `u${randomUUID().slice(0, 8)}`
      addon.config = {URL: `postgres://${user}:p${randomUUID().replaceAll('-', '')}@127.0.0.1:5432/d${this.databases}${randomUUID().slice(0, 6)}`}
      addon.rows = ''
    } else if (service) {
      addon.config = nonPostgresConfig(service, addon.name)
    }

    addon.state = 'provisioned'
    const owner = this.apps.find(a => a.id === addon.appId)
    const first = this.attachments.find(a => a.addonId === addon.id && a.appId === addon.appId)
    if (owner && first && Object.keys(addon.config).length > 0) {
      this.addRelease(owner, `@ref:${addon.name} completed provisioning, setting ${Object.keys(addon.config).map(s => `${first.name}_${s}`).join(', ')}.`)
    }
  }

  private addonOf(ref: string): AddonRec {
    const addon = this.addons.find(a => a.id === ref || a.name === ref)
    if (!addon) throw notFound('add_on', "Couldn't find that add on.")
    return addon
  }

  private databaseAt(url: string): AddonRec | undefined {
    return this.addons.find(a => a.service === POSTGRES && a.config.URL === url)
  }

  // ------------------------------------------------------------------ JSON as Heroku answers

  private appJson(app: AppRec): unknown {
    return {
      build_stack: {name: app.stack}, created_at: app.createdAt, generation: {name: 'cedar'}, id: app.id, maintenance: false, name: app.name,
      region: {name: app.region}, space: null, stack: {name: app.stack}, team: app.team ? {name: app.team} : null, web_url: `https://${app.name}.herokuapp.com/`,
    }
  }

  private addonJson(addon: AddonRec): unknown {
    const owner = this.apps.find(a => a.id === addon.appId)
    const configVars = this.attachments.filter(a => a.addonId === addon.id && a.appId === addon.appId).flatMap(a => this.varNames(a))
    return {
      addon_service: {name: addon.service}, app: {id: addon.appId, name: owner?.name ?? ''}, config_vars: configVars, id: addon.id, name: addon.name,
      plan: {name: addon.plan}, state: addon.state,
    }
  }

  private attachmentJson(attachment: AttachmentRec, inclusion: string): unknown {
    const addon = this.addons.find(a => a.id === attachment.addonId)
    const owner = this.apps.find(a => a.id === addon?.appId)
    const app = this.apps.find(a => a.id === attachment.appId)
    return {
      addon: {app: {id: addon?.appId ?? '', name: owner?.name ?? ''}, id: attachment.addonId, name: addon?.name ?? '', ...(inclusion.includes('addon:plan') ? {plan: {name: addon?.plan}} : {})},
      app: {id: attachment.appId, name: app?.name ?? ''},
      ...(inclusion.includes('config_vars') ? {config_vars: this.varNames(attachment)} : {}),
      id: attachment.id, name: attachment.name, namespace: null,
    }
  }

  private releaseJson(release: ReleaseRec): unknown {
    const latest = this.releases.filter(r => r.appId === release.appId).at(-1)
    return {
      current: latest?.id === release.id, description: release.description, id: release.id, oci_image: null,
      slug: release.slugId ? {id: release.slugId} : null, status: 'succeeded', version: release.version,
    }
  }

  private couplingJson(coupling: CouplingRec): unknown {
    const pipeline = this.pipelines.find(p => p.id === coupling.pipelineId)
    return {app: {id: coupling.appId}, id: coupling.id, pipeline: {id: coupling.pipelineId, name: pipeline?.name}, stage: coupling.stage}
  }

  private transferJson(transfer: TransferRec, verbose = false): unknown {
    return {
      created_at: transfer.startedAt, finished_at: transfer.finishedAt, from_name: transfer.fromName, from_type: 'pg_dump', num: transfer.num,
      processed_bytes: transfer.finishedAt ? 4096 : 0, source_bytes: 4096, started_at: transfer.startedAt, succeeded: transfer.succeeded,
      to_name: transfer.toName, to_type: 'pg_restore', uuid: transfer.uuid, ...(verbose ? {logs: []} : {}),
    }
  }

  // ------------------------------------------------------------------ requests

  private fire(method: string, path: string): FakeFault | undefined {
    let fired: FakeFault | undefined
    for (const fault of this.faults) {
      if (fault.method !== method || !new RegExp(fault.path).test(path)) continue
      fault.seen++
      const from = fault.nth ?? 1
      if (!fired && fault.seen >= from && fault.seen < from + (fault.times ?? 1)) fired = fault
    }

    return fired
  }

  private async handle(host: 'data' | 'platform', method: string, uri: string, body: unknown, headers: Record<string, string>): Promise<[number, unknown]> {
    const url = new URL(uri, 'https://fake.invalid')
    const path = url.pathname
    const record: FakeRequest = {body, host, method, mutating: MUTATING.has(method), path: uri, status: 0, writes: []}
    this.requests.push(record)
    if (record.mutating) record.writes = this.writesOf(host, path, body)
    const fault = this.fire(method, path)
    const error = (status: number): [number, unknown] => {
      record.status = status
      return [status, {id: status >= 500 ? 'internal_server_error' : 'invalid_params', message: `Injected fault: ${method} ${path} answered ${status}${fault?.applied ? ' (after taking effect)' : ''}.`}]
    }

    if (fault && !fault.applied) {
      if (fault.drop) throw dropped()
      if (fault.status !== undefined) return error(fault.status)
    }

    let reply: Reply
    try {
      this.routing = this.requests.indexOf(record)
      reply = this.route(host, method, path, url.searchParams, object(body), headers)
    } catch (caught) {
      if (!(caught instanceof FakeError)) throw caught
      reply = {body: {id: caught.id, message: caught.message, ...(caught.resource ? {resource: caught.resource} : {})}, status: caught.status}
    } finally {
      this.routing = -1
    }

    if (fault?.applied) {
      if (fault.drop) throw dropped()
      if (fault.status !== undefined) return error(fault.status)
    }

    record.status = reply.status ?? 200
    return [record.status, reply.body ?? {}]
  }

  /** The apps a mutating request writes to, resolved before it runs (a created app has no id yet: its name stands in). */
  private writesOf(host: 'data' | 'platform', path: string, body: unknown): string[] {
    const ids = new Set<string>()
    const app = (ref: string | undefined) => {
      if (ref) ids.add(this.findApp(decodeURIComponent(ref))?.id ?? decodeURIComponent(ref))
    }

    const addon = (ref: string | undefined) => {
      const found = ref ? this.addons.find(a => a.id === decodeURIComponent(ref) || a.name === decodeURIComponent(ref)) : undefined
      if (found) ids.add(found.appId)
    }

    const fields = object(body)
    const segments = path.split('/')
    if (host === 'platform') {
      if (segments[1] === 'apps') app(segments[2] ?? refOf(fields.name))
      if (segments[1] === 'teams' && segments[2] === 'apps') app(refOf(fields.name))
      if (segments[1] === 'addons') addon(segments[2])
      if (segments[1] === 'addon-attachments' || segments[1] === 'pipeline-couplings') {
        app(refOf(fields.app))
        addon(refOf(fields.addon))
      }
    } else {
      if (segments[3] === 'databases') addon(segments[4])
      if (segments[3] === 'apps') app(segments[4])
      for (const key of ['to_url']) {
        const target = typeof fields[key] === 'string' ? this.databaseAt(fields[key] as string) : undefined
        if (target) ids.add(target.appId)
      }
    }

    return [...ids]
  }

  private route(host: 'data' | 'platform', method: string, path: string, query: URLSearchParams, body: Record<string, unknown>, headers: Record<string, string>): Reply {
    const s = path.split('/').slice(1).map(segment => decodeURIComponent(segment))
    // `GET /apps/:/addons/:`: a segment after a collection's name is an id or a name.
    const key = `${method} /${s.map((segment, index) => (index > 0 && COLLECTIONS.has(s[index - 1] ?? '') ? ':' : segment)).join('/')}`
    if (host === 'data') return this.dataRoute(method, s, key, query, body)
    switch (key) {
    case 'POST /apps': {
      return {body: this.appJson(this.createApp({name: String(body.name), region: refOf(body.region), stack: refOf(body.stack)})), status: 201}
    }

    case 'GET /apps/:': {
      return {body: this.appJson(this.app(s[1]!))}
    }

    case 'DELETE /apps/:': {
      const app = this.app(s[1]!)
      const owned = new Set(this.addons.filter(a => a.appId === app.id).map(a => a.id))
      this.remove(this.apps, a => a.id === app.id)
      this.remove(this.addons, a => owned.has(a.id))
      this.remove(this.attachments, a => a.appId === app.id || owned.has(a.addonId))
      this.remove(this.formation, f => f.appId === app.id)
      this.remove(this.couplings, c => c.appId === app.id)
      return {body: this.appJson(app)}
    }

    case 'GET /apps/:/config-vars': {
      return {body: this.configOf(this.app(s[1]!))}
    }

    case 'PATCH /apps/:/config-vars': {
      return {body: this.patchConfig(this.app(s[1]!), body)}
    }

    case 'GET /apps/:/addon-attachments': {
      const app = this.app(s[1]!)
      return {body: this.attachments.filter(a => a.appId === app.id).map(a => this.attachmentJson(a, headers['accept-inclusion'] ?? ''))}
    }

    case 'POST /addon-attachments': {
      const app = this.app(refOf(body.app) ?? '')
      const addon = this.addonOf(refOf(body.addon) ?? '')
      const name = String(body.name ?? '').toUpperCase()
      const same = this.attachments.find(a => a.appId === app.id && a.name === name && a.addonId === addon.id)
      if (same) return {body: this.attachmentJson(same, ''), status: 201}
      this.checkAttachment(app, addon, name)
      return {body: this.attachmentJson(this.attach(app, addon, name), ''), status: 201}
    }

    case 'GET /apps/:/addons': {
      const app = this.app(s[1]!)
      const attached = new Set(this.attachments.filter(a => a.appId === app.id).map(a => a.addonId))
      return {body: this.addons.filter(a => a.appId === app.id || attached.has(a.id)).map(a => this.addonJson(a))}
    }

    case 'POST /apps/:/addons': {
      const app = this.app(s[1]!)
      const config = object(body.config)
      const addon = this.createAddon(app, {
        attachment: refOf(object(body.attachment).name),
        plan: refOf(body.plan) ?? '',
        version: config.version === undefined ? undefined : String(config.version),
      })
      return {body: this.addonJson(addon), status: 201}
    }

    case 'GET /apps/:/addons/:': {
      const app = this.app(s[1]!)
      const addon = this.addonOf(s[3]!)
      if (addon.appId !== app.id && !this.attachments.some(a => a.appId === app.id && a.addonId === addon.id)) throw notFound('add_on')
      addon.reads++
      if (addon.reads >= addon.provisionAfter) this.provision(addon)
      return {body: this.addonJson(addon)}
    }

    case 'GET /addon-services/:/plans': {
      const service = serviceByName(s[1]!)
      if (!service) throw notFound('add_on_service')
      return {body: service.plans.map(p => ({id: randomUUID(), name: `${service.name}:${p.slug}`, price: {cents: p.cents, unit: 'month'}, state: 'public'}))}
    }

    case 'GET /apps/:/formation': {
      const app = this.app(s[1]!)
      return {body: this.formation.filter(f => f.appId === app.id).map(f => ({quantity: f.quantity, size: f.size, type: f.type}))}
    }

    case 'PATCH /apps/:/formation': {
      return {body: this.scale(this.app(s[1]!), body.updates).map(f => ({quantity: f.quantity, size: f.size, type: f.type}))}
    }

    case 'GET /apps/:/releases': {
      const releases = this.releasesOf(this.app(s[1]!))
      const range = /max=(\d+)(.*order=desc)?/.exec(headers.range ?? '')
      const ordered = range?.[2] ? [...releases].reverse() : releases
      return {body: ordered.slice(0, range ? Number(range[1]) : 200).map(r => this.releaseJson(r))}
    }

    case 'GET /apps/:/releases/:': {
      const found = this.releasesOf(this.app(s[1]!)).find(r => r.id === s[3] || String(r.version) === s[3])
      if (!found) throw notFound('release')
      return {body: this.releaseJson(found)}
    }

    case 'POST /apps/:/releases': {
      const slug = refOf(body.slug)
      if (!slug) throw invalid('A release needs a slug.')
      return {body: this.releaseJson(this.releaseSlug(this.app(s[1]!), slug, typeof body.description === 'string' ? body.description : 'Deploy')), status: 201}
    }

    case 'GET /apps/:/buildpack-installations': {
      return {body: this.app(s[1]!).buildpacks.map((url, ordinal) => ({buildpack: {name: url, url: /^heroku\/[\w-]+$/.test(url) ? `urn:buildpack:${url}` : url}, ordinal}))}
    }

    case 'PUT /apps/:/buildpack-installations': {
      const app = this.app(s[1]!)
      const updates = Array.isArray(body.updates) ? body.updates : []
      app.buildpacks = updates.map(u => String(object(u).buildpack).replace(/^urn:buildpack:/, ''))
      return {body: app.buildpacks.map((url, ordinal) => ({buildpack: {name: url, url: `urn:buildpack:${url}`}, ordinal}))}
    }

    case 'GET /apps/:/pipeline-couplings': {
      const app = this.app(s[1]!)
      const coupling = this.couplings.find(c => c.appId === app.id)
      if (!coupling) throw notFound('pipeline_coupling')
      return {body: this.couplingJson(coupling)}
    }

    case 'GET /pipeline-couplings': {
      return {body: this.couplings.map(c => this.couplingJson(c))}
    }

    case 'POST /pipeline-couplings': {
      const app = this.app(refOf(body.app) ?? '')
      const pipeline = this.pipelines.find(p => p.id === refOf(body.pipeline) || p.name === refOf(body.pipeline))
      if (!pipeline) throw notFound('pipeline')
      if (this.couplings.some(c => c.appId === app.id)) throw invalid(`${app.name} is already in a pipeline.`)
      const coupling = {appId: app.id, id: randomUUID(), pipelineId: pipeline.id, stage: String(body.stage)}
      this.couplings.push(coupling)
      return {body: this.couplingJson(coupling), status: 201}
    }

    case 'GET /pipelines/:': {
      const pipeline = this.pipelines.find(p => p.id === s[1] || p.name === s[1])
      if (!pipeline) throw notFound('pipeline')
      return {body: pipeline}
    }

    default: {
      return this.noRoute(method, path)
    }
    }
  }

  private dataRoute(method: string, s: string[], key: string, query: URLSearchParams, body: Record<string, unknown>): Reply {
    switch (key) {
    case 'GET /client/v11/databases/:': {
      const addon = this.addonOf(s[3]!)
      if (addon.service !== POSTGRES || addon.state !== 'provisioned') throw notFound('database')
      return {body: {
        addon_id: addon.id, following: null, info: [{name: 'PG Version', values: [POSTGRES_VERSIONS[addon.version ?? '16'] ?? '']}],
        name: addon.name, num_bytes: 4096, num_tables: addon.rows ? 2 : 0, plan: {name: addon.plan},
      }}
    }

    case 'GET /client/v11/databases/:/wait_status': {
      const addon = this.addonOf(s[3]!)
      return {body: addon.state === 'provisioned' ? {'error?': false, message: 'Available', 'waiting?': false} : {'error?': false, message: 'Provisioning', 'waiting?': true}}
    }

    case 'POST /client/v11/databases/:/transfers': {
      const target = this.addonOf(s[3]!)
      const fromUrl = body.from_url
      const toUrl = body.to_url
      if (typeof fromUrl !== 'string' || typeof toUrl !== 'string' || !/^postgres(ql)?:\/\//.test(fromUrl) || !/^postgres(ql)?:\/\//.test(toUrl)) {
        throw invalid('from_url and to_url must be postgres:// URLs.')
      }

      if (fromUrl === toUrl) throw invalid('Cannot copy a database onto itself.')
      const now = new Date().toISOString()
      const transfer: TransferRec = {
        addonId: target.id, appId: target.appId, finishedAt: null, fromName: typeof body.from_name === 'string' ? body.from_name : null, fromUrl,
        num: this.transfers.filter(t => t.appId === target.appId).length + 1, reads: 0, startedAt: now, succeeded: null,
        toName: typeof body.to_name === 'string' ? body.to_name : null, toUrl, uuid: randomUUID(),
      }
      this.transfers.push(transfer)
      return {body: this.transferJson(transfer), status: 201}
    }

    case 'GET /client/v11/apps/:/transfers': {
      const app = this.app(s[3]!)
      return {body: this.transfers.filter(t => t.appId === app.id).map(t => this.transferJson(t))}
    }

    case 'GET /client/v11/apps/:/transfers/:': {
      const app = this.app(s[3]!)
      const transfer = this.transfers.find(t => t.appId === app.id && t.uuid === s[5])
      if (!transfer) throw notFound('transfer')
      // Running at the first look, finished at the second.
      transfer.reads++
      if (!transfer.finishedAt && transfer.reads >= 2) this.finish(transfer)
      return {body: this.transferJson(transfer, query.get('verbose') === 'true')}
    }

    default: {
      return this.noRoute(method, `/${s.join('/')}`)
    }
    }
  }

  /** The copy runs: the target database holds what the source held, or the transfer fails. */
  private finish(transfer: TransferRec): void {
    const source = this.databaseAt(transfer.fromUrl)
    const target = this.databaseAt(transfer.toUrl)
    transfer.finishedAt = new Date().toISOString()
    transfer.succeeded = Boolean(source && target)
    if (source && target) target.rows = source.rows
  }

  private noRoute(method: string, path: string): Reply {
    this.unknown.push(`${method} ${path}`)
    return {body: {id: 'not_found', message: `The fake Heroku has no route for ${method} ${path}.`}, status: 404}
  }

  private remove<T>(list: T[], drop: (item: T) => boolean): void {
    for (let index = list.length - 1; index >= 0; index--) if (drop(list[index] as T)) list.splice(index, 1)
  }
}
