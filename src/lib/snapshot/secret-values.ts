import {credentialIn, isTrivialValue, jsonEntries, looksRandom, looksSecretName, publicMaterial, tokenIn} from '../secrets/index.js'
import {jsonValue} from './json.js'

/**
 * The one decision "may this config value be secret?", for the fork (withhold it) and the audit
 * (compare it as a secret) alike, so the two never disagree. Pure. In this order:
 * 1. a credential inside, in any form (`secrets/inside.ts` credentialIn: private keys, vendor
 *    secrets, URL passwords, password-like keys of connection strings, config text and JSON,
 *    Authorization material): secret, whatever the name, even under a public-looking one;
 * 2. public material (`secrets/public.ts`): not secret;
 * 3. the platform's dyno and release metadata (`HEROKU_APP_ID`, `HEROKU_RELEASE_*`, `HEROKU_SLUG_*`,
 *    `SOURCE_VERSION`, …), and a version under a version name (a word `COMMIT`, `SHA`, `REVISION`,
 *    `REV` or `VERSION`, or a last word `RELEASE`: `GIT_SHA`, `SENTRY_RELEASE`, not `RELEASE_WEBHOOK`)
 *    whose value is a commit id (7–64 hex) or a version number: not secret (after a pipeline
 *    promotion staging and production run the same commit);
 * 4. settings: flags, enum words, values under 4 characters and numbers, except (under a secret name
 *    that counts, times or describes nothing) a value of 4+ characters or a number of 4+ digits
 *    (`ADMIN_PIN=8392`, `API_SECRET=1234567.89012`, not `TOKEN_TTL=86400`): not secret; an ARN: plain;
 * 5. a token by shape (`secrets/inside.ts` tokenIn: token URLs, `user:password`, a random word inside);
 * 6. a random-looking value (`secrets/classify.ts` looksRandom: generated, or a symbol password, never
 *    words), a secret-looking name unless the value is plainly not the secret (a URL with no credential,
 *    a path, a region, a host; a non-random value under `…_URL`, `…_FILE`, `…_ISSUER`, `…_REGION`, …),
 *    or a JSON leaf that is secret under its key.
 */

const PLATFORM_METADATA = /^(?:HEROKU_(?:APP_ID|APP_NAME|APP_DEFAULT_DOMAIN_NAME|DYNO_ID|BRANCH|PR_NUMBER|RELEASE_[\dA-Z_]+|SLUG_[\dA-Z_]+|BUILD_[\dA-Z_]+|PIPELINE_[\dA-Z_]+|TEST_RUN_[\dA-Z_]+)|SOURCE_VERSION|DYNO|PORT|STACK)$/
const VERSION_WORDS = new Set(['COMMIT', 'REV', 'REVISION', 'SHA', 'VERSION'])
/** A commit id (short or full, SHA-1 or SHA-256), a version number or tag, a date, a release number. */
const VERSION_VALUE = /^(?:[\da-f]{7,64}|v?\d+(?:\.\d+)*(?:[+-][\w.-]+)?|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?)$/i
/** Words of a name that count or time something: a number under them is a setting (`TOKEN_TTL`, `JWT_EXPIRATION_SECONDS`). */
const QUANTITY_WORDS = new Set(['AGE', 'BYTES', 'COUNT', 'DAYS', 'EXPIRATION', 'EXPIRE', 'EXPIRES', 'EXPIRY', 'HOURS', 'INTERVAL', 'LEN', 'LENGTH', 'LIFETIME', 'LIMIT', 'MAX', 'MIN', 'MINUTES', 'MS', 'PORT', 'RATE', 'ROTATION', 'SECONDS', 'SECS', 'SIZE', 'TIMEOUT', 'TTL', 'VERSION'])

function words(name: string): string[] {
  return name.toUpperCase().split(/_+/).filter(Boolean)
}

/** Names that say the value is secret, including `…KEY` spellings (`WRITEKEY`, `LICENSE_KEY`). */
export function secretName(name: string): boolean {
  return looksSecretName(name) || /KEY$|LICENSE/i.test(name)
}

/** A name saying its value is a commit or a version, by its words (not substrings): `HEROKU_SLUG_COMMIT`, `GIT_SHA`, `SENTRY_RELEASE`. */
export function versionName(name: string): boolean {
  const list = words(name)
  return list.some(word => VERSION_WORDS.has(word)) || list.at(-1) === 'RELEASE'
}

/** True when a value under this name is never a secret: platform metadata, or a version under a version name. */
export function neverSecret(name: string, value: string): boolean {
  const upper = name.toUpperCase()
  if (PLATFORM_METADATA.test(upper)) return true
  if (secretName(upper)) return false
  return versionName(upper) && VERSION_VALUE.test(value.trim())
}

/** Last words of a name that say the value is about a secret, not the secret (`TOKEN_ENDPOINT`, `SECRET_KEY_FILE`, `JWT_ISSUER`). */
const ABOUT_WORDS = new Set(['ALG', 'ALGORITHM', 'ALIAS', 'ARN', 'AUDIENCE', 'BACKEND', 'CN', 'DIR', 'DOMAIN', 'DRIVER', 'ENDPOINT', 'ENGINE', 'FILE', 'FORMAT', 'HASHER', 'HEADER', 'HOST', 'HOSTNAME', 'ISSUER', 'METHOD', 'MODE', 'NAME', 'PATH', 'PREFIX', 'PROVIDER', 'REGION', 'STORE', 'STRATEGY', 'SUBJECT', 'SUFFIX', 'TYPE', 'URI', 'URL', 'USER', 'USERNAME'])

/** Words that are settings, not secrets, whatever the name: booleans and enum words. */
const ENUM_VALUE = /^(?:true|false|yes|no|on|off|enabled?|disabled?|none|null|nil|required|optional|auto|strict|lax)$/i

/** A name whose words count or time something (`TOKEN_TTL`); `MAX`/`MIN` alone don't cover a 9+ digit number (`SECRET_MAX=987654321987`). */
function quantityName(name: string, value: string): boolean {
  const found = words(name).filter(word => QUANTITY_WORDS.has(word))
  if (found.length === 0) return false
  return !(found.every(word => word === 'MAX' || word === 'MIN') && value.replaceAll(/\D/g, '').length >= 9)
}

/**
 * A flag, a tiny value or a number that is a setting under this name. Under a secret name a value
 * of 4+ characters, or a number of 4+ digits (signed, decimal), is secret (`DB_PASSWORD=hunt3`,
 * `ADMIN_PIN=8392`), unless the name counts or times something or the value is a boolean/enum word.
 */
export function settingValue(name: string, value: string): boolean {
  if (!isTrivialValue(value)) return false
  if (!secretName(name) || ENUM_VALUE.test(value) || value.length < 4 || ABOUT_WORDS.has(words(name).at(-1) ?? '')) return true
  if (/^[+-]?\d+(?:\.\d+)?$/.test(value) && value.replaceAll(/\D/g, '').length < 4) return true
  return quantityName(name, value)
}

/** A URL with no credential or token (checked before), a path, a region, an ARN or a host name: plain under any name. */
const PLAIN_SHAPE = /^(?:https?:\/\/[^\s@]+|\/[\w./-]+|[a-z]{2}(?:-gov)?-[a-z]+-\d|arn:aws[\w-]*:\S+|(?=[\w.-]*[a-z])[a-z\d][\w-]*(?:\.[\w-]+)*\.[a-z]{2,})$/i

/** A value under a secret-looking name that is plainly not the secret: by its shape, or a non-random value under an `…_URL`/`…_FILE`/`…_ISSUER` name. */
function plainUnderSecretName(name: string, value: string): boolean {
  if (PLAIN_SHAPE.test(value)) return !value.split(/[/.:]/).some(part => looksRandom(part))
  return ABOUT_WORDS.has(words(name).at(-1) ?? '') && !looksRandom(value)
}
/** What the decision says about a config value. */
export type SecretVerdict =
  | {live?: boolean; secret: false; why: 'metadata' | 'plain' | 'public' | 'setting'; what?: string}
  | {live?: boolean; secret: true; what: string}

/**
 * May `value` (of config var `name`) be secret? The one decision (see above). `what` says why in a
 * few words (`private key`, `credential under Password`, `token in a URL`), or the public material.
 */
export function secretVerdict(name: string, value: string): SecretVerdict {
  const text = value.trim()
  if (text === '') return {secret: false, why: 'setting'}
  const credential = credentialIn(text)
  if (credential) return {secret: true, ...credential}
  const material = publicMaterial(name, text)
  if (material) return {secret: false, what: material, why: 'public'}
  if (neverSecret(name, text)) return {secret: false, why: 'metadata'}
  if (settingValue(name, text)) return {secret: false, why: 'setting'}
  if (/^arn:aws[\w-]*:/i.test(text) && !/\s/.test(text)) return {secret: false, why: 'plain'}
  const token = tokenIn(text)
  if (token) return {secret: true, what: token}
  if (looksRandom(text) || (secretName(name) && !plainUnderSecretName(name, text))) return {secret: true, what: 'secret-looking value'}
  for (const entry of jsonEntries(text) ?? []) {
    if (entry.key !== '' && secretVerdict(entry.key, entry.leaf).secret) return {secret: true, what: `JSON holding ${entry.key}`}
  }

  return {secret: false, why: 'plain'}
}

/** True when a value may be secret (`secretVerdict`). */
export function maySecret(name: string, value: string): boolean {
  return secretVerdict(name, value).secret
}

/** A host name, an e-mail address or a URL with no credential in it: what add-ons expose next to their keys. */
function publicLooking(value: string): boolean {
  if (/^[\w.-]+\.[a-z]{2,}$/i.test(value)) return true
  if (/^[\w.+-]+@[\w.-]+\.[a-z]{2,}$/i.test(value)) return !looksRandom(value.split('@')[0] ?? '')
  if (/^https?:\/\/[^@/?#]*(?:\/[\w./-]*)?$/i.test(value)) return !value.split(/[/.]/).some(token => looksRandom(token))
  return false
}

/**
 * True when production's value of `name` is a secret by itself: what the one decision says, and an
 * add-on's own config var (exposed by an attachment) unless the decision sets it aside (public,
 * metadata, a setting) or it is public-looking (a host, an address).
 */
export function productionSecret(name: string, value: string, fromAddon: boolean): boolean {
  const verdict = secretVerdict(name, value)
  if (verdict.secret) return true
  return fromAddon && verdict.why === 'plain' && !publicLooking(value.trim())
}

/** Every string inside a JSON value (keys and leaves), or [] when it is not JSON. */
export function jsonStrings(value: string): string[] {
  const parsed = jsonValue(value)
  if (!parsed) return []
  const found: string[] = []
  const walk = (node: unknown, depth: number): void => {
    if (depth > 8) return
    if (typeof node === 'string') found.push(node)
    else if (Array.isArray(node)) for (const item of node) walk(item, depth + 1)
    else if (node && typeof node === 'object') for (const [key, inner] of Object.entries(node)) {
      found.push(key)
      walk(inner, depth + 1)
    }
  }

  walk(parsed.json, 0)
  return found
}

/** Shorter values are not looked for inside longer ones: too likely to occur by chance. */
export const MIN_EMBEDDED_LENGTH = 16

/** How `staging` holds `secret` (both trimmed): the same value, or inside a longer one (JSON too). */
export function holds(staging: string, secret: string): 'embedded' | 'equal' | undefined {
  if (staging === secret) return 'equal'
  if (secret.length < MIN_EMBEDDED_LENGTH || staging.length <= secret.length) return undefined
  if (staging.includes(secret) || jsonStrings(staging).some(inner => inner.includes(secret))) return 'embedded'
  return undefined
}
