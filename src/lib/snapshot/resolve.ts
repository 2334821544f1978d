import {lookup} from 'node:dns/promises'

/**
 * The load step of host identity: which addresses each credential host resolves to. I/O lives
 * here; the matching in `identity.ts` is pure and reads the result from the snapshot (`hosts`).
 */

/** host → its addresses; `[]` when it did not resolve in time. */
export type HostResolver = (host: string) => Promise<string[]>

/** A lookup that takes longer than this counts as unresolved (identity unknown, never a pass). */
export const DNS_TIMEOUT_MS = 2000

// One lookup per host per run: every snapshot of the run shares it.
const cache = new Map<string, Promise<string[]>>()

/** `dns.lookup` with every address (what the app's driver would connect to), a timeout, and a per-run cache. */
export function dnsResolver(timeoutMs = DNS_TIMEOUT_MS): HostResolver {
  return async host => {
    let pending = cache.get(host)
    if (!pending) {
      pending = new Promise<string[]>(resolve => {
        const timer = setTimeout(() => resolve([]), timeoutMs)
        timer.unref()
        lookup(host, {all: true}).then(
          found => resolve([...new Set(found.map(entry => entry.address))].sort()),
          () => resolve([]),
        ).finally(() => clearTimeout(timer))
      })
      cache.set(host, pending)
    }

    return pending
  }
}

/** Resolves every host at once. */
export async function resolveHosts(hosts: readonly string[], resolver: HostResolver = dnsResolver()): Promise<Record<string, string[]>> {
  const addresses = await Promise.all(hosts.map(async host => resolver(host).catch(() => [])))
  return Object.fromEntries(hosts.map((host, index) => [host, addresses[index] ?? []]))
}
