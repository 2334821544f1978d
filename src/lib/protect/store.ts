import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'


/**
 * Apps the user marked as production with `heroku staging:protect`, kept in the CLI's config
 * directory (e.g. ~/.config/heroku/staging-protected.json) so every guard sees them.
 *
 * The file keeps each app's name (what `readProtectedApps` returns) and, when the API told us, its id, so
 * a protected app stays protected after a rename: the guard matches names and ids.
 */

export const PROTECTED_FILE = 'staging-protected.json'

export interface ProtectedEntry {
  /** the app id, when it was known at protect time */
  id?: string
  name: string
  /** ISO time the app was protected */
  since?: string
}

interface StoreFile {
  apps: string[]
  /** richer records, one per name in `apps` (absent in files written before ids were kept) */
  entries?: ProtectedEntry[]
}

export function protectedFile(configDir: string): string {
  return path.join(configDir, PROTECTED_FILE)
}

function isEntry(value: unknown): value is ProtectedEntry {
  if (!value || typeof value !== 'object') return false
  const entry = value as Record<string, unknown>
  return typeof entry.name === 'string' && (entry.id === undefined || typeof entry.id === 'string')
    && (entry.since === undefined || typeof entry.since === 'string')
}

/** Every protected app with what is known about it, sorted by name. A missing file means none. */
export async function readProtectedEntries(configDir: string): Promise<ProtectedEntry[]> {
  let text: string
  try {
    text = await readFile(protectedFile(configDir), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }

  // A corrupt file must not silently unprotect anything: the caller fails closed on this error.
  const parsed = JSON.parse(text) as Partial<StoreFile>
  const names = Array.isArray(parsed.apps) ? parsed.apps.filter((app): app is string => typeof app === 'string') : []
  const records = new Map((Array.isArray(parsed.entries) ? parsed.entries.filter(e => isEntry(e)) : []).map(e => [e.name, e]))
  return [...new Set(names)].sort().map(name => records.get(name) ?? {name})
}

export async function readProtectedApps(configDir: string): Promise<string[]> {
  return (await readProtectedEntries(configDir)).map(entry => entry.name)
}

/** The names and ids the guard matches apps against. */
export function protectedKeys(entries: readonly ProtectedEntry[]): string[] {
  return [...new Set(entries.flatMap(entry => (entry.id ? [entry.name, entry.id] : [entry.name])))]
}

async function writeEntries(configDir: string, entries: readonly ProtectedEntry[]): Promise<void> {
  await mkdir(configDir, {recursive: true})
  const byName = new Map(entries.map(entry => [entry.name, entry]))
  const sorted = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))
  const file = protectedFile(configDir)
  const temporary = `${file}.${process.pid}.tmp`
  const body: StoreFile = {apps: sorted.map(entry => entry.name), entries: sorted}
  await writeFile(temporary, JSON.stringify(body, null, 2) + '\n')
  await rename(temporary, file)
}

export async function writeProtectedApps(configDir: string, apps: readonly string[]): Promise<void> {
  const known = new Map((await readProtectedEntries(configDir)).map(entry => [entry.name, entry]))
  await writeEntries(configDir, [...new Set(apps)].map(name => known.get(name) ?? {name}))
}

export interface StoreChange {
  /** the protected apps after the change */
  apps: ProtectedEntry[]
  /** false when the app already was (protect) or was not (unprotect) protected */
  changed: boolean
  /** the entry added or removed */
  entry?: ProtectedEntry
}

/** Adds an app (by name, with its id when known). Protecting an app twice is not an error. */
export async function protectApp(configDir: string, app: {id?: string; name: string}, now: Date = new Date()): Promise<StoreChange> {
  const entries = await readProtectedEntries(configDir)
  const existing = entries.find(entry => entry.name === app.name || (app.id !== undefined && entry.id === app.id))
  if (existing && existing.name === app.name && (existing.id === app.id || app.id === undefined)) {
    return {apps: entries, changed: false, entry: existing}
  }

  // A renamed app keeps its original protection date; its record now carries the current name.
  const entry: ProtectedEntry = {id: app.id ?? existing?.id, name: app.name, since: existing?.since ?? now.toISOString()}
  const next = [...entries.filter(e => e !== existing), entry]
  await writeEntries(configDir, next)
  return {apps: await readProtectedEntries(configDir), changed: true, entry}
}

/** Removes an app, matched by name or by id. Unprotecting an app that is not protected is not an error. */
export async function unprotectApp(configDir: string, app: {id?: string; name: string}): Promise<StoreChange> {
  const entries = await readProtectedEntries(configDir)
  const removed = entries.filter(entry => entry.name === app.name || (app.id !== undefined && entry.id === app.id))
  if (removed.length === 0) return {apps: entries, changed: false}
  await writeEntries(configDir, entries.filter(entry => !removed.includes(entry)))
  return {apps: await readProtectedEntries(configDir), changed: true, entry: removed[0]}
}
