/**
 * Host names as identity: one spelling per host (pure), and the addresses a load step resolved them to.
 * `127.1`, `2130706433`, `0x7f.0.0.1` and `[::ffff:127.0.0.1]` are all `127.0.0.1`; loopback names are one host.
 */

/** Host → the addresses it resolved to, as the load step found them (`[]`: it could not be resolved). */
export type HostTable = ReadonlyMap<string, readonly string[]>

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', 'localhost.localdomain'])

/** `::ffff:7f00:1` (how WHATWG URL writes a mapped address) → `127.0.0.1`. */
function mappedIpv4(ipv6: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ipv6)
  if (dotted) return dotted[1]
  const hex = /^::ffff:([\da-f]{1,4}):([\da-f]{1,4})$/.exec(ipv6)
  if (!hex) return undefined
  const high = Number.parseInt(hex[1] ?? '0', 16)
  const low = Number.parseInt(hex[2] ?? '0', 16)
  return [high >> 8, high & 255, low >> 8, low & 255].join('.')
}

/**
 * The one spelling of a host: lower case, no brackets or trailing dot, IPv4 in dotted decimal (the
 * WHATWG URL parser reads `127.1`, decimal and hex forms as a browser does), IPv6 compressed, an
 * IPv4-mapped IPv6 address as IPv4, and every loopback name as `loopback`.
 */
export function normalizeHost(raw: string): string {
  let host = raw.trim().toLowerCase().replace(/\.$/, '')
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  if (host === '' || /[/\\]/.test(host)) return host
  try {
    const parsed = new URL(host.includes(':') ? `http://[${host}]/` : `http://${host}/`).hostname
    host = parsed.startsWith('[') ? parsed.slice(1, -1) : parsed
  } catch {
    // Not a host the URL parser accepts (e.g. a socket path): compare it as written.
  }

  if (host.includes(':')) host = mappedIpv4(host) ?? host
  return LOOPBACK.has(host) ? 'loopback' : host
}

/** True for an IP address (after `normalizeHost`), which needs no lookup. */
export function isAddress(host: string): boolean {
  return host === 'loopback' || /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':')
}

/** The addresses a normalised host stands for: itself for an address, else what the table says. */
function addressesOf(host: string, hosts: HostTable): readonly string[] | undefined {
  if (isAddress(host)) return [host]
  const found = hosts.get(host)
  return found?.map(address => normalizeHost(address))
}

/** True when the table was given and says nothing usable about this (non-address) host. */
export function unresolved(host: string, hosts: HostTable | undefined): boolean {
  if (!hosts || isAddress(host)) return false
  return (hosts.get(host)?.length ?? 0) === 0
}

/**
 * The same server: the same normalised name, or (with a table) an address in common. Any shared
 * address counts, because one address is one server: a DNS alias, or a name for an IP written
 * elsewhere. Without a table only names are compared.
 */
export function sameHost(a: string, b: string, hosts?: HostTable): boolean {
  if (a === b) return true
  if (!hosts) return false
  const left = addressesOf(a, hosts)
  const right = addressesOf(b, hosts)
  if (!left || !right) return false
  return left.some(address => right.includes(address))
}
