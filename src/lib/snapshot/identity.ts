/**
 * Physical identity of a credential: which server and database (or service) a URL reaches.
 * The audit, the guard, the fork's config filter and its final verification all call this one
 * function. It compares scheme family, host, port and database or path, and ignores user,
 * password and query, because two URLs that differ only there still reach the same data.
 */

export interface Endpoint {
  /** `postgres`, `redis`, `amqp`, `mysql`, `mongodb`, `http`, or the bare scheme */
  family: string
  host: string
  /** the database name or path, without the leading slash */
  path: string
  port: number | undefined
}

interface Family {
  name: string
  port: Record<string, number>
}

const FAMILIES: Record<string, Family> = {}
function family(name: string, ports: Record<string, number>): void {
  for (const scheme of Object.keys(ports)) FAMILIES[scheme] = {name, port: ports}
}

family('postgres', {postgis: 5432, postgres: 5432, postgresql: 5432})
family('redis', {redis: 6379, rediss: 6379})
family('amqp', {amqp: 5672, amqps: 5671})
family('mysql', {mysql: 3306, mysql2: 3306})
family('mongodb', {mongodb: 27_017, 'mongodb+srv': 27_017})
family('http', {http: 80, https: 443})
family('memcached', {memcache: 11_211, memcached: 11_211})

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost', 'localhost.localdomain'])

/** Parses `scheme://[user[:pass]@]host[:port][/path][?query]`; anything else is not a credential URL. */
export function endpointOf(value: string): Endpoint | undefined {
  const match = /^([a-z][\w+.-]*):\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]*)(?::(\d+))?(\/[^?#]*)?(?:[?#].*)?$/i.exec(value.trim())
  if (!match) return undefined
  const [, rawScheme, rawHost, rawPort, rawPath] = match
  const scheme = (rawScheme ?? '').toLowerCase()
  let host = (rawHost ?? '').toLowerCase().replace(/\.$/, '')
  if (!host) return undefined
  if (LOOPBACK.has(host)) host = 'loopback'
  const known = FAMILIES[scheme]
  const port = rawPort === undefined ? known?.port[scheme] : Number(rawPort)
  let path = decodePath((rawPath ?? '').replace(/^\/+/, '').replace(/\/+$/, ''))
  // Redis selects database 0 when the path is empty.
  if (known?.name === 'redis' && path === '') path = '0'
  return {family: known?.name ?? scheme, host, path, port}
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/** True when both values reach the same physical database or service, whatever else differs. */
export function sameEndpoint(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false
  const left = endpointOf(a)
  const right = endpointOf(b)
  if (!left || !right) return false
  return left.family === right.family && left.host === right.host && left.port === right.port && left.path === right.path
}

/** The first of `apps` with a config var that reaches the same physical database or service as `url`. */
export function appReaching<T extends {configVars: Readonly<Record<string, string>>}>(apps: readonly T[], url: string | undefined): T | undefined {
  return apps.find(app => Object.values(app.configVars).some(value => sameEndpoint(url, value)))
}

/** A stable key for an endpoint, for grouping: `postgres://host:5432/db`. */
export function endpointKey(value: string): string | undefined {
  const endpoint = endpointOf(value)
  return endpoint && `${endpoint.family}://${endpoint.host}:${endpoint.port ?? ''}/${endpoint.path}`
}

export function isPostgresUrl(value: string | undefined): boolean {
  return value !== undefined && endpointOf(value)?.family === 'postgres'
}
