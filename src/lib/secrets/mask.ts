import {wordy} from './classify.js'

/**
 * Masking of credentials by their shape, for values the plugin shows on purpose (a finding's evidence)
 * and for credentials in free text that no registry knows (an argument pasted by mistake). One
 * splitter (`splitUrl`) serves masking and identity (snapshot/credentials.ts) alike. A password of any
 * characters is masked: the userinfo ends at the last `@` that a host list follows, not at the first
 * `/` or `@`, so `redis://:p@ss/w#rd?x@host:6379` still masks all of `p@ss/w#rd?x`; an `@` inside a
 * query value (`?application_name=reports@acme`) does not end it. It fails safe: when no host list
 * follows any `@`, everything up to the last `@` is still masked, and the authority is shown only
 * when it parses.
 */

/** `scheme://` for every URL scheme the plugin reads, driver-qualified ones included (`postgresql+asyncpg`). */
const SCHEME = /^([a-z][\w+.-]*:\/\/)/i
/** A JDBC URL wraps one: `jdbc:postgresql://…`. */
const JDBC = /^jdbc:/i
/**
 * One `host[:port]` of an authority: a name (IDN letters and percent-encoding included), IPv4, or
 * `[IPv6]` with an optional zone (`[fe80::1%25eth0]`); the port digits or a placeholder (`${PORT}`).
 */
const HOST_ENTRY = String.raw`\s*(?:\[[\da-f:.]*(?:%[\w.~%-]+)?\]|[\p{L}\p{M}\p{N}_.%~*-]*)(?::(?:\d+|\$\{?\w+\}?))?\s*`
/** One or more `host[:port]`, comma-separated (multi-host URLs), spaces around the commas allowed. */
const HOST_LIST = new RegExp(`^${HOST_ENTRY}(?:,${HOST_ENTRY})*$`, 'iu')
/**
 * Query and path-parameter keys whose values are credentials whatever their length: libpq, JDBC and
 * driver URLs (`password`, `sslkey`), OAuth and signed URLs (`access_token`, `code`, `sig`,
 * `X-Amz-Signature`), webhook and API keys (`token`, `key`, `apikey`).
 */
const SECRET_QUERY_KEY = /token|secret|passw|^pass$|^pwd$|api_?key|signature|credential|^sig$|^key$|[_-]key$|^sslkey$|key_?id$|^auth|^code$|[_-]code$|session|^hmac$|jwt|ticket/i

/** Schemes whose path is a database name or number, which the reports need (`…@host:5432/d9153c9b`). */
const DATABASE_SCHEME = /^(?:jdbc:)?(?:postgres(?:ql)?(?:\+\w+)?|postgis|pgsql|ecto|mysql2?(?:\+\w+)?|mysqlx|mariadb|redis|rediss|amqps?|mongodb(?:\+srv)?|memcached?|elasticsearch|es|bonsai|kafka(?:\+ssl)?):\/\/$/i
/** Web schemes, where a path may hold `@` (`/users/@me`) and userinfo is read more strictly. */
const WEB_SCHEME = /^(?:https?|wss?)(?:\+\w+)?:\/\/$/i

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
  /** false when the authority is no host list (`h:1:2`, `h;user=sa`): shown masked, never as a host */
  authorityValid: boolean
  hosts: string
  password?: string
  path: string
  query?: string
  scheme: string
  user?: string
}

/** True when `hosts` is an authority the splitter understands (one or more `host[:port]`). */
export function isHostList(hosts: string): boolean {
  return HOST_LIST.test(hosts)
}

/** The authority that follows an `@` at `at`: up to the first `/`, `?` or `#`. */
function authorityAfter(rest: string, at: number): string {
  return /^[^/?#]*/.exec(rest.slice(at + 1))?.[0] ?? ''
}

/**
 * Whether the text before an `@` can be userinfo: it holds no `/`, `?` or `#`, or a `:` (the password
 * separator) comes before the first of them. Outside web URLs a user holding a raw `/`
 * (`redis://us/er:pw@host`) is read too; in a web URL such text is a path (`/users/@me`).
 */
function plausibleUserinfo(candidate: string, web: boolean): boolean {
  const delimiter = candidate.search(/[/?#]/)
  if (delimiter < 0) return true
  const colon = candidate.indexOf(':')
  return colon >= 0 && (colon < delimiter || !web)
}

/** Whether, with the userinfo ending at `earlier`, the `@` at `at` stands inside a query value (`?k=a@b`). */
function inQueryValue(rest: string, earlier: number, at: number): boolean {
  const after = rest.slice(earlier + 1)
  const position = at - earlier - 1
  const queryStart = after.search(/[?#]/)
  if (queryStart < 0 || after[queryStart] !== '?' || position < queryStart) return false
  const fragment = after.indexOf('#', queryStart)
  if (fragment >= 0 && position > fragment) return false
  const pairStart = after.lastIndexOf('&', position) > queryStart ? after.lastIndexOf('&', position) : queryStart
  return after.slice(pairStart + 1, position).includes('=')
}

/**
 * Where the userinfo ends, or -1. Every `@` that a host list follows (then `/`, `?`, `#` or the end)
 * is a candidate; the last one wins, so a password holding raw `@`, `/`, `#` or `?` is read whole,
 * unless it stands inside a query value of an earlier candidate's reading
 * (`…@prodhost:5432/d8prod?application_name=reports@acme` is host `prodhost`). When no candidate
 * parses (`@h:1:2`), the userinfo still ends at the last `@` that can end one, so it is masked (fail-safe).
 */
function userinfoEnd(rest: string, web: boolean): {at: number; valid: boolean} {
  const candidates: number[] = []
  const plausible: number[] = []
  for (let at = rest.indexOf('@'); at >= 0; at = rest.indexOf('@', at + 1)) {
    if (!plausibleUserinfo(rest.slice(0, at), web)) continue
    plausible.push(at)
    if (HOST_LIST.test(authorityAfter(rest, at))) candidates.push(at)
  }

  // The reading without userinfo counts as the earliest candidate when its authority parses (a
  // `user:` with no port after it is no host: a port has digits).
  const naive = /^[^/?#]*/.exec(rest)?.[0] ?? ''
  const naiveValid = naive.trim() !== '' && HOST_LIST.test(naive)
  const readings = naiveValid ? [-1, ...candidates] : candidates
  for (let index = readings.length - 1; index >= 0; index--) {
    const at = readings[index] as number
    if (at < 0) break
    // An earlier reading with an empty host (`u:@?k=v@host`) does not outrank a later one.
    const earlierReadings = readings.slice(0, index).filter(earlier => earlier < 0 || authorityAfter(rest, earlier).trim() !== '')
    if (!earlierReadings.some(earlier => inQueryValue(rest, earlier, at))) return {at, valid: true}
  }

  if (candidates.length > 0) return {at: -1, valid: true}
  // No host list follows any `@`: when the authority as written holds one, mask up to the last plausible one.
  const last = plausible.at(-1)
  if (last !== undefined && (naive.includes('@') || !web || !naiveValid || naive.includes(':'))) return {at: last, valid: false}
  return {at: -1, valid: true}
}

/** Splits a URL-shaped value, or undefined when it has no `scheme://` at its start. */
export function splitUrl(value: string): UrlParts | undefined {
  const jdbc = JDBC.exec(value)?.[0] ?? ''
  const body = value.slice(jdbc.length)
  const scheme = SCHEME.exec(body)?.[1]
  if (!scheme) return undefined
  const rest = body.slice(scheme.length)
  const end = userinfoEnd(rest, WEB_SCHEME.test(scheme))
  const userinfo = end.at >= 0 ? rest.slice(0, end.at) : undefined
  const after = end.at >= 0 ? rest.slice(end.at + 1) : rest
  const hosts = /^[^/?#]*/.exec(after)?.[0] ?? ''
  const tail = after.slice(hosts.length)
  const pathEnd = tail.search(/[?#]/)
  const path = pathEnd < 0 ? tail : tail.slice(0, pathEnd)
  const queryMatch = /^\?([^#]*)/.exec(pathEnd < 0 ? '' : tail.slice(pathEnd))
  const parts: UrlParts = {authorityValid: end.valid && HOST_LIST.test(hosts), hosts, path, scheme: `${jdbc}${scheme}`}
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
 * Webhook URLs whose path after a fixed prefix is the secret, whatever its length: every segment after
 * the prefix is masked. A path segment named like a hook (`/hooks/…`, `/webhooks/…`) on any other host
 * is read the same way.
 */
const WEBHOOKS: ReadonlyArray<{host: RegExp; prefix: RegExp}> = [
  {host: /^hooks\.slack\.com$/i, prefix: /^\/(?:services|workflows|triggers)\//i},
  {host: /^(?:[\w-]+\.)?discord(?:app)?\.com$/i, prefix: /^\/api(?:\/v\d+)?\/webhooks\//i},
  {host: /^hooks\.zapier\.com$/i, prefix: /^\/hooks\/(?:catch|standard)\//i},
  {host: /\.webhook\.office\.com$|^outlook\.office(?:365)?\.com$/i, prefix: /^\/webhook(?:b2)?\//i},
  {host: /\.logic\.azure\.com$/i, prefix: /^\/workflows\//i},
  {host: /^chat\.googleapis\.com$/i, prefix: /^\/v1\/spaces\//i},
  {host: /^events\.pagerduty\.com$/i, prefix: /^\/(?:integration|x-ere)\//i},
  {host: /^api\.telegram\.org$/i, prefix: /^\/bot/i},
  {host: /^maker\.ifttt\.com$/i, prefix: /^\/trigger\//i},
  {host: /^hooks\.airtable\.com$/i, prefix: /^\/workflows\//i},
  // A ntfy topic is its own password: whoever knows it reads and posts.
  {host: /^ntfy\.sh$/i, prefix: /^\//},
  {host: /^api\.opsgenie\.com$|^api\.eu\.opsgenie\.com$/i, prefix: /^\/v\d+\/json\/integrations\/webhooks\//i},
]
/** A path segment after which a webhook's id and token follow, on any host (Mattermost, GitLab, Rocket.Chat…). */
const HOOK_SEGMENT = /^(?:web)?hooks?$|^webhookb2$|^incoming[-_]?webhooks?$/i
/** Hosts whose first label is the tenant of a webhook (`<tenant>.webhook.office.com`). */
const TENANT_LABEL_HOST = /^[^.]+\.(?:webhook\.office\.com)$/i

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i
/** `v1`, `v1.2`, `api-v3`, `2024-01`, `2024-01-15`, `3.2.1-beta`: versions and dates, which are never secret. */
const VERSION = /^(?:[a-z]{1,12}[_-])?v?\d{1,8}(?:[._-]\d{1,8})*(?:[-.]?(?:alpha|beta|rc|preview|stable|latest)\d*)?$/i

/** Whether a path segment reads as a version or a date (`api/2024-01`, `v1.2`): shown in every output. */
export function versionLike(segment: string): boolean {
  return VERSION.test(decodeSafe(segment))
}

/**
 * Whether a path segment can be a secret: tokens have a digit, or are long, or mix cases; the words
 * around them (`services`, `api`, `catch`) and versions or dates (`v1.2`, `2024-01`) stay readable.
 */
function looksGenerated(segment: string): boolean {
  const text = decodeSafe(segment)
  // Words (`ProductTour`, `google_oauth2`, `jquery-3.7.1.min.js`, `CHANGELOG.md`) are no token.
  if (text.length < 4 || VERSION.test(text) || wordy(text) || /^[a-z]{2,8}\d{1,3}$/i.test(text)) return false
  return /\d/.test(text) || text.length >= 16 || (text.length >= 8 && /[a-z]/.test(text) && /[A-Z]/.test(text))
}

/** `text` (free text, where paths carry app names and ids) masks only long generic tokens; `value` masks every token. */
type Strictness = 'text' | 'value'

/** Host name without its port, lower case, from the first host of an authority. */
function firstHost(hosts: string): string {
  const first = (hosts.split(',')[0] ?? '').trim()
  const bracketed = /^\[[^\]]*\]/.exec(first)
  if (bracketed) return bracketed[0]
  return first.replace(/:[^:]*$/, '').toLowerCase()
}

/**
 * Which segments of a path (`/a/b`, split on `/`) are secret: after a webhook's fixed prefix every one;
 * elsewhere a segment after a hook segment, one holding `:` and `@` (userinfo that reads as path), and
 * a generated-looking one. Database paths (a name or number) are never secret.
 */
function secretSegments(scheme: string, host: string, path: string, strictness: Strictness): boolean[] {
  const segments = path.split('/')
  if (DATABASE_SCHEME.test(scheme)) return segments.map(() => false)
  const webhook = WEBHOOKS.find(hook => hook.host.test(host))
  const prefix = webhook?.prefix.exec(path)?.[0]
  // Index of the first segment that the webhook's prefix does not wholly cover (Telegram's `/bot<token>`: the one it starts).
  const fixed = prefix === undefined ? -1 : prefix.endsWith('/') ? prefix.split('/').length - 1 : prefix.split('/').length - 2
  let afterHook = false
  let colonSeen = false
  return segments.map((segment, index) => {
    const hookTail = afterHook
    if (HOOK_SEGMENT.test(segment)) afterHook = true
    colonSeen ||= segment.includes(':')
    if (segment === '') return false
    if (fixed >= 0 && index >= fixed) return true
    if (hookTail && !webhook && !(strictness === 'text' && UUID.test(segment))) return true
    if (colonSeen && segment.includes('@')) return true
    const base = segment.replace(/;.*$/, '')
    if (strictness === 'text') return base.length >= 16 && !UUID.test(base) && looksGenerated(base)
    return looksGenerated(base)
  })
}

/** `hook;token=abc` → `hook;token=****`: a path segment's parameters of secret keys. */
function maskSegmentParameters(segment: string): string {
  const [base = '', ...parameters] = segment.split(';')
  if (parameters.length === 0) return segment
  return [base, ...parameters.map(parameter => maskPair(parameter, false))].join(';')
}

function maskPathWith(scheme: string, hosts: string, path: string, strictness: Strictness): string {
  const secret = secretSegments(scheme, firstHost(hosts), path, strictness)
  return path.split('/').map((segment, index) => (secret[index] ? '****' : maskSegmentParameters(segment))).join('/')
}

/**
 * A URL's path with every secret segment masked (`https://hooks.slack.com/services/****` …). `hosts`
 * (the authority) picks a known webhook's prefix; database paths stay as they are.
 */
export function maskPath(scheme: string, path: string, hosts = ''): string {
  return maskPathWith(scheme, hosts, path, 'value')
}

/** An authority as it may be shown: a host list as written (a webhook's tenant label masked), anything else masked. */
function maskHosts(parts: UrlParts): string {
  if (!parts.authorityValid) return maskOpaqueAuthority(parts.hosts)
  return parts.hosts.split(',').map(host => maskHost(host)).join(',')
}

/** One host as it may be shown: `<tenant>.webhook.office.com` → `****.webhook.office.com`. */
export function maskHost(host: string): string {
  return TENANT_LABEL_HOST.test(host.trim().replace(/:[^:]*$/, '')) ? host.replace(/^(\s*)[^.]+/, '$1****') : host
}

/**
 * An authority that is no host list (`h:1:2`, `sqlserver://h:1433;user=sa;password=…`): its first piece
 * only when it is a host, `key=value` pieces with secret values masked, anything else `****`.
 */
function maskOpaqueAuthority(hosts: string): string {
  const [first = '', ...rest] = hosts.split(';')
  const head = HOST_LIST.test(first) && !first.includes('@') ? first : '****'
  return [head, ...rest.map(piece => (piece.includes('=') ? maskPair(piece, false) : '****'))].join(';')
}

/** A `key=value` pair with its value masked when the key names a secret (or, with `tokens`, the value looks generated or holds `@`). */
function maskPair(pair: string, tokens: boolean): string {
  const eq = pair.indexOf('=')
  if (eq < 0) return pair
  const key = decodeSafe(pair.slice(0, eq))
  const value = pair.slice(eq + 1)
  if (/^user(?:name)?$/i.test(key.trim())) return `${pair.slice(0, eq)}=${maskUser(value)}`
  const secret = SECRET_QUERY_KEY.test(key.trim()) || /@(?!\d)/.test(value) || (tokens && looksGenerated(value))
  return secret ? `${pair.slice(0, eq)}=****` : pair
}

/** The userinfo as shown: `u***:****@`, or nothing. */
function maskAuth(parts: UrlParts): string {
  if (parts.user === undefined) return ''
  return `${maskUser(parts.user)}${parts.password === undefined ? '' : ':****'}@`
}

function maskOne(parts: UrlParts): string {
  return `${parts.scheme}${maskAuth(parts)}${maskHosts(parts)}${maskPath(parts.scheme, parts.path, parts.hosts)}${parts.query === undefined ? '' : '?…'}`
}

/** What of a URL is secret, as the masking reads it; undefined for a value that is no URL. */
export interface SecretUrlParts {
  /** a webhook's tenant label in the host (`<tenant>.webhook.office.com`) */
  host: boolean
  /** query keys whose values are secret (a secret key, or a generated-looking value outside database URLs) */
  queryKeys: string[]
  /** path segments that are secret (a webhook's tokens, generated-looking segments; never versions or dates) */
  segments: string[]
  /** a password in the userinfo, or an authority no parser reads (masked whole) */
  userinfo: boolean
}

/**
 * The secret parts of a URL (or of each URL of a comma-separated list), by the rules every output's
 * masking uses: the one predicate for "does this URL carry a secret". `api/2024-01`, `v1.2` are not secret.
 */
export function secretUrlParts(value: string): SecretUrlParts | undefined {
  const list = splitUrlList(value.trim())
  if (!list) return undefined
  const found: SecretUrlParts = {host: false, queryKeys: [], segments: [], userinfo: false}
  for (const parts of list) {
    found.userinfo ||= parts.password !== undefined || !parts.authorityValid
    found.host ||= maskHosts(parts) !== parts.hosts
    const secret = secretSegments(parts.scheme, firstHost(parts.hosts), parts.path, 'value')
    found.segments.push(...parts.path.split('/').filter((segment, index) => secret[index] || maskSegmentParameters(segment) !== segment))
    for (const pair of (parts.query ?? '').split('&')) {
      if (pair.includes('=') && maskPair(pair, !DATABASE_SCHEME.test(parts.scheme)) !== pair) found.queryKeys.push(decodeSafe(pair.slice(0, pair.indexOf('='))))
    }
  }

  return found
}

/** True when a URL carries a secret anywhere: a password, a webhook's path token, a secret query value. */
export function urlCarriesToken(value: string): boolean {
  const found = secretUrlParts(value)
  return found !== undefined && (found.userinfo || found.host || found.segments.length > 0 || found.queryKeys.length > 0)
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
const URL_IN_TEXT = /\b(?:jdbc:)?[a-z][\w+.-]*:\/\/[^\s'"<>`]+/giu
/** Up to 64 more characters to an `@`, then a URL's characters: the rest of a password cut at a space or quote. */
const USERINFO_TAIL = /^[^@]{1,64}?@[^\s'"<>`]*/u
/** `password=…` pairs of DSNs and query strings in free text. */
const SECRET_PAIR_IN_TEXT = /(\b(?:password|passwd|pwd|sslpassword)\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;'"]+)/gi
const AUTH_HEADER = /\b(Bearer|Basic)\s+[\w\-.~+/=:]{8,}/gi

/** A URL found in free text, masked: userinfo, secret path segments and query values; the fragment is dropped. */
function maskTextUrl(parts: UrlParts): string {
  const query = parts.query === undefined ? '' : `?${parts.query.split('&').map(pair => maskPair(pair, !DATABASE_SCHEME.test(parts.scheme))).join('&')}`
  return `${parts.scheme}${maskAuth(parts)}${maskHosts(parts)}${maskPathWith(parts.scheme, parts.hosts, parts.path, 'text')}${query}`
}

/**
 * Masks the credentials of every URL, `password=` pair and Authorization value in free text. The
 * backstop for credentials no registry has seen; host, port and path stay readable. A URL cut inside
 * its authority (`postgres://user:pass word@h/db`, cut at the space or a quote) takes in the text up
 * to the next `@`, so the rest of its password is masked too.
 */
export function maskCredentialsInText(text: string): string {
  let out = ''
  let at = 0
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const start = match.index
    if (start < at) continue
    let token = match[0]
    let first = splitUrl(token)
    // Sentence punctuation after a URL (`(https://status.heroku.com).`) is no part of its authority.
    const trimmed = token.replace(/[).,;:!\]]+$/, '')
    if (first && !first.authorityValid && trimmed !== token && splitUrl(trimmed)?.authorityValid) {
      token = trimmed
      first = splitUrl(token)
    }

    // Maybe cut inside its authority (`postgres://user:pass word@h`, `postgres://user:"pw@h`): when an
    // `@` and a host follow soon, the text up to them is the rest of the userinfo (fail-safe: masked).
    if (first && first.path === '' && first.query === undefined) {
      const tail = USERINFO_TAIL.exec(text.slice(start + token.length))?.[0]
      const joined = tail && !tail.includes('://') ? splitUrl(token + tail) : undefined
      if (joined?.authorityValid && joined.user !== undefined && (joined.user.length + (joined.password?.length ?? 0)) >= token.length - first.scheme.length) token += tail
    }

    const list = splitUrlList(token) ?? []
    out += text.slice(at, start) + (list.length > 0 ? list.map(parts => maskTextUrl(parts)).join(',') : '****')
    at = start + token.length
  }

  return (out + text.slice(at))
    .replace(SECRET_PAIR_IN_TEXT, (_pair, key: string) => `${key}****`)
    .replace(AUTH_HEADER, (_match, kind: string) => `${kind} ****`)
}
