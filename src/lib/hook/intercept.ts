import {createRequire} from 'node:module'
import path from 'node:path'

/**
 * The patch point of the effect guard: `@heroku/http-call`'s `HTTP.prototype._request`, the one method
 * every request of the stock CLI's API client (`@heroku-cli/command`'s APIClient, Platform, Data and
 * Key-Value Store APIs alike) and of any plugin using it goes through, before each attempt is sent.
 * Both are resolved from the CLI's own `config.root` and from every loaded plugin's root (a plugin installed
 * with `plugins:install` brings its own copy): each distinct copy is patched. This module stays
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

/** `@heroku/http-call` (@heroku-cli/command 11+), and `http-call` (its predecessor, which @heroku-cli/command 10 and older load). */
const HTTP_CALL_PACKAGES = ['@heroku/http-call', 'http-call'] as const

function httpCallAt(file: string, name: (typeof HTTP_CALL_PACKAGES)[number] = '@heroku/http-call'): HttpCallModule | undefined {
  try {
    const http = createRequire(file)(name) as HttpCallModule
    return typeof http?.HTTP?.prototype?._request === 'function' ? http : undefined
  } catch {
    return undefined
  }
}

/** The stock CLI's http-call, as its @heroku-cli/command loads it; undefined when not where it should be. */
export function stockHttpCall(root: string): HttpCallModule | undefined {
  try {
    const fromRoot = createRequire(path.join(root, 'package.json'))
    return httpCallAt(fromRoot.resolve('@heroku-cli/command'))
  } catch {
    return undefined
  }
}

/**
 * Every distinct http-call a plugin root resolves: the one its @heroku-cli/command loads, and the one it
 * loads itself (a plugin may call http-call directly). Roots without either contribute nothing.
 */
export function httpCallsOf(roots: readonly string[]): HttpCallModule[] {
  const found = new Set<HttpCallModule>()
  for (const root of new Set(roots)) {
    const viaCommand = stockHttpCall(root)
    if (viaCommand) found.add(viaCommand)
    for (const name of HTTP_CALL_PACKAGES) {
      const direct = httpCallAt(path.join(root, 'package.json'), name)
      if (direct) found.add(direct)
      // A plugin on an older @heroku-cli/command sends through that package's http-call.
      try {
        const command = createRequire(path.join(root, 'package.json')).resolve('@heroku-cli/command')
        const old = httpCallAt(command, name)
        if (old) found.add(old)
      } catch {
        // no @heroku-cli/command under this root
      }
    }
  }

  return [...found]
}

export type RequestCheck = (request: InterceptedRequest) => Promise<void>

/** The check the patched client calls for the command now running (one command per process). */
let current: RequestCheck | undefined

/** Whether a check is in place for the command now running. */
export function interceptorActive(): boolean {
  return current !== undefined
}

/** Stops checking (the patch stays, passing every request through): for a process that runs more than one command, e.g. tests. */
export function clearInterceptor(): void {
  current = undefined
}

function patch(http: HttpCallModule): void {
  const proto = http.HTTP!.prototype as Record<symbol, unknown> & {_request: RequestMethod}
  if (proto[INSTALLED]) return
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
}

/**
 * Installs the interceptor (once per copy, per process) on the stock CLI's http-call (resolved from
 * `root`) and on every other copy the `pluginRoots` resolve, and points it at `check` for the command
 * about to run. Returns false when the stock CLI's own patch point is missing: the caller keeps its
 * command-level checks only (other copies found are patched all the same).
 */
export function installInterceptor(root: string, check: RequestCheck, pluginRoots: readonly string[] = []): boolean {
  const stock = stockHttpCall(root)
  const copies = httpCallsOf([root, ...pluginRoots])
  current = check
  for (const http of copies) patch(http)
  return stock !== undefined
}
