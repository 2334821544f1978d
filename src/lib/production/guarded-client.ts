import type {AppSnapshot} from '../snapshot/types.js'
import type {HerokuClient, HttpMethod, RequestOptions} from '../heroku/client.js'
import {ownsAddon} from '../snapshot/query.js'

/**
 * The runtime assertion shared by every command that changes a staging app (`staging:fork`,
 * `staging:audit --fix`, `staging:refresh`; built by `guardedApi` in execute/blocks.ts): no
 * mutating request ever names a production app or one of its add-ons, whatever the plan or a bug
 * says. Every request of an executor goes through `GuardedClient`, which refuses such a request
 * before it leaves the process. Reads are never refused.
 */

export class ProductionMutationError extends Error {
  constructor(readonly method: HttpMethod, readonly path: string, what: string, command = 'staging:fork') {
    super(`Refused ${method} ${path}: it would change ${what}. ${command} never sends a mutating request to production or its add-ons.`)
    this.name = 'ProductionMutationError'
  }
}

export interface GuardOptions {
  /** the command named in the refusal (default `staging:fork`) */
  command?: string
  /**
   * Refuse a request body naming any add-on attached to production, not only those it owns.
   * staging:fork shares add-ons owned by a third app on purpose; --fix never attaches one.
   */
  refuseAttachedInBody?: boolean
}

/** Route words followed by an app, add-on or attachment identifier. */
const ID_COLLECTIONS = new Set(['addon-attachments', 'addons', 'apps', 'databases'])

type Named = {id?: string; name?: string} | string | undefined

function namesOf(value: unknown): string[] {
  const ref = value as Named
  if (typeof ref === 'string') return [ref]
  if (ref && typeof ref === 'object') return [ref.id, ref.name].filter((v): v is string => typeof v === 'string')
  return []
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

export class ProductionGuard {
  /** production apps' names and ids → the app's name */
  private readonly apps = new Map<string, string>()
  /** every add-on attached to production (owned or not) by name and id, and its attachment ids: never in a mutating path */
  private readonly attached = new Map<string, string>()
  /** add-ons production owns, by name and id: never in a mutating body either */
  private readonly owned = new Map<string, string>()
  /** every id above: an id is refused wherever it appears in a path */
  private readonly ids = new Set<string>()
  private readonly command: string
  private readonly refuseAttachedInBody: boolean

  constructor(production: AppSnapshot | readonly AppSnapshot[], options: GuardOptions = {}) {
    this.command = options.command ?? 'staging:fork'
    this.refuseAttachedInBody = options.refuseAttachedInBody ?? false
    const snapshots: readonly AppSnapshot[] = Array.isArray(production) ? production : [production as AppSnapshot]
    for (const snapshot of snapshots) {
      const label = snapshot.app.name
      for (const key of [snapshot.app.id, snapshot.app.name]) this.apps.set(key, label)
      for (const attachment of snapshot.attachments) {
        for (const key of [attachment.addon.id, attachment.addon.name, attachment.id]) this.attached.set(key, label)
        if (ownsAddon(snapshot, attachment.addon)) {
          for (const key of [attachment.addon.id, attachment.addon.name]) this.owned.set(key, label)
        }

        for (const id of [attachment.addon.id, attachment.id]) if (id) this.ids.add(id)
      }

      if (snapshot.app.id) this.ids.add(snapshot.app.id)
    }
  }

  /** Throws ProductionMutationError when a mutating request would touch production. */
  assert(method: HttpMethod, path: string, body?: unknown): void {
    if (method === 'GET') return
    const segments = path.split('?')[0]?.split('/').map(segment => decodeSegment(segment)) ?? []
    for (const [index, segment] of segments.entries()) {
      // Ids never collide with route words; names are checked where a route expects an identifier.
      const identifier = this.ids.has(segment) || ID_COLLECTIONS.has(segments[index - 1] ?? '')
      if (!identifier) continue
      const app = this.apps.get(segment)
      if (app !== undefined) throw new ProductionMutationError(method, path, `the production app ${app}`, this.command)
      const owner = this.attached.get(segment)
      if (owner !== undefined) throw new ProductionMutationError(method, path, `${segment}, an add-on of ${owner}`, this.command)
    }

    // Config var maps are keyed by var names; only resource bodies name apps and add-ons. An add-on's
    // `config.fork` (or `config.follow`) names the database it copies from: a read of production, so a
    // fork of production's database created on a staging app passes (the path above names staging).
    if (/\/config-vars$/.test(path) || !body || typeof body !== 'object') return
    const fields = body as Record<string, unknown>
    const app = namesOf(fields.app).map(name => this.apps.get(name)).find(Boolean)
    if (app) throw new ProductionMutationError(method, path, `the production app ${app}`, this.command)

    const addons = this.refuseAttachedInBody ? this.attached : this.owned
    const addon = namesOf(fields.addon).find(name => addons.has(name))
    if (addon) {
      const how = this.refuseAttachedInBody ? 'attached to' : 'owned by'
      throw new ProductionMutationError(method, path, `${addon}, an add-on ${how} ${addons.get(addon)}`, this.command)
    }
  }
}

/** A HerokuClient whose every mutating request passes the production guard first. */
export class GuardedClient {
  constructor(readonly client: HerokuClient, readonly guard: ProductionGuard) {}

  async delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    this.guard.assert('DELETE', path, options.body)
    return this.client.delete<T>(path, options)
  }

  async get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.client.get<T>(path, options)
  }

  async list<T>(path: string, options: RequestOptions = {}): Promise<T[]> {
    return this.client.list<T>(path, options)
  }

  async patch<T>(path: string, options: RequestOptions = {}): Promise<T> {
    this.guard.assert('PATCH', path, options.body)
    return this.client.patch<T>(path, options)
  }

  async post<T>(path: string, options: RequestOptions = {}): Promise<T> {
    this.guard.assert('POST', path, options.body)
    return this.client.post<T>(path, options)
  }

  async put<T>(path: string, options: RequestOptions = {}): Promise<T> {
    this.guard.assert('PUT', path, options.body)
    return this.client.put<T>(path, options)
  }
}
