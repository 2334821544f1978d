import type {HerokuClient, HttpMethod, RequestOptions} from '../heroku/client.js'
import type {AppSnapshot} from '../snapshot/types.js'

/**
 * The fork's runtime assertion: no mutating request ever names the production app or one of its
 * add-ons, whatever the plan or a bug says. Every request of the executor goes through
 * `GuardedClient`, which refuses such a request before it leaves the process.
 */

export class ProductionMutationError extends Error {
  constructor(readonly method: HttpMethod, readonly path: string, what: string) {
    super(`Refused ${method} ${path}: it would change ${what}. staging:fork never sends a mutating request to production or its add-ons.`)
    this.name = 'ProductionMutationError'
  }
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

export class ProductionGuard {
  /** production's app name and id */
  private readonly app: Set<string>
  /** every add-on attached to production (owned or not) by name and id, and its attachment ids: never in a mutating path */
  private readonly attached: Set<string>
  /** add-ons production owns, by name and id: never in a mutating body either */
  private readonly owned: Set<string>
  /** every id above: an id is refused wherever it appears in a path */
  private readonly ids: Set<string>
  private readonly label: string

  constructor(production: AppSnapshot) {
    this.label = production.app.name
    this.app = new Set([production.app.id, production.app.name])
    this.attached = new Set(production.attachments.flatMap(a => [a.addon.id, a.addon.name, a.id]))
    this.owned = new Set(production.attachments
      .filter(a => a.addon.owner.id === production.app.id || a.addon.owner.name === production.app.name)
      .flatMap(a => [a.addon.id, a.addon.name]))
    this.ids = new Set([production.app.id, ...production.attachments.flatMap(a => [a.addon.id, a.id])].filter(Boolean))
  }

  /** Throws ProductionMutationError when a mutating request would touch production. */
  assert(method: HttpMethod, path: string, body?: unknown): void {
    if (method === 'GET') return
    const segments = path.split('?')[0]?.split('/').map(segment => decodeSegment(segment)) ?? []
    for (const [index, segment] of segments.entries()) {
      // Ids never collide with route words; names are checked where a route expects an identifier.
      const identifier = this.ids.has(segment) || ID_COLLECTIONS.has(segments[index - 1] ?? '')
      if (!identifier) continue
      if (this.app.has(segment)) throw new ProductionMutationError(method, path, `the production app ${this.label}`)
      if (this.attached.has(segment)) throw new ProductionMutationError(method, path, `${segment}, an add-on of ${this.label}`)
    }

    // Config var maps are keyed by var names; only resource bodies name apps and add-ons.
    if (/\/config-vars$/.test(path) || !body || typeof body !== 'object') return
    const fields = body as Record<string, unknown>
    if (namesOf(fields.app).some(name => this.app.has(name))) {
      throw new ProductionMutationError(method, path, `the production app ${this.label}`)
    }

    const addon = namesOf(fields.addon).find(name => this.owned.has(name))
    if (addon) throw new ProductionMutationError(method, path, `${addon}, an add-on owned by ${this.label}`)
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
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
