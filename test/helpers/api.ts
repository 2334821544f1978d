import type {Account, Emulator} from '../../emulator/types.js'

/**
 * Talking to the emulator over HTTP from a test, as a Heroku client would: the route tests drive it with
 * `apiClient`, the end-to-end tests read the state a command left with `apiGet`.
 */

export interface ApiResponse<T = unknown> {
  body: T
  headers: Headers
  status: number
}

export type ApiClient = <T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse<T>>

/** A tiny Heroku client (Platform and Data API, same port): JSON in, JSON out, never throws on a status. */
export function apiClient(emu: Emulator, account: Account | null = emu.accounts[0]!): ApiClient {
  return async function call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(`${emu.url}${path}`, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: {
        accept: 'application/vnd.heroku+json; version=3',
        ...(account ? {authorization: `Bearer ${account.token}`} : {}),
        ...(body === undefined ? {} : {'content-type': 'application/json'}),
        ...headers,
      },
      method,
    })
    const text = await response.text()
    const parsed = text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) as T : text as T
    return {body: parsed, headers: response.headers, status: response.status}
  }
}

/** GET as accounts[0] that must succeed: the body, or an error naming the path and status. */
export async function apiGet<T>(emu: Emulator, pathname: string, headers: Record<string, string> = {}): Promise<T> {
  const response = await apiClient(emu)<T>('GET', pathname, undefined, headers)
  if (response.status < 200 || response.status > 299) throw new Error(`GET ${pathname}: ${response.status}`)
  return response.body
}

/** Polls `probe` every 50 ms until it returns a value; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => {
      setTimeout(resolve, 50)
    })
  }
}
