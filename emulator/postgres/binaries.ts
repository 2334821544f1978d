import {accessSync, constants, readdirSync, realpathSync} from 'node:fs'
import path from 'node:path'

/** Absolute paths of the PostgreSQL programs the cluster runs. */
export interface PgBinaries {
  dir: string
  initdb: string
  postgres: string
  pgDump: string
  pgRestore: string
}

const SERVER_TOOLS = ['initdb', 'postgres', 'pg_dump', 'pg_restore'] as const

export class PgBinariesNotFoundError extends Error {
  constructor(detail: string) {
    super(
      `PostgreSQL server binaries not found (${detail}). ` +
        'Install them with `apt-get install postgresql` (or put a directory holding initdb, postgres, pg_dump and pg_restore on PATH).',
    )
    this.name = 'PgBinariesNotFoundError'
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function hasAll(dir: string): boolean {
  return SERVER_TOOLS.every(tool => isExecutable(path.join(dir, tool)))
}

function inDir(dir: string): PgBinaries {
  return {
    dir,
    initdb: path.join(dir, 'initdb'),
    pgDump: path.join(dir, 'pg_dump'),
    pgRestore: path.join(dir, 'pg_restore'),
    postgres: path.join(dir, 'postgres'),
  }
}

/** Version-sorted `/usr/lib/postgresql/<major>/bin` directories, newest first. */
function debianDirs(root: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(root)
  } catch {
    return []
  }

  return entries
    .filter(name => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map(name => path.join(root, name, 'bin'))
}

/**
 * PATH first, else the newest `/usr/lib/postgresql/<major>/bin`. On PATH, `postgres` is followed to
 * its real directory (Debian links `/usr/bin/pg_dump` to a version-picking wrapper, and the client
 * tools must match the server), and that directory must hold all four programs.
 */
export function findBinaries(env: NodeJS.ProcessEnv = process.env, debianRoot = '/usr/lib/postgresql'): PgBinaries {
  const searched: string[] = []
  for (const entry of (env.PATH ?? '').split(path.delimiter)) {
    if (!entry) continue
    const candidate = path.join(entry, 'postgres')
    if (!isExecutable(candidate)) continue
    let realDir: string
    try {
      realDir = path.dirname(realpathSync(candidate))
    } catch {
      continue
    }

    searched.push(realDir)
    if (hasAll(realDir)) return inDir(realDir)
    if (hasAll(entry)) return inDir(entry)
  }

  for (const dir of debianDirs(debianRoot)) {
    searched.push(dir)
    if (hasAll(dir)) return inDir(dir)
  }

  const where = searched.length > 0 ? `looked in ${searched.join(', ')}` : `no postgres on PATH and nothing under ${debianRoot}`
  throw new PgBinariesNotFoundError(where)
}
