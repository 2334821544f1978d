import {createRequire} from 'node:module'
import path from 'node:path'

/**
 * The patch point of the effect guard: `@heroku/http-call`'s `HTTP.prototype._request`, the one method
 * every request of the stock CLI's API client (`@heroku-cli/command`'s APIClient, Platform, Data and
 * Key-Value Store APIs alike) and of any plugin using it goes through, before each attempt is sent.
 * Both are resolved from the CLI's own `config.root`, never from the plugin's copies. This module stays
 * dependency-free: the hook loads it for every command, and the checker is imported on the first
 * mutating request only.
 */

const INSTALLED = Symbol.for('heroku-staging.effect-guard')
const CHECKED = Symbol.for('heroku-staging.effect-guard.checked')

export interface InterceptedRequest {
  body: unknown
  host: string
  method: string
  path: string
}

interface HttpInstance {
  [CHECKED]?: string
  options?: {body?: unknown; host?: string; method?: string; path?: string}
  url?: string
}

type RequestMethod = (this: HttpInstance, ...args: unknown[]) => Promise<unknown>

interface HttpCallModule {
  HTTP?: {prototype: {_request?: RequestMethod}}
}

const MUTATING = new Set(['DELETE', 'PATCH', 'POST', 'PUT'])

/** The stock CLI's http-call, as its @heroku-cli/command loads it; undefined when not where it should be. */
export function stockHttpCall(root: string): HttpCallModule | undefined {
  try {
    const fromRoot = createRequire(path.join(root, 'package.json'))
    const command = fromRoot.resolve('@heroku-cli/command')
    const http = createRequire(command)('@heroku/http-call') as HttpCallModule
    return typeof http?.HTTP?.prototype?._request === 'function' ? http : undefined
  } catch {
    return undefined
  }
}

export type RequestCheck = (request: InterceptedRequest) => Promise<void>

/** The check the patched client calls for the command now running (one command per process). */
let current: RequestCheck | undefined

/** Stops checking (the patch stays, passing every request through): for a process that runs more than one command, e.g. tests. */
export function clearInterceptor(): void {
  current = undefined
}

/**
 * Installs the interceptor (once per process) and points it at `check` for the command about to run.
 * Returns false when the patch point is missing: the caller keeps its command-level checks only.
 */
export function installInterceptor(root: string, check: RequestCheck): boolean {
  const http = stockHttpCall(root)
  const proto = http?.HTTP?.prototype as (Record<symbol, unknown> & {_request?: RequestMethod}) | undefined
  if (!proto?._request) return false
  current = check
  if (proto[INSTALLED]) return true
  const original = proto._request
  const guarded: RequestMethod = async function (this: HttpInstance, ...args: unknown[]) {
    const method = String(this.options?.method ?? 'GET').toUpperCase()
    // Checked before each send; a retry or the next page of the same request is not checked twice.
    if (MUTATING.has(method) && current && this[CHECKED] !== this.url) {
      await current({body: this.options?.body, host: this.options?.host ?? '', method, path: this.options?.path ?? '/'})
      this[CHECKED] = this.url
    }

    return original.apply(this, args)
  }

  proto._request = guarded
  proto[INSTALLED] = true
  return true
}
