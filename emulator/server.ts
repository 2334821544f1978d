/**
 * The HTTP front: one server on 127.0.0.1 serving the Platform API, the Data API (same port,
 * routed by path) and the emulator's own `/__emulator/*` control routes. It authenticates,
 * meters the rate limit, applies fault rules and latency, routes, and journals every request.
 */

import {randomUUID} from 'node:crypto'
import http, {type IncomingMessage, type ServerResponse} from 'node:http'
import {setTimeout as sleep} from 'node:timers/promises'

import type {Core} from './core.js'
import {type Api, errorIdFor, HerokuError, headerValue, type Reply, type RequestContext, type Router} from './http.js'
import {type Faults, isMutating, type Journal} from './journal.js'
import type {Account} from './types.js'

const DATA_PREFIXES = ['/client/v11/', '/postgres/v0/', '/data/', '/redis/v0/']
export const CONTROL_PREFIX = '/__emulator/'
/** What `RateLimit-Remaining` says when no budget is set (Heroku's pool size). */
const UNLIMITED_REMAINING = 4500

export function apiOf(path: string): Api {
  if (path.startsWith(CONTROL_PREFIX) || path === '/__emulator') return 'control'
  if (DATA_PREFIXES.some(prefix => path.startsWith(prefix))) return 'data'
  return 'platform'
}

/** Bearer token, or Basic with the token as password (`base64(":" + token)`, as pg:copy sends). */
export function tokenOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2)
  if (scheme?.toLowerCase() === 'bearer') return value
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon === -1 ? decoded : decoded.slice(colon + 1)
  }

  return undefined
}

export class RateLimiter {
  private readonly used = new Map<string, number>()

  constructor(private readonly settings: {rateLimit?: number}) {}

  /** Spends one token; false when the budget is gone. */
  take(account: Account): boolean {
    if (this.settings.rateLimit === undefined) return true
    const used = this.used.get(account.id) ?? 0
    if (used >= this.settings.rateLimit) return false
    this.used.set(account.id, used + 1)
    return true
  }

  remaining(account: Account | undefined): number {
    if (this.settings.rateLimit === undefined || !account) return UNLIMITED_REMAINING
    return Math.max(0, this.settings.rateLimit - (this.used.get(account.id) ?? 0))
  }

  reset(): void {
    this.used.clear()
  }
}

interface ServerParts {
  accounts: readonly Account[]
  controlRouter: Router
  core: Core
  dataRouter: Router
  faults: Faults
  journal: Journal
  platformRouter: Router
  rateLimiter: RateLimiter
  verbose: boolean
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  if (chunks.length === 0) return undefined
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text.trim()) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HerokuError(400, 'bad_request', 'Request body must be valid JSON.')
  }
}

/** Particleboard (`HEROKU_PARTICLEBOARD_URL`) is reached as `localhost`: its delinquency check answers `{}`. */
function isParticleboard(req: IncomingMessage, method: string, path: string): boolean {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '')
  return host === 'localhost' && method === 'GET' && (path === '/account' || /^\/teams\/[^/]+$/.test(path))
}

export function createServer(parts: ServerParts): http.Server {
  const {accounts, core, faults, journal, rateLimiter} = parts
  const byToken = new Map(accounts.map(a => [a.token, a]))

  return http.createServer((req, res) => {
    handle(req, res).catch(error => {
      core.log(`unexpected failure: ${(error as Error).stack ?? String(error)}`)
      if (!res.headersSent) {
        res.writeHead(500, {'Content-Type': 'application/json'})
        res.end(JSON.stringify({id: 'internal_server_error', message: 'Internal server error.'}))
      } else {
        res.destroy()
      }
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const time = new Date().toISOString()
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const override = headerValue(req.headers, 'x-http-method-override')
    const method = (override ?? req.method ?? 'GET').toUpperCase()
    const path = url.pathname
    const api = apiOf(path)
    const ctx: RequestContext = {api, body: undefined, headers: req.headers, method, noted: {}, params: {}, path, query: url.searchParams}
    const requestId = headerValue(req.headers, 'request-id')?.split(',')[0] ?? randomUUID()
    let status = 0

    const record = (): void => {
      const entry = journal.add({
        account: ctx.account?.email,
        addon: ctx.noted.addon,
        api,
        app: ctx.noted.app,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        method,
        mutating: isMutating(api, method, path),
        path,
        status,
        time,
      })
      if (parts.verbose) {
        process.stderr.write(`${entry.time} ${method} ${path} ${status} ${entry.durationMs}ms${entry.app ? ` app=${entry.app}` : ''}\n`)
      }
    }

    const send = (reply: Reply): void => {
      status = reply.status ?? 200
      const headers: Record<string, string> = {
        'RateLimit-Remaining': String(rateLimiter.remaining(ctx.account)),
        'Request-Id': requestId,
        ...reply.headers,
      }
      if (reply.raw) {
        res.writeHead(status, {...headers, 'Content-Type': reply.raw.contentType})
        if (Buffer.isBuffer(reply.raw.data)) res.end(reply.raw.data)
        else reply.raw.data.pipe(res)
      } else {
        const payload = reply.body === undefined ? '' : JSON.stringify(reply.body)
        res.writeHead(status, {...headers, 'Content-Length': String(Buffer.byteLength(payload)), 'Content-Type': 'application/json; charset=utf-8'})
        res.end(payload)
      }

      record()
    }

    const drop = (): void => {
      status = 0
      req.socket.destroy()
      record()
    }

    try {
      ctx.body = await readBody(req)
      if (api !== 'control') {
        if (isParticleboard(req, method, path)) {
          send({body: {}})
          return
        }

        const token = tokenOf(headerValue(req.headers, 'authorization'))
        const account = token ? byToken.get(token) : undefined
        if (!account) throw new HerokuError(401, 'unauthorized', 'Invalid credentials provided.')
        ctx.account = account
        const free = method === 'GET' && path === '/account/rate-limits'
        if (!free && !rateLimiter.take(account)) {
          throw new HerokuError(429, 'rate_limit', 'Your account reached the API rate limit\nPlease wait a few minutes before making new requests', {}, {'Retry-After': '60'})
        }

        if (free) {
          send({body: {remaining: rateLimiter.remaining(account)}})
          return
        }

        const fault = faults.fire(method, path, token)
        if (fault?.delayMs) await sleep(fault.delayMs)
        if (core.settings.latencyMs > 0) await sleep(core.settings.latencyMs)
        if (fault && !fault.applied) {
          if (fault.drop) {
            drop()
            return
          }

          if (fault.status !== undefined) throw new HerokuError(fault.status, errorIdFor(fault.status), `Injected fault: ${method} ${path} answered ${fault.status}.`)
        }

        const reply = await route(ctx)
        if (fault?.applied) {
          if (fault.drop) {
            drop()
            return
          }

          if (fault.status !== undefined) {
            throw new HerokuError(fault.status, errorIdFor(fault.status), `Injected fault: ${method} ${path} answered ${fault.status} (after taking effect).`)
          }
        }

        send(reply)
        return
      }

      send(await route(ctx))
    } catch (error) {
      if (error instanceof HerokuError) {
        send({body: error.body(), headers: error.headers, status: error.status})
        return
      }

      core.log(`error on ${method} ${path}: ${(error as Error).stack ?? String(error)}`)
      send({body: {id: 'internal_server_error', message: `Internal server error: ${(error as Error).message}`}, status: 500})
    }
  }

  async function route(ctx: RequestContext): Promise<Reply> {
    const router = ctx.api === 'control' ? parts.controlRouter : ctx.api === 'data' ? parts.dataRouter : parts.platformRouter
    const found = router.match(ctx.method, ctx.path)
    if (!found) throw new HerokuError(404, 'not_found', `The requested API endpoint was not found. Are you using the right HTTP verb (${ctx.method} ${ctx.path})?`)
    ctx.params = found.params
    // Note the app a path names before the handler runs (it may delete it).
    if (ctx.params.app) ctx.noted.app = core.store.findApp(ctx.params.app)?.name ?? ctx.params.app
    if (ctx.params.addon) {
      const addon = core.store.findAddon(ctx.params.addon)
      if (addon) {
        ctx.noted.addon = addon.name
        ctx.noted.app ??= core.store.state.apps.find(a => a.id === addon.appId)?.name
      }
    }

    return found.handler(ctx)
  }
}
