/**
 * Add-on lifecycle against real resources: each heroku-postgresql add-on gets a real database
 * (own role and password) from the cluster, asynchronously when a provisioning delay is set.
 */

import {randomBytes} from 'node:crypto'
import pg from 'pg'

import {ADVANCED_LEVELS, DEFAULT_ADVANCED_LEVEL, isShieldPlan, nonPostgresConfig, POSTGRES, postgresTier, resolvePlan, serviceByName} from './catalog.js'
import type {Core} from './core.js'
import {HerokuError, invalidParams} from './http.js'
import {type AddonRec, type AppRec, type FollowRef, now} from './store.js'
import type {Account} from './types.js'

export interface AddonRequest {
  attachmentName?: string
  confirm?: string
  /**
   * `config.follow` (`heroku addons:create heroku-postgresql:standard-0 -- --follow REF`): the database to
   * follow, as an add-on name or id, an attachment or config var name on the app (`DATABASE_URL`,
   * `HEROKU_POSTGRESQL_ROSE`), or `APP::NAME`
   */
  follow?: string
  /**
   * `config.fork` (`heroku addons:create heroku-postgresql:standard-0 -a APP --fork REF`, or `data:pg:fork`): the
   * database to copy, named as for `follow`. The fork gets the source's data and major, and stays writable.
   */
  fork?: string
  /** Postgres Advanced: `config['high-availability']` */
  highAvailability?: boolean
  /** Postgres Advanced: `config.level` (`data:pg:create --level 4G-Performance`) */
  level?: string
  name?: string
  plan: string
  version?: string
}

const isEssential = (plan: string): boolean => postgresTier(plan) === 'essential'
const isAdvanced = (plan: string): boolean => postgresTier(plan) === 'advanced'

/**
 * The Postgres add-on `ref` names, as seen from `app` by `actor`: an add-on name or id, an attachment
 * name or one of its config vars on the app (`ROSE`, `HEROKU_POSTGRESQL_ROSE_URL`), a plain config var
 * holding a database's URL, or any of these as `OTHER_APP::NAME`. Undefined when nothing matches.
 */
export function resolveLeader(core: Core, actor: Account, app: AppRec, ref: string): AddonRec | undefined {
  const {store} = core
  const scoped = /^(.+?)::(.+)$/.exec(ref)
  const scope = scoped ? store.findApp(scoped[1]!) : app
  const key = scoped ? scoped[2]! : ref
  if (!scope || !store.canSee(actor, scope)) return undefined
  const direct = store.findAddon(key)
  if (direct && store.canSeeAddon(actor, direct) && (!scoped || direct.appId === scope.id || store.attachmentsOfAddon(direct).some(a => a.appId === scope.id))) {
    return direct
  }

  const upper = key.toUpperCase()
  const attachment = store.attachmentsOfApp(scope).find(a =>
    a.name === upper || (upper.endsWith('_URL') && a.name === upper.slice(0, -4)) || store.attachmentVarNames(a).includes(upper))
  if (attachment) return store.addonById(attachment.addonId)
  // A plain config var (not an attachment's) that holds a database's URL, e.g. a DATABASE_URL set by hand.
  const value = scope.config[upper] ?? scope.config[`${upper}_URL`]
  if (!value) return undefined
  return store.state.addons.find(a => a.service === POSTGRES && a.config.URL === value && store.canSeeAddon(actor, a))
}

/**
 * The checks Heroku makes before provisioning a follower or a fork: the source exists and the caller sees it,
 * it is a provisioned heroku-postgresql database on a plan that supports both (not essential-*, whose
 * pg:info says `Fork/Follow: Unsupported`), and the new database's own plan, tier and version fit.
 * Refusals are 422 `invalid_params`, before anything is created.
 */
function checkSource(core: Core, actor: Account, app: AppRec, request: AddonRequest, servicePlan: string, kind: 'follow' | 'fork'): {source: FollowRef; version?: string} {
  const ref = kind === 'follow' ? request.follow! : request.fork!
  const verb = kind === 'follow' ? 'follow' : 'fork'
  const noun = kind === 'follow' ? 'Followers' : 'Forks'
  if (!servicePlan.startsWith(`${POSTGRES}:`)) throw invalidParams(`Only ${POSTGRES} databases can ${verb} another database (--${verb} ${ref}).`)
  const source = resolveLeader(core, actor, app, ref)
  if (!source) throw invalidParams(`Couldn't find the database to ${verb}: ${ref}.`)
  if (source.service !== POSTGRES) throw invalidParams(`${source.name} is a ${source.service} add-on, not a Heroku Postgres database: it cannot be ${verb === 'follow' ? 'followed' : 'forked'}.`)
  if (source.state !== 'provisioned' || !source.config.URL) throw invalidParams(`${source.name} is not yet provisioned: wait for it before ${verb === 'follow' ? 'following' : 'forking'} it.`)
  if (isEssential(source.plan)) {
    throw invalidParams(`${source.name} is on the ${source.plan} plan, which cannot be ${verb === 'follow' ? 'followed' : 'forked'} (Fork/Follow: Unsupported). ${noun} need a Standard or higher ${kind === 'follow' ? 'leader' : 'source'}.`)
  }

  if (isEssential(servicePlan)) throw invalidParams(`${noun} are not available on ${servicePlan}: choose a Standard or higher plan.`)
  if (isAdvanced(servicePlan) !== isAdvanced(source.plan)) {
    throw invalidParams(`${source.name} is on ${source.plan}: its ${noun.toLowerCase()} must be on the same tier (${isAdvanced(source.plan) ? 'heroku-postgresql:advanced' : 'a Standard, Premium, Private or Shield plan'}), not ${servicePlan}.`)
  }

  if (request.version !== undefined && request.version !== source.version) {
    throw invalidParams(`A ${kind === 'follow' ? 'follower' : 'fork'} runs its ${kind === 'follow' ? 'leader' : 'source'}'s Postgres version: ${source.name} is on ${source.version ?? 'an unknown version'}, not ${request.version}.`)
  }

  return {source: {id: source.id, name: source.name}, version: source.version}
}

/** Postgres Advanced's leader level: one of ADVANCED_LEVELS (default 4G-Performance); 422 for another or for a classic plan. */
function checkLevel(request: AddonRequest, servicePlan: string): string | undefined {
  if (!isAdvanced(servicePlan)) return undefined
  const level = request.level ?? DEFAULT_ADVANCED_LEVEL
  if (!ADVANCED_LEVELS.some(l => l.name === level)) {
    throw invalidParams(`Level ${level} is not available. Choose one of ${ADVANCED_LEVELS.map(l => l.name).join(', ')}.`)
  }

  return level
}

/**
 * The add-on's real database, on a server of the major it reports when this machine has one
 * (`clusterMajor`), else on the default cluster. For a follower: the leader's data copied in once
 * (as transfers copy), then the database made read-only (`default_transaction_read_only`, set as the
 * superuser, so every new session of it refuses writes) until unfollowed. Nothing streams from the
 * leader afterwards. For a fork: the source's data as of provisioning (after the delay), writable.
 */
async function createDatabase(core: Core, addon: AddonRec): Promise<{clusterMajor?: string; database: string; url: string}> {
  const {cluster, major} = await core.clusterForVersion(addon.version)
  const credentials = await cluster.createDatabase(`d${randomBytes(7).toString('hex')}`)
  const made = {clusterMajor: major, database: credentials.database, url: credentials.url}
  const source = addon.following ?? addon.forkedFrom
  if (!source) return made
  const role = addon.following ? 'leader' : 'source'
  try {
    const from = core.store.addonById(source.id)
    if (!from?.config.URL) throw new Error(`its ${role} ${source.name} is gone`)
    await cluster.copy(from.config.URL, credentials.url)
    if (addon.following) await setReadOnly(core, {clusterMajor: major, database: credentials.database}, true)
  } catch (error) {
    await cluster.dropDatabase(credentials.database).catch(() => {})
    throw new Error(`copying the ${role}'s data into ${addon.following ? 'follower' : 'fork'} ${addon.name} failed: ${(error as Error).message}`)
  }

  return made
}

/** A follower's database refuses writes in every new session (`on`), or accepts them again (`off`, unfollow). */
export async function setReadOnly(core: Core, addon: {clusterMajor?: string; database?: string}, readOnly: boolean): Promise<void> {
  const cluster = await core.clusterOf(addon)
  const name = `"${(addon.database ?? '').replaceAll('"', '""')}"`
  const sql = readOnly ? `ALTER DATABASE ${name} SET default_transaction_read_only = on` : `ALTER DATABASE ${name} RESET default_transaction_read_only`
  await cluster.query('postgres', sql, undefined, {as: 'superuser'})
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
  const servicePlan = `${resolved.service.name}:${resolved.plan.slug}`
  if (request.follow !== undefined && request.fork !== undefined) throw invalidParams('A database either follows or forks another one, not both (--follow and --fork).')
  const follow = request.follow === undefined ? undefined : checkSource(core, actor, app, request, servicePlan, 'follow')
  const fork = request.fork === undefined ? undefined : checkSource(core, actor, app, request, servicePlan, 'fork')
  const level = checkLevel(request, servicePlan)
  // As Heroku: a Shield database only on an app in a Shield space (seeds may place one anywhere).
  if (!options.immediate && isShieldPlan(servicePlan)) {
    const space = app.spaceId ? store.findSpace(app.spaceId) : undefined
    if (!space?.shield) throw invalidParams(`${servicePlan} is only available to apps in a Shield space; ${app.name} is ${space ? `in ${space.name}, which is not a Shield space` : 'in the Common Runtime'}.`)
  }

  const delay = options.immediate ? 0 : core.settings.provisionDelayMs
  const {addon} = store.createAddon(actor, app, {
    attachmentName: request.attachmentName,
    confirm: request.confirm,
    following: follow?.source,
    forkedFrom: fork?.source,
    highAvailability: level ? Boolean(request.highAvailability) : undefined,
    level,
    name: request.name,
    plan: request.plan,
    provisioned: !postgres && delay === 0,
    version: request.version ?? follow?.version ?? fork?.version,
  })
  if (!postgres) {
    if (delay > 0) core.later(delay, async () => finishProvisioning(core, actor, addon))

    return addon
  }

  if (delay === 0) {
    try {
      const db = await createDatabase(core, addon)
      store.completeProvisioning(actor, addon, {URL: db.url}, {clusterMajor: db.clusterMajor, database: db.database, silent: true})
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

  const db = await createDatabase(core, addon)
  if (store.addonById(addon.id)) {
    store.completeProvisioning(actor, addon, {URL: db.url}, {clusterMajor: db.clusterMajor, database: db.database})
  } else {
    // destroyed while provisioning: nothing may be left behind
    await (await core.clusterOf(db)).dropDatabase(db.database)
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
  if (addon.database) await (await core.clusterOf(addon)).dropDatabase(addon.database)
  return result
}

/** Deletes an app and drops the databases of the add-ons it owned. */
export async function deleteApp(core: Core, actor: Account, app: AppRec): Promise<void> {
  const {deprovisioned} = core.store.deleteApp(actor, app)
  await dropDatabases(core, deprovisioned)
}

/** Drops the real databases of these add-ons, each on its own server. */
export async function dropDatabases(core: Core, addons: AddonRec[]): Promise<void> {
  await Promise.all(addons.filter(a => a.database).map(async a => (await core.clusterOf(a)).dropDatabase(a.database!)))
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
