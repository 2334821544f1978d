import {isTrivialValue, looksRandom, wordy} from './classify.js'
import {vendorSecretIn} from './kinds.js'
import {decodeSafe, secretUrlParts, splitUrl, type UrlParts} from './mask.js'

/**
 * Secret material inside a value, whatever the config var's name and wherever it sits in the value:
 * the whole value, a line of a multi-line one (YAML, INI, .env), a piece of a list, a JSON leaf.
 * Pure. Two strengths:
 * - `credentialIn`: a credential in any form. Nothing makes such a value public: a private key or a
 *   password under `NEXT_PUBLIC_…` or beside a certificate is still one.
 *   - PEM private keys (`-----BEGIN … PRIVATE KEY-----`, OpenSSH, PGP, PuTTY): raw, with escaped
 *     `\n`, percent-encoded or base64-encoded, alone or in a bundle with certificates;
 *   - vendor secrets (Stripe, SendGrid, Slack, GitHub, …: kinds.ts) anywhere in the value;
 *   - URLs with a password (`scheme://user:pw@host`), alone or in lists separated by `,`, `;` or spaces,
 *     or inside text (`primary: postgres://…`);
 *   - `key=value` and `key: value` pairs under a password-like key: ADO/Npgsql/JDBC/ODBC strings
 *     (`Host=…;Password=…`), libpq key/value, YAML, INI, .env, query strings, JSON (`"private_key": …`);
 *   - Authorization material: `Basic <base64 user:password>`, `Bearer <token>`.
 * - `tokenIn`: a secret by its shape, decided after public material and settings (the caller's order):
 *   - http(s) URLs whose path or query carries a token, as the masker sees it (webhooks), version
 *     segments (`api/2024-01`, `v1.2`) excepted; a URL whose userinfo is a key (`https://KEY@host`);
 *   - `user:password` pairs whose second part is a password, not a port (`admin:s3cr3tP4ss`);
 *   - a random-looking token among the words of a longer value (a line of an .env file).
 */

/** PEM private keys of every kind, and PuTTY's key files. */
const PRIVATE_KEY = /-----BEGIN [A-Z\d ]*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d/
/** base64 (and base64url) runs long enough to hold a PEM header once decoded. */
const BASE64_RUN = /[\w+/-]{36,}={0,2}/g

/** A private key in the value: as PEM text, with escaped or percent-encoded line breaks, or base64-encoded (once). */
export function privateKeyIn(value: string): boolean {
  if (PRIVATE_KEY.test(value)) return true
  if (value.includes('%') && PRIVATE_KEY.test(decodeSafe(value))) return true
  // Line breaks (real or escaped) inside a wrapped base64 text are dropped before decoding.
  const compact = value.replaceAll(/\\[nr]|\s+/g, '')
  for (const run of compact.matchAll(BASE64_RUN)) {
    const text = Buffer.from(run[0], /[_-]/.test(run[0]) ? 'base64url' : 'base64').toString('latin1')
    if (PRIVATE_KEY.test(text)) return true
  }

  return false
}

/** URL-looking tokens in text: from `scheme://` up to whitespace, a quote or a bracket. */
const URL_IN_TEXT = /(?:jdbc:)?[a-z][\w+.-]*:\/\/[^\s'"<>`\\]+/gi
/** Where a list of URLs splits: `,` or `;` before the next `scheme://` (also `key=` before it: `a=url;b=url`). */
const URL_LIST_SPLIT = /[,;](?:[\w.-]+=)?(?=(?:jdbc:)?[a-z][\w+.-]*:\/\/)/i

/**
 * Every URL (and JDBC URL) written in a value, as text: a list's pieces each on their own, after the
 * whole token. YAML, INI, .env, option strings (`-Durl=jdbc:…`), quoted and space-separated lists.
 */
export function urlTextsIn(value: string): string[] {
  const found: string[] = []
  for (const match of value.matchAll(URL_IN_TEXT)) {
    const token = match[0].replace(/[),;.]+$/, '')
    const pieces = token.split(URL_LIST_SPLIT)
    found.push(...(pieces.length > 1 ? [token, ...pieces] : [token]))
    // JDBC properties after `;` (`jdbc:postgresql://h/db;user=u;password=p`): the URL before them.
    if (pieces.length === 1 && /^jdbc:/i.test(token) && token.includes(';')) found.push(token.slice(0, token.indexOf(';')))
  }

  return found
}

/** Every URL written in a value, split as the masker splits them; a list's pieces each on their own. */
export function urlsIn(value: string): UrlParts[] {
  return urlTextsIn(value).map(piece => splitUrl(piece)).filter((parts): parts is UrlParts => parts !== undefined)
}

/** `scheme://user:password@` anywhere, even where no splitter reads a URL (a password with a raw `/`). */
const USERINFO_PASSWORD = /:\/\/[^\s/@'"]*:[^\s@'"]+@/

function passwordUrlIn(value: string): boolean {
  return USERINFO_PASSWORD.test(value) || urlsIn(value).some(parts => parts.password !== undefined && decodeSafe(parts.password) !== '')
}

/** `camelCase`, `kebab-case`, `dotted.key` → `snake_case`, lower case. */
function snakeKey(key: string): string {
  return key.replaceAll(/([a-z\d])([A-Z])/g, '$1_$2').toLowerCase().replaceAll(/[.\s-]+/g, '_')
}

/** Keys whose value is a credential, in any connection string, config file or JSON. */
const SECRET_KEY_WORD = /(?:^|_)(?:password|passwd|pwd|pass|passphrase|secret|secrets|token|api_?key|apikey|access_?key|accesskey|account_?key|accountkey|shared_?access_?key|sharedaccesskey|private_?key|privatekey|client_?secret|credentials?|auth|authorization|sig|signature|salt|pepper)(?:_|$)|password|secret/
/** Keys that name something about a credential, not the credential (`token_url`, `password_min_length`, `aws_access_key_id`). */
const ABOUT_KEY = /_(?:url|uri|endpoint|host|hostname|path|file|name|type|id|ttl|expires?|expiry|expiration|timeout|length|len|size|count|enabled|required|header|prefix|version|algorithm|alg|format|mode|method|policy|rotation|days|seconds)$/

/** True when a key (of a connection string, a config file or JSON) says its value is a credential. */
export function secretKeyName(key: string): boolean {
  const snake = snakeKey(key)
  return SECRET_KEY_WORD.test(snake) && !ABOUT_KEY.test(snake)
}

/** A value a key could hold as a credential: not empty, a flag, a short number or a placeholder (`${PW}`, `<password>`, `****`). */
function credentialValue(raw: string): boolean {
  const value = raw.replace(/^(["'])(.*)\1$/s, '$2').trim()
  if (value.length < 4 || /^(?:true|false|yes|no|on|off|none|null|nil|undefined|required|optional|disabled?|enabled?)$/i.test(value)) return false
  if (/^\d+$/.test(value)) return value.length >= 6
  return !/^(?:\$\{[^}]*\}?|\$\w+|<[^>]*>?|%\([^)]*\)s|\*+|x+|\.+|changeme)$/i.test(value)
}

/** `key=value`, `key: value`, `"key": "value"`: pairs of connection strings, config text, query strings and JSON. */
const PAIR = /(?:^|[\s;,&?{("']|(?:^|\s)(?:-D|--?))["']?([A-Za-z][\w.-]*)["']?[ \t]*[=:][ \t]*("[^"\n]*"|'[^'\n]*'|[^\s;,&"'}]+)/g
/** Command-line options: `--password value`, `--db-pass value` (a password-like long option and its next word). */
const OPTION_VALUE = /(?:^|\s)--([A-Za-z][\w.-]*)\s+("[^"\n]*"|'[^'\n]*'|[^\s-]\S*)/g
/** Short options that carry a password: mysql's `-u user -pSECRET`, redis-cli's `-a SECRET`, when a user option or TLS/host option sits beside. */
const SHORT_PASSWORD = /(?:^|\s)-p(\S{4,})|(?:^|\s)-a\s+(\S{4,})/g

/** The password of a command line's options (`--password pw`, `-u app -pSECRET`, `-a pw --tls`), or undefined. */
function optionPasswordIn(value: string): string | undefined {
  for (const match of value.matchAll(OPTION_VALUE)) {
    if (secretKeyName(match[1] ?? '') && credentialValue(match[2] ?? '')) return match[1]
  }

  if (!/(?:^|\s)(?:-u\s*\S|--user\b|-h\s*\S|--host\b|--tls\b|-p\s*\d)/.test(value)) return undefined
  for (const match of value.matchAll(SHORT_PASSWORD)) {
    const password = match[1] ?? match[2] ?? ''
    if (credentialValue(password) && !/^\d{1,5}$/.test(password)) return match[1] === undefined ? '-a' : '-p'
  }

  return undefined
}

/** The first password-like key holding a value, or undefined. */
function secretPairIn(value: string): string | undefined {
  const option = optionPasswordIn(value)
  if (option) return option
  for (const match of value.matchAll(PAIR)) {
    const key = match[1] ?? ''
    const raw = match[2] ?? ''
    if (secretKeyName(key) && credentialValue(raw)) return key
    // A quoted value may itself be a connection string: `primary: "Host=…;Password=…"`.
    const inner = /^["'].*["']$/s.test(raw) ? secretPairIn(raw.slice(1, -1)) : undefined
    if (inner) return inner
  }

  return undefined
}

/** Credential file lines: .netrc (`machine … login … password …`), pgpass (`host:port:db:user:pass`, `host:port:user:pass`), XML (`<password>…</password>`), .npmrc (`//registry/:_authToken=…`). */
const FILE_CREDENTIALS: Array<{pattern: RegExp; what: string}> = [
  {pattern: /\b(?:machine|default)\s+(?:\S+\s+)?(?:login\s+\S+\s+)?(?:account\s+\S+\s+)?password\s+(\S+)/, what: '.netrc password'},
  {pattern: /^(?:[\w-]+(?:\.[\w-]+)+|localhost|\*):(?:\d{1,5}|\*):(?:[^\s:]+:)?[^\s:]+:([^\s:]+)$/m, what: 'pgpass password'},
  {pattern: /:_(?:authToken|auth|password)\s*=\s*(\S+)/, what: '.npmrc token'},
]
const XML_ELEMENT = /<(?:[\w-]+:)?([A-Za-z][\w.-]*)(?:\s[^>]*)?>([^<]+)<\//g

/** The kind of credential file line in the value, or undefined. */
function fileCredentialIn(value: string): string | undefined {
  for (const {pattern, what} of FILE_CREDENTIALS) {
    const found = pattern.exec(value)?.[1]
    if (found !== undefined && credentialValue(found)) return what
  }

  for (const match of value.matchAll(XML_ELEMENT)) {
    if (secretKeyName(match[1] ?? '') && credentialValue(match[2] ?? '')) return `credential under <${match[1]}>`
  }

  return undefined
}

/** `Basic <base64 of user:password>`, `Bearer <token>`: Authorization material. */
function authorizationIn(value: string): boolean {
  for (const match of value.matchAll(/\bBasic\s+([\d+/A-Za-z]{6,}={0,2})(?![\w+/=])/gi)) {
    const decoded = Buffer.from(match[1] ?? '', 'base64').toString('latin1')
    if (/^[\u0020-\u007E]+:[\u0020-\u007E]*$/.test(decoded)) return true
  }

  return [...value.matchAll(/\bBearer\s+([\w\-.~+/]{8,}=*)/gi)].some(match => {
    const token = match[1] ?? ''
    return token.length >= 16 || /\d/.test(token)
  })
}

/** Every key and string leaf of a JSON value (objects and arrays), or undefined when it is not JSON. */
export function jsonEntries(value: string): Array<{key: string; leaf: string}> | undefined {
  const text = value.trim()
  if (!/^[[{]/.test(text)) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }

  const entries: Array<{key: string; leaf: string}> = []
  const walk = (node: unknown, key: string, depth: number): void => {
    if (depth > 12) return
    if (typeof node === 'string') entries.push({key, leaf: node})
    else if (typeof node === 'number' && key !== '') entries.push({key, leaf: String(node)})
    else if (Array.isArray(node)) for (const item of node) walk(item, key, depth + 1)
    else if (node && typeof node === 'object') {
      for (const [inner, child] of Object.entries(node)) {
        entries.push({key: '', leaf: inner})
        walk(child, inner, depth + 1)
      }
    }
  }

  walk(parsed, '', 0)
  return entries
}

/**
 * What credential `value` holds, whatever its name, or undefined: the first of the classes above
 * (private key, vendor secret, URL password, password-like key, Authorization material), in the
 * value as written and in each key and leaf of a JSON value.
 */
export function credentialIn(value: string): undefined | {live?: boolean; what: string} {
  const text = value.trim()
  if (text === '') return undefined
  if (privateKeyIn(text)) return {what: 'private key'}
  const vendor = vendorSecretIn(text)
  if (vendor) return {...vendor, what: vendor.what}
  if (passwordUrlIn(text)) return {what: 'credential in a URL'}
  const key = secretPairIn(text)
  if (key) return {what: `credential under ${key}`}
  if (authorizationIn(text)) return {what: 'Authorization credential'}
  const file = fileCredentialIn(text)
  if (file) return {what: file}
  for (const entry of jsonEntries(text) ?? []) {
    if (entry.key !== '' && secretKeyName(entry.key) && credentialValue(entry.leaf)) return {what: `JSON holding ${entry.key}`}
    const inner = entry.leaf === text ? undefined : credentialIn(entry.leaf)
    if (inner) return inner
  }

  return undefined
}

/** An http(s) URL's token: a path segment or query value the masker masks (mask.ts secretUrlParts, the one predicate), or a key as its userinfo. */
function tokenUrl(parts: UrlParts): boolean {
  const key = decodeSafe(parts.user ?? '')
  if (/^https?:\/\/$/i.test(parts.scheme) && key.length >= 12 && !parts.password) return true
  const found = secretUrlParts(`${parts.scheme}${parts.hosts}${parts.path}${parts.query === undefined ? '' : `?${parts.query}`}`)
  return found !== undefined && (found.segments.length > 0 || found.queryKeys.length > 0)
}

/** `user:password`, the second part no port: an Authorization pair. `redis:6379`, `app:debug`, `us:east-1` are not. */
const USER_PASSWORD = /^([^\s:/@]{1,64}):([^\s:/]{6,})$/

function userPasswordPair(value: string): boolean {
  const match = USER_PASSWORD.exec(value)
  if (!match) return false
  const password = match[2] ?? ''
  // A JVM flag (`-XX:+HeapDumpOnOutOfMemoryError`) or words (`app:debug`) are no pair.
  if ((match[1] ?? '').startsWith('-') || wordy(password)) return false
  if (/^\d{1,5}$/.test(password) || /^[a-z]+(?:[_-][\da-z]+)*$/.test(password)) return false
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^\dA-Za-z]/].filter(pattern => pattern.test(password)).length
  return classes >= 2
}

/**
 * What token `value` carries by its shape, or undefined: a token URL, a `user:password` pair, a
 * random-looking word inside a longer value. Asked after public material and settings are set aside.
 */
export function tokenIn(value: string): string | undefined {
  const text = value.trim()
  if (urlsIn(text).some(parts => tokenUrl(parts))) return 'token in a URL'
  if (userPasswordPair(text)) return 'user:password pair'
  const words = text.replaceAll(URL_IN_TEXT, ' ').split(/[\s,;=:"'{}()[\]|]+/).filter(Boolean)
  if (words.length > 1 && words.some(word => !isTrivialValue(word) && looksRandom(word))) return 'random-looking token inside the value'
  return undefined
}
