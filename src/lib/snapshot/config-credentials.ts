import {type Credential, DEFAULT_PORT, pairPorts, tenantOf, toPort} from './credentials.js'
import {credentialsIn} from './credentials-in.js'
import {normalizeHost} from './hosts.js'

/**
 * The credentials of a whole config: every value's (credentials.ts), the groups of split variables
 * (`PGHOST`+`PGDATABASE`…, `DB_HOST`+`DB_NAME`…), and Kafka's tenant prefix read from a sibling var. Pure.
 */

type Role = 'database' | 'host' | 'hostaddr' | 'password' | 'port' | 'user'

const PG_SPLIT: Record<string, Role> = {
  PGDATABASE: 'database', PGHOST: 'host', PGHOSTADDR: 'hostaddr', PGPASSWORD: 'password', PGPORT: 'port', PGUSER: 'user',
}

/** Suffixes of `<PREFIX>_<ROLE>`, longest first so `_DBNAME` wins over `_NAME`. */
const SUFFIXES: Array<[string, Role]> = [
  ['_HOSTNAME', 'host'], ['_HOSTADDR', 'hostaddr'], ['_PASSWORD', 'password'], ['_USERNAME', 'user'], ['_DATABASE', 'database'],
  ['_DBNAME', 'database'], ['_SERVER', 'host'], ['_PASSWD', 'password'], ['_HOST', 'host'], ['_PORT', 'port'], ['_NAME', 'database'],
  ['_USER', 'user'], ['_PASS', 'password'], ['_PWD', 'password'], ['_DB', 'database'],
]

/** A prefix names a database connection when one of its words says so (`DB`, `ANALYTICS_DB`, `POSTGRES`). */
const DATABASE_WORD = /^(?:DB|DATABASE|PG|POSTGRES|POSTGRESQL|PSQL|SQL|MYSQL|MARIADB|RDS|TYPEORM)$/

function splitRole(name: string): {prefix: string; role: Role} | undefined {
  const pg = PG_SPLIT[name]
  if (pg) return {prefix: 'PG', role: pg}
  for (const [suffix, role] of SUFFIXES) {
    if (!name.endsWith(suffix)) continue
    const prefix = name.slice(0, -suffix.length)
    if (prefix !== '' && prefix.split('_').some(word => DATABASE_WORD.test(word))) return {prefix, role}
  }

  return undefined
}

const ROLE_ORDER: Role[] = ['host', 'hostaddr', 'port', 'database', 'user', 'password']

/**
 * Split variables combined into one credential per group, when together they name a host and a
 * database (`PGHOST`+`PGDATABASE`; `DB_HOST`+`DB_NAME`). For `PG*`, as libpq does, the database
 * defaults to `PGUSER` and `PGHOSTADDR` is where it connects.
 */
export function splitCredentials(vars: Readonly<Record<string, string>>): Credential[] {
  const groups = new Map<string, Map<Role, {name: string; value: string}>>()
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value !== 'string' || value.trim() === '') continue
    const split = splitRole(name.toUpperCase())
    if (!split) continue
    const group = groups.get(split.prefix) ?? new Map()
    if (!group.has(split.role)) group.set(split.role, {name, value: value.trim()})
    groups.set(split.prefix, group)
  }

  const credentials: Credential[] = []
  for (const [prefix, group] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const host = group.get('hostaddr')?.value ?? group.get('host')?.value
    const user = group.get('user')?.value
    const database = group.get('database')?.value ?? (prefix === 'PG' ? user : undefined)
    if (!host || !database || /[/@]/.test(host)) continue
    const name = /MYSQL|MARIADB/.test(prefix) ? 'mysql' : 'postgres'
    const ports = (group.get('port')?.value ?? '').split(',').filter(Boolean)
    credentials.push({
      endpoints: pairPorts(host.split(','), ports).map(({host: h, port}) => ({family: name, host: normalizeHost(h), path: database, port: toPort(port, DEFAULT_PORT[name])})),
      family: name,
      form: 'split',
      hasUserinfo: true,
      password: group.get('password')?.value,
      scheme: name,
      user,
      vars: ROLE_ORDER.flatMap(role => group.get(role)?.name ?? []),
    })
  }

  return credentials
}

/**
 * A Kafka URL's tenant on a shared (Basic) cluster: the prefix Heroku sets beside it (`KAFKA_URL` and
 * `KAFKA_PREFIX`, `HEROKU_KAFKA_GRAY_URL` and `HEROKU_KAFKA_GRAY_PREFIX`). Topics and groups of another
 * prefix are another tenant's; a dedicated cluster has no prefix.
 */
function withKafkaPrefix(credential: Credential, configVars: Readonly<Record<string, string>>): Credential {
  const [name = ''] = credential.vars
  if (credential.family !== 'kafka' || !/_URL$/i.test(name)) return credential
  const prefix = configVars[name.replace(/_URL$/i, '_PREFIX')]?.trim()
  if (!prefix) return credential
  const tenant = tenantOf('kafka-prefix', prefix)
  return {...credential, endpoints: credential.endpoints.map(endpoint => ({...endpoint, tenant}))}
}

/** Every credential an app's config holds, in every form, with the config var names it comes from. */
export function credentialsOf(configVars: Readonly<Record<string, string>>): Credential[] {
  const credentials: Credential[] = []
  for (const [name, value] of Object.entries(configVars).sort(([a], [b]) => a.localeCompare(b))) {
    for (const credential of credentialsIn(value)) credentials.push(withKafkaPrefix({...credential, vars: [name]}, configVars))
  }

  return [...credentials, ...splitCredentials(configVars)]
}
