import createDebug from 'debug'
import {inspect} from 'node:util'

import {maskUrl, type SecretRegistry, splitUrl} from '../secrets/index.js'

/**
 * The client's own HEROKU_DEBUG output. http-call logs a response body before the plugin reads it, as
 * text nobody can filter reliably, so the client turns http-call's request and response lines off for
 * its own requests and prints these instead: the same namespaces (`http`, `http:headers`, which
 * HEROKU_DEBUG and HEROKU_DEBUG_HEADERS enable), with every body value masked where it stands and the
 * whole line passed through the run's redaction. Debugging needs names, ids and statuses, never values.
 */
const http = createDebug('http')
const httpHeaders = createDebug('http:headers')

/** Body keys whose string values are names, ids, states or times: shown as they are. */
const SHOWN_KEYS = new Set([
  'id', 'name', 'app', 'stage', 'plan', 'state', 'status', 'service', 'namespace', 'created_at', 'updated_at',
  'region', 'stack', 'type', 'size', 'version', 'num', 'uuid', 'email', 'message', 'resource', 'description',
  'addon_service', 'human_name', 'kind', 'generation', 'tier', 'leader', 'label', 'from_name', 'to_name',
  'from_type', 'to_type', 'num_bytes', 'database_name', 'database_user', 'resource_name', 'web_url',
  'config_vars', 'owner', 'team', 'pipeline', 'release', 'slug', 'current', 'maintenance', 'quantity',
])

const HIDDEN = '<hidden>'

/** A body as it may be logged: config var values hidden, other values hidden unless their key says name or id. */
export function debugBody(path: string, body: unknown): unknown {
  const configVars = /\/config-vars$|\/config-vars\?/.test(path)
  const walk = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === 'string') {
      if (splitUrl(value)) return maskUrl(value)
      if (configVars) return HIDDEN
      return key !== undefined && SHOWN_KEYS.has(key) ? value : HIDDEN
    }

    if (Array.isArray(value)) return value.map(item => walk(item, key))
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([inner, innerValue]) => [inner, walk(innerValue, inner)]))
    }

    return value
  }

  return walk(body, undefined)
}

function renderHeaders(headers: Record<string, unknown>): string {
  return Object.entries(headers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `  ${name}: ${/^(?:authorization|x-addon-sso|cookie|set-cookie|proxy-authorization)$/i.test(name) ? '[REDACTED]' : inspect(value)}`)
    .join('\n')
}

/** `/apps/postgres%3A%2F%2Fu%3Apw%40h…` (a URL pasted as an app name) with its credentials masked. */
function debugPath(path: string): string {
  return path.split('/').map(segment => {
    let decoded = segment
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      return segment
    }

    return splitUrl(decoded) ? encodeURIComponent(maskUrl(decoded)) : segment
  }).join('/')
}

export interface DebugExchange {
  body?: unknown
  headers?: Record<string, unknown>
  host: string
  method: string
  path: string
  secrets: SecretRegistry
  status?: number | string
}

export function debugRequest(exchange: DebugExchange): void {
  if (!http.enabled) return
  const lines = [`→ ${exchange.method} https://${exchange.host}${debugPath(exchange.path)}`]
  if (httpHeaders.enabled && exchange.headers) lines.push(renderHeaders(exchange.headers))
  if (exchange.body !== undefined) lines.push(JSON.stringify(debugBody(exchange.path, exchange.body)))
  http(exchange.secrets.redact(lines.join('\n')))
}

export function debugResponse(exchange: DebugExchange): void {
  if (!http.enabled) return
  const lines = [`← ${exchange.method} https://${exchange.host}${debugPath(exchange.path)} ${exchange.status ?? ''}`]
  if (httpHeaders.enabled && exchange.headers) lines.push(renderHeaders(exchange.headers))
  if (exchange.body !== undefined && exchange.body !== '') lines.push(inspect(debugBody(exchange.path, exchange.body), {depth: 6}))
  http(exchange.secrets.redact(lines.join('\n')))
}
