import {auditStaging, protectedStage} from '../../../src/lib/audit/rules/index.js'
import type {AuditFinding} from '../../../src/lib/audit/types.js'
import {planFix} from '../../../src/lib/fix/plan/index.js'
import type {FixPlan, FixRefusal, FixStep} from '../../../src/lib/fix/types.js'
import type {AppSnapshot, AttachmentRef} from '../../../src/lib/snapshot/types.js'
import {
  addonRef,
  attachmentRef,
  incidentStagingSnapshot,
  PROD_DATABASE_URL,
  PROD_PG,
  PROD_REDIS,
  PROD_REDIS_URL,
  productionSnapshot,
  STAGING_DATABASE_URL,
  STAGING_ID,
  STAGING_PG,
} from '../../fixtures/snapshots.js'

/**
 * Staging topologies for the repair plan, built on the shared audit fixtures (test/fixtures/snapshots.ts).
 * Each is a plain snapshot; the findings come from the real audit rules, as the command gets them.
 */

export const STAGING = {id: STAGING_ID, name: 'acme-staging'}

/** Production's redis attached to staging: a different attachment id from production's own REDIS attachment. */
export function stagingAttachmentOf(name: string, addon: AttachmentRef['addon'], configVarNames = [`${name}_URL`]): AttachmentRef {
  return {...attachmentRef(name, addon, `staging-${name.toLowerCase()}-${addon.id}`), configVarNames}
}

/** The incident with production's Redis attached to staging instead of its own. */
export function incidentWithProductionRedis(): AppSnapshot {
  const incident = incidentStagingSnapshot()
  return {
    ...incident,
    attachments: [
      ...incident.attachments.filter(a => a.name !== 'REDIS'),
      stagingAttachmentOf('REDIS', PROD_REDIS),
    ],
    configVars: {...incident.configVars, REDIS_URL: PROD_REDIS_URL},
  }
}

/** A staging app with no Postgres of its own whose DATABASE_URL is production's, set by hand. */
export function noOwnDatabase(): AppSnapshot {
  const incident = incidentStagingSnapshot()
  const {HEROKU_POSTGRESQL_ROSE_URL: _rose, ...configVars} = incident.configVars
  return {
    ...incident,
    attachments: incident.attachments.filter(a => a.addon.service !== 'heroku-postgresql'),
    configVars: {...configVars, DATABASE_URL: PROD_DATABASE_URL},
    databases: {},
  }
}

/** Production's Postgres attached to staging as DATABASE (the fork-era "shared database"). */
export function productionDatabaseAttached(ownUnder?: string): AppSnapshot {
  const incident = incidentStagingSnapshot()
  const own = ownUnder ? [stagingAttachmentOf(ownUnder, STAGING_PG)] : []
  const {HEROKU_POSTGRESQL_ROSE_URL: _rose, ...configVars} = incident.configVars
  return {
    ...incident,
    attachments: [
      ...incident.attachments.filter(a => a.addon.service !== 'heroku-postgresql'),
      stagingAttachmentOf('DATABASE', PROD_PG),
      ...own,
    ],
    configVars: {...configVars, DATABASE_URL: PROD_DATABASE_URL, ...(ownUnder ? {[`${ownUnder}_URL`]: STAGING_DATABASE_URL} : {})},
    databases: ownUnder ? incident.databases : {},
  }
}

/** A staging-owned add-on production depends on (production attaches it). */
export const SHARED_CACHE = addonRef({id: 'c0000000-0000-4000-8000-0000000cache', name: 'memcachier-staging-5', owner: STAGING, plan: 'memcachier:dev'})

export function findingsOf(staging: AppSnapshot, production: AppSnapshot[] = [productionSnapshot()], protectedApps: string[] = []): AuditFinding[] {
  return [...auditStaging(staging, production), ...protectedStage(staging, protectedApps)]
}

/** The plan, asserting it is one (not a refusal). */
export function planOf(staging: AppSnapshot, production: AppSnapshot[] = [productionSnapshot()], protectedApps: string[] = []): FixPlan {
  const outcome = planFix(staging, production, findingsOf(staging, production, protectedApps), {protectedApps})
  if (outcome.kind !== 'plan') throw new Error(`expected a plan, got a refusal: ${outcome.message} ${outcome.reasons.join('; ')}`)
  return outcome
}

export function refusalOf(staging: AppSnapshot, production: AppSnapshot[] = [productionSnapshot()], protectedApps: string[] = []): FixRefusal {
  const outcome = planFix(staging, production, findingsOf(staging, production, protectedApps), {protectedApps})
  if (outcome.kind !== 'refused') throw new Error(`expected a refusal, got a plan of ${outcome.steps.length} steps`)
  return outcome
}

/** The kinds of a plan's steps, in order. */
export function kinds(steps: readonly FixStep[]): string[] {
  return steps.map(step => step.kind)
}

/** The plan's one step of a kind; throws (failing the test) when there is none. */
export function stepOf<K extends FixStep['kind']>(steps: readonly FixStep[], kind: K): Extract<FixStep, {kind: K}> {
  const step = steps.find(s => s.kind === kind)
  if (!step) throw new Error(`no ${kind} step in ${kinds(steps).join(', ')}`)
  return step as Extract<FixStep, {kind: K}>
}
