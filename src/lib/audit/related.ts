import type {AppSnapshot} from '../snapshot/types.js'
import {auditStaging} from './rules/index.js'
import type {FindingCode} from './types.js'

/**
 * Which of the account's production apps an app in no pipeline is the staging of: the one its drift and
 * NO_PIPELINE findings name. Pure. In order, the first rule that names any app decides:
 * 1. the name: `acme-staging` and `acme-production` (and `acme-prod`, `acme`) share `acme` once the
 *    environment words (`staging`, `prod`, `qa`, …) and numbers are set aside;
 * 2. the wiring: production apps whose credentials, secrets, add-ons or database it shares;
 * 3. the account's only production app.
 * Otherwise none: an app related to nothing is compared with every production app, and named against none.
 */
export function relatedProduction(staging: AppSnapshot, production: readonly AppSnapshot[]): AppSnapshot[] {
  const candidates = production.filter(p => p.app.id !== staging.app.id)
  const base = nameBase(staging.app.name)
  const byName = base ? candidates.filter(p => nameBase(p.app.name) === base) : []
  if (byName.length > 0) return byName
  const wired = new Set(auditStaging(staging, [], candidates).filter(f => WIRING.has(f.code as FindingCode)).flatMap(f => f.production))
  const byWiring = candidates.filter(p => wired.has(p.app.name))
  if (byWiring.length > 0) return byWiring
  return candidates.length === 1 ? candidates : []
}

/** The findings that say two apps share data or credentials: what ties a staging app to its production. */
const WIRING: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'FOLLOWS_PRODUCTION',
  'PRODUCTION_ADDON',
  'SHARED_DATABASE',
  'SHARED_SECRET',
  'SHARED_SERVICE',
  'UNATTACHED_DATABASE_URL',
])

/** Words that name an environment, not an application. */
const ENVIRONMENT = new Set([
  'beta', 'canary', 'clone', 'copy', 'demo', 'dev', 'develop', 'development', 'fork', 'forked', 'live', 'main', 'next',
  'preprod', 'preview', 'prd', 'prod', 'production', 'qa', 'review', 'sandbox', 'stage', 'staging', 'stg', 'test', 'testing', 'uat',
])

/** An app name without its environment words and numbers: `acme-api-staging-2` → `acme-api`. */
export function nameBase(name: string): string {
  return name.toLowerCase().split(/[-_.]+/).filter(word => word && !ENVIRONMENT.has(word) && !/^\d+$/.test(word)).join('-')
}
