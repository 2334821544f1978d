import {fingerprint, isTrivialValue, looksRandom, looksSecret, maskPath, publicMaterial, splitUrl} from '../../secrets/index.js'
import {credentialsIn} from '../../snapshot/identity.js'
import {attachmentExposing} from '../../snapshot/query.js'
import {holds, neverSecret, productionSecret, secretName} from '../../snapshot/secret-values.js'
import {type AuditFinding} from '../types.js'
import {type AuditContext, credentialLabel, finding, isCredentialUrl, reachedBy, type Rule, sortedEntries, unique} from './context.js'

/** The secret rule (SHARED_SECRET): production's secret values, and database passwords, found on staging. */

/**
 * Whether an identical URL is worth reporting as a shared secret: a password in it, or a token in its
 * path or query that the masking hides (webhooks: Slack, Discord, Zapier), or a random query value.
 */
function secretUrl(name: string, value: string): boolean {
  if (secretName(name)) return true
  const parts = splitUrl(value)
  if (parts && (parts.password !== undefined || maskPath(parts.scheme, parts.path) !== parts.path)) return true
  const tokens = (parts?.query ?? '').split(/[&=]/)
  return tokens.some(token => looksRandom(token))
}

/** A value carrying a secret part even when no parser reads it: `scheme://user:password@…` in any shape. */
function secretBearing(value: string): boolean {
  return splitUrl(value)?.password !== undefined || /:\/\/[^\s/@]*:[^\s@]+@/.test(value)
}

/** A production value that is a secret wherever it appears on staging. */
interface ProductionSecretValue {
  app: string
  configVar: string
  /** a database password read from a credential (URL, JDBC, key/value, split, JSON) */
  password: boolean
  /** a secret by itself (so it is looked for inside longer staging values too) */
  secret: boolean
  value: string
}

function productionSecrets(context: AuditContext): ProductionSecretValue[] {
  const secrets: ProductionSecretValue[] = []
  for (const candidate of context.productionVars) {
    const value = candidate.value.trim()
    if (isTrivialValue(value) || neverSecret(candidate.configVar, value) || publicMaterial(candidate.configVar, value)) continue
    const credentials = credentialsIn(value)
    // A credential the endpoint rules compare is reported by them; an identical copy they did not
    // report (none of its endpoints compared) still shares its password: compared here as a value.
    const secret = credentials.length > 0
      ? (isCredentialUrl(value, candidate.fromAddon) ? secretBearing(value) : secretUrl(candidate.configVar, value))
      : productionSecret(candidate.configVar, value, candidate.fromAddon) || secretBearing(value)
    if (credentials.length > 0 && isCredentialUrl(value, candidate.fromAddon) && !secret) continue
    secrets.push({app: candidate.app, configVar: candidate.configVar, password: false, secret, value})
  }

  // Production's database passwords are secrets, in every form the credential is written.
  for (const {app, credential} of context.productionCredentials) {
    const password = credential.password?.trim()
    if (!password || isTrivialValue(password)) continue
    secrets.push({app, configVar: credentialLabel(credential), password: true, secret: true, value: password})
  }

  return secrets
}

function secretMatchList(matches: readonly ProductionSecretValue[]): string {
  return unique(matches.map(match => `${match.app}'s ${match.password ? `database password (${match.configVar})` : match.configVar}`)).join(', ')
}

/**
 * SHARED_SECRET: a staging config var (not owned by an add-on) holding a production secret: the
 * same value after trimming, a secret of 16 characters or more inside a longer value or JSON, an
 * add-on's own config var copied by hand under any name, or production's database password in
 * any credential. Values that are never secret (platform metadata, commit ids) stay silent.
 */
export const sharedSecret: Rule = context => {
  const app = context.staging.app.name
  const secrets = productionSecrets(context)
  // Credentials reaching production are the endpoint rules' findings (SHARED_DATABASE, SHARED_SERVICE).
  const reported = new Set(context.stagingCredentials.filter(c => reachedBy(context, c).length > 0).flatMap(c => c.vars))
  const stagingPasswords = new Map<string, string[]>()
  for (const credential of context.stagingCredentials) {
    const password = credential.password?.trim()
    if (password) for (const name of credential.vars) stagingPasswords.set(name, [...(stagingPasswords.get(name) ?? []), password])
  }

  const findings: AuditFinding[] = []
  for (const [name, raw] of sortedEntries(context.staging.configVars)) {
    if (attachmentExposing(context.staging, name) || reported.has(name)) continue
    const value = raw.trim()
    // Public material (certificates, publishable keys, shareable DSNs and license keys, host lists) is never a shared secret.
    if (isTrivialValue(value) || neverSecret(name, value) || publicMaterial(name, value)) continue
    const passwords = stagingPasswords.get(name) ?? []
    const matches: ProductionSecretValue[] = []
    let embedded = false
    for (const secret of secrets) {
      // Not secret by production's name, value or add-on: only the same value under a secret-looking staging name.
      const how = secret.secret
        ? holds(value, secret.value)
        : (value === secret.value && (looksSecret(name, value) || secretName(name)) ? 'equal' : undefined)
      const inCredential = secret.password && passwords.includes(secret.value)
      if (!how && !inCredential) continue
      if (how === 'embedded' || (inCredential && value !== secret.value)) embedded = true
      matches.push(secret)
    }

    if (matches.length === 0) continue
    const evidence = unique(matches.map(match => fingerprint(match.value)))
    const what = embedded ? 'holds' : 'has the same value as'
    findings.push(finding(context, 'SHARED_SECRET', {
      configVars: unique([name, ...matches.filter(m => !m.password).map(match => match.configVar)]),
      evidence,
      message: `${name} ${what} ${secretMatchList(matches)} (${evidence.join(', ')})`,
      production: matches.map(match => match.app),
      subject: {action: {app, configVar: name, kind: 'rotate-secret'}, configVar: name, matches: matches.map(match => ({app: match.app, configVar: match.configVar}))},
    }))
  }

  return findings
}

