import type {APIClient} from '@heroku-cli/command'

import {currentSecrets, redact, type SecretRegistry, splitUrl} from '../secrets/index.js'
import {debugRequest, debugResponse} from './debug.js'

/** The one client layer: every Platform and Data API call of the plugin goes through here. */

export type HttpMethod = 'DELETE' | 'GET' | 'PATCH' | 'POST' | 'PUT'
export type ApiHost = 'data' | 'platform'

export interface RequestOptions {
  /** the JSON body of a POST, PATCH, PUT or DELETE */
  body?: unknown
  headers?: Record<string, string>
  /** which API: the Platform API on HEROKU_HOST or the Data API on HEROKU_DATA_HOST */
  host?: ApiHost
}

export interface ClientOptions {
  /** requests in flight at once */
  concurrency?: number
  /** first backoff delay; doubles each attempt */
  baseDelayMs?: number
  maxRetries?: number
  /** slow down when RateLimit-Remaining falls below this */
  rateLimitFloor?: number
  /** the run's secret registry (default: the registry of the run in progress) */
  secrets?: SecretRegistry
  /** injectable for tests */
  sleep?: (ms: number) => Promise<void>
}

/** One line per request, for debug logs and for counting requests in benchmarks. */
export interface RequestRecord {
  attempt: number
  method: HttpMethod
  path: string
  status: number | string
}

/** An API failure with the fields callers branch on, and a message that never carries a secret. */
export class ApiError extends Error {
  readonly id?: string
  readonly method: HttpMethod
  readonly path: string
  readonly resource?: string
  readonly status?: number

  constructor(opts: {id?: string; message: string; method: HttpMethod; path: string; resource?: string; status?: number}) {
    super(redact(opts.message))
    this.name = 'ApiError'
    this.id = opts.id
    this.method = opts.method
    this.path = opts.path
    this.resource = opts.resource
    this.status = opts.status
  }

  get isNotFound(): boolean {
    return this.status === 404
  }
}

/** A 404 from the API: the one test for "that resource is not there". */
export function isNotFound(error: unknown): error is ApiError {
  return error instanceof ApiError && error.isNotFound
}

/** A 404 or a 403: the resource is not there, or not visible to this user (Heroku answers either). */
export function isNotVisible(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 404 || error.status === 403)
}

/** The second line of an API error: what to do about it, naming the command or setting. */
export function apiErrorFix(error: ApiError, env: NodeJS.ProcessEnv = process.env): string {
  const status = error.status
  if (status === undefined) return `Check your network and HEROKU_HOST (${env.HEROKU_HOST || 'api.heroku.com'}), then re-run the same command.`
  if (status === 401) return 'Log in with heroku login, or set HEROKU_API_KEY to a valid token, then re-run the same command.'
  if (status === 403) return 'Check the app with heroku apps:info -a APP; its owner can give you access with heroku access:add EMAIL -a APP.'
  if (status === 404) return `Check the name${error.resource ? ` of the ${error.resource}` : ''}: heroku apps lists your apps, heroku addons -a APP an app's add-ons.`
  if (status === 429) return 'The API rate limit held after retries: wait a minute, then re-run the same command.'
  if (status >= 500) return 'Heroku\'s API is failing (see https://status.heroku.com): re-run the same command later.'
  return 'Heroku refused the request for the reason above: correct it, then re-run the same command.'
}

/**
 * Where the stock CLI sends Data API calls: a bare hostname, on HEROKU_HOST's port. The same rule as
 * heroku-cli-util's `utils/pg` getHost(), which is not imported: that entry point loads its bastion and
 * psql helpers with it (measured 1.18 s against 0.16 s for its `color` entry, Node 20, 2026-11-30).
 */
export function dataApiHost(env: NodeJS.ProcessEnv = process.env): string {
  return env.HEROKU_DATA_HOST || env.HEROKU_POSTGRESQL_HOST || 'api.data.heroku.com'
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['DELETE', 'GET', 'PUT'])
const NETWORK_CODES = new Set(['ECONNABORTED', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET'])

interface HttpLikeError {
  body?: {id?: string; message?: string; resource?: string}
  code?: string
  /** HerokuAPIError.http is http-call's HTTPError, whose own `.http` holds the response headers */
  http?: {
    body?: unknown
    headers?: Record<string, string | string[] | undefined>
    http?: {headers?: Record<string, string | string[] | undefined>}
    statusCode?: number
  }
  message?: string
  statusCode?: number
}

interface RawResponse<T> {
  body: T
  headers: Record<string, string | string[] | undefined>
  statusCode: number
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name.toLowerCase()] ?? headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** A small counting semaphore: at most `limit` tasks run at once. */
export class Semaphore {
  private active = 0
  private readonly queue: Array<() => void> = []

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>(resolve => {
      this.queue.push(resolve)
    })
    this.active++
    try {
      return await task()
    } finally {
      this.active--
      this.queue.shift()?.()
    }
  }
}

/**
 * Runs `fn` over `items` with at most `limit` in flight; results keep the input order. After a
 * failure no further item starts, and the first error is thrown only once the running ones have
 * settled, so no request outlives the call.
 */
export async function mapBounded<I, O>(items: readonly I[], limit: number, fn: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const results: O[] = Array.from({length: items.length})
  let next = 0
  let failure: undefined | {error: unknown}
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++
      try {
        // eslint-disable-next-line no-await-in-loop -- each worker takes the next item when its last one is done
        results[index] = await fn(items[index] as I, index)
      } catch (error) {
        failure ??= {error}
      }
    }
  }

  await Promise.all(Array.from({length: Math.min(Math.max(1, limit), items.length)}, async () => worker()))
  if (failure) throw failure.error
  return results
}

/** What http-call's request instances expose that the override below needs. */
interface RetryingRequest {
  _debugRequest(): void
  _debugResponse(): void
  _maybeRetry(error: unknown): Promise<void>
}

/**
 * http-call re-sends a request after any error with a code (up to 5 times, over about 6 s), POST
 * included, and outside this client's knowledge: a re-sent POST can provision a second add-on, and a
 * re-send can outlive the command that asked. This client alone retries (`retryDelay`: idempotent
 * methods after a dropped connection, any method after 429/503). Its debug lines for this client's
 * requests are replaced by the client's own, which hide values (debug.ts).
 */
export function leaveRetriesToTheClient(api: APIClient): void {
  if (!api.http || (api.http as {clientRetriesOnly?: boolean}).clientRetriesOnly) return
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin base must take any constructor arguments
  const Base = api.http as unknown as new (...args: any[]) => RetryingRequest
  class ClientRetries extends Base {
    static clientRetriesOnly = true

    override _debugRequest(): void {}

    override _debugResponse(): void {}

    override async _maybeRetry(error: unknown): Promise<void> {
      throw error
    }
  }

  api.http = ClientRetries as unknown as typeof api.http
}

const SECRET_KEY = /password|secret|token|credential|^uri$|url$|_key$|^key$/i
const PUBLIC_URN = /^urn:buildpack:[\w./-]+$/

/**
 * Registers what a request sends or a response brings: every config var value (config-vars bodies),
 * credential-looking fields and URLs with credentials anywhere, and names, which outputs must show.
 */
function registerBody(secrets: SecretRegistry, path: string, body: unknown): void {
  if (body === undefined || body === null) return
  if (/\/config-vars(?:$|\?)/.test(path) && typeof body === 'object' && !Array.isArray(body)) {
    secrets.registerConfig(body as Record<string, unknown>)
  }

  const walk = (value: unknown, key: string | undefined, depth: number): void => {
    if (depth > 8) return
    if (typeof value === 'string') {
      // A buildpack's urn (`urn:buildpack:heroku/ruby`) names a public buildpack: printable, as a name is.
      if (key === 'name' || PUBLIC_URN.test(value)) secrets.addIdentifier(value)
      else if ((key !== undefined && SECRET_KEY.test(key)) || splitUrl(value)?.password !== undefined) secrets.register(value)
      return
    }

    if (Array.isArray(value)) for (const item of value) walk(item, key, depth + 1)
    else if (value && typeof value === 'object') for (const [inner, innerValue] of Object.entries(value)) walk(innerValue, inner, depth + 1)
  }

  walk(body, undefined, 0)
}

export class HerokuClient {
  readonly records: RequestRecord[] = []
  private readonly baseDelayMs: number
  private readonly gate: Semaphore
  private readonly maxRetries: number
  private pauseUntil = 0
  private readonly rateLimitFloor: number
  /** every value the client loads or sends is registered here before anyone sees it */
  readonly secrets: SecretRegistry
  private readonly sleep: (ms: number) => Promise<void>

  constructor(private readonly api: APIClient, options: ClientOptions = {}) {
    leaveRetriesToTheClient(api)
    this.secrets = options.secrets ?? currentSecrets()
    this.secrets.registerToken(process.env.HEROKU_API_KEY)
    this.gate = new Semaphore(options.concurrency ?? 8)
    this.baseDelayMs = options.baseDelayMs ?? 250
    this.maxRetries = options.maxRetries ?? 4
    this.rateLimitFloor = options.rateLimitFloor ?? 20
    this.sleep = options.sleep ?? (async ms => new Promise(resolve => {
      setTimeout(resolve, ms)
    }))
  }

  get requestCount(): number {
    return this.records.length
  }

  async delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('DELETE', path, options)).body
  }

  async get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('GET', path, options)).body
  }

  /** GET a list, following Range / Next-Range one page at a time so each page is retried on its own. */
  async list<T>(path: string, options: RequestOptions = {}): Promise<T[]> {
    const items: T[] = []
    let range: string | undefined
    for (let page = 0; page < 1000; page++) {
      const headers = {...options.headers, ...(range === undefined ? {} : {range})}
      // eslint-disable-next-line no-await-in-loop -- pages are sequential by nature: each names the next
      const response = await this.request<T[] | T>('GET', path, {...options, headers})
      if (!Array.isArray(response.body)) return [response.body]
      items.push(...response.body)
      range = header(response.headers, 'next-range')
      // Like http-call, follow Next-Range whatever the status (200 or 206); an empty page ends it.
      if (!range || response.body.length === 0) break
    }

    return items
  }

  async patch<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('PATCH', path, options)).body
  }

  async post<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('POST', path, options)).body
  }

  async put<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('PUT', path, options)).body
  }

  /** One request with bounded concurrency and retries; the stock APIClient retries neither 429 nor 5xx. */
  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<RawResponse<T>> {
    return this.gate.run(async () => {
      for (let attempt = 1; ; attempt++) {
        // eslint-disable-next-line no-await-in-loop -- a retry must wait for the previous attempt
        const outcome = await this.attempt<T>(method, path, options, attempt)
        if ('response' in outcome) return outcome.response
        if (attempt > this.maxRetries || outcome.retryAfterMs === undefined) throw outcome.error
        // eslint-disable-next-line no-await-in-loop -- backoff between attempts
        await this.sleep(outcome.retryAfterMs)
      }
    })
  }

  private async attempt<T>(method: HttpMethod, path: string, options: RequestOptions, attempt: number):
  Promise<{error: ApiError; retryAfterMs?: number} | {response: RawResponse<T>}> {
    const wait = this.pauseUntil - Date.now()
    if (wait > 0) await this.sleep(wait)
    const httpOptions: Record<string, unknown> = {
      headers: options.headers ?? {},
      method,
      retryAuth: false,
    }
    if (options.body !== undefined) httpOptions.body = options.body
    if (options.host === 'data') httpOptions.hostname = dataApiHost()
    // The list() loop pages itself; never let http-call follow Next-Range behind our back.
    if (method === 'GET') httpOptions.partial = true
    // The token may come from netrc or the credential store only once the first request is made.
    this.secrets.registerToken(this.api.auth)
    registerBody(this.secrets, path, options.body)
    const host = options.host === 'data' ? dataApiHost() : process.env.HEROKU_HOST || 'api.heroku.com'
    debugRequest({body: options.body, headers: httpOptions.headers as Record<string, unknown>, host, method, path, secrets: this.secrets})
    try {
      const response = await this.api.request<T>(path, httpOptions)
      registerBody(this.secrets, path, response.body)
      debugResponse({body: response.body, headers: response.headers, host, method, path, secrets: this.secrets, status: response.statusCode})
      this.records.push({attempt, method, path, status: response.statusCode})
      this.noteRateLimit(response.headers)
      return {response: {body: response.body, headers: response.headers, statusCode: response.statusCode}}
    } catch (error) {
      const failure = error as HttpLikeError
      const status = failure.http?.statusCode ?? failure.statusCode
      debugResponse({body: failure.body ?? failure.http?.body, host, method, path, secrets: this.secrets, status: status ?? failure.code ?? 'error'})
      this.records.push({attempt, method, path, status: status ?? failure.code ?? 'error'})
      const body = (failure.body ?? failure.http?.body ?? {}) as {id?: string; message?: string; resource?: string}
      const apiError = new ApiError({
        id: body.id,
        message: status === undefined
          ? `${method} ${path} failed: ${failure.code ?? failure.message ?? 'connection error'}`
          : body.message ?? `${method} ${path} answered HTTP ${status}`,
        method,
        path,
        resource: body.resource,
        status,
      })
      return {error: apiError, retryAfterMs: this.retryDelay(method, status, failure, attempt)}
    }
  }

  private noteRateLimit(headers: Record<string, string | string[] | undefined>): void {
    const remaining = Number(header(headers, 'ratelimit-remaining'))
    // Spread the last tokens out rather than run into a 429 wall.
    if (Number.isFinite(remaining) && remaining < this.rateLimitFloor) {
      this.pauseUntil = Math.max(this.pauseUntil, Date.now() + this.baseDelayMs * (this.rateLimitFloor - remaining))
    }
  }

  private retryDelay(method: HttpMethod, status: number | undefined, failure: HttpLikeError, attempt: number): number | undefined {
    const backoff = this.baseDelayMs * 2 ** (attempt - 1) + Math.floor(Math.random() * this.baseDelayMs)
    if (status === undefined) {
      return IDEMPOTENT.has(method) && failure.code !== undefined && NETWORK_CODES.has(failure.code) ? backoff : undefined
    }

    // A 429 or 503 means the request was not processed, so any method may be sent again.
    const safeAnyMethod = status === 429 || status === 503
    if (!safeAnyMethod && !(status >= 500 && IDEMPOTENT.has(method))) return undefined
    const retryAfter = Number(header(failure.http?.headers ?? failure.http?.http?.headers ?? {}, 'retry-after'))
    return Number.isFinite(retryAfter) && retryAfter >= 0 ? Math.max(retryAfter * 1000, backoff) : backoff
  }
}
