/**
 * Material that is public by design, so sharing it between apps is never a shared secret and a fork
 * copies it: certificates (a CA or client certificate, never a private key), publishable keys,
 * DSNs and license keys that their vendor documents as safe to expose, bucket names and host lists.
 * One table, one predicate: the audit's severity and the fork's config decisions both ask it.
 *
 * | class | name | value | why it is public |
 * |---|---|---|---|
 * | certificate | any | PEM `CERTIFICATE` blocks only, no `PRIVATE KEY` | a certificate is what a server shows (KAFKA_TRUSTED_CERT, KAFKA_CLIENT_CERT) |
 * | publishable key | any | Stripe `pk_live_`/`pk_test_`, Mapbox `pk.` | made to be shipped to browsers |
 * | ingest-only license key | `NEW_RELIC_LICENSE_KEY` | any | account-wide and ingest-only; New Relic documents it for every environment |
 * | Sentry DSN | `…SENTRY_DSN` | `https://key@host/project`, no secret part | Sentry documents DSNs as safe to make public |
 * | bucket name | `…BUCKET`, `…BUCKET_NAME` | an S3 bucket name | a name; the keys beside it are the secret |
 * | host list | any | `host:port[,host:port…]`, no credential | addresses (MEMCACHIER_SERVERS); the user and password beside it are the secret |
 *
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
  const blocks = [...value.matchAll(PEM_BLOCK)].map(match => match[1] ?? '')
  if (blocks.length === 0 || /PRIVATE KEY/.test(value)) return false
  const rest = value.replace(PEM_BLOCK, '').trim()
  return rest === '' && blocks.every(kind => /^(?:TRUSTED |X509 )?CERTIFICATE$/.test(kind))
}

const PUBLIC_CLASSES: PublicClass[] = [
  {kind: 'certificate', matches: (_name, value) => onlyCertificates(value)},
  {kind: 'publishable key', matches: (_name, value) => /^pk_(?:live|test)_\w+$|^pk\.[\w-]+\.[\w-]+$/.test(value.trim())},
  {kind: 'ingest-only license key', matches: name => /^NEW_RELIC_LICENSE_KEY$/i.test(name)},
  {kind: 'Sentry DSN', matches: (name, value) => /SENTRY_DSN$/i.test(name) && /^https?:\/\/[\da-f]+@[\w.-]+(?::\d+)?\/[\w-]*\d+$/i.test(value.trim())},
  {kind: 'bucket name', matches: (name, value) => /(?:^|_)BUCKET(?:_NAME)?$/i.test(name) && /^[a-z\d][a-z\d.-]{1,61}[a-z\d]$/.test(value.trim())},
  {kind: 'host list', matches: (_name, value) => /^[a-z\d][\w.-]*:\d{1,5}(?:[\s,]+[a-z\d][\w.-]*:\d{1,5})*$/i.test(value.trim())},
]

/** What public material `value` (of config var `name`) is, or undefined when it may be secret. */
export function publicMaterial(name: string, value: string): string | undefined {
  return PUBLIC_CLASSES.find(entry => entry.matches(name, value))?.kind
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
