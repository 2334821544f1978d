/**
 * The Data API ("Shogun") on the same port as the Platform API: database info, wait status,
 * transfers (pg:copy), backups, restores, reset and credentials, all against the real cluster.
 */

import {randomBytes, randomUUID} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {mkdir, rm, stat} from 'node:fs/promises'
import path from 'node:path'

import {POSTGRES, POSTGRES_VERSIONS, resolvePlan} from '../catalog.js'
import type {Core} from '../core.js'
import {HerokuError, invalidParams, notFound, type RequestContext, type Router} from '../http.js'
import type {TransferProgress} from '../postgres/types.js'
import {setReadOnly} from '../provision.js'
import {type AddonRec, type AppRec, now, type TransferRec} from '../store.js'
import {actor, bodyObject, optionalString} from './common.js'

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
    const addon = store.findAddon(ctx.params.addon!)
    if (!addon || addon.service !== POSTGRES || !store.canSeeAddon(actor(ctx), addon)) throw notFound('database', DATABASE_NOT_FOUND)
    ctx.noted.addon = addon.name
    ctx.noted.app = store.state.apps.find(a => a.id === addon.appId)?.name
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
      canceled_at: t.canceledAt,
      created_at: t.createdAt,
      deleted_at: t.deletedAt,
      finished_at: t.finishedAt,
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
      started_at: t.startedAt,
      succeeded: t.succeeded,
      to_name: t.toName,
      to_type: t.toType,
      to_url: t.toType === 'pg_restore' ? maskedUrl(t.toUrl) : t.toUrl,
      updated_at: t.updatedAt,
      uuid: t.uuid,
      warnings: 0,
    }
    if (verbose || t.succeeded === false) json.logs = t.logs
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
    const cluster = await core.cluster()
    return (await cluster.size(addon.database)).numBytes
  }

  // ------------------------------------------------------------------ databases
  router.add('GET', '/client/v11/databases/:addon', async ctx => {
    const addon = database(ctx)
    const cluster = await core.cluster()
    const db = addon.database!
    const [{numBytes, numTables}, connections] = await Promise.all([
      cluster.size(db),
      cluster.query<{count: string}>('postgres', 'SELECT count(*)::text AS count FROM pg_stat_activity WHERE datname = $1', [db]),
    ])
    const spec = resolvePlan(addon.plan)?.plan
    const essential = addon.plan.includes(':essential-')
    const limit = spec?.storageBytes ?? 0
    const version = POSTGRES_VERSIONS[addon.version ?? ''] ?? addon.version ?? ''
    const leader = addon.following ? store.addonById(addon.following.id) : undefined
    const info = [
      {name: 'Plan', values: [spec?.humanName ?? addon.plan]},
      {name: 'Status', values: ['Available']},
      {name: 'Connections', values: [`${connections[0]?.count ?? '0'}/${spec?.connections ?? 20}`]},
      {name: 'PG Version', values: [version]},
      {name: 'Created', values: [addon.createdAt.replace('T', ' ').replace('Z', '')]},
      {name: 'Data Size', values: [`${prettyBytes(numBytes)} / ${prettyBytes(limit)} (${limit ? ((numBytes / limit) * 100).toFixed(2) : '0.00'}%)`]},
      {name: 'Tables', values: [numTables]},
      // As Heroku: the leader's URL, which pg:info resolves to the leader's config var name (`resolve_db_name`).
      ...(leader?.config.URL ? [{name: 'Following', resolve_db_name: true, values: [leader.config.URL]}] : []),
      {name: 'Fork/Follow', values: [essential ? 'Unsupported' : 'Available']},
      {name: 'Rollback', values: [essential ? 'Unsupported' : `earliest from ${addon.createdAt.replace('T', ' ').replace('Z', '')} UTC`]},
      {name: 'Continuous Protection', values: [essential ? 'Off' : 'On']},
      {name: 'Data Encryption', values: ['In Use']},
    ]
    const credentials = new URL(addon.config.URL!)
    return {body: {
      addon_id: addon.id,
      created_at: addon.createdAt,
      database_name: db,
      database_user: decodeURIComponent(credentials.username),
      // A follower's `following` is its leader's URL (pg:unfollow names the leader's config var from it), `leader` its name.
      following: leader?.config.URL ?? null,
      info,
      leader: addon.following?.name ?? null,
      name: addon.name,
      num_bytes: numBytes,
      num_tables: numTables,
      plan: addon.plan,
      port: Number(credentials.port),
      postgres_version: version,
      resource_url: addon.config.URL,
      'waiting?': false,
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
    const cluster = await core.cluster()
    await cluster.resetDatabase(addon.database!)
    return {body: {message: `Database ${addon.name} has been reset.`}}
  })

  router.add('PUT', '/client/v11/databases/:addon/unfollow', async ctx => {
    const addon = database(ctx)
    const leader = addon.following
    if (!leader) throw invalidParams(`${addon.name} is not a follower.`)
    await setReadOnly(core, addon.database!, false)
    store.unfollow(addon)
    return {body: {message: `${addon.name} no longer follows ${leader.name} and is now writable.`}}
  })

  router.add('GET', '/postgres/v0/databases/:addon/credentials', ctx => {
    const addon = database(ctx)
    const url = new URL(addon.config.URL!)
    return {body: [{
      credentials: [{connections: 0, state: 'active', user: decodeURIComponent(url.username)}],
      database: addon.database,
      host: url.hostname,
      name: 'default',
      port: Number(url.port),
      state: 'active',
      uuid: addon.id,
    }]}
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
    const transfer = newTransfer(addon, {
      fromName: optionalString(body, 'from_name') ?? null,
      fromType: 'pg_dump',
      fromUrl,
      toName: optionalString(body, 'to_name') ?? null,
      toType: 'pg_restore',
      toUrl,
    })
    transfer.sourceBytes = await sourceSize(fromUrl)
    const cluster = await core.cluster()
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
    const cluster = await core.cluster()
    run(transfer, async onProgress => cluster.backup(addon.config.URL!, file, onProgress))
    return {body: transferJson(transfer, false), status: 201}
  })

  router.add('POST', '/client/v11/databases/:addon/restores', async ctx => {
    const addon = database(ctx)
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
    const cluster = await core.cluster()
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
