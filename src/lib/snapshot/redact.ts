import {createHash} from 'node:crypto'

/**
 * Redaction in one place. Every string the plugin prints, human or JSON, error or debug,
 * passes through `redact()`. Credentials in URLs are masked wherever they appear, and every
 * value registered as secret (config var values, the API token) is replaced by its fingerprint.
 */

const registered = new Set<string>()

/** Values shorter than this are too common to replace blindly in free text (e.g. "true", "8080"). */
const MIN_SECRET_LENGTH = 6

/** Remember a value that must never be printed. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) registered.add(value)
}

/** Registers every config value: the plugin prints config var names, never their values. */
export function registerSecrets(values: Iterable<string | undefined | null>): void {
  for (const value of values) registerSecret(value)
}

/** Config var names that say their value is secret: `..._KEY`, `SECRET_...`, `..._TOKEN`, `..._DSN`, … */
const SECRET_NAME = /(?:^|_)(?:API_?KEY|KEYS?|SECRETS?|TOKENS?|PASSWORD|PASSWD|PASS|PASSPHRASE|PWD|CREDENTIALS?|DSN|PRIVATE|SALT|PEPPER|SIGNING|CERT|CERTIFICATE|PEM|JWT|HMAC|OTP)(?:_|$)|SECRET|TOKEN|PASSWORD|APIKEY|ACCESSKEY|PRIVATEKEY/i

/** True when a config var's name says its value is secret. */
export function looksSecretName(name: string): boolean {
  return SECRET_NAME.test(name)
}

/** Values that are never secret whatever their name: flags, numbers, too short to matter. */
export function isTrivialValue(value: string): boolean {
  return value.length < MIN_SECRET_LENGTH || /^(?:true|false|yes|no|on|off|enabled?|disabled?|none|null|-?\d+(?:\.\d+)?)$/i.test(value)
}

function shannonBits(value: string): number {
  const counts = new Map<string, number>()
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1)
  let bits = 0
  for (const count of counts.values()) {
    const p = count / value.length
    bits -= p * Math.log2(p)
  }

  return bits
}

/**
 * True when a value looks like a generated secret: at least 20 token characters, no spaces, mixed
 * character classes that alternate often (hex, base64, UUIDs, API keys), and high entropy.
 * `acme-production-assets-2024` is not random; `3f2a9c1e…` and `sk_live_51Hc…` are.
 */
export function looksRandom(value: string): boolean {
  if (value.length < 20 || !/^[\w+/=.:~-]+$/.test(value)) return false
  const classOf = (char: string): number => (/[a-z]/.test(char) ? 1 : /[A-Z]/.test(char) ? 2 : /\d/.test(char) ? 3 : 0)
  const classes = new Set([...value].map(classOf).filter(Boolean))
  if (classes.size < 2) return false
  let switches = 0
  let previous = 0
  for (const char of value) {
    const current = classOf(char)
    if (current && previous && current !== previous) switches++
    if (current) previous = current
  }

  return switches / value.length >= 0.15 && shannonBits(value) >= 3
}

/** True when a config var looks secret by its name or by its value (and is not a trivial value). */
export function looksSecret(name: string, value: string): boolean {
  if (isTrivialValue(value)) return false
  return looksSecretName(name) || looksRandom(value)
}

/**
 * Registers the values of a config var map that could be secret: URLs (they may carry a password,
 * which is registered on its own too), values secret by name, and random-looking values. Plain words
 * such as `RACK_ENV=staging` are not registered, or every app name containing them would be mangled.
 */
export function registerConfigSecrets(vars: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value !== 'string') continue
    const url = /^[a-z][\w+.-]*:\/\/(?:[^:@/]*:([^@/]*)@)?/i.exec(value)
    if (url) {
      registerSecret(value)
      if (url[1]) registerSecret(decodeURIComponentSafe(url[1]))
      if (url[1]) registerSecret(url[1])
    } else if (looksSecret(name, value) || value.length >= 40) {
      registerSecret(value)
    }
  }
}

/** For tests: forget what was registered. */
export function clearSecrets(): void {
  registered.clear()
}

/** A short, stable, one-way name for a value: `sha256:3f2a9c1e…`. */
export function fingerprint(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 8)}…`
}

function maskUser(user: string): string {
  return user ? `${decodeURIComponentSafe(user).slice(0, 1)}***` : ''
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** `postgres://user:pw@host:5432/db?x=y` → `postgres://u***:****@host:5432/db`. Non-URLs come back fingerprinted. */
export function maskUrl(value: string): string {
  const match = /^([a-z][\w+.-]*:\/\/)(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(value)
  if (!match) return fingerprint(value)
  const [, scheme, user, password, hostPort, path, query] = match
  let auth = ''
  if (user !== undefined || password !== undefined) {
    auth = `${maskUser(user ?? '')}${password === undefined ? '' : ':****'}@`
  }

  return `${scheme}${auth}${hostPort}${maskPath(scheme ?? '', path ?? '')}${query ? '?…' : ''}`
}

// Schemes whose path is a database name or number, which the reports need (`…@host:5432/d9153c9b`).
const DATABASE_SCHEMES = /^(?:postgres(?:ql)?|mysql2?|redis|rediss|amqps?|mongodb(?:\+srv)?|memcached?|elasticsearch|es|bonsai):\/\/$/i

/**
 * A webhook's secret is its path (`https://hooks.slack.com/services/T0…/B0…/q8R9…`): outside database
 * URLs, every path segment that looks generated (random, or letters and digits of 8 or more) is masked.
 */
function maskPath(scheme: string, path: string): string {
  if (DATABASE_SCHEMES.test(scheme)) return path
  return path.split('/').map(segment => {
    const generated = looksRandom(segment) || (segment.length >= 8 && /\d/.test(segment) && /[a-z]/i.test(segment))
    return generated ? '****' : segment
  }).join('/')
}

const URL_WITH_CREDENTIALS = /\b([a-z][\w+.-]*:\/\/)([^\s:@/'"]*):([^\s@/'"]*)@/gi
const BEARER = /\b(Bearer|Basic)\s+[\w\-.~+/=:]{8,}/gi

/** Masks credentials in URLs, bearer/basic tokens and every registered secret value in free text. */
export function redact(text: string): string {
  let out = text
  // Longest first, so a value that contains another is replaced whole.
  const secrets = [...registered].sort((a, b) => b.length - a.length)
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(secretLabel(secret))
  }

  out = out.replace(URL_WITH_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${maskUser(user)}:****@`)
  return out.replace(BEARER, (_m, kind: string) => `${kind} ****`)
}

// A config var as http-call's debug prints a response (`  KEY: 'value',`) or sends a body (`"KEY":"value"`).
const INSPECTED_VAR = /^(\s*'?[A-Z][\dA-Z_]*'?: )'((?:[^'\\]|\\.)*)'/gm
const JSON_VAR = /("[A-Z][\dA-Z_]*"\s*:\s*)"((?:[^"\\]|\\.)*)"/g
// A `--set KEY=VALUE` argument as oclif's debug echoes argv.
const ARGV_VAR = /'([A-Z][\dA-Z_]*=)((?:[^'\\]|\\.)*)'/g

/**
 * `redact()` for debug logs, which also print config var values the plugin has not read yet (the
 * response body is logged before it is returned): every upper-case-named string value is masked,
 * a URL to its host and path, anything else to a fingerprint, and so is a `KEY=VALUE` argument
 * echoed in argv. Debugging needs names, never values.
 */
export function redactDebug(text: string): string {
  const label = (value: string): string => (/^[a-z][\w+.-]*:\/\//i.test(value) ? maskUrl(value) : fingerprint(value))
  return redact(text)
    .replace(INSPECTED_VAR, (_m, key: string, value: string) => `${key}'${label(value)}'`)
    .replace(JSON_VAR, (_m, key: string, value: string) => `${key}"${label(value)}"`)
    .replace(ARGV_VAR, (_m, key: string, value: string) => `'${key}${label(value)}'`)
}

function secretLabel(secret: string): string {
  return /^[a-z][\w+.-]*:\/\//i.test(secret) ? maskUrl(secret) : fingerprint(secret)
}

/** Deep-redacts a JSON-ready value: every string inside passes through `redact()`. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map(item => redactDeep(item)) as T
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactDeep(inner)])) as T
  }

  return value
}
