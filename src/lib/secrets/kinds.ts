import {randomBytes, randomInt} from 'node:crypto'

import {isTrivialValue} from './classify.js'

/**
 * What kind of secret a config var holds, for the fork's decision about it. One table, by name and
 * by value shape. Pure apart from `regenerate`, which draws from the system's CSPRNG.
 *
 * | kind | what the fork does | names | values |
 * |---|---|---|---|
 * | app-local signing key | a fresh random value, same length and alphabet | `SECRET_KEY_BASE`, `DJANGO_SECRET_KEY`, `SECRET_KEY`, `FLASK_SECRET_KEY`, `SESSION_SECRET`, `SESSION_KEY`, `COOKIE_SECRET`, `JWT_SECRET`, `JWT_SECRET_KEY`, `APP_KEY` (Laravel, keeps `base64:`), `APP_SECRET` (Symfony), `NEXTAUTH_SECRET`, `AUTH_SECRET`, `BETTER_AUTH_SECRET`, `DEVISE_SECRET_KEY`, `PHX_SECRET_KEY_BASE`, `SIGNING_SECRET`, `CSRF_SECRET`, `WP_*_KEY`/`WP_*_SALT` | any |
 * | decrypts committed files or stored data | not copied, not regenerated | `RAILS_MASTER_KEY`, `RAILS_*_KEY` (per-environment credentials), `DOTENV_KEY`, `DOTENV_PRIVATE_KEY*`, `SOPS_AGE_KEY*`, `EJSON_*PRIVATE_KEY`, `ACTIVE_RECORD_ENCRYPTION_*`, `GIT_CRYPT_KEY` | `AGE-SECRET-KEY-1…` |
 * | third-party credential, live mode | not copied; named as live | any | Stripe `sk_live_`/`rk_live_`, Paystack `sk_live_`, Razorpay `rzp_live_`, Mollie `live_`, Braintree `access_token$production$` |
 * | third-party credential | not copied | AWS `*SECRET_ACCESS_KEY` next to an `AKIA…`/`ASIA…` key id, `TWILIO_AUTH_TOKEN`, `MAILGUN_*KEY`, `SENDGRID_*KEY`, … | SendGrid `SG.x.y`, AWS `AKIA…`, Twilio `AC…`/`SK…` + 32 hex, Mailgun `key-…`, Slack `xox?-`, GitHub `ghp_`/`github_pat_`, OpenAI `sk-`, Anthropic `sk-ant-`, Google `AIza`, Shopify `shp…_`, Stripe webhook `whsec_`, Postmark server tokens by name |
 * | a value holding a third-party credential | not copied; named (`live` too) | any | any of the shapes above inside a longer value: a line of a multi-line value, a JSON leaf, a URL (not AWS's key id, Twilio's SID or a Google key, which mark no secret by themselves) |
 * | other secret | not copied | what the one decision (`snapshot/secret-values.ts` secretVerdict) calls secret, and why | |
 *
 * Public material (certificates, publishable keys, browser-bundled values: `publicMaterial`) is
 * decided before this table is asked, and is copied, unless a private key or a vendor secret is inside.
 */

export type SecretKindClass = 'decrypts' | 'regenerate' | 'secret' | 'third-party'

export interface SecretKind {
  class: SecretKindClass
  /** what the value is, for the plan: `Stripe live secret key`, `framework signing key` */
  what: string
  /** the value is a live-mode (production) credential of its vendor */
  live?: boolean
}

/** App-local keys the app only signs and verifies with: any fresh value works, each environment its own. */
const REGENERATE_NAMES: RegExp[] = [
  /^(?:SECRET_KEY_BASE|PHX_SECRET_KEY_BASE|DJANGO_SECRET_KEY|SECRET_KEY|FLASK_SECRET_KEY|SESSION_SECRET|SESSION_SECRET_KEY|SESSION_KEY|COOKIE_SECRET|COOKIE_SIGNING_KEY|JWT_SECRET|JWT_SECRET_KEY|JWT_SIGNING_KEY|APP_KEY|APP_SECRET|NEXTAUTH_SECRET|AUTH_SECRET|BETTER_AUTH_SECRET|DEVISE_SECRET_KEY|SIGNING_SECRET|CSRF_SECRET)$/i,
  // WordPress's authentication keys and salts (wp-config.php)
  /^WP_(?:AUTH|SECURE_AUTH|LOGGED_IN|NONCE)_(?:KEY|SALT)$/i,
]

/** Keys that decrypt something that already exists: a new value would break the app, a copy would share the secret. */
const DECRYPT_NAMES = /^(?:RAILS_MASTER_KEY|RAILS_[A-Z]+_KEY|DOTENV_KEY|DOTENV_PRIVATE_KEY\w*|SOPS_AGE_KEY\w*|SOPS_KMS_ARN|EJSON_\w*PRIVATE_KEY|ACTIVE_RECORD_ENCRYPTION_\w+|GIT_CRYPT_KEY|CREDENTIALS_KEY)$/i

interface Shape {
  what: string
  live?: boolean
  /** the value's shape, unanchored: matched as the whole value, or inside a longer one (`vendorSecretIn`) */
  value?: RegExp
  name?: RegExp
  /**
   * Not a secret by itself, so not looked for inside other values: an identifier that marks a secret
   * next to it (AWS's key id, Twilio's account SID), or a key Google issues for browsers (public.ts).
   */
  marker?: boolean
}

/** Vendors' credential shapes. The first match names the value. */
const THIRD_PARTY: Shape[] = [
  {live: true, value: /sk_live_\w+/, what: 'Stripe live secret key'},
  {live: true, value: /rk_live_\w+/, what: 'Stripe live restricted key'},
  {value: /(?:sk|rk)_test_\w+/, what: 'Stripe test key'},
  {value: /whsec_\w+/, what: 'Stripe webhook signing secret'},
  {live: true, value: /rzp_live_\w+/, what: 'Razorpay live key'},
  {live: true, value: /live_[A-Za-z\d]{20,}/, what: 'Mollie live key'},
  {live: true, value: /access_token\$production\$[\w$]+/, what: 'Braintree production access token'},
  {value: /SG\.[\w-]{16,}\.[\w-]{16,}/, what: 'SendGrid API key'},
  {marker: true, value: /(?:AKIA|ASIA)[\dA-Z]{16}/, what: 'AWS access key id'},
  {name: /(?:^|_)SECRET_ACCESS_KEY$/i, what: 'AWS secret access key'},
  {marker: true, value: /AC[\da-f]{32}/, what: 'Twilio account SID'},
  {value: /SK[\da-f]{32}/, what: 'Twilio API key'},
  {name: /^TWILIO_\w*(?:TOKEN|SECRET)$/i, what: 'Twilio auth token'},
  {value: /key-[\da-z]{32}/, what: 'Mailgun API key'},
  {name: /^MAILGUN_\w*(?:KEY|SECRET)$/i, what: 'Mailgun key'},
  {name: /^SENDGRID_\w*(?:KEY|SECRET)$/i, what: 'SendGrid key'},
  {name: /^POSTMARK_\w*(?:TOKEN|KEY)$/i, what: 'Postmark token'},
  {value: /xox[abposr]-[\w-]+/, what: 'Slack token'},
  {value: /(?:ghp|gho|ghu|ghs|ghr)_\w{30,}|github_pat_\w+/, what: 'GitHub token'},
  {value: /sk-ant-[\w-]+/, what: 'Anthropic API key'},
  {value: /sk-(?:proj-)?[\w-]{20,}/, what: 'OpenAI API key'},
  {marker: true, value: /AIza[\w-]{35}/, what: 'Google API key'},
  {value: /shp(?:at|ss|ca|pa)_[\da-f]{32}/, what: 'Shopify access token'},
]

const WHOLE = new Map(THIRD_PARTY.filter(shape => shape.value).map(shape => [shape, new RegExp(`^(?:${shape.value?.source})$`)]))
/** Inside text: not glued to a longer word on either side (`xsk_live_…` is not Stripe's). */
const INSIDE = new Map(THIRD_PARTY.filter(shape => shape.value && !shape.marker).map(shape => [shape, new RegExp(`(?<![\\w$-])(?:${shape.value?.source})(?![\\w-])`)]))

/** The vendor secret `value` is as a whole (its shape), or undefined. */
function vendorShape(value: string): Shape | undefined {
  return THIRD_PARTY.find(shape => WHOLE.get(shape)?.test(value))
}

/**
 * The first vendor secret written anywhere inside `value` (a line of a multi-line value, a JSON leaf,
 * a URL's password), or undefined. Identifiers and browser keys (`marker`) are not looked for.
 */
export function vendorSecretIn(value: string): undefined | {live?: boolean; what: string} {
  const shape = THIRD_PARTY.find(candidate => INSIDE.get(candidate)?.test(value))
  return shape ? {what: shape.what, ...(shape.live ? {live: true} : {})} : undefined
}

/**
 * Why `value` (of config var `name`) may be secret, or undefined when it is not: the caller passes
 * the one decision (`snapshot/secret-values.ts` secretVerdict), which already weighed public material,
 * platform metadata and settings.
 */
export type SecretTest = (name: string, value: string) => string | undefined

/**
 * The kind of secret `value` (of config var `name`) is, or undefined when it is not secret.
 * The named classes come first (a vendor's shape, whole or inside, wins over any name); `secretLooking` decides
 * whether anything else is secret, and says what.
 */
export function secretKind(name: string, value: string, secretLooking: SecretTest): SecretKind | undefined {
  const upper = name.toUpperCase()
  const trimmed = value.trim()
  if (trimmed === '') return undefined
  const vendor = vendorShape(trimmed)
  if (vendor) return {class: 'third-party', what: vendor.what, ...(vendor.live ? {live: true} : {})}
  const inside = vendorSecretIn(trimmed)
  if (inside) return {class: 'third-party', what: `value holding a ${inside.what}`, ...(inside.live ? {live: true} : {})}
  // Flags, numbers and tiny values are settings, whatever the name says (the one decision says which).
  if (!isTrivialValue(trimmed) && (DECRYPT_NAMES.test(upper) || /^AGE-SECRET-KEY-1/.test(trimmed))) return {class: 'decrypts', what: 'key that decrypts committed files or stored data'}
  const why = secretLooking(name, value)
  if (why === undefined) return undefined
  const named = THIRD_PARTY.find(shape => shape.name?.test(upper))
  if (named) return {class: 'third-party', what: named.what}
  if (REGENERATE_NAMES.some(pattern => pattern.test(upper))) return {class: 'regenerate', what: 'app-local signing key'}
  return {class: 'secret', what: why}
}

// ---------------------------------------------------------------------------------------------
// A fresh value of the same length and alphabet
// ---------------------------------------------------------------------------------------------

const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER = LOWER.toUpperCase()
const DIGITS = '0123456789'

/** Prefixes kept as they are (Laravel's `base64:`). */
const KEPT_PREFIXES = ['base64:']

function randomFrom(alphabet: string, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)]
  return out
}

/** The alphabet a value is drawn from: the character classes it uses, and each other character it holds. */
function alphabetOf(body: string): string {
  if (/^\d+$/.test(body)) return DIGITS
  if (/^[\da-f]+$/.test(body)) return `${DIGITS}abcdef`
  if (/^[\dA-F]+$/.test(body)) return `${DIGITS}ABCDEF`
  let alphabet = ''
  if (/[a-z]/.test(body)) alphabet += LOWER
  if (/[A-Z]/.test(body)) alphabet += UPPER
  if (/\d/.test(body)) alphabet += DIGITS
  const others = [...new Set(body.replaceAll(/[\dA-Za-z]/g, ''))].filter(char => char !== '=')
  return alphabet + others.join('')
}

/**
 * A fresh random value shaped like `value`: the same length, the same alphabet, a kept prefix
 * (`base64:`) and, for padded base64, the same number of random bytes encoded again.
 */
export function regenerate(value: string): string {
  const prefix = KEPT_PREFIXES.find(candidate => value.startsWith(candidate)) ?? ''
  const body = value.slice(prefix.length)
  if (body.length % 4 === 0 && /^[\d+/A-Za-z]+={0,2}$/.test(body) && /[+/=]/.test(body)) {
    const bytes = (body.length / 4) * 3 - (body.match(/=+$/)?.[0].length ?? 0)
    return prefix + randomBytes(bytes).toString('base64')
  }

  if (prefix && /^[\d+/A-Za-z]+$/.test(body) && body.length % 4 === 0) return prefix + randomBytes((body.length / 4) * 3).toString('base64')
  const padding = body.match(/=+$/)?.[0] ?? ''
  const core = body.slice(0, body.length - padding.length)
  const alphabet = alphabetOf(core)
  if (alphabet.length < 2) return prefix + randomFrom(`${LOWER}${DIGITS}`, core.length) + padding
  let fresh = randomFrom(alphabet, core.length)
  // Never hand back the very same value (a 1-character alphabet is excluded above; this is for tiny values).
  while (fresh === core && core.length > 0) fresh = randomFrom(alphabet, core.length)
  return prefix + fresh + padding
}
