import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'

/**
 * The fork marks its app with a config var, but Heroku cannot create an app and set a config var in
 * one request. The ledger covers that gap on this machine: it records "creating X from P" before
 * `POST /apps` and the app id after, and forgets the entry once the marker is set. A re-run that finds
 * X without a marker continues only if the ledger shows this command created it.
 */

export interface LedgerEntry {
  /** the fork's app name */
  target: string
  /** the production app id */
  sourceId: string
  /** ISO time just before the create request was sent */
  startedAt: string
  /** the created app's id, once the API answered */
  appId?: string
}

export interface ForkLedger {
  get(target: string): Promise<LedgerEntry | undefined>
  put(entry: LedgerEntry): Promise<void>
  remove(target: string): Promise<void>
}

/**
 * The ledger says this command created `app` at `target` from `sourceId`: the app id it recorded, or
 * before the API answered, an app created no earlier than the second before the request was sent.
 */
export function ledgerCreated(entry: LedgerEntry | undefined, target: string, sourceId: string, app: {createdAt?: string; id: string}): boolean {
  if (entry === undefined || entry.target !== target || entry.sourceId !== sourceId) return false
  if (entry.appId !== undefined) return entry.appId === app.id
  return app.createdAt !== undefined && Date.parse(app.createdAt) >= Date.parse(entry.startedAt) - 1000
}

export const LEDGER_FILE = 'staging-fork-ledger.json'

/** The ledger as a small JSON file in the CLI's data directory, written atomically. */
export class FileLedger implements ForkLedger {
  private readonly file: string

  constructor(dir: string) {
    this.file = path.join(dir, LEDGER_FILE)
  }

  async get(target: string): Promise<LedgerEntry | undefined> {
    return (await this.read()).find(entry => entry.target === target)
  }

  async put(entry: LedgerEntry): Promise<void> {
    const entries = (await this.read()).filter(e => e.target !== entry.target)
    await this.write([...entries, entry])
  }

  async remove(target: string): Promise<void> {
    const entries = await this.read()
    if (entries.some(e => e.target === target)) await this.write(entries.filter(e => e.target !== target))
  }

  private async read(): Promise<LedgerEntry[]> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as {entries?: unknown}
      return Array.isArray(parsed.entries) ? parsed.entries.filter((e): e is LedgerEntry => isEntry(e)) : []
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }

  private async write(entries: LedgerEntry[]): Promise<void> {
    await mkdir(path.dirname(this.file), {recursive: true})
    const temporary = `${this.file}.${process.pid}.tmp`
    await writeFile(temporary, JSON.stringify({entries}, null, 2) + '\n')
    await rename(temporary, this.file)
  }
}

function isEntry(value: unknown): boolean {
  const entry = value as Partial<LedgerEntry> | null
  return typeof entry === 'object' && entry !== null && typeof entry.target === 'string'
    && typeof entry.sourceId === 'string' && typeof entry.startedAt === 'string'
}

/** For tests and benchmarks. */
export class MemoryLedger implements ForkLedger {
  readonly entries = new Map<string, LedgerEntry>()

  async get(target: string): Promise<LedgerEntry | undefined> {
    return this.entries.get(target)
  }

  async put(entry: LedgerEntry): Promise<void> {
    this.entries.set(entry.target, {...entry})
  }

  async remove(target: string): Promise<void> {
    this.entries.delete(target)
  }
}
