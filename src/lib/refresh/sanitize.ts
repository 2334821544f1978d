import {createHash} from 'node:crypto'
import pg from 'pg'

import {postgresConnection} from '../snapshot/credentials.js'
import {endpointOf} from '../snapshot/identity.js'
import {redact} from '../secrets/index.js'
import {KEY_SETTINGS} from './rules.js'

/**
 * Runs a sanitize file against the refreshed database in ONE transaction over a direct
 * connection: either every statement applies or none does. TLS is used except to the local
 * machine (localhost / 127.0.0.1 / ::1), where a PostgreSQL server rarely has a certificate.
 */

export class SanitizeError extends Error {
  constructor(message: string, readonly position?: {column?: number; line: number}) {
    super(redact(message))
    this.name = 'SanitizeError'
  }
}

export interface ConnectionSettings {
  database: string
  host: string
  password: string
  port: number
  /** false for loopback hosts; Heroku Postgres otherwise */
  ssl: false | {rejectUnauthorized: boolean}
  user: string
}

/**
 * A Postgres URL as explicit settings, read by the one credential parser: the client connects to the
 * host the guards classified (libpq's `?host=`/`?hostaddr=`/`?port=`/`?dbname=` win, as in libpq).
 * The rest of the query (sslmode, sslrootcert, …) is not trusted.
 */
export function connectionSettings(url: string): ConnectionSettings {
  const connection = postgresConnection(url)
  if (!connection) throw new SanitizeError('Could not connect: the database URL is not a postgres:// URL.')
  const local = endpointOf(url)?.host === 'loopback'
  return {
    database: connection.database,
    host: connection.host,
    password: connection.password ?? '',
    port: connection.port,
    // Heroku Postgres presents certificates no public CA signs; the connection is still encrypted.
    ssl: local ? false : {rejectUnauthorized: false},
    user: connection.user ?? '',
  }
}

/** 1-based line and column of a character offset (PostgreSQL reports `position` 1-based). */
function lineOf(sql: string, position: number): {column: number; line: number} {
  const before = sql.slice(0, Math.max(0, position - 1)).split('\n')
  return {column: (before.at(-1)?.length ?? 0) + 1, line: before.length}
}

/** HMAC's padded keys (hex) for a key: what the transaction's settings hold, never the SQL. */
export function hmacPads(key: Buffer): {inner: string; outer: string} {
  const block = Buffer.alloc(64)
  const material = key.length > 64 ? createHash('sha256').update(key).digest() : key
  material.copy(block)
  const xor = (byte: number) => Buffer.from(block.map(b => b ^ byte)).toString('hex')
  return {inner: xor(0x36), outer: xor(0x5c)}
}

/**
 * Runs `sql` in one transaction; on any error it rolls back and throws a SanitizeError. With a
 * pseudonym key, the transaction first holds it (as HMAC's padded keys) in transaction-local settings,
 * set from query parameters: gone at COMMIT or ROLLBACK, never in the SQL text.
 */
export async function runSanitize(url: string, sql: string, key?: Buffer): Promise<{durationMs: number}> {
  const started = Date.now()
  const client = new pg.Client({...connectionSettings(url), application_name: 'heroku-staging-sanitize'})
  // A dropped connection emits 'error' on the client; the pending query rejects with it as well.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    throw new SanitizeError(`Could not connect to the staging database: ${(error as Error).message}`)
  }

  try {
    await client.query('BEGIN')
    try {
      if (key) {
        const pads = hmacPads(key)
        await client.query('SELECT set_config($1, $2, true), set_config($3, $4, true)', [KEY_SETTINGS.inner, pads.inner, KEY_SETTINGS.outer, pads.outer])
      }

      await client.query(sql)
      // A deferred constraint can still fail here; PostgreSQL then rolls the whole file back.
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      const failure = error as Error & {position?: string}
      const position = failure.position ? lineOf(sql, Number(failure.position)) : undefined
      const where = position ? ` (line ${position.line})` : ''
      throw new SanitizeError(`${failure.message}${where}`, position)
    }

    return {durationMs: Date.now() - started}
  } finally {
    await client.end().catch(() => {})
  }
}
