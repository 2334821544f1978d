/**
 * Material that is public by design, so sharing it between apps is never a shared secret and a fork
 * copies it: certificates (a CA or client certificate, never a private key), publishable keys,
 * DSNs and license keys that their vendor documents as safe to expose, and host lists.
 * One table, one predicate: the audit's severity and the fork's config decisions both ask it.
 *
 * | class | name | value |
 * |---|---|---|
 * | certificate | any | a PEM `CERTIFICATE` block and no `PRIVATE KEY` block |
 * | publishable key | any | Stripe `pk_live_`/`pk_test_` |
 * | ingest-only key | `NEW_RELIC_LICENSE_KEY` | any |
 * | Sentry DSN | `…SENTRY_DSN` | `https://key@host/project` |
 * | host list | any | `host:port[,host:port…]`, no credential |
 */

interface PublicClass {
  /** what the material is, for the plan and the report */
  kind: string
  matches: (name: string, value: string) => boolean
}

const PUBLIC_CLASSES: PublicClass[] = [
  {
    kind: 'certificate',
    matches: (_name, value) => /-----BEGIN (?:TRUSTED )?CERTIFICATE-----/.test(value) && !/PRIVATE KEY-----/.test(value),
  },
  {kind: 'publishable key', matches: (_name, value) => /^pk_(?:live|test)_\w+$/.test(value.trim())},
  {kind: 'ingest-only license key', matches: name => /^NEW_RELIC_LICENSE_KEY$/i.test(name)},
  {kind: 'Sentry DSN', matches: (name, value) => /SENTRY_DSN$/i.test(name) && /^https:\/\/[\da-f]+@[\w.-]+\/\d+$/i.test(value.trim())},
  {kind: 'host list', matches: (_name, value) => /^[a-z\d][\w.-]*:\d{1,5}(?:[\s,]+[a-z\d][\w.-]*:\d{1,5})*$/i.test(value.trim())},
]

/** What public material `value` (of config var `name`) is, or undefined when it may be secret. */
export function publicMaterial(name: string, value: string): string | undefined {
  return PUBLIC_CLASSES.find(entry => entry.matches(name, value))?.kind
}
