/**
 * Which config values could be secret, by name or by shape. Used to decide what the audit reports as
 * a shared secret; redaction does not depend on it (every loaded value is registered).
 */

/** Values shorter than this are too common to replace blindly in free text (`true`, `8080`, `web`). */
export const MIN_REPLACE_LENGTH = 8

/** Config var names that say their value is secret: `..._KEY`, `SECRET_...`, `..._TOKEN`, `..._DSN`, … */
const SECRET_NAME = /(?:^|_)(?:API_?KEY|KEYS?|SECRETS?|TOKENS?|PASSWORD|PASSWD|PASS|PASSPHRASE|PWD|PW|CREDENTIALS?|CREDS|AUTH|ENCRYPTION|DSN|PRIVATE|SALT|PEPPER|SIGNING|CERT|CERTIFICATE|PEM|JWT|HMAC|OTP|PIN)(?:_|$)|SECRET|TOKEN|PASSWORD|HTPASSWD|APIKEY|ACCESSKEY|PRIVATEKEY/i

/** True when a config var's name says its value is secret. */
export function looksSecretName(name: string): boolean {
  return SECRET_NAME.test(name)
}

/** Values that are never secret whatever their name: flags, numbers, too short to matter. */
export function isTrivialValue(value: string): boolean {
  return value.length < 6 || /^(?:true|false|yes|no|on|off|enabled?|disabled?|none|null|-?\d+(?:\.\d+)?)$/i.test(value)
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

/** A JVM flag's size (`Xmx300m`, `Xss4m`), a short version (`v220`, `css2`): neither a word nor a token. */
const NEUTRAL_CHUNK = /^(?:X[a-z]{1,3}\d+[gkmt]?|[a-z]{0,4}\d+[a-z]{0,2})$/i

/** The humps of a letters-only run: `HeapDumpOnOutOfMemoryError` → Heap Dump On Out Of Memory Error; `CMSClass` → CMS Class. */
function humps(run: string): string[] {
  return run.split(/(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/)
}

/** A hump that reads as a word: 3+ letters, a vowel, no run of 5 consonants, lower case or Capitalised (or all caps when alone). */
function wordHump(hump: string, alone: boolean): boolean {
  if (hump.length < 2 || hump.length > 30 || !/[aeiouy]/i.test(hump) || /[^aeiouy\W\d_]{5}/i.test(hump)) return false
  return /^[A-Z]?[a-z]+$/.test(hump) || (alone && /^[A-Z]+$/.test(hump))
}

/**
 * True when a value is made of words, not generated: letters forming words (with vowels, long
 * humps), snake/kebab/dotted/CamelCase, with numbers, versions, JVM sizes and short commit ids
 * between them. `America/Argentina/Buenos_Aires`, `-XX:+HeapDumpOnOutOfMemoryError`,
 * `com.acme.ApplicationServerMain`, `jquery-3.7.1.min.js`, `release-2024-11-05-3f2a9c1e`.
 * A UUID, long hex and base64 tokens (short humps) are not.
 */
export function wordy(value: string): boolean {
  let words = 0
  let letters = 0
  const lengths: number[] = []
  for (const chunk of value.split(/[^\dA-Za-z]+/).filter(Boolean)) {
    if (/^[\da-f]{13,}$/i.test(chunk) && /\d/.test(chunk)) return false
    if (/^\d+$/.test(chunk) || NEUTRAL_CHUNK.test(chunk) || (/^[\da-f]{7,12}$/i.test(chunk) && /\d/.test(chunk))) continue
    const runs = chunk.split(/\d+/).filter(Boolean)
    for (const run of runs) {
      const list = humps(run)
      for (const hump of list) {
        // A short all-caps hump beside others is an acronym (`CMS`, `XX`): neither word nor noise.
        if (list.length > 1 && /^[A-Z]{1,4}$/.test(hump) && hump.length > 1) continue
        letters += hump.length
        lengths.push(hump.length)
        if (wordHump(hump, list.length === 1)) words += hump.length
      }
    }
  }

  if (words === 0 || letters === 0) return false
  const mean = lengths.reduce((sum, length) => sum + length, 0) / lengths.length
  // Short words (`Eu`, `Id`) are words too when nearly every hump is one (`EuWestAcmeInfo`).
  const share = words / letters
  return share >= 0.6 && (mean >= 3.5 || (share >= 0.9 && mean >= 2.5))
}

/** Symbols that passwords carry and identifiers, lists and paths don't (`,` `-` `_` `.` `:` `/` are separators). */
const PASSWORD_SYMBOL = /[!#$%&()*<>?@[\\\]^`{|}'"]/

/** Characters classes of a value: lower, upper, digit, symbol. */
function classCount(value: string): number {
  return [/[a-z]/, /[A-Z]/, /\d/, /[^\dA-Za-z]/].filter(pattern => pattern.test(value)).length
}

/**
 * True when a value looks like a generated secret, not words (`wordy`):
 * - at least 20 token characters, no spaces, mixed character classes that alternate often (hex,
 *   base64, UUIDs, API keys), and high entropy: `3f2a9c1e…`, `sk_live_51Hc…`;
 * - or a password with symbols: 12+ characters, no spaces, 3+ character classes, a symbol among
 *   them (`Xk9#mQ2$vL7!pR4@zT`).
 * `acme-production-assets-2024`, `America/Argentina/Buenos_Aires`, `-XX:+UseContainerSupport` are not.
 */
export function looksRandom(value: string): boolean {
  if (value.length < 12 || /\s/.test(value) || wordy(value)) return false
  if (PASSWORD_SYMBOL.test(value)) return classCount(value) >= 3 && shannonBits(value) >= 3
  if (value.length < 20) return false
  if (/^[\da-f]{32,}$/i.test(value) && /\d/.test(value) && /[a-f]/i.test(value)) return true
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
