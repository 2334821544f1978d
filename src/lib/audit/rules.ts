import {
  appReaching,
  type Credential,
  credentialsIn,
  credentialsMatch,
  credentialsOf,
  credentialsUnknown,
  type HostTable,
  hostTableOf,
  maskCredential,
  sameEndpoint,
  unresolved,
} from '../snapshot/identity.js'
import {DEFAULT_POSTGRES_PLAN, planTier} from '../heroku/postgres-plans.js'
import {fingerprint, isTrivialValue, looksRandom, looksSecret, maskPath, maskUrl, publicMaterial, sharingNuisance, splitUrl} from '../secrets/index.js'
import {holds, neverSecret, productionSecret, secretName} from '../snapshot/secret-values.js'
import {type AppSnapshot, type AttachmentRef, POSTGRES_SERVICE} from '../snapshot/types.js'
import {codeRank, defaultSeverity} from './codes.js'
import {remedyCommand} from './remedy.js'
import {type AuditFinding, type Finding, type FindingAction, type FindingCode, type FindingSubject, SEVERITY_ORDER, type Severity} from './types.js'
import {attachmentExposing, isOwner, isPostgresAttachment, leadersFirst, ownsAddon, primaryPostgres} from '../snapshot/query.js'

/**
 * The audit: pure functions over snapshots, one per rule, each with a stable code (see codes.ts).
 * Nothing here performs I/O or prints; values never leave this module except as masked URLs
 * (`maskUrl`) and fingerprints.
 */

/** A production config var, by app and name. */
interface ProductionVar {
  app: string
  configVar: string
  /** exposed by one of that app's attachments (owned by an add-on) */
  fromAddon: boolean
  value: string
}

/** A production credential in any form, by app and the config vars it is read from. */
interface ProductionCredential {
  app: string
  credential: Credential
  /** one of its vars is exposed by an attachment (owned by an add-on) */
  fromAddon: boolean
}

/** Everything the rules share, computed once per audited app. */
export interface AuditContext {
  /** host → addresses, as the load step resolved them; undefined when nothing was resolved (names decide) */
  hosts?: HostTable
  /** every production snapshot compared (the related ones first), without the audited app itself */
  production: AppSnapshot[]
  /**
   * the production app(s) this app is the staging of (its pipeline's production, or in account mode the
   * related one): what drift and NO_PIPELINE name. The rest of the account's production apps are only compared.
   */
  related: AppSnapshot[]
  /** every credential of every production app, in every form */
  productionCredentials: ProductionCredential[]
  /** every config var of every production app */
  productionVars: ProductionVar[]
  /** add-on id → production apps that own or attach it */
  productionAddons: Map<string, string[]>
  staging: AppSnapshot
  /** every credential of the audited app, in every form */
  stagingCredentials: Credential[]
}

export type Rule = (context: AuditContext) => AuditFinding[]


function sortedEntries(vars: Readonly<Record<string, string>>): Array<[string, string]> {
  return Object.entries(vars).filter(([, value]) => typeof value === 'string').sort(([a], [b]) => a.localeCompare(b))
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)]
}

/**
 * Whether a credential is one the endpoint rules compare: any non-HTTP service (every Postgres
 * form), or an HTTP(S) URL that carries a user/password or is owned by an add-on.
 * Loopback URLs count like any other: on one machine (the emulator, a laptop) they are one server.
 */
function isCredential(credential: Credential, fromAddon: boolean): boolean {
  return credential.family !== 'http' || fromAddon || credential.hasUserinfo
}

function isCredentialUrl(value: string, fromAddon: boolean): boolean {
  return credentialsIn(value).some(credential => isCredential({...credential, vars: []}, fromAddon))
}

function exposedOn(snapshot: AppSnapshot, credential: Credential): boolean {
  return credential.vars.some(name => attachmentExposing(snapshot, name) !== undefined)
}

/** How findings name a credential: `DATABASE_URL`, or a split group `PGHOST+PGDATABASE+PGPASSWORD`. */
function credentialLabel(credential: Credential): string {
  return credential.vars.join('+')
}

/** Evidence for a staging credential: a plain URL masked as written (`maskUrl`), any other form masked in its own shape. */
function credentialEvidence(context: AuditContext, credential: Credential): string {
  const [name = ''] = credential.vars
  if (credential.vars.length > 1) return maskCredential(credential)
  const plain = credential.form === 'url' && /^[a-z]+\d?$/.test(credential.scheme) && credential.scheme !== 'ecto'
  return `${name}=${plain ? maskUrl(context.staging.configVars[name] ?? '') : maskCredential(credential)}`
}

/** The production credentials a staging credential reaches (the endpoint rules' matches). */
function reachedBy(context: AuditContext, credential: Credential): ProductionCredential[] {
  const stagingIsCredential = isCredential(credential, exposedOn(context.staging, credential))
  return context.productionCredentials.filter(candidate =>
    credentialsMatch(credential, candidate.credential, context.hosts) && (stagingIsCredential || isCredential(candidate.credential, candidate.fromAddon)))
}

/** The config var an attachment exposes its URL under: `HEROKU_POSTGRESQL_ROSE_URL`. */
function urlVarOf(attachment: AttachmentRef): string {
  return attachment.configVarNames.find(name => name === `${attachment.name}_URL`)
    ?? attachment.configVarNames.find(name => name.endsWith('_URL'))
    ?? `${attachment.name}_URL`
}

function isProductionAddon(context: AuditContext, attachment: AttachmentRef): boolean {
  const owner = attachment.addon.owner
  return context.productionAddons.has(attachment.addon.id)
    || context.production.some(p => isOwner(p.app, owner))
}

/** Postgres attachments of the audited app whose add-on is not production's, leaders first. */
function ownPostgres(context: AuditContext): AttachmentRef[] {
  return context.staging.attachments
    .filter(attachment => isPostgresAttachment(attachment) && !isProductionAddon(context, attachment))
    .filter(attachment => attachment.name !== 'DATABASE')
    .sort(leadersFirst(context.staging))
}

function productionPostgresPlan(context: AuditContext): string {
  for (const production of [...context.related, ...context.production]) {
    const primary = primaryPostgres(production)
    if (primary?.addon.plan) return primary.addon.plan
  }

  return DEFAULT_POSTGRES_PLAN
}

function describeAddon(attachment: AttachmentRef): NonNullable<FindingSubject['addon']> {
  const {addon} = attachment
  return {id: addon.id, name: addon.name, owner: addon.owner.name, plan: addon.plan, service: addon.service}
}

function finding(context: AuditContext, code: FindingCode, fields: {
  addons?: string[]
  configVars?: string[]
  evidence?: string[]
  message: string
  production?: string[]
  severity?: Severity
  subject: FindingSubject
}): AuditFinding {
  return {
    addons: fields.addons ?? [],
    app: context.staging.app.name,
    code,
    configVars: fields.configVars ?? [],
    ...(fields.evidence && fields.evidence.length > 0 ? {evidence: fields.evidence} : {}),
    message: fields.message,
    production: unique(fields.production ?? []),
    remedy: remedyCommand(fields.subject.action),
    severity: fields.severity ?? defaultSeverity(code),
    subject: fields.subject,
  }
}

/** The fix for a credential that reaches production: detach what exposes it, promote, or unset. */
function endpointAction(context: AuditContext, vars: readonly string[], postgres: boolean): FindingAction {
  const app = context.staging.app.name
  const [name = ''] = vars
  const attachment = vars.map(v => attachmentExposing(context.staging, v)).find(a => a !== undefined)
  if (attachment) return {app, attachment: attachment.name, kind: 'detach'}
  if (!postgres) return {app, configVar: name, kind: 'replace-url'}
  if (name !== 'DATABASE_URL' || vars.length > 1) return {app, configVar: name, ...(vars.length > 1 ? {configVars: [...vars]} : {}), kind: 'unset-config'}
  const own = ownPostgres(context)[0]
  if (own) return {app, configVar: urlVarOf(own), kind: 'promote'}
  return {app, kind: 'replace-database', plan: productionPostgresPlan(context)}
}

function productionMatchList(matches: readonly ProductionCredential[]): string {
  return unique(matches.map(match => `${match.app}'s ${credentialLabel(match.credential)}`)).join(', ')
}

const FORM_TEXT: Record<Credential['form'], string> = {dsn: ' (a libpq key/value string)', jdbc: ' (a JDBC URL)', json: ' (inside its JSON)', split: '', url: ''}

function sharedEndpoints(context: AuditContext, code: 'SHARED_DATABASE' | 'SHARED_SERVICE'): AuditFinding[] {
  const postgres = code === 'SHARED_DATABASE'
  // One finding per config var (or split group), however many credentials it holds.
  const byVars = new Map<string, {credential: Credential; matches: ProductionCredential[]}>()
  for (const credential of context.stagingCredentials) {
    if ((credential.family === 'postgres') !== postgres) continue
    const matches = reachedBy(context, credential)
    if (matches.length === 0) continue
    const key = credentialLabel(credential)
    const seen = byVars.get(key)
    if (seen) seen.matches.push(...matches.filter(m => !seen.matches.includes(m)))
    else byVars.set(key, {credential, matches})
  }

  const findings: AuditFinding[] = []
  for (const {credential, matches} of [...byVars.values()].sort((a, b) => credentialLabel(a.credential).localeCompare(credentialLabel(b.credential)))) {
    const label = credentialLabel(credential)
    const [name = label] = credential.vars
    const attachment = credential.vars.map(v => attachmentExposing(context.staging, v)).find(a => a !== undefined)
    const what = postgres ? 'the same Postgres database' : `the same ${credential.family} service`
    const several = credential.vars.length > 1
    const nuisance = several ? undefined : nuisanceOf(context, name)
    findings.push(finding(context, code, {
      addons: attachment ? [attachment.name] : [],
      configVars: [...credential.vars],
      evidence: [credentialEvidence(context, credential)],
      message: nuisance
        ? `${label} is production's ${nuisance.kind} (${productionMatchList(matches)}): ${nuisance.why}${nuisance.separated ? `, tagged ${nuisance.separated}` : ''}. Not a leak (it is public by design); to separate them: ${nuisance.fix.replace('STAGING_APP', context.staging.app.name)}`
        : `${label}${FORM_TEXT[credential.form]} ${several ? 'reach' : 'reaches'} ${what} as ${productionMatchList(matches)}`,
      production: matches.map(match => match.app),
      ...(nuisance ? {severity: nuisance.separated ? 'info' as const : 'warning' as const} : {}),
      subject: {
        action: endpointAction(context, credential.vars, postgres),
        ...(attachment ? {addon: describeAddon(attachment), attachment: {id: attachment.id, name: attachment.name}} : {}),
        configVar: name,
        matches: matches.map(match => ({app: match.app, configVar: credentialLabel(match.credential)})),
      },
    }))
  }

  return findings
}

/** Sharing that is a nuisance, not a hazard (a Sentry DSN): why, how to separate, and whether staging already tags its events apart. */
function nuisanceOf(context: AuditContext, name: string): (ReturnType<typeof sharingNuisance> & {separated?: string}) | undefined {
  const nuisance = sharingNuisance(name, context.staging.configVars[name] ?? '')
  if (!nuisance) return undefined
  const environment = context.staging.configVars.SENTRY_ENVIRONMENT?.trim()
  const productionEnvironments = context.production.map(p => p.configVars.SENTRY_ENVIRONMENT?.trim() ?? 'production')
  const separated = environment && !productionEnvironments.includes(environment) ? `SENTRY_ENVIRONMENT=${environment}` : undefined
  return {...nuisance, ...(separated ? {separated} : {})}
}

/** SHARED_DATABASE: any config var reaching the same physical Postgres database as any production credential. */
export const sharedDatabase: Rule = context => sharedEndpoints(context, 'SHARED_DATABASE')

/** SHARED_SERVICE: the same for Redis, AMQP, Elasticsearch and every other URL-valued credential. */
export const sharedService: Rule = context => sharedEndpoints(context, 'SHARED_SERVICE')

/** PRODUCTION_ADDON: an attachment on staging of an add-on a production app owns or attaches. */
export const productionAddon: Rule = context => {
  const app = context.staging.app.name
  const findings: AuditFinding[] = []
  const attachments = [...context.staging.attachments].sort((a, b) => a.name.localeCompare(b.name))
  for (const attachment of attachments) {
    const {addon} = attachment
    const owner = context.production.find(p => ownsAddon(p, addon))
    const attachedBy = context.productionAddons.get(addon.id) ?? []
    if (!owner && attachedBy.length === 0) continue
    const stagingOwns = ownsAddon(context.staging, addon)
    const production = unique([...(owner ? [owner.app.name] : []), ...attachedBy])
    const subject: Omit<FindingSubject, 'action'> = {
      addon: describeAddon(attachment),
      attachment: {id: attachment.id, name: attachment.name},
    }
    if (stagingOwns) {
      // Production depends on an add-on the staging app bills: detaching it from staging is impossible.
      findings.push(finding(context, 'PRODUCTION_ADDON', {
        addons: [attachment.name, addon.name],
        configVars: attachment.configVarNames,
        message: `add-on ${addon.name} (${addon.plan}) is owned by ${app} and also attached to ${production.join(', ')}`,
        production,
        subject: {...subject, action: {addon: addon.name, app: production[0] ?? app, kind: 'move-addon', plan: addon.plan}},
      }))
      continue
    }

    const why = owner ? `owned by production app ${owner.app.name}` : `also attached to ${attachedBy.join(', ')}`
    findings.push(finding(context, 'PRODUCTION_ADDON', {
      addons: [attachment.name, addon.name],
      configVars: attachment.configVarNames,
      message: `attachment ${attachment.name} exposes add-on ${addon.name} (${addon.plan}), ${why}`,
      production,
      subject: {...subject, action: {app, attachment: attachment.name, kind: 'detach'}},
    }))
  }

  return findings
}

/** UNATTACHED_DATABASE_URL: DATABASE_URL set by hand, not by an attachment named DATABASE. */
export const unattachedDatabaseUrl: Rule = context => {
  const app = context.staging.app.name
  const value = context.staging.configVars.DATABASE_URL
  if (value === undefined) return []
  const attached = context.staging.attachments.some(attachment => attachment.name === 'DATABASE' || attachment.configVarNames.includes('DATABASE_URL'))
  if (attached) return []
  const own = ownPostgres(context)
  const aliased = own.find(attachment => attachment.configVarNames.some(name => sameEndpoint(value, context.staging.configVars[name], context.hosts)))
  const reaching = context.stagingCredentials.filter(c => c.vars.length === 1 && c.vars[0] === 'DATABASE_URL').flatMap(c => reachedBy(context, c))
  const reachesProduction = reaching.length > 0
  const target = aliased ?? own[0]
  const action: FindingAction = target
    ? {app, configVar: urlVarOf(target), kind: 'promote'}
    : {app, kind: 'replace-database', plan: productionPostgresPlan(context)}
  let message = 'DATABASE_URL is a plain config var, not exposed by an attachment named DATABASE: pg:* commands and forks cannot see which database it reaches'
  if (aliased) message += ` (it aliases ${urlVarOf(aliased)})`
  if (reachesProduction) message += ', and it reaches a production database'
  return [finding(context, 'UNATTACHED_DATABASE_URL', {
    addons: target ? [target.name] : [],
    configVars: ['DATABASE_URL'],
    evidence: [`DATABASE_URL=${maskedValue(value)}`],
    message,
    production: reaching.map(candidate => candidate.app),
    severity: aliased && !reachesProduction ? 'warning' : 'critical',
    subject: {
      action,
      configVar: 'DATABASE_URL',
      ...(target ? {addon: describeAddon(target), attachment: {id: target.id, name: target.name}} : {}),
    },
  })]
}

/** A value as evidence: a credential masked in its own form, a URL masked, anything else fingerprinted. */
function maskedValue(value: string): string {
  const [credential] = credentialsIn(value)
  return credential && credential.form !== 'json' ? maskCredential({...credential, vars: []}) : maskUrl(value)
}

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

const NAMED_DATABASES = new Set(['mongodb', 'mysql', 'postgres'])

/**
 * IDENTITY_UNKNOWN: a staging credential names the same database (or, outside Postgres, port and
 * path) as a production credential on another host name, and one of the names did not resolve:
 * whether it is the same server is unknown, so it is said, never passed silently.
 */
export const identityUnknown: Rule = context => {
  if (!context.hosts) return []
  const app = context.staging.app.name
  const findings: AuditFinding[] = []
  for (const credential of context.stagingCredentials) {
    // Only where a database name tells databases apart: Redis's 0 and an HTTP path do not.
    if (!NAMED_DATABASES.has(credential.family) || reachedBy(context, credential).length > 0) continue
    const matches = context.productionCredentials.filter(candidate => credentialsUnknown(credential, candidate.credential, context.hosts))
    if (matches.length === 0) continue
    const label = credentialLabel(credential)
    const hosts = unique([...credential.endpoints, ...matches.flatMap(m => m.credential.endpoints)]
      .map(endpoint => endpoint.host)
      .filter(host => unresolved(host, context.hosts)))
    const [name = label] = credential.vars
    findings.push(finding(context, 'IDENTITY_UNKNOWN', {
      configVars: [...credential.vars],
      evidence: [credentialEvidence(context, credential)],
      message: `${label} names the same database as ${productionMatchList(matches)} on another host name, and ${hosts.join(', ') || 'a host'} could not be resolved: whether it is the same server is unknown`,
      production: matches.map(match => match.app),
      subject: {
        action: {app, configVar: name, host: hosts[0] ?? '', kind: 'check-host'},
        configVar: name,
        matches: matches.map(match => ({app: match.app, configVar: credentialLabel(match.credential)})),
      },
    }))
  }

  return findings
}

interface DatabasePair {
  production: AppSnapshot
  productionDb: AttachmentRef
  stagingDb: AttachmentRef
}

/** The audited app's main database next to each production app's, when they are distinct add-ons. */
function databasePairs(context: AuditContext): DatabasePair[] {
  const stagingDb = primaryPostgres(context.staging)
  if (!stagingDb || isProductionAddon(context, stagingDb)) return []
  const pairs: DatabasePair[] = []
  for (const production of context.related) {
    const productionDb = primaryPostgres(production)
    if (productionDb && productionDb.addon.id !== stagingDb.addon.id) pairs.push({production, productionDb, stagingDb})
  }

  return pairs
}

function planOf(snapshot: AppSnapshot, attachment: AttachmentRef): string {
  return attachment.addon.plan || snapshot.databases[attachment.addon.id]?.plan || ''
}

function databaseSubject(context: AuditContext, pair: DatabasePair): Omit<FindingSubject, 'action'> {
  return {
    addon: describeAddon(pair.stagingDb),
    attachment: {id: pair.stagingDb.id, name: pair.stagingDb.name},
    database: {
      production: {
        addon: pair.productionDb.addon.name,
        majorVersion: pair.production.databases[pair.productionDb.addon.id]?.majorVersion,
        plan: planOf(pair.production, pair.productionDb),
      },
      staging: {
        addon: pair.stagingDb.addon.name,
        majorVersion: context.staging.databases[pair.stagingDb.addon.id]?.majorVersion,
        plan: planOf(context.staging, pair.stagingDb),
      },
    },
  }
}

/** POSTGRES_VERSION_DRIFT: the main databases run different Postgres major versions. */
export const postgresVersionDrift: Rule = context => {
  const app = context.staging.app.name
  return databasePairs(context).flatMap(pair => {
    const subject = databaseSubject(context, pair)
    const staging = subject.database?.staging.majorVersion
    const production = subject.database?.production.majorVersion
    if (!staging || !production || staging === production) return []
    const action: FindingAction = Number(staging) < Number(production)
      ? {addon: pair.stagingDb.addon.name, app, kind: 'upgrade-version', version: production}
      : {app, kind: 'create-database', plan: planOf(context.staging, pair.stagingDb) || DEFAULT_POSTGRES_PLAN, version: production}
    return [finding(context, 'POSTGRES_VERSION_DRIFT', {
      addons: [pair.stagingDb.addon.name],
      message: `${pair.stagingDb.addon.name} runs Postgres ${staging}, ${pair.production.app.name}'s ${pair.productionDb.addon.name} runs Postgres ${production}`,
      production: [pair.production.app.name],
      subject: {...subject, action},
    })]
  })
}

/** POSTGRES_VERSION_UNKNOWN: a main database's version could not be read, so drift was not checked (never silently). */
export const postgresVersionUnknown: Rule = context => databasePairs(context).flatMap(pair => {
  const subject = databaseSubject(context, pair)
  const missing = [
    ...(subject.database?.staging.majorVersion ? [] : [{addon: pair.stagingDb.addon.name, app: context.staging.app.name}]),
    ...(subject.database?.production.majorVersion ? [] : [{addon: pair.productionDb.addon.name, app: pair.production.app.name}]),
  ]
  const [first] = missing
  if (!first) return []
  return [finding(context, 'POSTGRES_VERSION_UNKNOWN', {
    addons: missing.map(m => m.addon),
    message: `The Data API gave no Postgres version for ${missing.map(m => `${m.app}'s ${m.addon}`).join(' or ')}: version drift against ${pair.production.app.name} was not checked`,
    production: [pair.production.app.name],
    subject: {...subject, action: {addon: first.addon, app: first.app, kind: 'pg-info'}},
  })]
})

/** POSTGRES_PLAN_DRIFT: the main databases are on different plan tiers. */
export const postgresPlanDrift: Rule = context => {
  const app = context.staging.app.name
  return databasePairs(context).flatMap(pair => {
    const stagingPlan = planOf(context.staging, pair.stagingDb)
    const productionPlan = planOf(pair.production, pair.productionDb)
    const stagingTier = planTier(stagingPlan)
    const productionTier = planTier(productionPlan)
    if (!stagingTier || !productionTier || stagingTier === productionTier) return []
    return [finding(context, 'POSTGRES_PLAN_DRIFT', {
      addons: [pair.stagingDb.addon.name],
      message: `${pair.stagingDb.addon.name} is on ${stagingPlan} (${stagingTier}), ${pair.production.app.name}'s ${pair.productionDb.addon.name} on ${productionPlan} (${productionTier})`,
      production: [pair.production.app.name],
      subject: {
        ...databaseSubject(context, pair),
        action: {addon: pair.stagingDb.addon.name, app, kind: 'change-plan', plan: `${POSTGRES_SERVICE}:${productionTier}-0`},
      },
    })]
  })
}

/** FOLLOWS_PRODUCTION: a staging database follows (replicates) a production database. */
export const followsProduction: Rule = context => {
  const app = context.staging.app.name
  const productionDbs = new Map<string, string>()
  for (const production of context.production) {
    for (const attachment of production.attachments) {
      if (isPostgresAttachment(attachment)) {
        productionDbs.set(attachment.addon.name, production.app.name)
        productionDbs.set(attachment.addon.id, production.app.name)
      }
    }
  }

  const seen = new Set<string>()
  const findings: AuditFinding[] = []
  for (const attachment of [...context.staging.attachments].sort((a, b) => a.name.localeCompare(b.name))) {
    const database = context.staging.databases[attachment.addon.id]
    const leader = database?.following
    if (!isPostgresAttachment(attachment) || !leader || seen.has(attachment.addon.id)) continue
    // By the leader's name, else by its URL (the Data API's `following`) against production's credentials.
    const production = productionDbs.get(leader)
      ?? appReaching(context.production, database.followingUrl, context.hosts)?.app.name
    if (!production || isProductionAddon(context, attachment)) continue
    seen.add(attachment.addon.id)
    findings.push(finding(context, 'FOLLOWS_PRODUCTION', {
      addons: [attachment.name, attachment.addon.name],
      configVars: attachment.configVarNames,
      message: `${attachment.addon.name} is a follower of ${production}'s ${leader}: production data streams into staging`,
      production: [production],
      subject: {action: {app, configVar: urlVarOf(attachment), kind: 'unfollow'}, addon: describeAddon(attachment), attachment: {id: attachment.id, name: attachment.name}},
    }))
  }

  return findings
}

/** Add-on services that act on the outside world, by category. */
const SIDE_EFFECT_SERVICES: ReadonlyArray<{category: string; pattern: RegExp}> = [
  {category: 'scheduler', pattern: /scheduler|cron|temporize|crontogo/i},
  {category: 'mail', pattern: /mail|sendgrid|postmark|sparkpost|mandrill|sendinblue|brevo|smtp|cloudmailin|mailtrap/i},
  {category: 'SMS', pattern: /sms|twilio|nexmo|vonage|plivo|sinch|textmagic|messagebird|telnyx/i},
  {category: 'payments', pattern: /stripe|payment|braintree|paypal|recurly|chargebee|chargify|paddle|adyen/i},
]

/** The side-effect category of an add-on service, if it has one. */
export function sideEffectCategory(service: string): string | undefined {
  return SIDE_EFFECT_SERVICES.find(entry => entry.pattern.test(service))?.category
}

/** SIDE_EFFECT_ADDON: scheduler, mail, SMS or payments add-ons attached to the staging app. */
export const sideEffectAddon: Rule = context => {
  const app = context.staging.app.name
  const seen = new Set<string>()
  const findings: AuditFinding[] = []
  for (const attachment of [...context.staging.attachments].sort((a, b) => a.name.localeCompare(b.name))) {
    const category = sideEffectCategory(attachment.addon.service)
    if (!category || seen.has(attachment.addon.id)) continue
    seen.add(attachment.addon.id)
    const stagingOwns = ownsAddon(context.staging, attachment.addon)
    let action: FindingAction = {app, attachment: attachment.name, kind: 'detach'}
    if (stagingOwns) {
      action = category === 'scheduler'
        ? {addon: attachment.addon.name, app, kind: 'open-addon'}
        : {addon: attachment.addon.name, app, kind: 'destroy-addon'}
    }

    const effect = category === 'scheduler' ? 'runs jobs on a schedule' : `sends real ${category === 'payments' ? 'payments' : category}`
    findings.push(finding(context, 'SIDE_EFFECT_ADDON', {
      addons: [attachment.name, attachment.addon.name],
      configVars: attachment.configVarNames,
      message: `${category} add-on ${attachment.addon.name} (${attachment.addon.service}) ${effect} from staging`,
      subject: {action, addon: describeAddon(attachment), attachment: {id: attachment.id, name: attachment.name}},
    }))
  }

  return findings
}

/** Process types that act without a request. */
const BACKGROUND_PROCESS = /worker|clock|scheduler|cron|sidekiq|celery|resque|jobs?\b|queue/i

/** ACTIVE_WORKER: worker, clock and similar process types scaled above zero on staging. */
export const activeWorker: Rule = context => {
  const app = context.staging.app.name
  return [...context.staging.formation]
    .sort((a, b) => a.type.localeCompare(b.type))
    .filter(entry => entry.quantity > 0 && BACKGROUND_PROCESS.test(entry.type))
    .map(entry => finding(context, 'ACTIVE_WORKER', {
      message: `process type ${entry.type} runs ${entry.quantity} × ${entry.size} on staging`,
      subject: {action: {app, kind: 'scale-down', processType: entry.type}, process: {quantity: entry.quantity, size: entry.size, type: entry.type}},
    }))
}

/**
 * PRODUCTION_STAGE: the audited app is itself production (coupled at stage production, or among
 * the production apps given). Uses the full production list, before the app is removed from it.
 */
function productionStage(staging: AppSnapshot, production: readonly AppSnapshot[]): Rule {
  return context => {
    const app = staging.app.name
    const coupled = staging.pipeline?.stage === 'production'
    const named = production.some(p => p.app.id === staging.app.id)
    if (!coupled && !named) return []
    const reason = coupled
      ? `${app} is coupled at stage production in pipeline ${staging.pipeline?.name ?? ''}`
      : `${app} is one of the production apps it is audited against`
    return [finding(context, 'PRODUCTION_STAGE', {
      message: `${reason}: it is not a staging app`,
      production: [app],
      subject: {
        action: coupled ? {app, kind: 'set-stage', stage: 'staging'} : {app, kind: 'rerun-audit'},
        stage: {pipeline: staging.pipeline?.name ?? null, stage: staging.pipeline?.stage ?? null},
      },
    })]
  }
}

/**
 * PRODUCTION_STAGE for an app marked production with `heroku staging:protect` (`protectedKeys`
 * holds protected app names and ids). Silent when the pipeline stage already reports it.
 */
export function protectedStage(staging: AppSnapshot, protectedKeys: readonly string[]): AuditFinding[] {
  const app = staging.app.name
  if (staging.pipeline?.stage === 'production') return []
  if (!protectedKeys.includes(app) && !protectedKeys.includes(staging.app.id)) return []
  const context = auditContext(staging, [])
  return [finding(context, 'PRODUCTION_STAGE', {
    message: `${app} is marked production with heroku staging:protect: it is not a staging app`,
    production: [app],
    subject: {
      action: {app, kind: 'unprotect'},
      stage: {pipeline: staging.pipeline?.name ?? null, protected: true, stage: staging.pipeline?.stage ?? null},
    },
  })]
}

/** NO_PIPELINE: the audited app is in no pipeline. */
export const noPipeline: Rule = context => {
  if (context.staging.pipeline) return []
  const app = context.staging.app.name
  const pipeline = context.related.find(p => p.pipeline)?.pipeline?.name ?? 'PIPELINE'
  return [finding(context, 'NO_PIPELINE', {
    message: `${app} is in no pipeline: nothing records that it is a staging app`,
    subject: {action: {app, kind: 'pipeline-add', pipeline}, stage: {pipeline: null, stage: null}},
  })]
}

/** The rules, by code. Each takes the shared context and returns its findings. */
export const RULES: Readonly<Record<Exclude<FindingCode, 'PRODUCTION_STAGE' | 'STAGE_CONFIG_VAR'>, Rule>> = {
  ACTIVE_WORKER: activeWorker,
  FOLLOWS_PRODUCTION: followsProduction,
  IDENTITY_UNKNOWN: identityUnknown,
  NO_PIPELINE: noPipeline,
  POSTGRES_PLAN_DRIFT: postgresPlanDrift,
  POSTGRES_VERSION_DRIFT: postgresVersionDrift,
  POSTGRES_VERSION_UNKNOWN: postgresVersionUnknown,
  PRODUCTION_ADDON: productionAddon,
  SHARED_DATABASE: sharedDatabase,
  SHARED_SECRET: sharedSecret,
  SHARED_SERVICE: sharedService,
  SIDE_EFFECT_ADDON: sideEffectAddon,
  UNATTACHED_DATABASE_URL: unattachedDatabaseUrl,
}

/**
 * Builds the context the rules share; the audited app is never compared with itself. `production` are
 * the related production apps, `elsewhere` the account's other production apps, compared too.
 */
export function auditContext(staging: AppSnapshot, production: readonly AppSnapshot[], elsewhere: readonly AppSnapshot[] = []): AuditContext {
  const related = production.filter(p => p.app.id !== staging.app.id)
  const relatedIds = new Set(related.map(p => p.app.id))
  const others = [...related, ...elsewhere.filter(p => p.app.id !== staging.app.id && !relatedIds.has(p.app.id))]
  const productionVars: ProductionVar[] = []
  const productionAddons = new Map<string, string[]>()
  for (const p of others) {
    for (const [configVar, value] of sortedEntries(p.configVars)) {
      productionVars.push({app: p.app.name, configVar, fromAddon: attachmentExposing(p, configVar) !== undefined, value})
    }

    for (const attachment of p.attachments) {
      const apps = productionAddons.get(attachment.addon.id) ?? []
      if (!apps.includes(p.app.name)) productionAddons.set(attachment.addon.id, [...apps, p.app.name])
    }
  }

  const productionCredentials = others.flatMap(p => credentialsOf(p.configVars).map(credential => ({app: p.app.name, credential, fromAddon: exposedOn(p, credential)})))
  return {
    hosts: hostTableOf([staging, ...others]),
    production: others,
    productionAddons,
    related,
    productionCredentials,
    productionVars,
    staging,
    stagingCredentials: credentialsOf(staging.configVars),
  }
}

/** Severity first (critical, warning, info), then the code table's order, app, and names. */
export function compareFindings(a: Finding, b: Finding): number {
  return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]
    || codeRank(a.code) - codeRank(b.code)
    || a.app.localeCompare(b.app)
    || [...a.configVars, ...a.addons].join(',').localeCompare([...b.configVars, ...b.addons].join(','))
    || a.message.localeCompare(b.message)
}

/**
 * Audits one staging app against its production app(s) (`production`: the related ones, which drift and
 * NO_PIPELINE name) and the account's other production apps (`elsewhere`: compared for every credential,
 * secret and add-on). Pure: the same snapshots always give the same findings, sorted by severity.
 * Values appear only masked (`maskUrl`) or fingerprinted.
 */
export function auditStaging(staging: AppSnapshot, production: readonly AppSnapshot[], elsewhere: readonly AppSnapshot[] = []): AuditFinding[] {
  const context = auditContext(staging, production, elsewhere)
  const rules: Rule[] = [productionStage(staging, production), ...Object.values(RULES)]
  return rules.flatMap(rule => rule(context)).sort(compareFindings)
}

/** The rules a pipeline stage's config vars are read with: what reaches production or holds its secrets. */
const STAGE_RULES: readonly Rule[] = [sharedDatabase, sharedService, sharedSecret, identityUnknown]

/**
 * STAGE_CONFIG_VAR: the config vars a pipeline gives every review app (`review`) or every Heroku CI run
 * (`test`), read with the endpoint and secret rules. `stage` is the stage's snapshot (its vars, with
 * `pipeline.stage` set), `apps` the apps of that stage now: those holding the same value are named.
 * Pure, like `auditStaging`.
 */
export function auditStageConfig(stage: AppSnapshot, production: readonly AppSnapshot[], apps: readonly AppSnapshot[]): AuditFinding[] {
  const {pipeline} = stage
  if (!pipeline) return []
  const context = auditContext(stage, production)
  const who = pipeline.stage === 'test' ? 'every Heroku CI run' : 'every new review app'
  return STAGE_RULES.flatMap(rule => rule(context)).map(found => {
    const configVar = found.subject.configVar ?? found.configVars[0] ?? ''
    const vars = found.configVars.filter(name => name in stage.configVars)
    const having = apps
      .filter(app => app.pipeline?.id === pipeline.id && app.pipeline.stage === pipeline.stage)
      .filter(app => vars.length > 0 && vars.every(name => app.configVars[name] === stage.configVars[name]))
      .map(app => app.app.name)
      .sort()
    const action: FindingAction = {app: stage.app.name, configVar, kind: 'stage-config', pipeline: pipeline.name, stage: pipeline.stage}
    const now = having.length > 0 ? `; ${having.length === 1 ? 'it is' : 'they are'} already on ${having.join(', ')}` : ''
    return {
      ...found,
      code: 'STAGE_CONFIG_VAR' as const,
      message: `${pipeline.name}'s ${pipeline.stage} stage config var ${found.message}: ${who} of ${pipeline.name} starts with it${now}`,
      remedy: remedyCommand(action),
      subject: {...found.subject, action, apps: having, rule: found.code, stage: {pipeline: pipeline.name, stage: pipeline.stage}},
    }
  }).sort(compareFindings)
}
