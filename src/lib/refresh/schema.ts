import {readFile} from 'node:fs/promises'
import pg from 'pg'

import {ActionableError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {compileRules, parseRules, type Rules, RulesError, type SchemaColumn} from './rules.js'
import {connectionSettings} from './sanitize.js'

/**
 * The columns of a database's user tables, read in a READ ONLY transaction over a direct connection:
 * for the PII guard after the copy (staging's database) and for `--dry-run` (the source's, which is
 * then only read).
 */
export async function readColumns(url: string): Promise<SchemaColumn[]> {
  const client = new pg.Client({...connectionSettings(url), application_name: 'heroku-staging-pii-check'})
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query('BEGIN READ ONLY')
    const {rows} = await client.query<{column_name: string; data_type: string; table_name: string; table_schema: string}>(`
      SELECT c.table_schema, c.table_name, c.column_name, c.udt_name AS data_type
      FROM information_schema.columns c
      JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE t.table_type = 'BASE TABLE'
        AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
        AND c.table_schema NOT LIKE 'pg\\_%'
      ORDER BY c.table_schema, c.table_name, c.ordinal_position`)
    await client.query('COMMIT')
    return rows.map(row => ({column: row.column_name, dataType: row.data_type, schema: row.table_schema, table: row.table_name}))
  } finally {
    await client.end().catch(() => {})
  }
}

/** Reads, parses and compiles a rules file before anything else happens; a bad file is a usage error (2). */
export async function readRulesFile(file: string): Promise<{rules: Rules; sql: string}> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new ActionableError(`Cannot read the rules file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'Pass a readable YAML or JSON file: --rules path/to/rules.yml (see examples/sanitize-rules.yml).', ExitCode.Usage)
  }

  try {
    const rules = parseRules(file, text)
    return {rules, sql: compileRules(rules)}
  } catch (error) {
    if (error instanceof RulesError) throw new ActionableError(`The rules file is not valid: ${error.message}.`, `Edit ${file} and pass it again with --rules ${file} (see examples/sanitize-rules.yml).`, ExitCode.Usage)
    throw error
  }
}
