import {fullPlanName, isEssentialPlan, isShieldPlan, planTier, postgresStorageBytes} from '../../heroku/postgres-plans.js'
import {formatBytes} from '../../render/format.js'
import {POSTGRES_SERVICE, TRANSFER_LIMIT_BYTES} from '../../snapshot/types.js'
import type {CataloguePlan, DataMethod, PlanProblem} from '../types.js'

/** The fork's database: how production's data reaches it (`--data`), and the plan it goes on. */

function storageOf(plan: CataloguePlan): number | undefined {
  return plan.storageBytes ?? postgresStorageBytes(plan.name)
}

/** The cheapest installable plan whose storage holds `bytes` (ties: the smaller storage). */
export function smallestPlanHolding(plans: readonly CataloguePlan[], bytes: number): CataloguePlan | undefined {
  const fits = plans.filter(plan => plan.installable && (storageOf(plan) ?? -1) >= bytes)
  fits.sort((a, b) => (a.priceCents ?? Number.POSITIVE_INFINITY) - (b.priceCents ?? Number.POSITIVE_INFINITY)
    || (storageOf(a) ?? 0) - (storageOf(b) ?? 0))
  return fits[0]
}

export interface DataMethodChoice {
  method: DataMethod
  reason: string
  /** why the asked-for method cannot run, with the fix */
  problem?: PlanProblem
  warning?: string
}

/**
 * How production's database reaches the fork's: what `--data` asks, else a Heroku Postgres fork above
 * Heroku's transfer limit (10 GB, where pg:copy is not supported) and a copy below it. Essential
 * databases cannot be forked. Pure.
 */
export function chooseDataMethod(source: {app: string; attachment: string; name: string; plan: string}, numBytes: number | undefined, asked: DataMethod | undefined): DataMethodChoice {
  const size = numBytes === undefined ? 'of unknown size' : formatBytes(numBytes)
  const over = numBytes !== undefined && numBytes > TRANSFER_LIMIT_BYTES
  const essential = isEssentialPlan(source.plan)
  if (asked === 'none') return {method: 'none', reason: '--data none: left empty'}
  if (asked === 'fork') {
    if (!essential) return {method: 'fork', reason: '--data fork: a Heroku Postgres fork, no transfer'}
    return {
      method: 'fork',
      problem: {
        fix: `Copy it instead with --data copy, or move ${source.app}'s database to Standard first (heroku addons:upgrade ${source.name} heroku-postgresql:standard-0 -a ${source.app}).`,
        message: `${source.name} is on ${source.plan}: Essential databases cannot be forked (Fork/Follow: Unsupported).`,
      },
      reason: '--data fork',
    }
  }

  const shield = isShieldPlan(source.plan)
  if (asked === 'copy' && shield) {
    return {
      method: 'copy',
      problem: {
        fix: 'Fork it instead with --data fork (a Heroku Postgres fork, no transfer), or start with an empty database with --data none.',
        message: `${source.name} is on ${source.plan}: Shield databases have no PGBackups, so no transfer can copy them.`,
      },
      reason: '--data copy',
    }
  }

  if (asked === 'copy') {
    const warning = over ? `--data copy: ${source.name} holds ${size}, above the 10 GB Heroku documents for pg:copy; --data fork is the supported way.` : undefined
    return {method: 'copy', reason: `--data copy: a transfer of ${size}`, ...(warning ? {warning} : {})}
  }

  if (over && essential) {
    return {
      method: 'copy',
      reason: `a transfer of ${size}: above the 10 GB transfer limit, but ${source.plan} cannot be forked`,
      warning: `${source.name} holds ${size} on ${source.plan}, which cannot be forked: the copy may take hours or fail. Move it to Standard (heroku addons:upgrade ${source.name} heroku-postgresql:standard-0 -a ${source.app}) to fork it.`,
    }
  }

  if (shield) return {method: 'fork', reason: `a Heroku Postgres fork: ${source.plan} has no PGBackups, so no transfer can copy it`}
  if (over) return {method: 'fork', reason: `a Heroku Postgres fork: ${size} is above the 10 GB transfer limit`}
  return {method: 'copy', reason: `a transfer: ${size} is under the 10 GB transfer limit`}
}

export interface PlanChoice {
  plan: string
  reason: string
}

/**
 * The tier a staging database stays in, from production's plan: Postgres Advanced (`advanced`,
 * `advanced-private`, `advanced-shield`) keeps its exact plan, since its size is a level, not a plan;
 * Shield and Private stay Shield and Private (their network isolation is the point); the Common
 * Runtime plans (essential, standard, premium) are one tier, so staging may be smaller than production.
 */
export function databaseTier(plan: string): {name: string; plans: (candidate: string) => boolean} {
  const tier = planTier(plan)
  if (tier === 'advanced') return {name: 'Postgres Advanced', plans: candidate => candidate === fullPlanName(POSTGRES_SERVICE, plan)}
  if (tier === 'shield' || tier === 'private') return {name: tier === 'shield' ? 'Shield' : 'Private', plans: candidate => planTier(candidate) === tier}
  return {name: '', plans: candidate => ['essential', 'premium', 'standard'].includes(planTier(candidate) ?? '')}
}

/**
 * The staging database's plan: production's tier (`databaseTier`), and in it the smallest plan
 * holding production's data. The reason, printed in the plan, names a tier other than the Common Runtime's
 * (or `label`, when the caller narrowed `offered` itself).
 */
export function chooseDatabasePlan(productionPlan: string, size: number | undefined, offered: readonly CataloguePlan[], label?: string): PlanChoice {
  const tier = databaseTier(productionPlan)
  const shortName = productionPlan.split(':')[1] ?? productionPlan
  if (planTier(productionPlan) === 'advanced') return {plan: productionPlan, reason: 'same plan as production (Postgres Advanced sizes by level, not by plan)'}
  const name = label ?? tier.name
  const plan = name ? `${name} plan` : 'plan'
  const smallest = size === undefined ? undefined : smallestPlanHolding(offered.filter(p => tier.plans(p.name)), size)
  if (size === undefined) return {plan: productionPlan, reason: `production's plan (its data size is unknown, so no smaller ${plan} can be chosen)`}
  if (smallest) return {plan: smallest.name, reason: `smallest ${plan} holding production's ${formatBytes(size)} (production: ${shortName})`}
  return {plan: productionPlan, reason: `production's plan (no ${plan} known to hold ${formatBytes(size)})`}
}
