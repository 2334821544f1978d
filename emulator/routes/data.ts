/**
 * The Data API ("Shogun") on the same port as the Platform API: database info, wait status,
 * transfers (pg:copy), backups, restores, reset and credentials, all against the real cluster.
 */

import {randomBytes, randomUUID} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {mkdir, rm, stat} from 'node:fs/promises'
import path from 'node:path'

import {ADVANCED_LEVELS, isShieldPlan, POSTGRES, POSTGRES_VERSIONS, postgresTier, resolvePlan, stableId} from '../catalog.js'
import type {Core} from '../core.js'
import {forbidden, HerokuError, invalidParams, notFound, type RequestContext, type Router} from '../http.js'
import {ident, literal, randomPassword, randomRoleName, scramVerifier} from '../postgres/connection.js'
import type {TransferProgress} from '../postgres/types.js'
import {setReadOnly} from '../provision.js'
import {attachmentJson} from '../serialize.js'
import {type AddonRec, type AppRec, now, type TransferRec} from '../store.js'
import {actor, bodyObject, optionalString, requiredString} from './common.js'

const DATABASE_NOT_FOUND = "Couldn't find that database."

/** Removes the password from any postgres URL in a message. */
export function scrubUrls(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:@/\s]*):[^@/\s]*@/gi, '$1:********@')
}

/** A URL without its credentials: `postgres://127.0.0.1:5432/d123`. */
function maskedUrl(url: null | string): null | string {
  if (!url) return null
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return null
  }
}

/** Shogun's date format, as heroku/cli's fixtures show it: `2016-10-01 00:42:54 +0000` (not ISO 8601). */
export function dataDate<T extends null | string>(iso: T): T {
  if (iso === null) return iso
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} +0000` as T
}

function prettyBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }

  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`
}

export function transferName(t: Pick<TransferRec, 'fromType' | 'num' | 'toType'>): string {
  const prefix = t.fromType === 'pg_dump' ? (t.toType === 'pg_restore' ? 'c' : 'b') : (t.toType === 'pg_restore' ? 'r' : 'b')
  return `${prefix}${String(t.num).padStart(3, '0')}`
}

export function dataRoutes(router: Router, core: Core): void {
  const {store} = core

  /** A Postgres add-on the caller can see, by id or name; 404 until it is provisioned. */
  const database = (ctx: RequestContext, options: {provisioned?: boolean} = {provisioned: true}): AddonRec => {
    const account = actor(ctx)
    const addon = store.findAddon(ctx.params.addon!)
    if (!addon || addon.service !== POSTGRES || !store.canSeeAddon(account, addon)) throw notFound('database', DATABASE_NOT_FOUND)
    ctx.noted.addon = addon.name
    const owner = store.state.apps.find(a => a.id === addon.appId)
    ctx.noted.app = owner?.name
    // As Heroku's Data API: attached to one of your apps is not enough, the billing app must be yours too.
    if (!owner || !store.canSee(account, owner)) throw forbidden(`You do not have access to the billing app of ${addon.name}.`)
    if (options.provisioned && (addon.state !== 'provisioned' || !addon.database || !addon.config.URL)) {
      throw notFound('database', `${addon.name} is not yet provisioned.`)
    }

    return addon
  }

  /** The attachment name a database is known by on its billing app (DATABASE first). */
  const attachmentNameOf = (addon: AddonRec): string => {
    const names = store.attachmentsOfAddon(addon).filter(a => a.appId === addon.appId).map(a => a.name)
    return names.includes('DATABASE') ? 'DATABASE' : names[0] ?? addon.name
  }

  const transferJson = (t: TransferRec, verbose: boolean): Record<string, unknown> => {
    const json: Record<string, unknown> = {
      canceled_at: dataDate(t.canceledAt),
      created_at: dataDate(t.createdAt),
      deleted_at: dataDate(t.deletedAt),
      finished_at: dataDate(t.finishedAt),
      from_name: t.fromName,
      from_type: t.fromType,
      from_url: t.fromType === 'pg_dump' ? maskedUrl(t.fromUrl) : t.fromUrl,
      name: transferName(t),
      num: t.num,
      num_keep: 25,
      options: {},
      processed_bytes: t.processedBytes,
      purged_at: null,
      schedule: null,
      source_bytes: t.sourceBytes,
      started_at: dataDate(t.startedAt),
      succeeded: t.succeeded,
      to_name: t.toName,
      to_type: t.toType,
      to_url: t.toType === 'pg_restore' ? maskedUrl(t.toUrl) : t.toUrl,
      updated_at: dataDate(t.updatedAt),
      uuid: t.uuid,
      warnings: 0,
    }
    // As Heroku: logs only when asked for (`?verbose=true`), even for a failed transfer.
    if (verbose) json.logs = t.logs.map(log => ({...log, created_at: dataDate(log.created_at)}))
    return json
  }

  const log = (t: TransferRec, message: string, level = 'info'): void => {
    t.logs.push({created_at: now(), level, message: scrubUrls(message)})
    t.updatedAt = now()
  }

  const newTransfer = (addon: AddonRec, fields: Partial<TransferRec> & Pick<TransferRec, 'fromType' | 'toType'>): TransferRec => {
    const time = now()
    return store.addTransfer({
      addonId: addon.id,
      appId: addon.appId,
      backupFile: null,
      canceledAt: null,
      createdAt: time,
      deletedAt: null,
      finishedAt: null,
      fromName: null,
      fromUrl: null,
      logs: [],
      num: store.nextTransferNum(addon.appId),
      processedBytes: 0,
      sourceBytes: 0,
      startedAt: null,
      succeeded: null,
      toName: null,
      toUrl: null,
      updatedAt: time,
      uuid: randomUUID(),
      ...fields,
    })
  }

  /** Runs the real work in the background; the transfer reports progress, then its outcome and logs. */
  const run = (t: TransferRec, work: (onProgress: (p: TransferProgress) => void) => Promise<{bytes: number}>): void => {
    t.startedAt = now()
    log(t, `${transferName(t)}: starting ${t.fromType} → ${t.toType}`)
    store.changed()
    core.track((async () => {
      try {
        const {bytes} = await work(p => {
          t.processedBytes = p.processedBytes
          t.updatedAt = now()
        })
        t.processedBytes = bytes
        t.sourceBytes = Math.max(t.sourceBytes, bytes)
        if (t.canceledAt) {
          t.succeeded = false
          log(t, 'transfer canceled by request', 'error')
        } else {
          t.succeeded = true
          log(t, `finished successfully: ${bytes} bytes`)
        }
      } catch (error) {
        t.succeeded = false
        // A PgToolError carries the failing tool's stderr lines (already redacted by the cluster).
        const lines = (error as {logs?: unknown}).logs
        if (Array.isArray(lines)) for (const line of lines) log(t, String(line), 'error')
        log(t, `transfer failed: ${(error as Error).message}`, 'error')
      }

      t.finishedAt = now()
      t.updatedAt = t.finishedAt
      // URLs carry passwords: keep them only while the transfer runs.
      if (t.fromType === 'pg_dump') t.fromUrl = maskedUrl(t.fromUrl)
      if (t.toType === 'pg_restore') t.toUrl = maskedUrl(t.toUrl)
      store.changed()
    })())
  }

  /** The follower a URL of this cluster reaches (by database name), if any: it is read-only. */
  const followerAt = (url: string): AddonRec | undefined => {
    let database: string
    try {
      database = decodeURIComponent(new URL(url).pathname.slice(1))
    } catch {
      return undefined
    }

    return store.state.addons.find(a => a.following && a.database === database)
  }

  const readOnlyError = (follower: AddonRec): Error =>
    new Error(`${follower.name} is a read-only follower of ${follower.following!.name}: it cannot be written to until it is unfollowed (pg:unfollow)`)

  const sourceSize = async (url: string): Promise<number> => {
    const addon = store.state.addons.find(a => a.config.URL === url && a.database)
    if (!addon?.database) return 0
    const cluster = await core.clusterOf(addon)
    return (await cluster.size(addon.database)).numBytes
  }

  /** The add-on a URL of this cluster reaches (by database name), if any. */
  const addonAt = (url: string): AddonRec | undefined => {
    let name: string
    try {
      name = decodeURIComponent(new URL(url).pathname.slice(1))
    } catch {
      return undefined
    }

    return store.state.addons.find(a => a.database === name)
  }

  /** Shield databases cannot use PGBackups: no transfers (pg:copy), no backups, no restores. */
  const refuseShield = (...addons: Array<AddonRec | undefined>): void => {
    const shield = addons.find(a => a && isShieldPlan(a.plan))
    if (shield) throw invalidParams(`${shield.name} is on ${shield.plan}: PGBackups (pg:copy, pg:backups) is not available for Shield-tier databases.`)
  }

  /** Essential-tier databases have only their default credential and no pooling. */
  const refuseEssential = (addon: AddonRec, what: string): void => {
    if (postgresTier(addon.plan) === 'essential') throw invalidParams(`You can't ${what} on Essential-tier databases (${addon.name} is on ${addon.plan}).`)
  }

  // ------------------------------------------------------------------ databases
  router.add('GET', '/client/v11/databases/:addon', async ctx => {
    const addon = database(ctx)
    const cluster = await core.clusterOf(addon)
    const db = addon.database!
    const [{numBytes, numTables}, connections] = await Promise.all([
      cluster.size(db),
      cluster.query<{count: string}>('postgres', 'SELECT count(*)::text AS count FROM pg_stat_activity WHERE datname = $1', [db]),
    ])
    const spec = resolvePlan(addon.plan)?.plan
    const essential = postgresTier(addon.plan) === 'essential'
    const limit = spec?.storageBytes ?? 0
    const version = POSTGRES_VERSIONS[addon.version ?? ''] ?? addon.version ?? ''
    const leader = addon.following ? store.addonById(addon.following.id) : undefined
    const forkedFrom = addon.forkedFrom ? store.addonById(addon.forkedFrom.id) : undefined
    const created = dataDate(addon.createdAt)
    // As Heroku: the leader's URL without credentials (`postgres://host:5432/db`); pg:info resolves it to a name when it can.
    const leaderUrl = maskedUrl(leader?.config.URL ?? null)
    const forkedFromUrl = maskedUrl(forkedFrom?.config.URL ?? null)
    // Info values are strings. Essential (a tenant on a shared server) shows its table count against its limit.
    const info = [
      {name: 'Plan', values: [spec?.humanName ?? addon.plan]},
      {name: 'Status', values: ['Available']},
      {name: 'Connections', values: [`${connections[0]?.count ?? '0'}/${spec?.connections ?? 20}`]},
      {name: 'PG Version', values: [version]},
      {name: 'Created', values: [created]},
      {name: 'Data Size', values: [`${prettyBytes(numBytes)} / ${prettyBytes(limit)} (${limit ? ((numBytes / limit) * 100).toFixed(2) : '0.00'}%)`]},
      {name: 'Tables', values: [essential ? `${numTables}/4000` : String(numTables)]},
      ...(leaderUrl ? [{name: 'Following', resolve_db_name: true, values: [leaderUrl]}] : []),
      ...(forkedFromUrl ? [{name: 'Forked From', resolve_db_name: true, values: [forkedFromUrl]}] : []),
      {name: 'Fork/Follow', values: [essential ? 'Unsupported' : 'Available']},
      {name: 'Rollback', values: [essential ? 'Unsupported' : `earliest from ${created.replace(' +0000', '')} UTC`]},
      {name: 'Continuous Protection', values: [essential ? 'Off' : 'On']},
      {name: 'Data Encryption', values: ['In Use']},
    ]
    const credentials = new URL(addon.config.URL!)
    const common = {
      addon_id: addon.id,
      created_at: created,
      database_name: db,
      database_user: decodeURIComponent(credentials.username),
      // A follower's `following` is its leader's URL without credentials, `leader` its add-on {addon_id, name}.
      following: leaderUrl,
      info,
      name: addon.name,
      num_bytes: numBytes,
      resource_url: addon.config.URL,
      'waiting?': false,
    }
    // Essential is a tenant: `plan` is the plan's name and there is no `num_tables` (the "Tables" row holds it).
    if (essential) return {body: {...common, plan: addon.plan}}
    return {body: {
      ...common,
      forked_from: forkedFromUrl,
      leader: leader ? {addon_id: leader.id, name: leader.name} : null,
      num_tables: numTables,
      plan: {id: stableId(`plan:${addon.plan}`), name: addon.plan},
      port: Number(credentials.port),
      postgres_version: version,
    }}
  })

  router.add('GET', '/client/v11/databases/:addon/wait_status', ctx => {
    const addon = database(ctx, {provisioned: false})
    if (addon.state === 'provisioning') return {body: {'error?': false, message: 'Provisioning', 'waiting?': true}}
    return {body: {'error?': false, message: 'Available', 'waiting?': false}}
  })

  router.add('PUT', '/client/v11/databases/:addon/reset', async ctx => {
    const addon = database(ctx)
    // A reset drops and recreates the database, which would silently make a follower writable.
    if (addon.following) throw invalidParams(`${readOnlyError(addon).message}.`)
    const cluster = await core.clusterOf(addon)
    await cluster.resetDatabase(addon.database!)
    return {body: {message: `Database ${addon.name} has been reset.`}}
  })

  router.add('PUT', '/client/v11/databases/:addon/unfollow', async ctx => {
    const addon = database(ctx)
    const leader = addon.following
    if (!leader) throw invalidParams(`${addon.name} is not a follower.`)
    await setReadOnly(core, addon, false)
    store.unfollow(addon)
    return {body: {message: `${addon.name} no longer follows ${leader.name} and is now writable.`}}
  })

  /** `pg:upgrade:run` / `data:pg:upgrade:run`: the latest major unless `version` says; a follower becomes writable. */
  const upgrade = async (ctx: RequestContext, addon: AddonRec): Promise<{body: unknown}> => {
    const version = optionalString(bodyObject(ctx), 'version') ?? Object.keys(POSTGRES_VERSIONS).sort((a, b) => Number(b) - Number(a))[0]!
    const wasFollowing = Boolean(addon.following)
    store.upgradeVersion(addon, version)
    if (wasFollowing) await setReadOnly(core, addon, false)
    return {body: {message: `Upgrading ${addon.name} to Postgres ${version}.${wasFollowing ? ' It no longer follows its leader and is writable.' : ''}`}}
  }

  router.add('POST', '/client/v11/databases/:addon/upgrade/run', async ctx => {
    const addon = database(ctx)
    if (postgresTier(addon.plan) === 'advanced') throw invalidParams(`${addon.name} is a Postgres Advanced database: upgrade it with data:pg:upgrade:run.`)
    return upgrade(ctx, addon)
  })

  // ------------------------------------------------------------------ Postgres Advanced (/data/postgres/v1)
  const advanced = (ctx: RequestContext, options?: {provisioned?: boolean}): AddonRec => {
    const addon = database(ctx, options)
    if (postgresTier(addon.plan) !== 'advanced') {
      throw invalidParams(`${addon.name} is on ${addon.plan}, not a Postgres Advanced plan: use the /client/v11 API (pg:info).`)
    }

    return addon
  }

  router.add('GET', '/data/postgres/v1/:addon/info', async ctx => {
    const addon = advanced(ctx, {provisioned: false})
    const ready = addon.state === 'provisioned' && Boolean(addon.database && addon.config.URL)
    const owner = store.appById(addon.appId)
    const size = ready ? await (await core.clusterOf(addon)).size(addon.database!) : {numBytes: 0, numTables: 0}
    const level = ADVANCED_LEVELS.find(l => l.name === addon.level) ?? ADVANCED_LEVELS[0]!
    const url = ready ? new URL(addon.config.URL!) : undefined
    const count = addon.highAvailability ? 2 : 1
    const forkedFrom = addon.forkedFrom ? {id: addon.forkedFrom.id, name: addon.forkedFrom.name} : null
    const poolStatus = ready ? 'available' : 'provisioning'
    return {body: {
      addon: {id: addon.id, name: addon.name},
      app: {id: owner.id, name: owner.name},
      created_at: addon.createdAt,
      features: {
        continuous_protection: {enabled: true},
        credentials: {current_count: 1 + Object.keys(addon.credentials ?? {}).length, enabled: true},
        data_encryption: {enabled: true},
        fork: {enabled: true},
        highly_available: {enabled: Boolean(addon.highAvailability)},
        rollback: {earliest_time: addon.createdAt, enabled: true, latest_time: now()},
      },
      forked_from: forkedFrom,
      plan_limits: [
        {current: size.numBytes / 1024 ** 3, limit: 128 * 1024, name: 'storage-limit-in-gb'},
        {current: size.numTables, limit: 4000, name: 'table-limit'},
        {current: 0, limit: level.connection_limit, name: 'connection-limit'},
      ],
      pools: [{
        compute_instances: Array.from({length: count}, (_, i) => ({
          id: `${addon.id.slice(0, 8)}-${i}`, level: level.name, name: `leader-${i}`, role: i === 0 ? 'leader' : 'standby', status: ready ? 'up' : 'starting', updated_at: addon.updatedAt,
        })),
        connections_used: ready ? 0 : null,
        endpoints: url ? [{host: url.hostname, port: Number(url.port), status: 'available'}] : [],
        expected_connection_limit: level.connection_limit,
        expected_count: count,
        expected_level: level.name,
        id: `${addon.id}:leader`,
        metrics_sources: {cluster: null, database: null, leader: null},
        name: 'leader',
        status: poolStatus,
        wait_status: {message: ready ? null : 'Provisioning', waiting: !ready},
      }],
      quotas: [],
      region: owner.region === 'eu' ? 'eu' : 'us',
      status: ready ? 'available' : 'provisioning',
      tier: 'advanced',
      version: POSTGRES_VERSIONS[addon.version ?? ''] ?? addon.version ?? '',
    }}
  })

  router.add('POST', '/data/postgres/v1/:addon/upgrade/run', async ctx => upgrade(ctx, advanced(ctx)))

  // ------------------------------------------------------------------ credentials and pooling
  type CredentialJson = {credentials: Array<{connections: number; password?: string; state: string; user: string}>; database: string; host: string; name: string; port: number; state: string; uuid: string}
  /** One credential as `/postgres/v0/.../credentials/:name` gives it (with its password, which pg:credentials:url prints); lists leave passwords out. */
  const credentialJson = (addon: AddonRec, name: string, withPassword = true): CredentialJson => {
    const url = new URL(addon.config.URL!)
    const own = name === 'default'
      ? {password: decodeURIComponent(url.password), user: decodeURIComponent(url.username)}
      : addon.credentials?.[name]
    if (!own) throw notFound('credential', `Couldn't find the credential ${name} on ${addon.name}.`)
    return {
      credentials: [{connections: 0, ...(withPassword ? {password: own.password} : {}), state: 'active', user: own.user}],
      database: addon.database!,
      host: url.hostname,
      name,
      port: Number(url.port),
      state: 'active',
      uuid: `${addon.id}:${name}`,
    }
  }

  router.add('GET', '/postgres/v0/databases/:addon/credentials', ctx => {
    const addon = database(ctx)
    return {body: ['default', ...Object.keys(addon.credentials ?? {}).sort()].map(name => credentialJson(addon, name, false))}
  })
  router.add('GET', '/postgres/v0/databases/:addon/credentials/:name', ctx => ({body: credentialJson(database(ctx), ctx.params.name!)}))

  /** `pg:credentials:create --name NAME`: a real role with its own password, with the default credential's rights. */
  router.add('POST', '/postgres/v0/databases/:addon/credentials', async ctx => {
    const addon = database(ctx)
    refuseEssential(addon, 'create a custom credential')
    if (postgresTier(addon.plan) === 'advanced') throw invalidParams(`${addon.name} is a Postgres Advanced database: manage its credentials with data:pg:credentials:create.`)
    const name = requiredString(bodyObject(ctx), 'name')
    if (!/^[a-z][a-z0-9_-]{0,49}$/.test(name) || name === 'default') throw invalidParams(`Credential name ${name} is invalid: use lowercase letters, digits, dashes and underscores.`)
    if (addon.credentials?.[name]) throw invalidParams(`A credential named ${name} already exists on ${addon.name}.`)
    const cluster = await core.clusterOf(addon)
    const user = randomRoleName()
    const password = randomPassword()
    const owner = decodeURIComponent(new URL(addon.config.URL!).username)
    await cluster.query('postgres', `CREATE ROLE ${ident(user)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${literal(scramVerifier(password))}`, undefined, {as: 'superuser'})
    await cluster.query('postgres', `GRANT CONNECT ON DATABASE ${ident(addon.database!)} TO ${ident(user)}; GRANT ${ident(owner)} TO ${ident(user)}`, undefined, {as: 'superuser'})
    store.addCredential(addon, name, {password, user})
    return {body: {message: `Credential ${name} created on ${addon.name}.`, name}, status: 201}
  })

  router.add('DELETE', '/postgres/v0/databases/:addon/credentials/:name', async ctx => {
    const addon = database(ctx)
    const name = ctx.params.name!
    if (name === 'default') throw invalidParams("You can't destroy the default credential.")
    const {user} = store.removeCredential(addon, name)
    const owner = decodeURIComponent(new URL(addon.config.URL!).username)
    const cluster = await core.clusterOf(addon)
    // objects the credential owned go to the default credential, as Heroku says
    await cluster.query(addon.database!, `REASSIGN OWNED BY ${ident(user)} TO ${ident(owner)}; DROP OWNED BY ${ident(user)}`, undefined, {as: 'superuser'})
    await cluster.query('postgres', `DROP ROLE ${ident(user)}`, undefined, {as: 'superuser'})
    return {body: {message: `Credential ${name} destroyed.`}}
  })

  /** Rotation sets a new password on the credential's role; for `default` the add-on's URL changes with it. */
  const rotate = async (ctx: RequestContext, names: (addon: AddonRec) => string[]): Promise<{body: unknown}> => {
    const addon = database(ctx)
    const cluster = await core.clusterOf(addon)
    for (const name of names(addon)) {
      const user = name === 'default' ? decodeURIComponent(new URL(addon.config.URL!).username) : addon.credentials?.[name]?.user
      if (!user) throw notFound('credential', `Couldn't find the credential ${name} on ${addon.name}.`)
      const password = randomPassword()
      // eslint-disable-next-line no-await-in-loop -- one ALTER ROLE per credential, in order
      await cluster.query('postgres', `ALTER ROLE ${ident(user)} PASSWORD ${literal(scramVerifier(password))}`, undefined, {as: 'superuser'})
      store.rotateCredential(actor(ctx), addon, name, password)
    }

    return {body: {message: 'Rotation complete.'}}
  }

  router.add('POST', '/postgres/v0/databases/:addon/credentials_rotation', async ctx => rotate(ctx, addon => ['default', ...Object.keys(addon.credentials ?? {})]))
  router.add('POST', '/postgres/v0/databases/:addon/credentials/:name/credentials_rotation', async ctx => rotate(ctx, () => [ctx.params.name!]))

  // Advanced: the owner credential is named after its role (`type: 'owner'`), the others are `additional`,
  // each with its own endpoint and roles (heroku/cli's data:pg:credentials fixtures).
  const ownerName = (addon: AddonRec): string => decodeURIComponent(new URL(addon.config.URL!).username)
  router.add('GET', '/data/postgres/v1/:addon/credentials', ctx => {
    const addon = advanced(ctx)
    const items = ['default', ...Object.keys(addon.credentials ?? {}).sort()].map(name => {
      const json = credentialJson(addon, name, false)
      return {
        database: json.database,
        host: json.host,
        id: json.uuid,
        name: name === 'default' ? ownerName(addon) : name,
        port: String(json.port),
        roles: json.credentials.map(role => ({state: role.state, user: role.user})),
        state: json.state,
        type: name === 'default' ? 'owner' : 'additional',
      }
    })
    return {body: {items}}
  })
  router.add('POST', '/data/postgres/v1/:addon/rotate_credentials', async ctx => {
    advanced(ctx)
    return rotate(ctx, addon => ['default', ...Object.keys(addon.credentials ?? {})])
  })
  router.add('POST', '/data/postgres/v1/:addon/credentials/:name/rotate', async ctx => {
    const addon = advanced(ctx)
    return rotate(ctx, () => [ctx.params.name === ownerName(addon) ? 'default' : ctx.params.name!])
  })

  /** `pg:connection-pooling:attach`: the same add-on attached under `connection-pooling:default`, on the pooler's port. */
  router.add('POST', '/client/v11/databases/:addon/connection-pooling', async ctx => {
    const addon = database(ctx)
    refuseEssential(addon, 'perform this operation')
    if (postgresTier(addon.plan) === 'advanced') throw invalidParams(`Server-side connection pooling is not supported on Postgres Advanced (${addon.name}).`)
    const body = bodyObject(ctx)
    const app = store.app(actor(ctx), requiredString(body, 'app'))
    const credential = optionalString(body, 'credential') ?? 'default'
    if (credential !== 'default') throw invalidParams('Connection pooling is only available for the default credential.')
    await core.clusterOf(addon)
    const attachment = store.createAttachment(actor(ctx), app, addon, {
      confirm: app.name,
      name: optionalString(body, 'name') ?? 'DATABASE_CONNECTION_POOL',
      namespace: 'connection-pooling:default',
      origin: 'attach',
    })
    return {body: attachmentJson(store, attachment), status: 201}
  })

  // ------------------------------------------------------------------ transfers (pg:copy)
  router.add('POST', '/client/v11/databases/:addon/transfers', async ctx => {
    const addon = database(ctx)
    const body = bodyObject(ctx)
    const fromUrl = optionalString(body, 'from_url')
    const toUrl = optionalString(body, 'to_url')
    if (!fromUrl || !toUrl) throw invalidParams('from_url and to_url are required.')
    for (const url of [fromUrl, toUrl]) if (!/^postgres(ql)?:\/\//.test(url)) throw invalidParams('from_url and to_url must be postgres:// URLs.')
    if (fromUrl === toUrl) throw invalidParams('Cannot copy a database onto itself.')
    refuseShield(addon, addonAt(fromUrl), addonAt(toUrl))
    const transfer = newTransfer(addon, {
      fromName: optionalString(body, 'from_name') ?? null,
      fromType: 'pg_dump',
      fromUrl,
      toName: optionalString(body, 'to_name') ?? null,
      toType: 'pg_restore',
      toUrl,
    })
    transfer.sourceBytes = await sourceSize(fromUrl)
    // pg_restore runs on the target's server (it empties the target first); pg_dump is the newest there is
    const cluster = await core.clusterOf(addonAt(toUrl) ?? addon)
    const follower = followerAt(toUrl)
    run(transfer, async onProgress => {
      // pg_restore into a read-only follower fails (the copy would otherwise empty and rewrite it).
      if (follower?.following) throw readOnlyError(follower)
      return cluster.copy(fromUrl, toUrl, onProgress)
    })
    return {body: transferJson(transfer, false), status: 201}
  })

  router.add('GET', '/client/v11/databases/:addon/transfers', ctx => {
    const addon = database(ctx, {provisioned: false})
    return {body: store.state.transfers.filter(t => t.addonId === addon.id && !t.deletedAt).map(t => transferJson(t, false))}
  })

  // ------------------------------------------------------------------ backups and restores
  router.add('POST', '/client/v11/databases/:addon/backups', async ctx => {
    const addon = database(ctx)
    refuseShield(addon)
    await mkdir(core.backupsDir, {recursive: true})
    const uuid = randomUUID()
    const file = path.join(core.backupsDir, `${uuid}.dump`)
    const transfer = newTransfer(addon, {
      backupFile: file,
      fromName: attachmentNameOf(addon),
      fromType: 'pg_dump',
      fromUrl: addon.config.URL!,
      toName: 'BACKUP',
      toType: 'gof3r',
      toUrl: `${core.url}/__emulator/backups/${uuid}`,
      uuid,
    })
    transfer.sourceBytes = await sourceSize(addon.config.URL!)
    const cluster = await core.clusterOf(addon)
    run(transfer, async onProgress => cluster.backup(addon.config.URL!, file, onProgress))
    return {body: transferJson(transfer, false), status: 201}
  })

  router.add('POST', '/client/v11/databases/:addon/restores', async ctx => {
    const addon = database(ctx)
    refuseShield(addon)
    const backupUrl = optionalString(bodyObject(ctx), 'backup_url')
    if (!backupUrl) throw invalidParams('backup_url is required.')
    const uuid = /\/__emulator\/backups\/([0-9a-f-]{36})/.exec(backupUrl)?.[1]
    const backup = uuid ? store.state.transfers.find(t => t.uuid === uuid && t.backupFile && !t.deletedAt) : undefined
    const transfer = newTransfer(addon, {
      fromName: backup ? transferName(backup) : backupUrl.replace(/\?.*$/, ''),
      fromType: 'gof3r',
      fromUrl: backup?.toUrl ?? backupUrl.replace(/\?.*$/, ''),
      toName: attachmentNameOf(addon),
      toType: 'pg_restore',
      toUrl: addon.config.URL!,
    })
    const cluster = await core.clusterOf(addon)
    run(transfer, async onProgress => {
      if (addon.following) throw readOnlyError(addon)
      if (!backup?.backupFile || !backup.succeeded) {
        throw new Error('the emulator can only restore backups it captured itself (a succeeded backup URL it issued)')
      }

      transfer.sourceBytes = (await stat(backup.backupFile)).size
      return cluster.restore(backup.backupFile, addon.config.URL!, onProgress)
    })
    return {body: transferJson(transfer, false), status: 201}
  })

  // ------------------------------------------------------------------ per-app transfer lists
  const appOf = (ctx: RequestContext): AppRec => store.app(actor(ctx), ctx.params.app!)
  const transferOf = (ctx: RequestContext, app: AppRec): TransferRec => {
    const key = ctx.params.transfer!
    const num = /^[abcr]?\d+$/.test(key) ? Number(key.replace(/^[abcr]/, '')) : undefined
    const found = store.state.transfers.find(t => t.appId === app.id && !t.deletedAt && (t.uuid === key || t.num === num))
    if (!found) throw notFound('transfer', "Couldn't find that transfer.")
    ctx.noted.addon = store.addonById(found.addonId)?.name
    return found
  }

  router.add('GET', '/client/v11/apps/:app/transfers', ctx => {
    const app = appOf(ctx)
    return {body: store.state.transfers.filter(t => t.appId === app.id && !t.deletedAt).map(t => transferJson(t, false))}
  })
  router.add('GET', '/client/v11/apps/:app/transfers/:transfer', ctx => {
    const app = appOf(ctx)
    return {body: transferJson(transferOf(ctx, app), ctx.query.get('verbose') === 'true')}
  })
  router.add('DELETE', '/client/v11/apps/:app/transfers/:transfer', async ctx => {
    const transfer = transferOf(ctx, appOf(ctx))
    if (!transfer.finishedAt) throw new HerokuError(422, 'invalid_params', 'Cannot delete a transfer that is still running; cancel it first.')
    transfer.deletedAt = now()
    if (transfer.backupFile) await rm(transfer.backupFile, {force: true})
    store.changed()
    return {body: transferJson(transfer, false)}
  })
  router.add('POST', '/client/v11/apps/:app/transfers/:transfer/actions/cancel', ctx => {
    const transfer = transferOf(ctx, appOf(ctx))
    if (transfer.finishedAt) throw invalidParams('The transfer has already finished.')
    transfer.canceledAt = now()
    store.changed()
    return {body: transferJson(transfer, false)}
  })
  router.add('POST', '/client/v11/apps/:app/transfers/:transfer/actions/public-url', ctx => {
    const transfer = transferOf(ctx, appOf(ctx))
    if (!transfer.backupFile || !transfer.succeeded) throw invalidParams('Only a finished backup has a public URL.')
    transfer.publicToken ??= randomBytes(16).toString('hex')
    store.changed()
    const expires = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    return {body: {expires_at: expires, url: `${core.url}/__emulator/backups/${transfer.uuid}?token=${transfer.publicToken}`}}
  })
}

/** `GET /__emulator/backups/:uuid?token=…`: the dump behind a public URL. */
export function backupDownload(core: Core, uuid: string, token: null | string): {contentType: string; data: NodeJS.ReadableStream} {
  const transfer = core.store.state.transfers.find(t => t.uuid === uuid && t.backupFile && !t.deletedAt)
  if (!transfer?.backupFile || !transfer.publicToken || token !== transfer.publicToken) throw notFound('backup', "Couldn't find that backup.")
  return {contentType: 'application/octet-stream', data: createReadStream(transfer.backupFile)}
}
