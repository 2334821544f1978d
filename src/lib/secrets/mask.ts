/**
 * Masking of credentials by their shape, for values the plugin shows on purpose (a finding's evidence)
 * and for credentials in free text that no registry knows (an argument pasted by mistake). A password
 * of any characters is masked: the userinfo of a URL ends at the last `@` that a host follows, not at
 * the first `/` or `@`, so `redis://:p@ss/w#rd?x@host:6379` still masks all of `p@ss/w#rd?x`.
 */

/** `scheme://` for every URL scheme the plugin reads, driver-qualified ones included (`postgresql+asyncpg`). */
const SCHEME = /^([a-z][\w+.-]*:\/\/)/i
/** A JDBC URL wraps one: `jdbc:postgresql://…`. */
const JDBC = /^jdbc:/i
/** One or more `host[:port]`, comma-separated (multi-host URLs), hosts as names, IPv4 or `[IPv6]`. */
const HOST_LIST = /^(?:\[[\da-f:.%]+\]|[\w.%-]*)(?::\d*)?(?:,(?:\[[\da-f:.%]+\]|[\w.%-]+)(?::\d*)?)*$/i
/** Query keys whose values are credentials in libpq, JDBC and driver URLs. */
const SECRET_QUERY_KEY = /^(?:password|pass|passwd|pwd|secret|token|key|api_?key|access_?token|auth|sslpassword|sslkey)$/i

/** Schemes whose path is a database name or number, which the reports need (`…@host:5432/d9153c9b`). */
const DATABASE_SCHEME = /^(?:jdbc:)?(?:postgres(?:ql)?(?:\+\w+)?|postgis|pgsql|ecto|mysql2?(?:\+\w+)?|mysqlx|mariadb|redis|rediss|amqps?|mongodb(?:\+srv)?|memcached?|elasticsearch|es|bonsai|kafka(?:\+ssl)?):\/\/$/i

/** decodeURIComponent, or the value as it is when it is not valid percent-encoding. */
export function decodeSafe(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

export function maskUser(user: string): string {
  return user ? `${[...decodeSafe(user)].slice(0, 1).join('')}***` : ''
}

/** The parts of `scheme://[userinfo@]hosts[path][?query][#fragment]`, userinfo found as described above. */
export interface UrlParts {
  hosts: string
  password?: string
  path: string
  query?: string
  scheme: string
  user?: string
}

/** Splits a URL-shaped value, or undefined when it has no `scheme://` at its start. */
export function splitUrl(value: string): UrlParts | undefined {
  const jdbc = JDBC.exec(value)?.[0] ?? ''
  const body = value.slice(jdbc.length)
  const scheme = SCHEME.exec(body)?.[1]
  if (!scheme) return undefined
  const rest = body.slice(scheme.length)
  let userinfo: string | undefined
  let after = rest
  // The last `@` that a host list follows ends the userinfo; a `/` or `?` inside it is a password's
  // character only when a `:` (the password separator) comes first.
  for (let at = rest.lastIndexOf('@'); at >= 0; at = rest.lastIndexOf('@', at - 1)) {
    const candidate = rest.slice(0, at)
    const hosts = /^[^/?#]*/.exec(rest.slice(at + 1))?.[0] ?? ''
    const delimiter = candidate.search(/[/?#]/)
    const colon = candidate.indexOf(':')
    if (!HOST_LIST.test(hosts)) continue
    if (delimiter >= 0 && (colon < 0 || colon > delimiter)) continue
    userinfo = candidate
    after = rest.slice(at + 1)
    break
  }

  const hosts = /^[^/?#]*/.exec(after)?.[0] ?? ''
  const tail = after.slice(hosts.length)
  const pathEnd = tail.search(/[?#]/)
  const path = pathEnd < 0 ? tail : tail.slice(0, pathEnd)
  const queryMatch = /^\?([^#]*)/.exec(pathEnd < 0 ? '' : tail.slice(pathEnd))
  const parts: UrlParts = {hosts, path, scheme: `${jdbc}${scheme}`}
  if (queryMatch) parts.query = queryMatch[1]
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':')
    parts.user = colon < 0 ? userinfo : userinfo.slice(0, colon)
    if (colon >= 0) parts.password = userinfo.slice(colon + 1)
  }

  return parts
}

/**
 * A value that is several URLs, comma-separated (`kafka+ssl://h1:9096,kafka+ssl://h2:9096`): each one
 * split on its own, or undefined when it is not one or more URLs. A single URL gives a list of one.
 */
export function splitUrlList(value: string): UrlParts[] | undefined {
  const text = value.trim()
  const pieces = text.split(/,\s*(?=(?:jdbc:)?[a-z][\w+.-]*:\/\/)/i)
  const parts = pieces.map(piece => splitUrl(piece))
  if (parts.length === 0 || parts.includes(undefined)) return undefined
  return parts as UrlParts[]
}

/**
 * Whether a path segment can be a secret: a webhook's tokens (`T0A1B2C3D`, Slack's 24-letter key,
 * Discord's id and token, Zapier's `123456/abcde1`) have a digit, or are long, or mix cases; the
 * words around them (`services`, `api`, `webhooks`, `hooks`, `catch`) stay readable.
 */
function looksGenerated(segment: string): boolean {
  const text = decodeSafe(segment)
  if (text.length < 4) return false
  return /\d/.test(text) || text.length >= 16 || (text.length >= 8 && /[a-z]/.test(text) && /[A-Z]/.test(text))
}

/**
 * A webhook's secret is its path (`https://hooks.slack.com/services/T0…/B0…/q8R9…`): outside database
 * URLs, every path segment that can be a token is masked.
 */
export function maskPath(scheme: string, path: string): string {
  if (DATABASE_SCHEME.test(scheme)) return path
  return path.split('/').map(segment => (looksGenerated(segment) ? '****' : segment)).join('/')
}

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

/**
 * In free text (a URL nobody registered), only long path tokens are masked: API paths there carry app
 * names and ids (`/apps/shop-pr-1/…`, uuids) that debugging needs, and registered values (every config
 * var) are masked by `maskCredential` before this backstop runs.
 */
function maskTextPath(scheme: string, path: string): string {
  if (DATABASE_SCHEME.test(scheme)) return path
  return path.split('/').map(segment => (segment.length >= 16 && !UUID.test(segment) && looksGenerated(segment) ? '****' : segment)).join('/')
}

function maskOne(parts: UrlParts): string {
  let auth = ''
  if (parts.user !== undefined) auth = `${maskUser(parts.user)}${parts.password === undefined ? '' : ':****'}@`
  return `${parts.scheme}${auth}${parts.hosts}${maskPath(parts.scheme, parts.path)}${parts.query === undefined ? '' : '?…'}`
}

/**
 * `postgres://user:pw@host:5432/db?x=y` → `postgres://u***:****@host:5432/db?…`, for every scheme the
 * plugin reads (JDBC included); a libpq key/value DSN keeps its keys with `password` masked. Anything
 * else comes back as `label(value)`: the caller's fingerprint.
 */
export function maskCredential(value: string, label: (value: string) => string): string {
  const list = splitUrlList(value.trim())
  if (!list) return isKeyValueDsn(value) ? maskKeyValueDsn(value) : label(value)
  return list.map(parts => maskOne(parts)).join(',')
}

/** `host=… dbname=…`: libpq's key/value connection string (at least two `key=value` pairs, one a libpq key). */
export function isKeyValueDsn(value: string): boolean {
  return /(?:^|\s)(?:host|hostaddr|dbname|user|port)\s*=/i.test(value) && (value.match(/\w\s*=/g)?.length ?? 0) >= 2
}

const DSN_PAIR = /(\b\w+)(\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/g

/** Masks the password (and initial of the user) of a key/value DSN; other keys stay readable. */
export function maskKeyValueDsn(value: string): string {
  return value.replace(DSN_PAIR, (pair, key: string, eq: string, raw: string) => {
    if (SECRET_QUERY_KEY.test(key)) return `${key}${eq}****`
    if (/^user$/i.test(key)) return `${key}${eq}${maskUser(raw.replace(/^'|'$/g, ''))}`
    return pair
  })
}

/** URL-looking tokens in free text: from `scheme://` up to whitespace, a quote or a bracket. */
const URL_IN_TEXT = /\b(?:jdbc:)?[a-z][\w+.-]*:\/\/[^\s'"<>`]+/gi
/** `password=…` pairs of DSNs and query strings in free text. */
const SECRET_PAIR_IN_TEXT = /(\b(?:password|passwd|pwd|sslpassword)\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;'"]+)/gi
const AUTH_HEADER = /\b(Bearer|Basic)\s+[\w\-.~+/=:]{8,}/gi

/**
 * Masks the credentials of every URL, `password=` pair and Authorization value in free text. The
 * backstop for credentials no registry has seen; host, port and path stay readable.
 */
export function maskCredentialsInText(text: string): string {
  return text
    .replace(URL_IN_TEXT, token => {
      const parts = splitUrl(token)
      if (!parts) return token
      const auth = parts.user === undefined ? '' : `${maskUser(parts.user)}${parts.password === undefined ? '' : ':****'}@`
      const query = parts.query === undefined ? '' : `?${maskQuery(parts.query, !DATABASE_SCHEME.test(parts.scheme))}`
      return `${parts.scheme}${auth}${parts.hosts}${maskTextPath(parts.scheme, parts.path)}${query}`
    })
    .replace(SECRET_PAIR_IN_TEXT, (_pair, key: string) => `${key}****`)
    .replace(AUTH_HEADER, (_match, kind: string) => `${kind} ****`)
}

/** A query with its secret values masked: those of secret keys, and outside database URLs every value that can be a token. */
function maskQuery(query: string, tokens: boolean): string {
  return query.split('&').map(pair => {
    const eq = pair.indexOf('=')
    if (eq < 0) return pair
    const secret = SECRET_QUERY_KEY.test(decodeSafe(pair.slice(0, eq))) || (tokens && looksGenerated(pair.slice(eq + 1)))
    return secret ? `${pair.slice(0, eq)}=****` : pair
  }).join('&')
}
