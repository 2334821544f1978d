/**
 * Add-on lifecycle against real resources: each heroku-postgresql add-on gets a real database
 * (own role and password) from the cluster, asynchronously when a provisioning delay is set.
 */

import {randomBytes} from 'node:crypto'
import pg from 'pg'

import {nonPostgresConfig, POSTGRES, resolvePlan, serviceByName} from './catalog.js'
import type {Core} from './core.js'
import {HerokuError, invalidParams} from './http.js'
import {type AddonRec, type AppRec, now} from './store.js'
import type {Account} from './types.js'

export interface AddonRequest {
  attachmentName?: string
  confirm?: string
  name?: string
  plan: string
  version?: string
}

async function createDatabase(core: Core): Promise<{database: string; url: string}> {
  const cluster = await core.cluster()
  const credentials = await cluster.createDatabase(`d${randomBytes(7).toString('hex')}`)
  return {database: credentials.database, url: credentials.url}
}

/**
 * `POST /apps/:app/addons`. Without a delay the add-on is answered `provisioned` (its database
 * already exists); with one it is answered `provisioning` and completes in the background.
 */
export async function provisionAddon(core: Core, actor: Account, app: AppRec, request: AddonRequest, options: {immediate?: boolean} = {}): Promise<AddonRec> {
  const {store} = core
  const resolved = resolvePlan(request.plan)
  if (!resolved) throw invalidParams(`Couldn't find either the add-on service or the add-on plan of "${request.plan}".`)
  const postgres = resolved.service.name === POSTGRES
  const delay = options.immediate ? 0 : core.settings.provisionDelayMs
  const {addon} = store.createAddon(actor, app, {
    attachmentName: request.attachmentName,
    confirm: request.confirm,
    name: request.name,
    plan: request.plan,
    provisioned: !postgres && delay === 0,
    version: request.version,
  })
  if (!postgres) {
    if (delay > 0) core.later(delay, async () => finishProvisioning(core, actor, addon))

    return addon
  }

  if (delay === 0) {
    try {
      const db = await createDatabase(core)
      store.completeProvisioning(actor, addon, {URL: db.url}, {database: db.database, silent: true})
    } catch (error) {
      if (store.addonById(addon.id)) store.destroyAddon(actor, addon)
      throw new HerokuError(503, 'service_unavailable', `Provisioning ${addon.name} failed: ${(error as Error).message}`)
    }

    return addon
  }

  core.later(delay, async () => finishProvisioning(core, actor, addon))
  return addon
}

/** Completes a `provisioning` add-on: its database (Postgres) or its config, then the release Heroku writes. */
export async function finishProvisioning(core: Core, actor: Account, addon: AddonRec): Promise<void> {
  const {store} = core
  if (!store.addonById(addon.id) || addon.state !== 'provisioning') return
  const service = serviceByName(addon.service)
  if (addon.service !== POSTGRES) {
    if (service) store.completeProvisioning(actor, addon, nonPostgresConfig(service, addon.name))
    return
  }

  const db = await createDatabase(core)
  if (store.addonById(addon.id)) {
    store.completeProvisioning(actor, addon, {URL: db.url}, {database: db.database})
  } else {
    // destroyed while provisioning: nothing may be left behind
    await (await core.cluster()).dropDatabase(db.database)
  }
}

/**
 * After a restart from `dataDir`: add-ons still `provisioning` finish now, and transfers that were
 * running when the emulator stopped are marked failed (their pg_dump died with it).
 */
export function resumeAfterRestart(core: Core): void {
  const {store} = core
  for (const addon of store.state.addons.filter(a => a.state === 'provisioning')) {
    const owner = store.state.apps.find(a => a.id === addon.appId)
    const actor = owner && store.account(owner.ownerId)
    if (actor) core.later(0, async () => finishProvisioning(core, actor, addon))
  }

  for (const transfer of store.state.transfers.filter(t => !t.finishedAt)) {
    const time = now()
    transfer.logs.push({created_at: time, level: 'error', message: 'the emulator stopped while this transfer ran; it did not finish'})
    transfer.succeeded = false
    transfer.finishedAt = time
    transfer.updatedAt = time
    if (transfer.fromType === 'pg_dump') transfer.fromUrl = null
    if (transfer.toType === 'pg_restore') transfer.toUrl = null
  }

  store.changed()
}

/** Deprovisions an add-on and drops its database. */
export async function deprovisionAddon(core: Core, actor: Account, addon: AddonRec): Promise<AddonRec> {
  const result = core.store.destroyAddon(actor, addon)
  if (addon.database) await (await core.cluster()).dropDatabase(addon.database)
  return result
}

/** Deletes an app and drops the databases of the add-ons it owned. */
export async function deleteApp(core: Core, actor: Account, app: AppRec): Promise<void> {
  const {deprovisioned} = core.store.deleteApp(actor, app)
  const databases = deprovisioned.map(a => a.database).filter((d): d is string => Boolean(d))
  if (databases.length === 0) return
  const cluster = await core.cluster()
  await Promise.all(databases.map(async d => cluster.dropDatabase(d)))
}

/** Runs SQL in an add-on's database as its own role, so the objects belong to the add-on's user. */
export async function runAsOwner(url: string, sql: string): Promise<void> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
