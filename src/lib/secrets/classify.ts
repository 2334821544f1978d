/**
 * Which config values could be secret, by name or by shape. Used to decide what the audit reports as
 * a shared secret; redaction does not depend on it (every loaded value is registered).
 */

/** Values shorter than this are too common to replace blindly in free text (`true`, `8080`, `web`). */
export const MIN_REPLACE_LENGTH = 8

/** Config var names that say their value is secret: `..._KEY`, `SECRET_...`, `..._TOKEN`, `..._DSN`, … */
const SECRET_NAME = /(?:^|_)(?:API_?KEY|KEYS?|SECRETS?|TOKENS?|PASSWORD|PASSWD|PASS|PASSPHRASE|PWD|CREDENTIALS?|DSN|PRIVATE|SALT|PEPPER|SIGNING|CERT|CERTIFICATE|PEM|JWT|HMAC|OTP|PIN)(?:_|$)|SECRET|TOKEN|PASSWORD|APIKEY|ACCESSKEY|PRIVATEKEY/i

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
