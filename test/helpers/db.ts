import pg from 'pg'

/** Reading real rows straight from an emulator database (a PostgreSQL URL), to check what a command did. */

export async function query<T extends Record<string, unknown> = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    return (await client.query<T>(sql)).rows
  } finally {
    await client.end()
  }
}

/** A checksum over every user table's rows in a stable order: equal data, equal checksum. One connection. */
export async function checksum(url: string): Promise<string> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    const tables = (await client.query<{name: string}>(`
      SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)).rows
    const parts: string[] = []
    for (const {name} of tables) {
      const [row] = (await client.query<{sum: null | string}>(`SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum FROM ${name} t`)).rows
      parts.push(`${name}:${row?.sum}`)
    }

    return parts.join(',')
  } finally {
    await client.end()
  }
}

/** A digest of the seed topology's `users` and `orders` rows (by id); fails if either table is missing. */
export async function digest(url: string): Promise<string> {
  const [row] = await query<{d: string}>(url, `SELECT md5(
    (SELECT string_agg(u::text, ',' ORDER BY id) FROM users u) ||
    (SELECT string_agg(o::text, ',' ORDER BY id) FROM orders o)) AS d`)
  return row!.d
}

export async function count(url: string, table: string): Promise<number> {
  const [row] = await query<{n: string}>(url, `SELECT count(*) AS n FROM ${table}`)
  return Number(row?.n)
}

/** The database a URL reaches, as the server sees it. */
export async function whereIs(url: string): Promise<string> {
  const [row] = await query<{db: string}>(url, 'SELECT current_database() AS db')
  return row!.db
}

/** True when the URL accepts a connection and a query. */
export async function connects(url: string): Promise<boolean> {
  const client = new pg.Client({connectionString: url})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}
