import {ApiError} from '../heroku/client.js'

/** The effect guard's reads: each memoised by what it reads, and named when it fails (the refusal says which). */

/** A read the guard needed failed: it refuses, saying which. */
export class GuardReadError extends Error {
  constructor(readonly what: string, cause: unknown) {
    super(describeFailure(what, cause))
    this.name = 'GuardReadError'
  }
}

function describeFailure(what: string, error: unknown): string {
  if (error instanceof GuardReadError) return error.message
  if (error instanceof ApiError) return `reading ${what}: ${error.method} ${error.path} ${error.status ? `answered ${error.status}` : 'failed'} (${error.message})`
  return `reading ${what} failed (${error instanceof Error ? error.message : String(error)})`
}

/** Memoises a read by key and names it when it fails (the refusal says which read). */
export class Reads {
  private readonly cache = new Map<string, Promise<unknown>>()

  async read<T>(path: string, load: () => Promise<T>): Promise<T> {
    if (!this.cache.has(path)) {
      this.cache.set(path, load().catch(error => {
        throw new GuardReadError(path, error)
      }))
    }

    return this.cache.get(path) as Promise<T>
  }

  /** What a read already gave, under another path that names the same resource (an app by id and by name). */
  remember<T>(path: string, value: Promise<T>): void {
    if (!this.cache.has(path)) this.cache.set(path, value)
  }
}
