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

export type DatabaseWrite = 'migrate' | 'reset' | 'restore' | 'unfollow' | 'upgrade'

export type Effect =
  /** DELETE /apps/{app} */
  | {app: string; kind: 'app-destroy'}
  /** DELETE /addons/{addon}, /apps/{app}/addons/{addon} */
  | {addon: string; app?: string; kind: 'addon-destroy'}
  /** DELETE /addon-attachments/{id}, /apps/{app}/addon-attachments/{id} */
  | {app?: string; attachment: string; kind: 'attachment-delete'}
  /** POST /addon-attachments, POST /client/v11/databases/{db}/connection-pooling */
  | {addon: string; app: string; kind: 'attachment-create'; name?: string}
  /** POST /apps/{app}/addons: a new add-on attached to the app (its attachment name, when given) */
  | {app: string; kind: 'addon-create'; name?: string; plan: string}
  /** PATCH /apps/{app}/config-vars */
  | {app: string; kind: 'config-write'; vars: Record<string, null | string>}
  /** POST /apps/{app}/releases with `release` (a rollback) */
  | {app: string; kind: 'rollback'; release: string}
  /** a reset, restore, unfollow, upgrade or migration of one database (add-on id or name in the path) */
  | {database: string; kind: 'database-write'; what: DatabaseWrite}
  /** POST /client/v11/databases/{db}/transfers: pg:copy; the destination is `to_name`/`to_url` */
  | {database: string; kind: 'transfer'; toName?: string; toUrl?: string}
  /** a credential rotation, reset or destroy of one database or data store */
  | {credential?: string; database: string; kind: 'credentials'; service: 'postgres' | 'redis'; what: 'destroy' | 'rotate'}
  /** PATCH or DELETE /pipeline-couplings/{id} */
  | {coupling: string; kind: 'coupling'; stage?: string; what: 'delete' | 'update'}
  /** DELETE /pipelines/{id} */
  | {kind: 'pipeline-delete'; pipeline: string}

export interface MutatingRequest {
  body?: unknown
  method: string
  /** the path, without the query */
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

type Route = {effect: (params: string[], body: Record<string, unknown>) => Effect | undefined; method: string; pattern: RegExp}

const SEG = '([^/]+)'
function route(method: string, path: string, effect: Route['effect']): Route {
  return {effect, method, pattern: new RegExp(`^${path.replaceAll(':p', SEG)}/?$`, 'i')}
}

const ROUTES: Route[] = [
  route('DELETE', '/apps/:p', ([app]) => ({app: app!, kind: 'app-destroy'})),
  route('DELETE', '/addons/:p', ([addon]) => ({addon: addon!, kind: 'addon-destroy'})),
  route('DELETE', '/apps/:p/addons/:p', ([app, addon]) => ({addon: addon!, app, kind: 'addon-destroy'})),
  route('DELETE', '/addon-attachments/:p', ([attachment]) => ({attachment: attachment!, kind: 'attachment-delete'})),
  route('DELETE', '/apps/:p/addon-attachments/:p', ([app, attachment]) => ({app, attachment: attachment!, kind: 'attachment-delete'})),
  route('POST', '/addon-attachments', (_, body) => {
    const app = text(body.app)
    const addon = text(body.addon)
    return app && addon ? {addon, app, kind: 'attachment-create', name: text(body.name)} : {addon: addon ?? '', app: app ?? '', kind: 'attachment-create', name: text(body.name)}
  }),
  route('POST', '/client/v11/databases/:p/connection-pooling', ([database], body) => ({addon: database!, app: text(body.app) ?? '', kind: 'attachment-create', name: text(body.name) ?? 'DATABASE_CONNECTION_POOL'})),
  route('POST', '/apps/:p/addons', ([app], body) => ({app: app!, kind: 'addon-create', name: text(record(body.attachment).name), plan: text(body.plan) ?? ''})),
  route('PATCH', '/apps/:p/config-vars', ([app], body) => {
    const vars: Record<string, null | string> = {}
    for (const [name, value] of Object.entries(body)) vars[name] = typeof value === 'string' ? value : value === null ? null : String(value)
    return {app: app!, kind: 'config-write', vars}
  }),
  route('POST', '/apps/:p/releases', ([app], body) => {
    const release = text(body.release)
    return release === undefined ? undefined : {app: app!, kind: 'rollback', release}
  }),
  route('PUT', '/client/v11/databases/:p/reset', ([database]) => ({database: database!, kind: 'database-write', what: 'reset'})),
  route('PUT', '/client/v11/databases/:p/unfollow', ([database]) => ({database: database!, kind: 'database-write', what: 'unfollow'})),
  route('POST', '/client/v11/databases/:p/restores', ([database]) => ({database: database!, kind: 'database-write', what: 'restore'})),
  route('POST', '/client/v11/databases/:p/upgrade/run', ([database]) => ({database: database!, kind: 'database-write', what: 'upgrade'})),
  route('POST', '/data/postgres/v1/:p/upgrade/run', ([database]) => ({database: database!, kind: 'database-write', what: 'upgrade'})),
  route('POST', '/data/postgres/v1/:p/migrations', ([database]) => ({database: database!, kind: 'database-write', what: 'migrate'})),
  route('POST', '/data/postgres/v1/:p/migrations/:p', ([database]) => ({database: database!, kind: 'database-write', what: 'migrate'})),
  route('POST', '/data/postgres/v1/:p/migrations/:p/:p', ([database]) => ({database: database!, kind: 'database-write', what: 'migrate'})),
  route('POST', '/client/v11/databases/:p/transfers', ([database], body) => ({database: database!, kind: 'transfer', toName: text(body.to_name), toUrl: text(body.to_url)})),
  route('POST', '/postgres/v0/databases/:p/credentials_rotation', ([database]) => ({database: database!, kind: 'credentials', service: 'postgres', what: 'rotate'})),
  route('POST', '/postgres/v0/databases/:p/credentials/:p/credentials_rotation', ([database, credential]) => ({credential, database: database!, kind: 'credentials', service: 'postgres', what: 'rotate'})),
  route('POST', '/postgres/v0/databases/:p/repair-default', ([database]) => ({credential: 'default', database: database!, kind: 'credentials', service: 'postgres', what: 'rotate'})),
  route('DELETE', '/postgres/v0/databases/:p/credentials/:p', ([database, credential]) => ({credential, database: database!, kind: 'credentials', service: 'postgres', what: 'destroy'})),
  route('POST', '/data/postgres/v1/:p/rotate_credentials', ([database]) => ({database: database!, kind: 'credentials', service: 'postgres', what: 'rotate'})),
  route('POST', '/data/postgres/v1/:p/credentials/:p/rotate', ([database, credential]) => ({credential, database: database!, kind: 'credentials', service: 'postgres', what: 'rotate'})),
  route('DELETE', '/data/postgres/v1/:p/credentials/:p', ([database, credential]) => ({credential, database: database!, kind: 'credentials', service: 'postgres', what: 'destroy'})),
  route('POST', '/redis/v0/databases/:p/credentials_rotation', ([database]) => ({database: database!, kind: 'credentials', service: 'redis', what: 'rotate'})),
  // redis:upgrade upgrades the store in place, irreversibly (redis:promote re-attaches: POST /addon-attachments).
  route('POST', '/redis/v0/databases/:p/upgrade', ([database]) => ({database: database!, kind: 'database-write', what: 'upgrade'})),
  route('PATCH', '/pipeline-couplings/:p', ([coupling], body) => ({coupling: coupling!, kind: 'coupling', stage: text(body.stage), what: 'update'})),
  route('DELETE', '/pipeline-couplings/:p', ([coupling]) => ({coupling: coupling!, kind: 'coupling', what: 'delete'})),
  route('DELETE', '/pipelines/:p', ([pipeline]) => ({kind: 'pipeline-delete', pipeline: pipeline!})),
]

/** Parses a request body as the client sends it (a JSON string or an object). */
export function bodyOf(body: unknown): Record<string, unknown> {
  if (typeof body === 'string') {
    try {
      return record(JSON.parse(body))
    } catch {
      return {}
    }
  }

  return Buffer.isBuffer(body) ? bodyOf(body.toString('utf8')) : record(body)
}

/** The effect of one request, or undefined when it is not mutating or does nothing the guard covers. */
export function classifyRequest(request: MutatingRequest): Effect | undefined {
  const method = request.method.toUpperCase()
  if (!MUTATING_METHODS.has(method)) return undefined
  const path = request.path.split('?')[0] ?? ''
  const body = bodyOf(request.body)
  for (const candidate of ROUTES) {
    if (candidate.method !== method) continue
    const match = candidate.pattern.exec(path)
    if (match) return candidate.effect(match.slice(1).map(segment => decode(segment)), body)
  }

  return undefined
}
