import {DEFAULT_POSTGRES_PLAN, planTier} from '../../heroku/postgres-plans.js'
import {appReaching} from '../../snapshot/identity.js'
import {isPostgresAttachment, primaryPostgres} from '../../snapshot/query.js'
import {type AppSnapshot, type AttachmentRef, POSTGRES_SERVICE} from '../../snapshot/types.js'
import {type AuditFinding, type FindingAction, type FindingSubject} from '../types.js'
import {type AuditContext, describeAddon, finding, isProductionAddon, type Rule, urlVarOf} from './context.js'

/**
 * The database rules: the audited app's main database against production's (version and plan drift,
 * an unknown version), and a staging database that follows a production one.
 */

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

