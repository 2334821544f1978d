import {type Credential, credentialsIn, credentialsUnknown, maskCredential, sameEndpoint, unresolved} from '../../snapshot/identity.js'
import {DEFAULT_POSTGRES_PLAN} from '../../heroku/postgres-plans.js'
import {maskUrl, sharingNuisance} from '../../secrets/index.js'
import {attachmentExposing, isPostgresAttachment, leadersFirst, primaryPostgres} from '../../snapshot/query.js'
import {type AttachmentRef} from '../../snapshot/types.js'
import {type AuditFinding, type FindingAction} from '../types.js'
import {type AuditContext, credentialLabel, describeAddon, finding, isProductionAddon, type ProductionCredential, reachedBy, type Rule, unique, urlVarOf} from './context.js'

/**
 * The endpoint rules: a staging credential (any form) that reaches a production database or service
 * (SHARED_DATABASE, SHARED_SERVICE), a hand-set DATABASE_URL (UNATTACHED_DATABASE_URL), and a
 * match on names whose hosts did not resolve (IDENTITY_UNKNOWN).
 */

/** Evidence for a staging credential: a plain URL masked as written (`maskUrl`), any other form masked in its own shape. */
function credentialEvidence(context: AuditContext, credential: Credential): string {
  const [name = ''] = credential.vars
  if (credential.vars.length > 1) return maskCredential(credential)
  const plain = credential.form === 'url' && /^[a-z]+\d?$/.test(credential.scheme) && credential.scheme !== 'ecto'
  return `${name}=${plain ? maskUrl(context.staging.configVars[name] ?? '') : maskCredential(credential)}`
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

export function productionMatchList(matches: readonly ProductionCredential[]): string {
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

