/**
 * The emulator's PostgreSQL backend: one real server it starts and stops itself, in its own
 * data directory, with one database and one role (own password) per heroku-postgresql add-on.
 */

import type {PgBinaries} from './binaries.js'

export interface ClusterOptions {
  /** the programs to run (a server of one major: `findServerForMajor`); default `findBinaries()` */
  binaries?: PgBinaries
  /** keep the cluster here across restarts; default a temporary directory removed on stop */
  dataDir?: string
  /** 0 or undefined: a free port on 127.0.0.1 */
  port?: number
}

export interface DatabaseCredentials {
  database: string
  user: string
  password: string
  /** `postgres://user:password@127.0.0.1:PORT/database` */
  url: string
}

export interface TransferProgress {
  /** bytes moved so far */
  processedBytes: number
}

export interface QueryOptions {
  /** `owner` (default): as the database's add-on role; `superuser`: keep superuser rights (objects it creates belong to the superuser) */
  as?: 'owner' | 'superuser'
}

/**
 * Failures of copy/backup/restore reject with an Error whose message carries the failing tool's
 * (redacted) stderr; when a PostgreSQL program failed it is a `PgToolError` (cluster.ts) with
 * `tool`, `exitCode` and `logs` (stderr lines, for a transfer's `logs`).
 */
export interface PgCluster {
  readonly host: string
  readonly port: number
  /** the real server's major version, e.g. `15` */
  readonly serverMajorVersion: string
  /** the cluster's data directory (temporary unless `dataDir` was given) */
  readonly dataDir?: string
  /** the postmaster's pid while it runs */
  readonly pid?: number
  /** a new database owned by a new role with its own password */
  createDatabase(name: string): Promise<DatabaseCredentials>
  /** drops the database and its role; a database that is already gone is not an error */
  dropDatabase(name: string): Promise<void>
  /** drops every object in the database, keeping database, role and password */
  resetDatabase(name: string): Promise<void>
  size(name: string): Promise<{numBytes: number; numTables: number}>
  /** pg_dump | pg_restore from one URL into another (the target is emptied first), reporting progress */
  copy(fromUrl: string, toUrl: string, onProgress?: (p: TransferProgress) => void): Promise<{bytes: number}>
  /** pg_dump -Fc of a database into a file */
  backup(fromUrl: string, file: string, onProgress?: (p: TransferProgress) => void): Promise<{bytes: number}>
  /** pg_restore of a dump file into a database (emptied first) */
  restore(file: string, toUrl: string, onProgress?: (p: TransferProgress) => void): Promise<{bytes: number}>
  /**
   * run SQL as the superuser in a database (for seeding and tests). In a database made by
   * `createDatabase` the session switches to the add-on's role (`SET ROLE`) unless `as: 'superuser'`,
   * so tables it creates belong to that role, as if the app had created them, and stay readable and
   * dumpable through the add-on's URL. Multi-statement SQL (no params) returns the last statement's rows.
   */
  query<T = Record<string, unknown>>(database: string, sql: string, params?: unknown[], options?: QueryOptions): Promise<T[]>
  /** a hash over every user table's rows, in a stable order: equal data gives an equal checksum */
  checksum(database: string): Promise<string>
  stop(): Promise<void>
}
