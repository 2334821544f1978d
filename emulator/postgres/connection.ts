import {createHash, createHmac, pbkdf2Sync, randomBytes} from 'node:crypto'


/** The parts of a `postgres://` URL the client tools need. */
export interface ConnectionParts {
  host: string
  port: number
  user: string
  password: string
  database: string
  sslmode?: string
}

export function parseDatabaseUrl(url: string): ConnectionParts {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`not a database URL: ${redactUrls(url, [])}`)
  }

  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`not a postgres:// URL (scheme ${parsed.protocol})`)
  }

  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (!database) throw new Error(`the database URL names no database: ${redactUrls(url, [])}`)
  const sslmode = parsed.searchParams.get('sslmode') ?? undefined
  return {
    database,
    host: parsed.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    password: decodeURIComponent(parsed.password),
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username),
    ...(sslmode ? {sslmode} : {}),
  }
}

export function buildDatabaseUrl(parts: Pick<ConnectionParts, 'database' | 'host' | 'password' | 'port' | 'user'>): string {
  const auth = `${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}`
  return `postgres://${auth}@${parts.host}:${parts.port}/${encodeURIComponent(parts.database)}`
}

/** Variables inherited from the caller's shell that would redirect or alter libpq connections. */
const LIBPQ_VARS = /^PG(HOST|HOSTADDR|PORT|DATABASE|USER|PASSWORD|PASSFILE|SERVICE|SERVICEFILE|OPTIONS|SSL\w*|GSS\w*|REQUIRESSL|TARGETSESSIONATTRS|CONNECT_TIMEOUT|CLIENTENCODING|APPNAME|TZ|DATESTYLE|SYSCONFDIR|REQUIREAUTH|CHANNELBINDING|KRBSRVNAME|LOAD_BALANCE_HOSTS)$/

/** The environment without any inherited libpq settings. */
export function cleanEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(base)) {
    if (!LIBPQ_VARS.test(key)) env[key] = value
  }

  return env
}

/**
 * libpq environment for a client tool (pg_dump, pg_restore). The password travels in PGPASSWORD,
 * never on an argv that could be printed in an error or seen in `ps`.
 */
export function libpqEnv(parts: ConnectionParts, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...cleanEnv(base),
    PGAPPNAME: 'heroku-staging-emulator',
    PGCONNECT_TIMEOUT: '10',
    PGDATABASE: parts.database,
    PGHOST: parts.host,
    PGPASSWORD: parts.password,
    PGPORT: String(parts.port),
    PGUSER: parts.user,
    ...(parts.sslmode ? {PGSSLMODE: parts.sslmode} : {}),
  }
}

// Userinfo of any URL, and bearer/basic tokens: the emulator's own masking (it imports nothing from src/).
const URL_WITH_CREDENTIALS = /\b([a-z][\w+.-]*:\/\/)([^\s:@/'"]*):([^\s@/'"]*)@/gi
const TOKEN = /\b(Bearer|Basic)\s+[\w\-.~+/=:]{8,}/gi

function maskUser(user: string): string {
  if (!user) return ''
  let decoded = user
  try {
    decoded = decodeURIComponent(user)
  } catch {
    // keep it encoded
  }

  return `${decoded.slice(0, 1)}***`
}

/** Masks credentials in URLs (`postgres://u***:****@host/db`), tokens, and every given password wherever it appears. */
export function redactUrls(text: string, passwords: string[]): string {
  let out = text
  for (const password of passwords.filter(p => p.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(password).join('****')
  }

  out = out.replace(URL_WITH_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${maskUser(user)}:****@`)
  return out.replace(TOKEN, (_m, kind: string) => `${kind} ****`)
}

/** Double-quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Single-quoted SQL literal (standard_conforming_strings is on). */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** A password made of 64 hex characters, like Heroku's. */
export function randomPassword(): string {
  return randomBytes(32).toString('hex')
}

/** A role name like Heroku's: `u` plus 13 lowercase letters and digits. */
export function randomRoleName(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = randomBytes(13)
  let out = 'u'
  for (const byte of bytes) out += alphabet[byte % alphabet.length]
  return out
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677, as in
 * `pg_authid.rolpassword`). Sending the verifier instead of the password keeps the plain text out of
 * the server: out of its logs, of pg_stat_activity and of any error that quotes the statement.
 */
export function scramVerifier(password: string, iterations = 4096, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}
