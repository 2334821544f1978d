/**
 * The classification's view of production, from the production registry: every production app of the
 * account with its add-ons and credentials, and why it is production. The one place its context is
 * built for a real command; `classifyTarget` stays pure over it.
 */
import type {ProductionRegistry} from '../production/registry.js'
import {hostTableOf} from '../snapshot/identity.js'
import {type ClassifyContext, type ClassifySource, type ProductionApp, productionAppFromSnapshot} from './classify.js'

/** `targets`: the snapshots (or a target URL's own hosts) whose resolved hosts the classification compares too. */
export async function registryContext(registry: ProductionRegistry, input: {from?: string; source?: ClassifySource; targets?: ReadonlyArray<{hosts?: Readonly<Record<string, readonly string[]>>}>} = {}): Promise<ClassifyContext> {
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
