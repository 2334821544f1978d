/**
 * What the plugin knows about heroku-postgresql plans, one named predicate per fact. Pure.
 * Plans are read as the API and the user write them: `heroku-postgresql:standard-0`, `standard-0`,
 * or the Data API's display names (`Standard 0`, `Essential 1`).
 */

const GB = 1024 ** 3
const TB = 1024 ** 4

/** The plan a new database gets when nothing says otherwise (`heroku addons:create heroku-postgresql`). */
export const DEFAULT_POSTGRES_PLAN = 'heroku-postgresql:essential-0'

/** The Standard plans in order of size: where a Heroku Postgres fork goes by default. */
export const STANDARD_PLANS = ['standard-0', 'standard-2', 'standard-3', 'standard-4', 'standard-5', 'standard-6', 'standard-7', 'standard-8', 'standard-9'] as const

/**
 * Storage limits Heroku publishes for heroku-postgresql plans (Dev Center "Heroku Postgres plans").
 * The Platform API's plan object has no storage field, so this table is the source unless the
 * plan API reports a limit itself. Premium, private and shield tiers share the standard limits.
 */
const ESSENTIAL_STORAGE: Record<string, number> = {'essential-0': 1 * GB, 'essential-1': 10 * GB, 'essential-2': 32 * GB}
const TIER_STORAGE: Record<string, number> = {
  0: 64 * GB, 2: 256 * GB, 3: 512 * GB, 4: 768 * GB, 5: 1 * TB, 6: 1.5 * TB, 7: 2 * TB, 8: 3 * TB, 9: 4 * TB,
}

/** `heroku-postgresql:standard-0` → `standard-0`; `Standard 0` → `standard-0`. */
function shortPlan(plan: string): string {
  return (plan.includes(':') ? plan.slice(plan.indexOf(':') + 1) : plan).trim().toLowerCase().replaceAll(/[\s_]+/g, '-')
}

/** The plan tier: `heroku-postgresql:standard-0` → `standard`, `Essential 1` → `essential`. */
export function planTier(plan: string | undefined): string | undefined {
  if (!plan) return undefined
  return shortPlan(plan).split('-')[0] || undefined
}

/** `essential-1` or `heroku-postgresql:essential-1` → `heroku-postgresql:essential-1`. */
export function fullPlanName(service: string, plan: string): string {
  return plan.includes(':') ? plan : `${service}:${plan}`
}

/** The published storage limit of a heroku-postgresql plan, or undefined when it is not known. */
export function postgresStorageBytes(plan: string): number | undefined {
  const short = shortPlan(plan)
  if (short in ESSENTIAL_STORAGE) return ESSENTIAL_STORAGE[short]
  const tier = /^(?:standard|premium|private|shield)-(\d+)$/.exec(short)
  return tier ? TIER_STORAGE[tier[1] ?? ''] : undefined
}

/** essential-* plans have no fork or follow (their pg:info says `Fork/Follow: Unsupported`). */
export function isEssentialPlan(plan: string): boolean {
  return /^essential-\d+$/.test(shortPlan(plan))
}

/** Shield plans (`shield-N`, `advanced-shield`) have no PGBackups, so no transfer copies to or from them. */
export function isShieldPlan(plan: string): boolean {
  return /^(?:shield-\d+|advanced-shield)$/.test(shortPlan(plan))
}

/** The Standard-tier plans (`standard-N`): a fork's default home. */
export function isStandardPlan(plan: string): boolean {
  return /^standard-\d+$/.test(shortPlan(plan))
}

/** Postgres Advanced (`advanced`, `advanced-private`, `advanced-shield`): sized by level, not by plan. */
export function isAdvancedPlan(plan: string): boolean {
  return planTier(plan) === 'advanced'
}

/** The network-isolated tier of a classic plan (`shield-N` → `shield`, `private-N` → `private`), else undefined. */
export function isolatedTier(plan: string): 'private' | 'shield' | undefined {
  const match = /^(shield|private)-\d+$/.exec(shortPlan(plan))
  return match ? (match[1] as 'private' | 'shield') : undefined
}
