import {createHash} from 'node:crypto'

import {parse as parsePostgresUrl} from 'pg-connection-string'

import {decodeSafe, splitUrlList, type UrlParts} from '../secrets/index.js'
import {normalizeHost} from './hosts.js'

/**
 * Every form an app writes a credential in, parsed into the endpoints it reaches. Pure.
 * - URLs, with driver-qualified schemes (`postgresql+psycopg2://`, `ecto://`) and several hosts
 *   (`postgres://u:p@h1:5432,h2:5433/db`);
 * - libpq's query overrides (`?host=`, `?hostaddr=`, `?port=`, `?dbname=`), which win over the
 *   authority and the path, as libpq documents; `hostaddr` is where libpq connects when given;
 * - JDBC URLs (`jdbc:postgresql://host:port/db?user=&password=`);
 * - libpq key/value strings (`host=… port=… dbname=… user=… password='…'`);
 * - split variables (`PGHOST`+`PGDATABASE`…, `DB_HOST`+`DB_NAME`…), one credential per group: config-credentials.ts,
 *   which reads a whole config (credentialsOf); this file reads one value;
 * - any of these inside a JSON value, and JSON objects with `host` and `database`.
 * A Postgres database with no name is the user's (libpq's default).
 */

export interface Endpoint {
  /** `postgres`, `redis`, `amqp`, `mysql`, `mongodb`, `http`, `kafka`, `memcached`, `proxy`, or the bare scheme */
  family: string
  host: string
  /** the database name or path, without the leading slash */
  path: string
  port: number | undefined
  /**
   * On a multi-tenant endpoint (MULTI_TENANT_HOST), which tenant: a one-way digest of the credential
   * that picks it (user and password, or Kafka's prefix). Compared only, never printed.
   */
  tenant?: string
}

export type CredentialForm = 'dsn' | 'jdbc' | 'json' | 'split' | 'url'

/** A credential as written in one value (or one group of split variables). */
export interface ParsedCredential {
  /** one per host; a multi-host URL has several */
  endpoints: Endpoint[]
  family: string
  form: CredentialForm
  /** a URL with `user[:password]@` (an HTTP URL counts as a credential only then) */
  hasUserinfo: boolean
  /** never printed: compared as a secret */
  password?: string
  /** the scheme as written, lower case (`postgresql+asyncpg`), for masked evidence */
  scheme: string
  /** written as several URLs, one per host (`kafka+ssl://h1:9096,kafka+ssl://h2:9096`) */
  urlList?: boolean
  user?: string
}

/** A credential of an app, with the config vars it is read from. */
export interface Credential extends ParsedCredential {
  /** one name, or the split variables of the group (host first) */
  vars: string[]
}

/**
 * The service classes, by scheme family, and what identifies one service of each: the one table the
 * audit, the guards, the fork and `--fix` read identity from (`identity.ts` compares by it).
 *
 * | class | families (schemes) | identity | examples |
 * |---|---|---|---|
 * | database | postgres (`postgres`, `postgresql+driver`, `ecto`, JDBC, key/value, split vars) | host + database, any port (the pooler) | Heroku Postgres, its pooler and followers, Crunchy, Stackhero |
 * | database | mysql, mongodb (`mongodb+srv`: no port), redis (`redis`, `rediss`: database number) | host + port + database | JawsDB, MongoDB Atlas, Key-Value Store, Redis Cloud |
 * | broker | amqp (`amqp`, `amqps`) | host + port + vhost (the path) | CloudAMQP: a shared server's tenants are its vhosts |
 * | broker | kafka (`kafka`, `kafka+ssl`, several URLs) | any broker in common + the tenant's prefix (`…_PREFIX` beside the URL) | Apache Kafka on Heroku; Basic plans share a cluster, one prefix each |
 * | multi-tenant endpoint | http, memcached on a shared host (MULTI_TENANT_HOST); proxy (`socks*`) | host + port + path + tenant (user and password) | SearchBox, Fixie, QuotaGuard (and Shield), MemCachier |
 * | mail relay | smtp (`smtp`, `smtps`) | host + port + tenant (the login: the user; the password where every account logs in with one user, SendGrid's `apikey`) | Mailgun, SendGrid, Mailtrap, Postmark, SES: a relay serves every customer, the login picks the account |
 * | endpoint | http (`http`, `https`) with credentials or owned by an add-on, memcached elsewhere | host + port + path | Bonsai (a host per cluster), Elasticsearch, basic-auth APIs |
 * | telemetry | http, a `…SENTRY_DSN` | as an endpoint; shared, it is a nuisance (warning), not a hazard | Sentry |
 * | any other scheme | the scheme | host + port + path | `cloudinary://key:secret@cloud`: the cloud is the account |
 *
 * Whoever logs in to a database reaches the same data: its user and password are not part of its
 * identity. On a multi-tenant endpoint the credential picks the tenant, so it is. What is not a
 * service (a bucket name, a host list, API keys) is compared as a value by the secret rules, and
 * material that is public by design never counts as a secret (`secrets/public.ts`).
 */
interface Family {
  name: string
  port: Record<string, number>
}

const FAMILIES: Record<string, Family> = {}
function family(name: string, ports: Record<string, number>): void {
  for (const scheme of Object.keys(ports)) FAMILIES[scheme] = {name, port: ports}
}

family('postgres', {ecto: 5432, pgsql: 5432, postgis: 5432, postgres: 5432, postgresql: 5432})
family('redis', {redis: 6379, rediss: 6379})
family('amqp', {amqp: 5672, amqps: 5671})
family('mysql', {mariadb: 3306, mysql: 3306, mysql2: 3306, mysqlx: 33_060})
family('mongodb', {mongodb: 27_017, 'mongodb+srv': 27_017})
family('http', {http: 80, https: 443})
family('memcached', {memcache: 11_211, memcached: 11_211})
family('kafka', {kafka: 9092, 'kafka+ssl': 9096})
family('proxy', {socks: 1080, socks4: 1080, socks5: 1080, socks5h: 1080})
family('smtp', {smtp: 25, smtps: 465})

export const DEFAULT_PORT: Record<string, number> = {mongodb: 27_017, mysql: 3306, postgres: 5432, redis: 6379}

/**
 * Hosts that serve many customers, each picked by the credential: SearchBox (one host for every
 * account), the Fixie and QuotaGuard proxies, MemCachier's servers. A host of its own per customer
 * (Bonsai's `acme-1234.us-east-1.bonsaisearch.net`) is the customer: another key on it is the same data.
 */
const MULTI_TENANT_HOST = /(?:^|\.)(?:searchly\.com|searchbox\.io|usefixie\.com|quotaguard\.com|quotaguardshield\.com|memcachier\.com)$/i
/**
 * Families that always pick a tenant with their credential: a SOCKS proxy reaches no data of its
 * own; a mail relay sends as the account its login names.
 */
const TENANT_FAMILIES = new Set(['proxy', 'smtp'])
/** Relay logins every account shares (SendGrid's `apikey`, Resend's `resend`): there the password is the account. */
const SHARED_SMTP_LOGIN = /^(?:apikey|resend)$/i
const TENANT_CAPABLE = new Set(['http', 'memcached', 'proxy'])

/** Whether the user and password of a `family` URL on `host` pick a tenant (the table's multi-tenant rows). */
function picksTenant(family: string, host: string): boolean {
  return TENANT_FAMILIES.has(family) || (TENANT_CAPABLE.has(family) && MULTI_TENANT_HOST.test(host))
}

/** A tenant as identity keeps it: a digest, so the credential is never held where identity is shown. */
export function tenantOf(...parts: Array<string | undefined>): string | undefined {
  if (parts.every(part => part === undefined || part === '')) return undefined
  return createHash('sha256').update(parts.map(part => part ?? '').join('\u0000')).digest('hex').slice(0, 32)
}

/** `postgresql+psycopg2` → the `postgresql` family; `mongodb+srv` is a scheme of its own, with no port (SRV). */
function schemeFamily(scheme: string): {name: string; port: number | undefined} {
  const known = FAMILIES[scheme] ?? FAMILIES[scheme.split('+')[0] ?? '']
  if (!known) return {name: scheme, port: undefined}
  if (scheme.endsWith('+srv')) return {name: known.name, port: undefined}
  return {name: known.name, port: known.port[scheme] ?? known.port[scheme.split('+')[0] ?? '']}
}

const decode = decodeSafe

export function toPort(value: string | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return fallback
  const port = Number(value.trim())
  return Number.isInteger(port) && port > 0 ? port : fallback
}

/** Splits `h1:5432,[::1]:5433,h3` into hosts and ports. */
function hostList(authority: string): Array<{host: string; port?: string}> {
  return authority.split(',').map(part => {
    const bracketed = /^(\[[^\]]*\])(?::(\d*))?$/.exec(part)
    if (bracketed) return {host: bracketed[1] ?? '', port: bracketed[2]}
    const index = part.lastIndexOf(':')
    return index === -1 ? {host: part} : {host: part.slice(0, index), port: part.slice(index + 1)}
  })
}

/** The query keys that decide identity or are credentials; nothing else reaches the parser (no ssl file reads). */
const IDENTITY_KEYS = new Set(['dbname', 'host', 'hostaddr', 'password', 'port', 'user'])

/** Pairs `hosts` with `ports` the libpq way: one port for all, else one per host. */
export function pairPorts(hosts: string[], ports: string[]): Array<{host: string; port?: string}> {
  return hosts.map((host, index) => ({host, port: ports.length === 1 ? ports[0] : ports[index]}))
}

interface Parts {
  database: string
  hosts: Array<{host: string; port?: string}>
  password?: string
  user?: string
}

/** Postgres URL parts with libpq's precedence: query values override authority and path. */
function postgresParts(userinfo: string, authority: string, path: string, query: URLSearchParams, overrides: boolean): Parts | undefined {
  const kept = new URLSearchParams()
  for (const [key, value] of query) if (IDENTITY_KEYS.has(key) && key !== 'host' && key !== 'port') kept.append(key, value)
  const hosts = hostList(authority)
  // pg-connection-string reads one host; each host of a list is parsed on its own.
  const parsed = hosts.map(({host, port}) => {
    const suffix = kept.size > 0 ? `?${kept.toString()}` : ''
    try {
      return parsePostgresUrl(`postgres://${userinfo}${host || 'localhost'}${port ? `:${port}` : ''}/${path}${suffix}`)
    } catch {
      return undefined
    }
  })
  const first = parsed[0]
  if (!first || parsed.includes(undefined)) return undefined
  let list: Array<{host: string; port?: string}> = hosts.map((host, index) => ({host: parsed[index]?.host ?? host.host, port: host.port}))
  let database = first.database ?? ''
  if (overrides) {
    const hostaddr = query.get('hostaddr')
    const queryHost = query.get('host')
    const queryPorts = (query.get('port') ?? '').split(',').filter(Boolean)
    const named = hostaddr ?? queryHost
    if (named) list = pairPorts(named.split(','), queryPorts.length > 0 ? queryPorts : list.map(h => h.port ?? ''))
    else if (queryPorts.length > 0) list = pairPorts(list.map(h => h.host), queryPorts)
    database = query.get('dbname') ?? database
  }

  const user = first.user || undefined
  return {database: database || user || '', hosts: list, password: first.password || undefined, user}
}

/** The userinfo of split URL parts, percent-encoded again for a parser that reads a URL. */
function encodedUserinfo(parts: UrlParts): string {
  if (parts.user === undefined) return ''
  const password = parts.password === undefined ? '' : `:${encodeURIComponent(decode(parts.password))}`
  return `${encodeURIComponent(decode(parts.user))}${password}@`
}

/** A Postgres URL's parts as libpq (or, for `jdbc:`, the JDBC driver) reads them; hosts as written. */
function postgresUrlParts(parts: UrlParts, jdbc: boolean): Parts | undefined {
  const query = new URLSearchParams(parts.query ?? '')
  const path = parts.path.replace(/^\/+/, '').replace(/\/+$/, '')
  // JDBC drivers read user and password from the query but not libpq's host/port/dbname overrides.
  const postgres = postgresParts(encodedUserinfo(parts), parts.hosts, path, query, !jdbc)
  if (!postgres) return undefined
  const user = (jdbc ? query.get('user') ?? postgres.user : postgres.user) || undefined
  const password = (jdbc ? query.get('password') ?? postgres.password : postgres.password) || undefined
  return {...postgres, password, user}
}

/** Where a client connects with a Postgres URL: its first host as written, after libpq's overrides. */
export interface PostgresConnection {
  database: string
  host: string
  password?: string
  port: number
  user?: string
}

/**
 * The connection a Postgres URL (`postgres://`, `postgresql+driver://`, `jdbc:postgresql://`) opens,
 * read by the same splitter and precedence as its identity, so a client connects where the guards
 * looked. Undefined for anything else.
 */
export function postgresConnection(value: string): PostgresConnection | undefined {
  const list = splitUrlList(value.trim())
  const [parts] = list ?? []
  if (!parts || list?.length !== 1) return undefined
  const jdbc = /^jdbc:/i.test(parts.scheme)
  const scheme = parts.scheme.replace(/^jdbc:/i, '').replace(/:\/\/$/, '').toLowerCase()
  if (schemeFamily(scheme).name !== 'postgres') return undefined
  const postgres = postgresUrlParts(parts, jdbc)
  const first = postgres?.hosts[0]
  if (!postgres || !first) return undefined
  const host = (first.host || 'localhost').replace(/^\[|\]$/g, '')
  return {database: postgres.database, host, password: postgres.password, port: toPort(first.port, 5432) ?? 5432, user: postgres.user}
}

/**
 * A URL in any of its forms, or undefined. It is split by the one splitter the masking uses
 * (`secrets/mask.ts`): the userinfo ends at the last `@` a host follows, so a password holding a raw
 * `/`, `@` or `#` is read, and a value of several URLs (Kafka's brokers) gives one endpoint each.
 */
function parseUrl(value: string): ParsedCredential | undefined {
  const list = splitUrlList(value)
  const [parts] = list ?? []
  if (!list || !parts) return undefined
  const jdbc = /^jdbc:/i.test(parts.scheme)
  const scheme = parts.scheme.replace(/^jdbc:/i, '').replace(/:\/\/$/, '').toLowerCase()
  const {name, port: defaultPort} = schemeFamily(scheme)
  const form: CredentialForm = jdbc ? 'jdbc' : 'url'
  const hasUserinfo = parts.user !== undefined
  if (name === 'postgres' && list.length === 1) {
    const postgres = postgresUrlParts(parts, jdbc)
    if (!postgres) return undefined
    const endpoints = postgres.hosts
      .map(({host, port}) => ({family: name, host: normalizeHost(host || 'localhost'), path: postgres.database, port: toPort(port, defaultPort)}))
      .filter(endpoint => endpoint.host !== '')
    if (endpoints.length === 0) return undefined
    return {endpoints, family: name, form, hasUserinfo, password: postgres.password, scheme: `${jdbc ? 'jdbc:' : ''}${scheme}`, user: postgres.user}
  }

  const user = parts.user ? decode(parts.user) : undefined
  const password = parts.password ? decode(parts.password) : undefined
  // A relay's account is its login; elsewhere the whole credential (SearchBox's user is always `paas`).
  const tenant = name === 'smtp' && user && !SHARED_SMTP_LOGIN.test(user) ? tenantOf(user) : tenantOf(user, password)
  const endpoints = list.flatMap(one => {
    let decodedPath = decode(one.path.replace(/^\/+/, '').replace(/\/+$/, ''))
    // Redis selects database 0 when the path is empty.
    if (name === 'redis' && decodedPath === '') decodedPath = '0'
    return hostList(one.hosts).map(({host, port}) => {
      const normalized = normalizeHost(host)
      const picked = tenant && picksTenant(name, normalized) ? {tenant} : {}
      return {family: name, host: normalized, path: decodedPath, port: toPort(port, defaultPort), ...picked}
    })
  }).filter(endpoint => endpoint.host !== '')
  if (endpoints.length === 0) return undefined
  return {
    endpoints,
    family: name,
    form,
    hasUserinfo,
    password,
    scheme: `${jdbc ? 'jdbc:' : ''}${scheme}`,
    ...(list.length > 1 ? {urlList: true} : {}),
    user,
  }
}

/** libpq's connection keywords (PostgreSQL 16 docs, 34.1.2): a key/value string uses only these. */
const LIBPQ_KEYS = new Set([
  'application_name', 'channel_binding', 'client_encoding', 'connect_timeout', 'dbname', 'fallback_application_name',
  'gssencmode', 'gsslib', 'host', 'hostaddr', 'keepalives', 'keepalives_count', 'keepalives_idle', 'keepalives_interval',
  'krbsrvname', 'load_balance_hosts', 'options', 'passfile', 'password', 'port', 'replication', 'require_auth', 'service',
  'sslcert', 'sslcompression', 'sslcrl', 'sslcrldir', 'sslkey', 'sslmode', 'sslnegotiation', 'sslpassword', 'sslrootcert',
  'sslsni', 'ssl_max_protocol_version', 'ssl_min_protocol_version', 'target_session_attrs', 'tcp_user_timeout', 'user',
])

/** `host=h port=5432 password='a \'b\''` → its keys and values, or undefined when it is not one. */
export function parseKeyValue(value: string): Map<string, string> | undefined {
  const pair = /\s*([a-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|((?:[^\s'\\]|\\.)*))/gy
  const pairs = new Map<string, string>()
  let index = 0
  const text = value.trim()
  while (index < text.length) {
    pair.lastIndex = index
    const match = pair.exec(text)
    if (!match || match[0].length === 0) return undefined
    const key = match[1] ?? ''
    if (!LIBPQ_KEYS.has(key)) return undefined
    pairs.set(key, (match[2] ?? match[3] ?? '').replaceAll(/\\(.)/g, '$1'))
    index = pair.lastIndex
  }

  return pairs.size > 0 ? pairs : undefined
}

/** A libpq key/value string with a host, or undefined. */
function parseDsn(value: string): ParsedCredential | undefined {
  if (!/\b(?:host|hostaddr)\s*=/.test(value)) return undefined
  const pairs = parseKeyValue(value)
  const named = pairs?.get('hostaddr') || pairs?.get('host')
  if (!pairs || !named) return undefined
  const user = pairs.get('user') || undefined
  const database = pairs.get('dbname') || user || ''
  const ports = (pairs.get('port') ?? '').split(',').filter(Boolean)
  const endpoints = pairPorts(named.split(','), ports)
    .map(({host, port}) => ({family: 'postgres', host: normalizeHost(host), path: database, port: toPort(port, 5432)}))
    .filter(endpoint => endpoint.host !== '')
  if (endpoints.length === 0) return undefined
  return {endpoints, family: 'postgres', form: 'dsn', hasUserinfo: true, password: pairs.get('password') || undefined, scheme: 'dsn', user}
}

/** ADO.NET-style keys (Npgsql, SqlClient, MySQL Connector/NET, ODBC), case-insensitive: what each names. */
const ADO_KEYS: Record<string, 'database' | 'host' | 'password' | 'port' | 'user'> = {
  'data source': 'host', database: 'database', 'initial catalog': 'database', host: 'host', password: 'password',
  port: 'port', pwd: 'password', server: 'host', uid: 'user', 'user id': 'user', user: 'user', userid: 'user', username: 'user',
}

/**
 * An ADO.NET connection string (`Host=h;Port=5432;Database=d;Username=u;Password=p`, `Server=tcp:h,1433;Initial
 * Catalog=d;…`), or undefined. Npgsql's `Host` is Postgres; SqlClient's `Initial Catalog`/`Data Source` is SQL Server.
 */
function parseAdo(value: string): ParsedCredential | undefined {
  if (!value.includes(';') || !value.includes('=')) return undefined
  const fields: Partial<Record<'database' | 'host' | 'password' | 'port' | 'user', string>> = {}
  let sqlServer = false
  for (const pair of value.split(';')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) continue
    const key = pair.slice(0, eq).trim().toLowerCase()
    const field = ADO_KEYS[key]
    if (!field) continue
    if (key === 'initial catalog' || key === 'data source') sqlServer = true
    fields[field] = pair.slice(eq + 1).trim().replace(/^(["'])(.*)\1$/, '$2')
  }

  const {database, host: written} = fields
  if (!written || !database) return undefined
  // `tcp:h,1433` (SqlClient) and `h:5432` carry the port with the host.
  const [, hostPart = written, inlinePort] = /^(?:tcp:)?([^,]+?)(?:[,:](\d+))?$/i.exec(written) ?? []
  const family = sqlServer ? 'mssql' : 'postgres'
  const endpoints = hostPart.split(',').map(host => ({family, host: normalizeHost(host), path: database, port: toPort(fields.port ?? inlinePort, sqlServer ? 1433 : 5432)}))
    .filter(endpoint => endpoint.host !== '')
  if (endpoints.length === 0) return undefined
  return {endpoints, family, form: 'dsn', hasUserinfo: true, password: fields.password || undefined, scheme: sqlServer ? 'ado' : 'npgsql', user: fields.user || undefined}
}

/** The credential one string holds as a whole (URL, JDBC, libpq key/value or ADO.NET), or undefined. */
export function parseCredential(value: string): ParsedCredential | undefined {
  // JDBC properties after `;` (`jdbc:postgresql://h/db;user=u;password=p`) are not the database's name.
  const text = value.trim().replace(/^(jdbc:(?:postgres|mysql|mariadb)[^;]*);.*$/is, '$1')
  if (text === '') return undefined
  // `;` separates ADO.NET pairs; libpq's would read `host=h;database=d` as one host.
  return parseUrl(text) ?? (text.includes(';') ? parseAdo(text) ?? parseDsn(text) : parseDsn(text))
}
