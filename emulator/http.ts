/**
 * HTTP plumbing shared by every route: Heroku-shaped errors, a small path router and Range paging.
 */

import type {IncomingHttpHeaders} from 'node:http'

import type {Account} from './types.js'

/** An error the way Heroku answers it: `{id, message}` plus `resource` on a 404. */
export class HerokuError extends Error {
  readonly extra: Record<string, unknown>
  readonly headers: Record<string, string>
  readonly id: string
  readonly status: number

  constructor(status: number, id: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.id = id
    this.extra = extra
    this.headers = headers
  }

  body(): Record<string, unknown> {
    return {id: this.id, message: this.message, ...this.extra}
  }
}

/** The id Heroku uses for a status, for fault rules and generic failures. */
export function errorIdFor(status: number): string {
  const ids: Record<number, string> = {
    400: 'bad_request',
    401: 'unauthorized',
    402: 'delinquent',
    403: 'forbidden',
    404: 'not_found',
    406: 'not_acceptable',
    409: 'conflict',
    416: 'requested_range_not_satisfiable',
    422: 'invalid_params',
    423: 'confirmation_required',
    429: 'rate_limit',
    500: 'internal_server_error',
    502: 'bad_gateway',
    503: 'service_unavailable',
    504: 'gateway_timeout',
  }
  return ids[status] ?? (status >= 500 ? 'internal_server_error' : 'bad_request')
}

export function notFound(resource: string, message?: string): HerokuError {
  const label = resource.replace(/_/g, ' ')
  return new HerokuError(404, 'not_found', message ?? `Couldn't find that ${label}.`, {resource})
}

export function invalidParams(message: string): HerokuError {
  return new HerokuError(422, 'invalid_params', message)
}

export function forbidden(message: string): HerokuError {
  return new HerokuError(403, 'forbidden', message)
}

export function confirmationRequired(message: string): HerokuError {
  return new HerokuError(423, 'confirmation_required', message, {}, {'X-Confirmation-Required': 'true'})
}

export type Api = 'control' | 'data' | 'platform'

export interface Reply {
  body?: unknown
  headers?: Record<string, string>
  /** raw bytes (e.g. a backup download) instead of JSON */
  raw?: {contentType: string; data: Buffer | NodeJS.ReadableStream}
  status?: number
}

/** What a route handler sees. Handlers note the app and add-on they resolved for the journal. */
export interface RequestContext {
  account?: Account
  api: Api
  body: unknown
  headers: IncomingHttpHeaders
  method: string
  /** noted by handlers for the journal */
  noted: {addon?: string; app?: string}
  params: Record<string, string>
  path: string
  query: URLSearchParams
}

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply

interface Route {
  handler: Handler
  keys: string[]
  method: string
  pattern: RegExp
}

/** Routes `METHOD /path/:param` patterns; params are URL-decoded. */
export class Router {
  private readonly routes: Route[] = []

  add(method: string, path: string, handler: Handler): this {
    const keys: string[] = []
    const source = path.split('/').map(part => {
      if (part.startsWith(':')) {
        keys.push(part.slice(1))
        return '([^/]+)'
      }

      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    }).join('/')
    this.routes.push({handler, keys, method, pattern: new RegExp(`^${source}/?$`)})
    return this
  }

  /** The handler and params for a request; a known path with another method is a 405 `method_not_allowed`. */
  match(method: string, path: string): {handler: Handler; params: Record<string, string>} | undefined {
    let pathKnown = false
    for (const route of this.routes) {
      const found = route.pattern.exec(path)
      if (!found) continue
      pathKnown = true
      if (route.method !== method) continue
      const params: Record<string, string> = {}
      for (const [index, key] of route.keys.entries()) params[key] = decodeURIComponent(found[index + 1] ?? '')
      return {handler: route.handler, params}
    }

    if (pathKnown) throw new HerokuError(405, 'method_not_allowed', `${method} is not allowed on ${path}.`)
    return undefined
  }
}

export interface RangeSpec {
  end?: string
  exclusiveStart: boolean
  field: string
  max: number
  /** items equal to `start` already returned (the emulator's cursor for a key that is not unique) */
  offset: number
  order: 'asc' | 'desc'
  start?: string
}

export const DEFAULT_PAGE = 200
export const MAX_PAGE = 1000

/**
 * Parses Heroku's Range header: `version ..; max=5, order=desc`, `id ]abc..; max=1000;`,
 * `number ..; order=desc,max=1`. An empty or missing header gives the defaults.
 */
export function parseRange(header: string | undefined, defaultField: string, sortable: readonly string[]): RangeSpec {
  const spec: RangeSpec = {exclusiveStart: false, field: defaultField, max: DEFAULT_PAGE, offset: 0, order: 'asc'}
  if (!header || !header.trim()) return spec
  const [rangePart = '', ...optionParts] = header.split(';')
  const match = /^\s*([a-z_]+)?\s*(\])?([^.]*?)\.\.(\[)?(.*?)\s*$/i.exec(rangePart)
  if (!match) {
    throw new HerokuError(416, 'requested_range_not_satisfiable', `Invalid Range header: ${header}`)
  }

  if (match[1]) spec.field = match[1]
  if (!sortable.includes(spec.field)) {
    throw new HerokuError(416, 'requested_range_not_satisfiable', `Invalid Range key ${spec.field}; sortable keys are ${sortable.join(', ')}.`)
  }

  spec.exclusiveStart = Boolean(match[2])
  if (match[3]?.trim()) spec.start = match[3].trim()
  if (match[5]?.trim()) spec.end = match[5].trim()
  for (const option of optionParts.join(',').split(',')) {
    const [key, value] = option.split('=').map(s => s.trim())
    if (key === 'max' && value) {
      const max = Number(value)
      if (!Number.isInteger(max) || max < 1) throw new HerokuError(416, 'requested_range_not_satisfiable', `Invalid max in Range header: ${header}`)
      spec.max = Math.min(max, MAX_PAGE)
    }

    if (key === 'order' && (value === 'asc' || value === 'desc')) spec.order = value
    if (key === 'offset' && value) {
      const offset = Number(value)
      if (!Number.isInteger(offset) || offset < 0) throw new HerokuError(416, 'requested_range_not_satisfiable', `Invalid offset in Range header: ${header}`)
      spec.offset = offset
    }
  }

  return spec
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return String(a ?? '').localeCompare(String(b ?? ''))
}

function fieldValue(item: unknown, field: string): unknown {
  return (item as Record<string, unknown>)[field]
}

function asFieldValue(sample: unknown, raw: string): unknown {
  return typeof sample === 'number' ? Number(raw) : raw
}

/**
 * One page of a list as Heroku pages it: 200 when everything fits, else 206 with `Next-Range`
 * (which keeps `max` and `order`) and `Content-Range`. Items with equal keys are ordered by id (then
 * by position), and when a page ends inside a run of equal keys (`name`, `updated_at`…) `Next-Range`
 * starts at that key inclusively with `offset=N`, the number of its items already returned, so paging
 * by a key that is not unique neither skips nor repeats an item.
 */
export function page<T>(items: readonly T[], rangeHeader: string | undefined, defaultField: string, sortable: readonly string[]): Reply {
  const spec = parseRange(rangeHeader, defaultField, sortable)
  const indexed = items.map((item, index) => ({index, item}))
  const direction = spec.order === 'desc' ? -1 : 1
  indexed.sort((a, b) => {
    const c = compareValues(fieldValue(a.item, spec.field), fieldValue(b.item, spec.field))
    if (c !== 0) return c * direction
    const byId = compareValues(fieldValue(a.item, 'id'), fieldValue(b.item, 'id'))
    return byId === 0 ? a.index - b.index : byId
  })
  const sorted = indexed.map(entry => entry.item)
  const equalsStart = (item: T): boolean => spec.start !== undefined && compareValues(fieldValue(item, spec.field), asFieldValue(fieldValue(item, spec.field), spec.start)) === 0
  let skipped = 0
  const inRange = sorted.filter(item => {
    const value = fieldValue(item, spec.field)
    if (spec.start !== undefined) {
      const c = compareValues(value, asFieldValue(value, spec.start))
      const beforeStart = spec.order === 'desc' ? c > 0 : c < 0
      if (beforeStart || (spec.exclusiveStart && c === 0)) return false
      if (c === 0 && skipped < spec.offset) {
        skipped++
        return false
      }
    }

    if (spec.end !== undefined) {
      const c = compareValues(value, asFieldValue(value, spec.end))
      if (spec.order === 'desc' ? c < 0 : c > 0) return false
    }

    return true
  })
  const body = inRange.slice(0, spec.max)
  const headers: Record<string, string> = {'Accept-Ranges': sortable.join(', ')}
  const options = `; max=${spec.max}, order=${spec.order}`
  const first = body[0]
  const last = body.at(-1)
  if (first !== undefined && last !== undefined) {
    headers['Content-Range'] = `${spec.field} ${String(fieldValue(first, spec.field))}..${String(fieldValue(last, spec.field))}${options}`
  }

  const next = inRange[body.length]
  if (next !== undefined && last !== undefined) {
    const lastValue = fieldValue(last, spec.field)
    if (compareValues(fieldValue(next, spec.field), lastValue) === 0) {
      // the run of equal keys goes on: count what was returned of it, on this page and before
      const returned = body.filter(item => compareValues(fieldValue(item, spec.field), lastValue) === 0).length
      const before = !spec.exclusiveStart && equalsStart(last) ? spec.offset : 0
      headers['Next-Range'] = `${spec.field} ${String(lastValue)}..${spec.end ?? ''}${options}, offset=${returned + before}`
    } else {
      headers['Next-Range'] = `${spec.field} ]${String(lastValue)}..${spec.end ?? ''}${options}`
    }

    return {body, headers, status: 206}
  }

  return {body, headers, status: 200}
}

/** The value of a header that may have been sent more than once. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}
