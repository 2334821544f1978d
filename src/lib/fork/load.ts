import {apiOf} from '../heroku/api.js'
import {type HerokuClient, mapBounded} from '../heroku/client.js'
import type {ServicePlan} from '../heroku/types.js'
import {loadApp} from '../snapshot/load.js'
import {type AppSnapshot, serviceOfPlan} from '../snapshot/types.js'
import type {ExistingTarget} from './plan/index.js'
import type {CataloguePlan, PlanCatalogue} from './types.js'
import {ownsAddon} from '../snapshot/query.js'

/**
 * What the fork reads before it decides anything: production, the `--to` app if it exists, and the
 * plan catalogue of every service it would provision. GET requests only.
 */

/** Everything `planFork` needs from production. */
export const PRODUCTION_LOAD = {buildpacks: true, databases: true, formation: true, release: true} as const

/** The plan API's plan, with the fields it may carry beyond the published schema. */
export function toCataloguePlan(plan: ServicePlan): CataloguePlan {
  const unit = plan.price?.unit
  const monthly = unit === undefined || unit === 'month'
  return {
    installable: plan.state !== 'shutdown' && plan.state !== 'deprecated',
    name: plan.name,
    priceCents: monthly ? plan.price?.cents : undefined,
    storageBytes: typeof plan.storage_bytes === 'number' ? plan.storage_bytes : undefined,
  }
}

/** `GET /addon-services/:service/plans` for each service; a service the API does not know gets no plans. */
export async function loadCatalogue(client: HerokuClient, services: Iterable<string>): Promise<PlanCatalogue> {
  const unique = [...new Set(services)].sort()
  const lists = await mapBounded(unique, 4, async service => {
    return (await apiOf(client).findServicePlans(service)) ?? []
  })
  return Object.fromEntries(unique.map((service, index) => [service, (lists[index] ?? []).map(plan => toCataloguePlan(plan))]))
}

/** The services whose plans the fork needs: those of add-ons production owns, and those named by --plan. */
export function servicesToPrice(production: AppSnapshot, plans: Readonly<Record<string, string>>): string[] {
  const owned = production.attachments
    .filter(a => ownsAddon(production, a.addon))
    .map(a => a.addon.service || serviceOfPlan(a.addon.plan))
  return [...new Set([...owned, ...Object.keys(plans)])]
}

/** The `--to` app if it exists (404: it does not), with its creation time. */
export async function loadExistingTarget(client: HerokuClient, name: string): Promise<ExistingTarget | undefined> {
  const app = await apiOf(client).findApp(name)
  if (!app) return undefined
  const snapshot = await loadApp(client, app.id, {})
  return {createdAt: app.created_at, snapshot}
}
