import {fingerprint, isTrivialValue, splitUrl} from '../../secrets/index.js'
import {credentialsIn} from '../../snapshot/identity.js'
import {attachmentExposing} from '../../snapshot/query.js'
import {holds, productionSecret, secretVerdict} from '../../snapshot/secret-values.js'
import {type AuditFinding} from '../types.js'
import {type AuditContext, credentialLabel, finding, isCredentialUrl, reachedBy, type Rule, sortedEntries, unique} from './context.js'

/** The secret rule (SHARED_SECRET): production's secret values, and database passwords, found on staging. */

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
    // Public material, platform metadata and settings are never compared (the one decision: secretVerdict).
    const verdict = secretVerdict(candidate.configVar, value)
    if (!verdict.secret && verdict.why !== 'plain') continue
    // A credential the endpoint rules compare is reported by them; an identical copy they did not
    // report (none of its endpoints compared) still shares its password: compared here as a value.
    const credentialUrl = credentialsIn(value).length > 0 && isCredentialUrl(value, candidate.fromAddon)
    const secret = credentialUrl ? secretBearing(value) : productionSecret(candidate.configVar, value, candidate.fromAddon)
    if (credentialUrl && !secret) continue
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
    // Public material (certificates, publishable keys, browser-bundled values, shareable DSNs and
    // license keys, bucket names, host lists), platform metadata and settings are never a shared secret.
    const verdict = secretVerdict(name, value)
    if (!verdict.secret && verdict.why !== 'plain') continue
    const passwords = stagingPasswords.get(name) ?? []
    const matches: ProductionSecretValue[] = []
    let embedded = false
    for (const secret of secrets) {
      // Not secret by production's name, value or add-on: only the same value under a secret-looking staging name.
      const how = secret.secret
        ? holds(value, secret.value)
        : (value === secret.value && verdict.secret ? 'equal' : undefined)
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

