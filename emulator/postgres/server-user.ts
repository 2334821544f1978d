/** The system user the PostgreSQL server runs as when the emulator runs as root (PostgreSQL refuses root). */
export interface ServerUser {
  name: string
  uid: number
  gid: number
}

/** Preferred first: Debian's package creates `postgres`; `nobody` exists on nearly every system. */
export const SERVER_USER_NAMES = ['postgres', 'nobody'] as const

/**
 * From the text of /etc/passwd: the `postgres` user, else `nobody`, else undefined. Entries with a
 * missing or non-numeric uid/gid, or uid 0, are skipped.
 */
export function chooseServerUser(passwd: string): ServerUser | undefined {
  const users = new Map<string, ServerUser>()
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.trim().split(':')
    if (!name || !uid || !gid || !/^\d+$/.test(uid) || !/^\d+$/.test(gid) || Number(uid) === 0) continue
    if (!users.has(name)) users.set(name, {gid: Number(gid), name, uid: Number(uid)})
  }

  for (const name of SERVER_USER_NAMES) {
    const user = users.get(name)
    if (user) return user
  }

  return undefined
}
