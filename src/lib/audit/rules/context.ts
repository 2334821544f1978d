import {type Credential, credentialsIn, credentialsMatch, credentialsOf, type HostTable, hostTableOf} from '../../snapshot/identity.js'
import {attachmentExposing, isOwner} from '../../snapshot/query.js'
import {type AppSnapshot, type AttachmentRef} from '../../snapshot/types.js'
import {codeRank, defaultSeverity} from '../codes.js'
import {remedyCommand} from '../remedy.js'
import {type AuditFinding, type Finding, type FindingCode, type FindingSubject, SEVERITY_ORDER, type Severity} from '../types.js'

/**
 * What every rule family shares: the context computed once per audited app, the helpers that read
 * it, and how a finding is built and ordered.
 */

/** A production config var, by app and name. */
export interface ProductionVar {
  app: string
  configVar: string
  /** exposed by one of that app's attachments (owned by an add-on) */
  fromAddon: boolean
  value: string
}

/** A production credential in any form, by app and the config vars it is read from. */
export interface ProductionCredential {
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


export function sortedEntries(vars: Readonly<Record<string, string>>): Array<[string, string]> {
  return Object.entries(vars).filter(([, value]) => typeof value === 'string').sort(([a], [b]) => a.localeCompare(b))
}

export function unique<T>(items: readonly T[]): T[] {
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

export function isCredentialUrl(value: string, fromAddon: boolean): boolean {
  return credentialsIn(value).some(credential => isCredential({...credential, vars: []}, fromAddon))
}

function exposedOn(snapshot: AppSnapshot, credential: Credential): boolean {
  return credential.vars.some(name => attachmentExposing(snapshot, name) !== undefined)
}

/** How findings name a credential: `DATABASE_URL`, or a split group `PGHOST+PGDATABASE+PGPASSWORD`. */
export function credentialLabel(credential: Credential): string {
  return credential.vars.join('+')
}

/** The production credentials a staging credential reaches (the endpoint rules' matches). */
export function reachedBy(context: AuditContext, credential: Credential): ProductionCredential[] {
  const stagingIsCredential = isCredential(credential, exposedOn(context.staging, credential))
  return context.productionCredentials.filter(candidate =>
    credentialsMatch(credential, candidate.credential, context.hosts) && (stagingIsCredential || isCredential(candidate.credential, candidate.fromAddon)))
}

/** The config var an attachment exposes its URL under: `HEROKU_POSTGRESQL_ROSE_URL`. */
export function urlVarOf(attachment: AttachmentRef): string {
  return attachment.configVarNames.find(name => name === `${attachment.name}_URL`)
    ?? attachment.configVarNames.find(name => name.endsWith('_URL'))
    ?? `${attachment.name}_URL`
}

export function isProductionAddon(context: AuditContext, attachment: AttachmentRef): boolean {
  const owner = attachment.addon.owner
  return context.productionAddons.has(attachment.addon.id)
    || context.production.some(p => isOwner(p.app, owner))
}

export function describeAddon(attachment: AttachmentRef): NonNullable<FindingSubject['addon']> {
  const {addon} = attachment
  return {id: addon.id, name: addon.name, owner: addon.owner.name, plan: addon.plan, service: addon.service}
}

export function finding(context: AuditContext, code: FindingCode, fields: {
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

