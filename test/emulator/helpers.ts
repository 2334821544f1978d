import type {Account, Emulator} from '../../emulator/types.js'

export interface ApiResponse<T = unknown> {
  body: T
  headers: Headers
  status: number
}

/** A tiny Heroku client for route tests: JSON in, JSON out, never throws on a status. */
export function apiClient(emu: Emulator, account: Account | null = emu.accounts[0]!) {
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
