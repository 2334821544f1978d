/**
 * PURE: what one mutating request does, read from its method, path and body alone, before it is sent.
 * The prerun hook's interceptor (intercept.ts) classifies every POST, PATCH, PUT and DELETE the stock
 * CLI (or any plugin using its API client) sends; `effect-check.ts` then asks whether the effect touches
 * production. The classes are the short list of what can hurt production, whatever the command is called:
 *
 * - data overwritten or destroyed: a transfer, restore or reset into a database; destroying an app or add-on
 * - re-wired: an attachment created or deleted; a config var write; a release (rollback)
 * - credentials rotated or destroyed (pg, data:pg, redis)
 * - demoted: a pipeline coupling changed or removed, a pipeline deleted
 *
 * A request that is none of these is `undefined` and passes untouched (ps:scale, maintenance:on…).
 */

export type DatabaseWrite = 'configure' | 'evict' | 'link' | 'maintenance' | 'migrate' | 'pool' | 'reset' | 'restore' | 'unfollow' | 'unknown' | 'upgrade'

export type Effect =
  /** DELETE /apps/{app} */
  | {app: string; kind: 'app-destroy'}
  /** PATCH /apps/{app} with `name`: the app renamed (a mark by name no longer names it) */
  | {app: string; kind: 'app-rename'; name: string}
  /** DELETE /addons/{addon}, /apps/{app}/addons/{addon} */
  | {addon: string; app?: string; kind: 'addon-destroy'}
  /** PATCH /apps/{app}/addons/{addon} with `plan`: the add-on moved to another plan (addons:upgrade/downgrade) */
  | {addon: string; app?: string; kind: 'addon-plan'; plan: string}
  /** DELETE /addon-attachments/{id}, /apps/{app}/addon-attachments/{id} */
  | {app?: string; attachment: string; kind: 'attachment-delete'}
  /** POST /addon-attachments, POST /client/v11/databases/{db}/connection-pooling */
  | {addon: string; app: string; kind: 'attachment-create'; name?: string}
  /** POST /apps/{app}/addons: a new add-on attached to the app (its attachment name, when given) */
  | {app: string; kind: 'addon-create'; name?: string; plan: string}
  /** DELETE /client/v11/apps/{app}/transfers/{id}: a backup of the app's database deleted */
  | {app: string; backup: string; kind: 'backup-delete'}
  /** PATCH /apps/{app}/config-vars */
  | {app: string; kind: 'config-write'; vars: Record<string, null | string>}
  /** POST /apps/{app}/releases with `release` (a rollback) */
  | {app: string; kind: 'rollback'; release: string}
  /** a reset, restore, unfollow, upgrade, migration, maintenance or reconfiguration of one database (add-on id or name in the path) */
  | {database: string; kind: 'database-write'; what: DatabaseWrite}
  /** POST /client/v11/databases/{db}/transfers: pg:copy; the destination is `to_name`/`to_url` */
  | {database: string; kind: 'transfer'; toName?: string; toUrl?: string}
  /** a credential rotation, reset or destroy of one database or data store */
  | {credential?: string; database: string; kind: 'credentials'; service: 'postgres' | 'redis'; what: 'destroy' | 'rotate'}
  /** PATCH or DELETE /pipeline-couplings/{id} */
  | {coupling: string; kind: 'coupling'; stage?: string; what: 'delete' | 'update'}
  /** DELETE /pipelines/{id} */
  | {kind: 'pipeline-delete'; pipeline: string}
  /** the guard cannot tell what the request does (a body it cannot read, a Data API write it does not know): refused */
  | {kind: 'unknown'; reason: string}

export interface MutatingRequest {
  body?: unknown
  method: string
  /** the path, with or without the query */
  path: string
}

export const MUTATING_METHODS = new Set(['DELETE', 'PATCH', 'POST', 'PUT'])

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * The path as the server resolves it: query dropped, %-encoding decoded once, empty and `.` segments
 * dropped, `..` applied, no trailing slash. Every route is matched on this form, so `//apps/X`,
 * `/./apps/X`, `/apps/y/../X` and `/apps/%58` are all `/apps/X`.
 */
export function normalisePath(raw: string): string {
  const segments: string[] = []
  for (const encoded of (raw.split('?')[0] ?? '').split('/')) {
    for (const part of decode(encoded).split('/')) {
      if (part === '' || part === '.') continue
      if (part === '..') segments.pop()
      else segments.push(part)
    }
  }

  return `/${segments.join('/')}`
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (value && typeof value === 'object') {
    const ref = value as {id?: unknown; name?: unknown}
    return text(ref.id) ?? text(ref.name)
  }

  return undefined
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {}
}

type Route = {
  /** the effect depends on the body: one the guard cannot read is refused */
  body: boolean
  effect: (params: string[], body: Record<string, unknown>) => Effect | undefined
  method: string
  pattern: RegExp
}

const SEG = '([^/]+)'
function pattern(path: string): RegExp {
  return new RegExp(`^${path.replaceAll(':p', SEG)}$`, 'i')
}

/** A route whose effect is read from its method and path alone. */
function route(method: string, path: string, effect: Route['effect']): Route {
  return {body: false, effect, method, pattern: pattern(path)}
}

/** A route whose effect is read from its body too (an unreadable body: `unknown`, refused). */
function bodyRoute(method: string, path: string, effect: Route['effect']): Route {
  return {body: true, effect, method, pattern: pattern(path)}
}

const write = (what: DatabaseWrite) => ([database]: string[]): Effect => ({database: database!, kind: 'database-write', what})

const ROUTES: Route[] = [
  route('DELETE', '/apps/:p', ([app]) => ({app: app!, kind: 'app-destroy'})),
  bodyRoute('PATCH', '/apps/:p', ([app], body) => {
    const name = text(body.name)
    return name === undefined || name.toLowerCase() === app!.toLowerCase() ? undefined : {app: app!, kind: 'app-rename', name}
  }),
  route('DELETE', '/addons/:p', ([addon]) => ({addon: addon!, kind: 'addon-destroy'})),
  route('DELETE', '/apps/:p/addons/:p', ([app, addon]) => ({addon: addon!, app, kind: 'addon-destroy'})),
  bodyRoute('PATCH', '/apps/:p/addons/:p', ([app, addon], body) => {
    const plan = text(body.plan)
    return plan === undefined ? undefined : {addon: addon!, app, kind: 'addon-plan', plan}
  }),
  bodyRoute('PATCH', '/addons/:p', ([addon], body) => {
    const plan = text(body.plan)
    return plan === undefined ? undefined : {addon: addon!, kind: 'addon-plan', plan}
  }),
  route('DELETE', '/addon-attachments/:p', ([attachment]) => ({attachment: attachment!, kind: 'attachment-delete'})),
  route('DELETE', '/apps/:p/addon-attachments/:p', ([app, attachment]) => ({app, attachment: attachment!, kind: 'attachment-delete'})),
  bodyRoute('POST', '/addon-attachments', (_, body) => ({addon: text(body.addon) ?? '', app: text(body.app) ?? '', kind: 'attachment-create', name: text(body.name)})),
  bodyRoute('POST', '/client/v11/databases/:p/connection-pooling', ([database], body) => ({addon: database!, app: text(body.app) ?? '', kind: 'attachment-create', name: text(body.name) ?? 'DATABASE_CONNECTION_POOL'})),
  bodyRoute('POST', '/apps/:p/addons', ([app], body) => ({app: app!, kind: 'addon-create', name: text(record(body.attachment).name), plan: text(body.plan) ?? ''})),
  bodyRoute('PATCH', '/apps/:p/config-vars', ([app], body) => {
    const vars: Record<string, null | string> = {}
    for (const [name, value] of Object.entries(body)) vars[name] = typeof value === 'string' ? value : value === null ? null : String(value)
    return {app: app!, kind: 'config-write', vars}
  }),
  bodyRoute('POST', '/apps/:p/releases', ([app], body) => {
    const release = text(body.release)
    return release === undefined ? undefined : {app: app!, kind: 'rollback', release}
  }),
  route('PUT', '/client/v11/databases/:p/reset', write('reset')),
  route('PUT', '/client/v11/databases/:p/unfollow', write('unfollow')),
  route('POST', '/client/v11/databases/:p/restores', write('restore')),
  route('POST', '/client/v11/databases/:p/upgrade/run', write('upgrade')),
  // pg:upgrade:prepare schedules the upgrade pg:upgrade:run would start: the same effect, one step earlier.
  route('POST', '/client/v11/databases/:p/upgrade/prepare', write('upgrade')),
  // pg:links:create/destroy add or drop a foreign-data link inside the database itself.
  route('POST', '/client/v11/databases/:p/links', write('link')),
  route('DELETE', '/client/v11/databases/:p/links/:p', write('link')),
  route('DELETE', '/client/v11/apps/:p/transfers/:p', ([app, backup]) => ({app: app!, backup: backup!, kind: 'backup-delete'})),
  route('POST', '/data/postgres/v1/:p/upgrade/run', write('upgrade')),
  route('POST', '/data/postgres/v1/:p/migrations', write('migrate')),
  route('POST', '/data/postgres/v1/:p/migrations/:p', write('migrate')),
  route('POST', '/data/postgres/v1/:p/migrations/:p/:p', write('migrate')),
  // data:pg:update: a pool's level, size or high availability changed, or the pool (and its followers) destroyed.
  route('PATCH', '/data/postgres/v1/:p/pools/:p', write('pool')),
  route('DELETE', '/data/postgres/v1/:p/pools/:p', write('pool')),
  // data:pg:quotas:update: an enforced quota can stop the database taking writes.
  route('PATCH', '/data/postgres/v1/:p/quotas/:p', write('configure')),
  // data:maintenances:run: the maintenance now (a restart, possibly a failover onto new hardware).
  route('POST', '/data/maintenances/v1/:p/run', write('maintenance')),
  bodyRoute('POST', '/client/v11/databases/:p/transfers', ([database], body) => ({database: database!, kind: 'transfer', toName: text(body.to_name), toUrl: text(body.to_url)})),
  route('POST', '/postgres/v0/databases/:p/credentials_rotation', ([database]) => ({database: database!, kind: 'credentials', service: 'postgres', what: 'rotate'})),
  route('POST', '/postgres/v0/databases/:p/credentials/:p/credentials_rotation', ([database, credential]) => ({credential, database: database!, kind: 'credentials', service: 'postgres', what: 'rotate'})),
  route('POST', '/postgres/v0/databases/:p/repair-default', ([database]) => ({credential: 'default', database: database!, kind: 'credentials', service: 'postgres', what: 'rotate'})),
  route('DELETE', '/postgres/v0/databases/:p/credentials/:p', ([database, credential]) => ({credential, database: database!, kind: 'credentials', service: 'postgres', what: 'destroy'})),
  route('POST', '/data/postgres/v1/:p/rotate_credentials', ([database]) => ({database: database!, kind: 'credentials', service: 'postgres', what: 'rotate'})),
  route('POST', '/data/postgres/v1/:p/credentials/:p/rotate', ([database, credential]) => ({credential, database: database!, kind: 'credentials', service: 'postgres', what: 'rotate'})),
  route('DELETE', '/data/postgres/v1/:p/credentials/:p', ([database, credential]) => ({credential, database: database!, kind: 'credentials', service: 'postgres', what: 'destroy'})),
  route('POST', '/redis/v0/databases/:p/credentials_rotation', ([database]) => ({database: database!, kind: 'credentials', service: 'redis', what: 'rotate'})),
  // redis:upgrade upgrades the store in place, irreversibly (redis:promote re-attaches: POST /addon-attachments).
  route('POST', '/redis/v0/databases/:p/upgrade', write('upgrade')),
  // redis:maxmemory to an evicting policy lets the store drop keys; redis:timeout and keyspace notifications change no data.
  bodyRoute('PATCH', '/redis/v0/databases/:p/config', ([database], body) => {
    const policy = text(body.maxmemory_policy)
    return policy === undefined || policy.toLowerCase() === 'noeviction' ? undefined : {database: database!, kind: 'database-write', what: 'evict'}
  }),
  bodyRoute('PATCH', '/pipeline-couplings/:p', ([coupling], body) => ({coupling: coupling!, kind: 'coupling', stage: text(body.stage), what: 'update'})),
  route('DELETE', '/pipeline-couplings/:p', ([coupling]) => ({coupling: coupling!, kind: 'coupling', what: 'delete'})),
  route('DELETE', '/pipelines/:p', ([pipeline]) => ({kind: 'pipeline-delete', pipeline: pipeline!})),
]

/**
 * The Data and Key-Value Store API writes that change neither data, credentials nor wiring, each with why.
 * Every other write to those APIs is classified above; one in neither list (a route newer than this file)
 * is a `database-write` of kind `unknown` when its path names a database, refused on production's, and
 * `unknown` (refused) when it does not.
 */
export const NO_EFFECT_ROUTES: ReadonlyArray<{method: string; path: string; reason: string}> = [
  {method: 'POST', path: '/client/v11/databases/:p/backups', reason: 'captures a backup: the one write to production a person may always ask for'},
  {method: 'POST', path: '/client/v11/databases/:p/transfer-schedules', reason: 'schedules daily backups'},
  {method: 'DELETE', path: '/client/v11/databases/:p/transfer-schedules/:p', reason: 'stops scheduled backups; no data or credential changes'},
  {method: 'POST', path: '/client/v11/apps/:p/transfers/:p/actions/cancel', reason: 'cancels a transfer in flight (one into production is refused before it starts)'},
  {method: 'POST', path: '/client/v11/apps/:p/transfers/:p/actions/public-url', reason: 'makes a signed download URL of a backup: a read'},
  {method: 'POST', path: '/client/v11/databases/:p/connection_reset', reason: 'pg:killall drops connections; data and credentials unchanged'},
  {method: 'PUT', path: '/client/v11/databases/:p/stats_reset', reason: 'resets query statistics only'},
  {method: 'POST', path: '/client/v11/databases/:p/upgrade/cancel', reason: 'cancels a prepared upgrade: the database stays as it is'},
  {method: 'POST', path: '/client/v11/databases/:p/upgrade/dry_run', reason: 'tries the upgrade on a follower copy; the database itself is untouched'},
  {method: 'POST', path: '/postgres/v0/databases/:p/credentials', reason: 'creates a new credential; the existing ones are unchanged'},
  {method: 'POST', path: '/data/postgres/v1/:p/credentials', reason: 'creates a new credential; the existing ones are unchanged'},
  {method: 'PATCH', path: '/postgres/v0/databases/:p/config', reason: 'pg:settings:*: logging and tuning parameters; no data, credential or wiring changes'},
  {method: 'PUT', path: '/data/postgres/v1/:p/settings', reason: 'data:pg:settings: logging and tuning parameters; no data, credential or wiring changes'},
  {method: 'POST', path: '/data/postgres/v1/:p/pools', reason: 'adds a follower pool; nothing that exists changes'},
  {method: 'POST', path: '/data/maintenances/v1/:p/schedule', reason: "reschedules Heroku's own maintenance within its window; it happens either way"},
  {method: 'POST', path: '/data/maintenances/v1/:p/window', reason: 'sets when maintenance may happen'},
  {method: 'POST', path: '/redis/v0/databases/:p/stats/reset', reason: 'resets statistics only'},
]

const NO_EFFECT = NO_EFFECT_ROUTES.map(entry => ({...entry, pattern: pattern(entry.path)}))

/** The Data and Key-Value Store APIs: a write there the guard does not know is never let through unchecked. */
const DATA_API = /^\/(?:client\/v11|postgres\/v0|data|redis\/v0)\//i
/** The database (or data store: another plugin's `/data/kafka/v0/clusters/{id}/…`) a Data API path names, when it names one. */
const DATABASE_IN_PATH = /^\/(?:client\/v11\/databases|postgres\/v0\/databases|redis\/v0\/databases|data\/postgres\/v1|data\/maintenances\/v1|data\/[a-z-]+\/v\d+\/(?:clusters|databases|stores|addons))\/([^/]+)/i

/** How a mutating route is known: by an effect route, by the no-effect list (with why), or not at all. */
export function knownRoute(method: string, path: string): 'effect' | 'no-effect' | undefined {
  const upper = method.toUpperCase()
  const normal = normalisePath(path)
  if (ROUTES.some(candidate => candidate.method === upper && candidate.pattern.test(normal))) return 'effect'
  if (NO_EFFECT.some(candidate => candidate.method === upper && candidate.pattern.test(normal))) return 'no-effect'
  return undefined
}

/** A request body as the client sends it (a JSON string or Buffer, or an object); undefined when it cannot be read (a stream, not JSON). */
export function readBody(body: unknown): Record<string, unknown> | undefined {
  if (body === undefined || body === null || body === '') return {}
  if (typeof body === 'string') {
    try {
      return record(JSON.parse(body))
    } catch {
      return undefined
    }
  }

  if (Buffer.isBuffer(body)) return readBody(body.toString('utf8'))
  if (typeof body !== 'object' || typeof (body as {pipe?: unknown}).pipe === 'function' || typeof (body as {on?: unknown}).on === 'function') return undefined
  return record(body)
}

/** Parses a request body as the client sends it ({} when it cannot be read). */
export function bodyOf(body: unknown): Record<string, unknown> {
  return readBody(body) ?? {}
}

/** The effect of one request, or undefined when it is not mutating or does nothing the guard covers. */
export function classifyRequest(request: MutatingRequest): Effect | undefined {
  const method = request.method.toUpperCase()
  if (!MUTATING_METHODS.has(method)) return undefined
  const path = normalisePath(request.path)
  for (const candidate of ROUTES) {
    if (candidate.method !== method) continue
    const match = candidate.pattern.exec(path)
    if (!match) continue
    const body = candidate.body ? readBody(request.body) : {}
    if (body === undefined) return {kind: 'unknown', reason: `the body of ${method} ${path} is not JSON the guard can read (a stream?), so what it changes is unknown`}
    return candidate.effect(match.slice(1), body)
  }

  if (!DATA_API.test(path) || NO_EFFECT.some(candidate => candidate.method === method && candidate.pattern.test(path))) return undefined
  // A Data API write this version does not know (a newer CLI's): refused on production's database.
  const database = DATABASE_IN_PATH.exec(path)?.[1]
  return database ? {database, kind: 'database-write', what: 'unknown'} : {kind: 'unknown', reason: `${method} ${path} is a Data API write the guard does not know`}
}
