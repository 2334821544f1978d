import {looksRandom, looksSecretName} from './classify.js'
import {credentialIn, urlsIn} from './inside.js'

/**
 * Material that is public by design, so sharing it between apps is never a shared secret and a fork
 * copies it: certificates (a CA or client certificate, never a private key), publishable keys,
 * values bundled into browser code, DSNs and license keys that their vendor documents as safe to
 * expose, bucket names and host lists. One table, one predicate: the audit's severity and the fork's
 * config decisions both ask it (through `snapshot/secret-values.ts` secretVerdict).
 * A credential inside (a private key, a vendor secret, a password: `inside.ts` credentialIn) makes
 * any of them secret again: `NEXT_PUBLIC_STRIPE_KEY=sk_live_…` and a certificate bundled with its key are.
 *
 * | class | name | value | why it is public |
 * |---|---|---|---|
 * | certificate | any | PEM `CERTIFICATE` blocks only, no `PRIVATE KEY` | a certificate is what a server shows (KAFKA_TRUSTED_CERT, KAFKA_CLIENT_CERT) |
 * | publishable key | any | Stripe `pk_live_`/`pk_test_`, Mapbox `pk.`, PostHog `phc_` | made to be shipped to browsers |
 * | browser-bundled value | `NEXT_PUBLIC_`, `REACT_APP_`, `VITE_`, `EXPO_PUBLIC_`, `GATSBY_`, `NUXT_PUBLIC_`, `PUBLIC_` prefixes | any | the framework compiles it into the code every visitor downloads |
 * | public key | a name with `PUBLIC`, `PUBLISHABLE`, `BROWSER`, `SITE_KEY`/`SITEKEY`, `SEARCH_ONLY`, Algolia's search key, Segment's write key (no `SECRET`/`PASSWORD`/`PRIVATE`) | any | made for browsers: reCAPTCHA/hCaptcha/Turnstile site keys, Algolia search-only keys, Segment write keys, Firebase/Google browser keys |
 * | ingest-only license key | `NEW_RELIC_LICENSE_KEY`, or a `NEW_RELIC…` name with a license key (`…NRAL`) | any | account-wide and ingest-only; New Relic documents it for every environment |
 * | Sentry DSN | a `DSN` word in the name (`SENTRY_DSN`, `RAVEN_DSN`, `SENTRY_DSN_BACKEND`) | `https://key@host[/sub/path]/project[/]`, no secret part | Sentry documents DSNs as safe to make public |
 * | bucket name | a word starting with `BUCKET` (`S3_BUCKET_ASSETS`, `BUCKETEER_BUCKET_NAME`), `FOG_DIRECTORY`; no secret word | a bare bucket name | a name; the keys beside it are the secret |
 * | host list | any name with no secret word | `host:port[,; host:port…]`, or URLs with no credential, path or query (`https://es1:9200,https://es2:9200`) | addresses (MEMCACHIER_SERVERS); the user and password beside it are the secret |
 *
 * A Google API key (`AIza…`) under any other name stays secret: a server key may be unrestricted and
 * billable, and its shape does not tell it from a browser key restricted to a site.
 * Sharing some of it is still a nuisance (not a hazard): `sharingNuisance` says which and how to separate.
 */

interface PublicClass {
  /** what the material is, for the plan and the report */
  kind: string
  matches: (name: string, value: string) => boolean
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g

/** Only certificate blocks (one or a chain), and at least one. */
function onlyCertificates(value: string): boolean {
  const text = value.replaceAll(/\\r\\n|\\n|\r\n/g, '\n')
  const blocks = [...text.matchAll(PEM_BLOCK)].map(match => match[1] ?? '')
  if (blocks.length === 0 || /PRIVATE KEY/.test(text)) return false
  const rest = text.replace(PEM_BLOCK, '').trim()
  return rest === '' && blocks.every(kind => /^(?:TRUSTED |X509 )?CERTIFICATE$/.test(kind))
}

/** The name's words (split on `_`), upper case. */
function words(name: string): string[] {
  return name.toUpperCase().split(/_+/).filter(Boolean)
}

/** Prefixes a framework compiles into browser code (Next.js, Create React App, Vite, Expo, Gatsby, Nuxt, SvelteKit/Astro). */
const BROWSER_PREFIX = /^(?:NEXT_PUBLIC|REACT_APP|VITE|EXPO_PUBLIC|GATSBY|NUXT_PUBLIC|PUBLIC)_/i
/** Words saying the value is not public, whatever else the name says. */
const SECRET_WORD = /(?:^|_)(?:SECRET|SECRETS|PASSWORD|PASSWD|PWD|PW|PASSPHRASE|CREDS|CREDENTIALS?|PRIVATE|ADMIN|MASTER|SERVICE_ROLE|SERVICE_KEY|WRITE_TOKEN|SIGNING|ENCRYPTION)(?:_|$)|SECRET|PASSWORD/i

/** A value shaped like a secret whatever the name: a password with symbols, a JWT whose role is a service or admin role. */
function secretShaped(value: string): boolean {
  if (/[!#$%&*?@^]/.test(value) && looksRandom(value)) return true
  const payload = /^eyJ[\w-]+\.(eyJ[\w-]+)\.[\w-]+$/.exec(value)?.[1]
  return payload !== undefined && /"role"\s*:\s*"(?:service_role|admin|supabase_admin)"/.test(Buffer.from(payload, 'base64url').toString('latin1'))
}

/** A browser-bundled name (`NEXT_PUBLIC_…`), unless a secret word in it or a secret-shaped value says it was put there by mistake. */
function browserBundled(name: string, value: string): boolean {
  return BROWSER_PREFIX.test(name) && !SECRET_WORD.test(name.replace(BROWSER_PREFIX, '')) && !secretShaped(value)
}

function publicName(name: string): boolean {
  if (SECRET_WORD.test(name)) return false
  const upper = name.toUpperCase()
  const list = words(upper)
  if (list.some(word => word === 'PUBLIC' || word === 'PUBLISHABLE' || word === 'BROWSER' || word === 'SITEKEY')) return true
  return /(?:^|_)(?:SITE_KEY|SEARCH_ONLY(?:_API)?_KEY)(?:_|$)|^ALGOLIA_(?:SEARCH|SEARCH_API)_KEY$|^SEGMENT_(?:\w+_)?WRITE_KEY$/.test(upper)
}

/** A bare bucket name (S3's rules; GCS allows `_`). */
const BUCKET_NAME = /^[a-z\d][\w.-]{1,61}[a-z\d]$/

function bucketName(name: string): boolean {
  const upper = name.toUpperCase()
  return (words(upper).some(word => word.startsWith('BUCKET')) || /(?:^|_)FOG_DIRECTORY$/.test(upper)) && !looksSecretName(upper) && !/KEY(?:_ID)?$/.test(upper)
}

/** `host:port` items separated by `,`, `;` or spaces. */
const HOST_PORT_LIST = /^[a-z\d][\w.-]*:\d{1,5}(?:[\s,;]+[a-z\d][\w.-]*:\d{1,5})*$/i

/** Addresses only: `host:port` items, or URLs with no userinfo, path or query. */
function hostList(name: string, value: string): boolean {
  if (looksSecretName(name)) return false
  if (HOST_PORT_LIST.test(value)) return true
  const pieces = value.split(/[\s,;]+/).filter(Boolean)
  if (pieces.length === 0 || !pieces.every(piece => /^[a-z][\w+.-]*:\/\/[\w.-]+(?::\d{1,5})?\/?$/i.test(piece))) return false
  return urlsIn(value).every(parts => parts.user === undefined && parts.query === undefined)
}

/** Sentry's DSN: a hex public key as the user, no password, the project id last (a self-hosted sub-path before it). */
const SENTRY_DSN = /^https?:\/\/[\da-f]{16,}@[\w.-]+(?::\d+)?(?:\/[\w.-]+)*\/\d+\/?$/i

const PUBLIC_CLASSES: PublicClass[] = [
  {kind: 'certificate', matches: (_name, value) => onlyCertificates(value)},
  {kind: 'publishable key', matches: (_name, value) => /^pk_(?:live|test)_\w+$|^pk\.[\w-]+\.[\w-]+$|^phc_\w{20,}$/.test(value)},
  {kind: 'Sentry DSN', matches: (name, value) => words(name).includes('DSN') && SENTRY_DSN.test(value)},
  {kind: 'browser-bundled value', matches: (name, value) => browserBundled(name, value)},
  {kind: 'public key', matches: name => publicName(name)},
  {kind: 'ingest-only license key', matches: (name, value) => /^NEW_RELIC_LICENSE_KEY$/i.test(name) || (/^NEW_RELIC_/i.test(name) && /^[\da-f]{36}NRAL$/i.test(value))},
  {kind: 'bucket name', matches: (name, value) => bucketName(name) && BUCKET_NAME.test(value)},
  {kind: 'host list', matches: (name, value) => hostList(name, value)},
]

/**
 * What public material `value` (of config var `name`) is, or undefined when it may be secret. A
 * credential inside (a private key, a vendor secret, a password) is never public.
 */
export function publicMaterial(name: string, value: string): string | undefined {
  const text = value.trim()
  const kind = PUBLIC_CLASSES.find(entry => entry.matches(name, text))?.kind
  if (kind === undefined || credentialIn(text)) return undefined
  return kind
}

/** Why sharing a public value is still unwelcome, and how to separate the apps. */
export interface SharingNuisance {
  /** the command or setting that separates them */
  fix: string
  kind: string
  /** what lands where */
  why: string
}

/**
 * When staging sharing production's value of `name` is a nuisance: staging's errors, metrics or logs
 * land in production's project. Not a hazard (nothing of production's is exposed), so a warning, or
 * info once staging tags its events with an environment of its own (`separated`).
 */
export function sharingNuisance(name: string, value: string): SharingNuisance | undefined {
  if (publicMaterial(name, value) === 'Sentry DSN') {
    return {
      fix: 'heroku config:set SENTRY_ENVIRONMENT=staging -a STAGING_APP, or give staging its own Sentry project\'s DSN',
      kind: 'Sentry DSN',
      why: 'staging\'s errors are reported into production\'s Sentry project',
    }
  }

  return undefined
}
