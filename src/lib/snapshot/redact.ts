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

  return `${scheme}${auth}${hostPort}${path}${query ? '?…' : ''}`
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
