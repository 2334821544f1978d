import {type AppSnapshot} from '../../snapshot/types.js'
import {type AuditFinding, type FindingCode} from '../types.js'
import {productionAddon, sideEffectAddon} from './addons.js'
import {auditContext, compareFindings, type Rule} from './context.js'
import {followsProduction, postgresPlanDrift, postgresVersionDrift, postgresVersionUnknown} from './databases.js'
import {identityUnknown, sharedDatabase, sharedService, unattachedDatabaseUrl} from './endpoints.js'
import {activeWorker} from './processes.js'
import {sharedSecret} from './secrets.js'
import {noPipeline, productionStage} from './stages.js'

/**
 * The audit: pure functions over snapshots, one per rule, each with a stable code (see codes.ts).
 * Nothing here performs I/O or prints; values never leave this module except as masked URLs
 * (`maskUrl`) and fingerprints.
 *
 * One file per rule family (context.ts holds what they share); this index is the only entry point.
 */

export {sideEffectCategory} from './addons.js'
export {type AuditContext, auditContext, compareFindings, type Rule} from './context.js'
export {auditStageConfig, protectedStage} from './stages.js'
export {activeWorker, followsProduction, identityUnknown, noPipeline, postgresPlanDrift, postgresVersionDrift, postgresVersionUnknown, productionAddon, sharedDatabase, sharedSecret, sharedService, sideEffectAddon, unattachedDatabaseUrl}

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

