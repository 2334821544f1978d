/**
 * The guard's view of production, from the production registry: every production app of the account
 * with its add-ons and credentials, and why it is production. The one place the guard's context is
 * built for a real command; `classifyTarget` stays pure over it.
 */
import type {ProductionRegistry} from '../production/registry.js'
import {hostTableOf} from '../snapshot/identity.js'
import {type GuardContext, type GuardSource, type ProductionApp, productionAppFromSnapshot} from './classify.js'

/** `targets`: the snapshots (or a target URL's own hosts) whose resolved hosts the guard compares too. */
export async function registryContext(registry: ProductionRegistry, input: {from?: string; source?: GuardSource; targets?: ReadonlyArray<{hosts?: Readonly<Record<string, readonly string[]>>}>} = {}): Promise<GuardContext> {
  const [apps, snapshots] = await Promise.all([registry.apps(), registry.snapshots()])
  const byId = new Map(snapshots.map(snapshot => [snapshot.app.id, snapshot]))
  const production: ProductionApp[] = apps.map(ref => {
    const snapshot = byId.get(ref.id)
    // An app that could not be loaded (a removed protected app) is still production by its name.
    const base: ProductionApp = snapshot ? productionAppFromSnapshot(snapshot) : {addons: [], credentials: [], id: ref.id, name: ref.name}
    return {...base, via: ref.via}
  })
  const hosts = hostTableOf([...snapshots, ...(input.targets ?? [])])
  return {from: input.from, ...(hosts ? {hosts} : {}), production, protectedApps: [], source: input.source}
}
