import {type Credential, credentialsOf} from '../snapshot/identity.js'

/**
 * PURE: the facts about config vars and attachments the effect checks (effect-check.ts) compare. The
 * requests themselves are classified in heroku/routes.ts.
 */

function isCredential(credential: Credential): boolean {
  return credential.family !== 'http' || credential.hasUserinfo
}

/** Each credential config var's endpoints (`family://host[:port]/path`), sorted: what the app's code reaches through it. */
export function credentialEndpoints(configVars: Readonly<Record<string, string>>): Map<string, string> {
  const byVar = new Map<string, Set<string>>()
  for (const credential of credentialsOf(configVars).filter(c => isCredential(c))) {
    for (const name of credential.vars) {
      const keys = byVar.get(name) ?? new Set<string>()
      for (const endpoint of credential.endpoints) {
        const port = endpoint.family === 'postgres' ? '' : `:${endpoint.port ?? ''}`
        keys.add(`${endpoint.family}://${endpoint.host.toLowerCase()}${port}/${endpoint.path}`)
      }

      byVar.set(name, keys)
    }
  }

  return new Map([...byVar].map(([name, keys]) => [name, [...keys].sort().join(' ')]))
}

/** The credential vars whose endpoint differs between two sets of config vars (added, removed or re-pointed). */
export function changedEndpoints(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string[] {
  const was = credentialEndpoints(before)
  const is = credentialEndpoints(after)
  const names = new Set([...was.keys(), ...is.keys()])
  return [...names].filter(name => was.get(name) !== is.get(name)).sort()
}

/** The config vars after a PATCH of `changes` (null unsets), names compared as Heroku stores them. */
export function applyConfig(current: Readonly<Record<string, string>>, changes: Readonly<Record<string, null | string>>): Record<string, string> {
  const next = {...current}
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name]
    else next[name] = value
  }

  return next
}

/** The config var an attachment name exposes (`database` → `DATABASE_URL`), as Heroku upper-cases it. */
export function attachmentVar(name: string): string {
  return `${name.toUpperCase().replaceAll('-', '_')}_URL`
}

/** The attachment names frameworks and buildpacks read by convention: taking one re-wires an app even when it is new. */
const PRIMARY_NAMES = new Set(['DATABASE', 'REDIS'])

/**
 * The config vars an attachment named `name` would overwrite on an app with `vars`: every var it names
 * (`NAME_*`, the prefix Heroku gives an attachment's vars, case-insensitively), and `NAME_URL` when
 * `name` is a conventional primary (DATABASE, REDIS), even when the app has none yet. No name: none
 * (Heroku then picks a name no attachment or var uses).
 */
export function replacedVars(vars: Readonly<Record<string, string>>, name: string | undefined): string[] {
  if (!name) return []
  const upper = name.toUpperCase().replaceAll('-', '_')
  // Only what points somewhere is re-pointed: a var of that name that holds a credential or endpoint
  // (`ANALYTICS_URL`), not a flag or a token that shares the prefix (`ANALYTICS_ENABLED`, `PAPERTRAIL_API_TOKEN`).
  const named = Object.fromEntries(Object.entries(vars).filter(([key]) => key.toUpperCase() === upper || key.toUpperCase().startsWith(`${upper}_`)))
  const replaced = [...credentialEndpoints(named).keys()].sort()
  if (replaced.length === 0 && PRIMARY_NAMES.has(upper)) return [`${upper}_URL`]
  return replaced
}

/** A data store add-on service (as Heroku names the add-on's service): one whose attachment hands the app a credential. */
export function isDataService(serviceOrPlan: string): boolean {
  return /^(heroku-postgresql|heroku-redis|heroku-kafka|heroku-key-value-store|heroku-kvs)\b/i.test(serviceOrPlan)
}

/** The default attachment name a data store of this service gets on an app that has none yet. */
export function defaultAttachment(serviceOrPlan: string): string | undefined {
  if (/^heroku-postgresql/i.test(serviceOrPlan)) return 'DATABASE'
  if (/^heroku-(redis|key-value-store|kvs)/i.test(serviceOrPlan)) return 'REDIS'
  if (/^heroku-kafka/i.test(serviceOrPlan)) return 'KAFKA'
  return undefined
}
