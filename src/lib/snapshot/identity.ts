/**
 * Physical identity of a credential: which server and database (or service) it reaches.
 * The audit, the guard, the fork's config filter and its final verification, `--fix` and the
 * hook all call these functions. They compare scheme family, host, port and database or path,
 * and ignore user, password and query (except libpq's host/port/dbname overrides), because two
 * credentials that differ only there still reach the same data. Every form an app writes a
 * credential in is parsed by `credentials.ts`; hosts are compared by `hosts.ts`.
 *
 * Rules:
 * - the same family, the same database name or path, and the same host (same normalised name, or
 *   with a resolved `HostTable`, an address in common);
 * - for Postgres the port does not matter: the same host and database on another port is the
 *   server's connection pooler, so the same database; another database name is not shared;
 * - for every other family the port must match too (Redis instances share hosts);
 * - on a multi-tenant endpoint (SearchBox, Fixie, QuotaGuard, MemCachier, a Basic Kafka cluster) the
 *   tenant must match too: the user and password, or Kafka's prefix (MULTI_TENANT_HOST in credentials.ts).
 */
import {credentialsOf} from './config-credentials.js'
import {credentialsIn} from './credentials-in.js'
import {type Credential, type Endpoint, parseCredential, type ParsedCredential} from './credentials.js'
import {type HostTable, sameHost, unresolved} from './hosts.js'

export {credentialsOf} from './config-credentials.js'
export {credentialsIn} from './credentials-in.js'
export {type Credential, type Endpoint, type ParsedCredential} from './credentials.js'
export {maskCredential} from './mask-credential.js'
export {type HostTable, normalizeHost, sameHost, unresolved} from './hosts.js'

/** The first endpoint a value reaches as a whole (URL, JDBC or key/value string); not JSON. */
export function endpointOf(value: string): Endpoint | undefined {
  return parseCredential(value)?.endpoints[0]
}

/** Every endpoint a value reaches: all hosts of a multi-host URL, every credential inside JSON. */
export function endpointsOf(value: string | undefined): Endpoint[] {
  return credentialsIn(value).flatMap(credential => credential.endpoints)
}

/** The same family, database or path, port (outside Postgres) and tenant (on a multi-tenant endpoint: credentials.ts's table). */
function sameShape(a: Endpoint, b: Endpoint): boolean {
  return a.family === b.family && a.path === b.path && (a.family === 'postgres' || a.port === b.port) && a.tenant === b.tenant
}

/** True when two endpoints are the same database or service. Pure. */
export function endpointsMatch(a: Endpoint, b: Endpoint, hosts?: HostTable): boolean {
  return sameShape(a, b) && sameHost(a.host, b.host, hosts)
}

/**
 * True when two endpoints could be one database but a host did not resolve: the same family,
 * database and (outside Postgres) port on host names that differ, with one of them unknown to the
 * table. Only with a table: without one, no lookup was made and names decide.
 */
export function endpointsUnknown(a: Endpoint, b: Endpoint, hosts: HostTable | undefined): boolean {
  if (!hosts || !sameShape(a, b) || endpointsMatch(a, b, hosts)) return false
  return unresolved(a.host, hosts) || unresolved(b.host, hosts)
}

function anyPair(a: readonly Endpoint[], b: readonly Endpoint[], test: (x: Endpoint, y: Endpoint) => boolean): boolean {
  return a.some(x => b.some(y => test(x, y)))
}

/** True when two credentials reach the same database or service through any of their hosts. */
export function credentialsMatch(a: ParsedCredential, b: ParsedCredential, hosts?: HostTable): boolean {
  return anyPair(a.endpoints, b.endpoints, (x, y) => endpointsMatch(x, y, hosts))
}

/** True when two credentials do not match but might, because a host could not be resolved. */
export function credentialsUnknown(a: ParsedCredential, b: ParsedCredential, hosts: HostTable | undefined): boolean {
  return !credentialsMatch(a, b, hosts) && anyPair(a.endpoints, b.endpoints, (x, y) => endpointsUnknown(x, y, hosts))
}

/** True when both values reach the same physical database or service, whatever else differs. */
export function sameEndpoint(a: string | undefined, b: string | undefined, hosts?: HostTable): boolean {
  const left = endpointsOf(a)
  if (left.length === 0) return false
  const right = endpointsOf(b)
  return anyPair(left, right, (x, y) => endpointsMatch(x, y, hosts))
}

/** The credentials of `configVars` (every form) that reach what `value` (or `credential`) reaches. */
export function credentialsReaching(configVars: Readonly<Record<string, string>>, target: ParsedCredential | string | undefined, hosts?: HostTable): Credential[] {
  const targets = typeof target === 'string' || target === undefined ? credentialsIn(target) : [target]
  if (targets.length === 0) return []
  return credentialsOf(configVars).filter(credential => targets.some(t => credentialsMatch(credential, t, hosts)))
}

/** The first of `apps` with a credential (any form, split variables too) reaching the same database or service as `url`. */
export function appReaching<T extends {configVars: Readonly<Record<string, string>>}>(apps: readonly T[], url: string | undefined, hosts?: HostTable): T | undefined {
  if (endpointsOf(url).length === 0) return undefined
  return apps.find(app => credentialsReaching(app.configVars, url, hosts).length > 0)
}

/**
 * A stable key for an endpoint, for grouping, consistent with `sameEndpoint` without a host table:
 * `postgres://host/db` (no port: a pooler on another port is the same database), `redis://host:6379/0`.
 */
export function endpointKey(value: string): string | undefined {
  const endpoint = endpointOf(value)
  if (!endpoint) return undefined
  const port = endpoint.family === 'postgres' ? '' : `:${endpoint.port ?? ''}`
  return `${endpoint.family}://${endpoint.host}${port}/${endpoint.path}`
}

export function isPostgresUrl(value: string | undefined): boolean {
  return value !== undefined && endpointOf(value)?.family === 'postgres'
}

/** A host table built from snapshots' `hosts` (what their load step resolved), or undefined when none has one. */
export function hostTableOf(snapshots: ReadonlyArray<{hosts?: Readonly<Record<string, readonly string[]>>}>): HostTable | undefined {
  const withHosts = snapshots.filter(snapshot => snapshot.hosts !== undefined)
  if (withHosts.length === 0) return undefined
  const table = new Map<string, readonly string[]>()
  for (const snapshot of withHosts) {
    for (const [host, addresses] of Object.entries(snapshot.hosts ?? {})) {
      if (addresses.length > 0 || !table.has(host)) table.set(host, addresses)
    }
  }

  return table
}

/** The host names (not addresses) every credential of these config vars names: what a load step resolves. */
export function credentialHosts(configVars: Readonly<Record<string, string>>): string[] {
  const names = credentialsOf(configVars)
    .filter(credential => credential.family !== 'http' || credential.hasUserinfo)
    .flatMap(credential => credential.endpoints.map(endpoint => endpoint.host))
  return [...new Set(names)].filter(host => host !== '' && !/^(?:loopback|\d+\.\d+\.\d+\.\d+)$/.test(host) && !host.includes(':') && !host.includes('/')).sort()
}
