import {parse as parseYaml} from 'yaml'

/**
 * Declarative sanitising (`--rules FILE`): a YAML or JSON file maps tables and columns to rules, the
 * same idea as pgsync's data rules. Pure: parsing, compiling to SQL and finding the likely-PII columns
 * no rule handles. The SQL runs in the refresh's one sanitize transaction as the database's owner role
 * (one step below superuser on Heroku), so it never uses `session_replication_role` or disables triggers.
 *
 *   tables:
 *     users:
 *       email: fake_email            # unique, keyed: user-<32 hex of HMAC-SHA-256>@example.invalid
 *       name: fake_name
 *       phone: fake_phone
 *       notes: null                  # set to NULL
 *       country: {constant: US}
 *       password_digest: hash        # HMAC-SHA-256 of the value under the pseudonym key (64 hex)
 *       age: {random_int: [18, 90]}
 *       born_on: {random_date: ['1950-01-01', '2005-12-31']}
 *       id: keep
 *     audit_events: truncate
 */

export type ColumnRule =
  | {kind: 'constant'; value: boolean | null | number | string}
  | {kind: 'fake_email' | 'fake_name' | 'fake_phone' | 'hash' | 'keep' | 'null'}
  | {kind: 'random_date'; max: string; min: string}
  | {kind: 'random_int'; max: number; min: number}

export type TableRule = {columns: Record<string, ColumnRule>; kind: 'columns'} | {kind: 'truncate'}

export interface Rules {
  file: string
  /** `strict: true`: every column of every table needs a rule (keep included), likely PII or not */
  strict?: boolean
  /** table (optionally `schema.table`) → its rule */
  tables: Record<string, TableRule>
}

export class RulesError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`)
    this.name = 'RulesError'
  }
}

const SIMPLE_RULES = new Set(['fake_email', 'fake_name', 'fake_phone', 'hash', 'keep', 'null'])
const DATE = /^\d{4}-\d{2}-\d{2}$/

function columnRule(file: string, where: string, raw: unknown): ColumnRule {
  if (raw === null) return {kind: 'null'}
  if (typeof raw === 'string') {
    if (SIMPLE_RULES.has(raw)) return {kind: raw as 'keep'}
    throw new RulesError(file, `${where}: unknown rule "${raw}" (use null, constant, hash, keep, fake_email, fake_phone, fake_name, random_int, random_date)`)
  }

  if (typeof raw === 'object' && !Array.isArray(raw)) {
    const entries = Object.entries(raw as Record<string, unknown>)
    const [name, argument] = entries[0] ?? []
    if (entries.length !== 1) throw new RulesError(file, `${where}: a rule object has exactly one key, e.g. {constant: US}`)
    if (name === 'constant') {
      if (argument !== null && !['boolean', 'number', 'string'].includes(typeof argument)) throw new RulesError(file, `${where}: constant takes a string, number, boolean or null`)
      return {kind: 'constant', value: argument as boolean | null | number | string}
    }

    if (name === 'random_int') {
      const [min, max] = Array.isArray(argument) ? argument : []
      if (!Number.isInteger(min) || !Number.isInteger(max) || (min as number) > (max as number)) throw new RulesError(file, `${where}: random_int takes [MIN, MAX], two integers with MIN ≤ MAX`)
      return {kind: 'random_int', max: max as number, min: min as number}
    }

    if (name === 'random_date') {
      const [min, max] = Array.isArray(argument) ? argument.map(String) : []
      if (!min || !max || !DATE.test(min) || !DATE.test(max) || min > max) throw new RulesError(file, `${where}: random_date takes ['YYYY-MM-DD', 'YYYY-MM-DD'], the first not after the second`)
      return {kind: 'random_date', max, min}
    }

    throw new RulesError(file, `${where}: unknown rule "${name}"`)
  }

  throw new RulesError(file, `${where}: a rule is a name (fake_email, keep, …), null, or an object such as {constant: US}`)
}

/** Parses a rules file (YAML, which includes JSON). Throws a RulesError that names the line's table and column. */
export function parseRules(file: string, text: string): Rules {
  let document: unknown
  try {
    document = parseYaml(text)
  } catch (error) {
    throw new RulesError(file, `not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`)
  }

  const tables = (document as {tables?: unknown} | null)?.tables
  if (!tables || typeof tables !== 'object' || Array.isArray(tables)) throw new RulesError(file, 'expected a top-level "tables:" mapping of table → rules')
  const strict = (document as {strict?: unknown}).strict
  if (strict !== undefined && typeof strict !== 'boolean') throw new RulesError(file, 'strict: expected true or false')
  const unknown = Object.keys(document as object).filter(key => key !== 'tables' && key !== 'strict')
  if (unknown.length > 0) throw new RulesError(file, `unknown top-level key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (expected tables: and optionally strict:; the pseudonym key is never in this file)`)
  const rules: Rules = {file, tables: {}, ...(strict ? {strict: true} : {})}
  for (const [table, raw] of Object.entries(tables as Record<string, unknown>)) {
    if (raw === 'truncate') {
      rules.tables[table] = {kind: 'truncate'}
      continue
    }

    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new RulesError(file, `${table}: expected "truncate" or a mapping of column → rule`)
    const columns: Record<string, ColumnRule> = {}
    for (const [column, rule] of Object.entries(raw as Record<string, unknown>)) columns[column] = columnRule(file, `${table}.${column}`, rule)
    rules.tables[table] = {columns, kind: 'columns'}
  }

  return rules
}

/** `"schema"."table"` from `table` or `schema.table`. */
export function qualified(table: string): string {
  const dot = table.indexOf('.')
  return dot < 0 ? ident(table) : `${ident(table.slice(0, dot))}.${ident(table.slice(dot + 1))}`
}

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function literal(value: boolean | null | number | string): string {
  if (value === null) return 'NULL'
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return `'${value.replaceAll('\'', '\'\'')}'`
}

const FIRST_NAMES = ['Alex', 'Sam', 'Robin', 'Jordan', 'Taylor', 'Casey', 'Jamie', 'Morgan', 'Riley', 'Avery']
const LAST_NAMES = ['Smith', 'Jones', 'Garcia', 'Chen', 'Okafor', 'Novak', 'Silva', 'Kim', 'Martin', 'Rossi']

/**
 * The settings the sanitising transaction holds the pseudonym key in, as HMAC's inner and outer padded
 * keys (hex): set with `set_config(name, $1, true)` from a query parameter, so they live only until the
 * transaction ends and are never in the SQL text, a function body, a table or a log line.
 */
export const KEY_SETTINGS = {inner: 'heroku_staging.hmac_ipad', outer: 'heroku_staging.hmac_opad'} as const

/**
 * HMAC-SHA-256 of a text expression under the transaction's key, as 64 hex digits. Built from
 * PostgreSQL's own sha256() (11 and later), so no extension is needed:
 * HMAC(K, m) = sha256((K ⊕ opad) ‖ sha256((K ⊕ ipad) ‖ m)).
 */
export function keyedHash(text: string): string {
  const pad = (name: string) => `decode(current_setting('${name}'), 'hex')`
  return `encode(sha256(${pad(KEY_SETTINGS.outer)} || sha256(${pad(KEY_SETTINGS.inner)} || convert_to(${text}, 'UTF8'))), 'hex')`
}

/** A non-negative integer in 0..2^28 derived from the original value under the key: the same input and key give the same output. */
function seed(column: string, salt: string): string {
  return `('x' || substr(${keyedHash(`${salt ? `${literal(salt)} || ` : ''}${column}::text`)}, 1, 7))::bit(28)::int`
}

/** The SQL expression a rule sets a column to; NULL stays NULL except for null and constant. */
function expression(column: string, rule: ColumnRule): string | undefined {
  const c = ident(column)
  const unlessNull = (sql: string): string => `CASE WHEN ${c} IS NULL THEN NULL ELSE ${sql} END`
  switch (rule.kind) {
    case 'constant': return literal(rule.value)
    case 'fake_email': return unlessNull(`'user-' || substr(${keyedHash(`${literal('email')} || ${c}::text`)}, 1, 32) || '@example.invalid'`)
    case 'fake_name': return unlessNull(`(ARRAY[${FIRST_NAMES.map(literal).join(', ')}])[1 + ${seed(c, 'first')} % ${FIRST_NAMES.length}] || ' ' || (ARRAY[${LAST_NAMES.map(literal).join(', ')}])[1 + ${seed(c, 'last')} % ${LAST_NAMES.length}]`)
    case 'fake_phone': return unlessNull(`'+1-555-' || lpad((${seed(c, 'phone')} % 10000000)::text, 7, '0')`)
    case 'hash': return unlessNull(keyedHash(`${literal('hash')} || ${c}::text`))
    case 'keep': return undefined
    case 'null': return 'NULL'
    case 'random_date': return unlessNull(`date ${literal(rule.min)} + (${seed(c, 'date')} % (date ${literal(rule.max)} - date ${literal(rule.min)} + 1))`)
    case 'random_int': return unlessNull(`${rule.min} + (${seed(c, 'int')} % ${rule.max - rule.min + 1})`)
  }
}

/**
 * The rules as SQL for one transaction: one TRUNCATE for every truncated table (so foreign keys among
 * them hold), then one UPDATE per table. Keyed pseudonyms: the same data, rules and key give the same
 * result (joins and repeated refreshes agree), without the key none can be recomputed from a guess, and
 * `fake_email` keeps distinct values distinct (128 bits of the HMAC), so unique indexes still hold.
 * The key is never in this SQL: it reads the transaction's settings (KEY_SETTINGS).
 */
export function compileRules(rules: Rules): string {
  const statements: string[] = [`-- compiled from ${rules.file} by heroku-staging`]
  const truncated = Object.entries(rules.tables).filter(([, rule]) => rule.kind === 'truncate').map(([table]) => qualified(table))
  if (truncated.length > 0) statements.push(`TRUNCATE ${truncated.join(', ')};`)
  for (const [table, rule] of Object.entries(rules.tables)) {
    if (rule.kind !== 'columns') continue
    const sets = Object.entries(rule.columns)
      .map(([column, columnRule]) => [column, expression(column, columnRule)] as const)
      .filter((pair): pair is readonly [string, string] => pair[1] !== undefined)
      .map(([column, sql]) => `${ident(column)} = ${sql}`)
    if (sets.length > 0) statements.push(`UPDATE ${qualified(table)} SET\n  ${sets.join(',\n  ')};`)
  }

  return statements.join('\n')
}

/** A column of the copied schema, as information_schema gives it. */
export interface SchemaColumn {
  column: string
  dataType: string
  schema: string
  table: string
}

/** Why a column is likely PII: the first pattern its name matches, or its type. The list is documented in the README. */
const PII_PATTERNS: Array<[string, RegExp]> = [
  ['email', /(?:^|_)e?mail(?:_?address)?(?:$|_)/i],
  ['phone', /(?:^|_)(?:phone|mobile|cell|tel|telephone|fax)(?:_?number)?(?:$|_)/i],
  ['name', /^(?:name|(?:first|last|full|middle|given|family|sur|maiden|display|legal|user|contact|billing|shipping)_?name)$/i],
  ['address', /(?:^|_)(?:address|street|addr|city|zip|zipcode|postal_?code|postcode)(?:$|_)/i],
  ['birth', /(?:^|_)(?:birth|birthday|birthdate|dob|date_of_birth)(?:$|_)/i],
  ['national id', /(?:^|_)(?:ssn|social_security|national_id|tax_id|passport|driver_?licen[cs]e)(?:$|_)/i],
  ['ip address', /(?:^|_)(?:ip|ip_?address|remote_ip|sign_in_ip)(?:$|_)/i],
  ['token', /(?:^|_)(?:token|api_?key|secret|otp_secret|reset_password_token|confirmation_token)(?:$|_)/i],
  ['password', /(?:^|_)(?:password|password_digest|encrypted_password|passwd|password_hash|pass_hash)(?:$|_)/i],
  ['payment', /(?:^|_)(?:credit_card|card_number|iban|account_number|routing_number|cvv)(?:$|_)/i],
  ['location', /^(?:latitude|longitude|lat|lng|geo|location)$/i],
]
const PII_TYPES = new Set(['inet', 'cidr', 'macaddr'])

export interface PiiColumn {
  column: string
  reason: string
  /** `table` in the public schema, else `schema.table` */
  table: string
}

function tableName(column: SchemaColumn): string {
  return column.schema === 'public' ? column.table : `${column.schema}.${column.table}`
}

/** Likely-PII columns of a schema, by name and type. */
export function piiColumns(columns: readonly SchemaColumn[]): PiiColumn[] {
  const found: PiiColumn[] = []
  for (const column of columns) {
    const byName = PII_PATTERNS.find(([, pattern]) => pattern.test(column.column))
    const reason = byName?.[0] ?? (PII_TYPES.has(column.dataType.toLowerCase()) ? `${column.dataType} type` : undefined)
    if (reason) found.push({column: column.column, reason, table: tableName(column)})
  }

  return found
}

/** True when a rule handles `table.column`: a rule for the column (keep included), or the table truncated. */
function handled(rules: Rules | undefined, pii: PiiColumn): boolean {
  const rule = rules?.tables[pii.table] ?? (pii.table.includes('.') ? undefined : rules?.tables[`public.${pii.table}`])
  if (!rule) return false
  return rule.kind === 'truncate' || Object.hasOwn(rule.columns, pii.column)
}

/** The reason a column is unhandled under `strict: true` when it is not likely PII. */
export const STRICT_REASON = 'no rule (strict)'

/**
 * The likely-PII columns that no rule handles and no `--allow-pii` accepts; with `strict: true`,
 * every column of every table without a rule (so a column added since the rules were written is
 * caught). `--allow-pii` takes `table.column` (or `schema.table.column`).
 */
export function unhandledPii(columns: readonly SchemaColumn[], rules: Rules | undefined, allowed: readonly string[]): PiiColumn[] {
  const accepted = new Set(allowed.map(entry => entry.toLowerCase()))
  const pii = piiColumns(columns)
  const candidates = rules?.strict
    ? columns.map(column => pii.find(p => p.table === tableName(column) && p.column === column.column) ?? {column: column.column, reason: STRICT_REASON, table: tableName(column)})
    : pii
  return candidates.filter(candidate => !handled(rules, candidate) && !accepted.has(`${candidate.table}.${candidate.column}`.toLowerCase()))
}

/** The rule lines to add for `columns`, ready to paste under `tables:`. */
export function suggestedRules(columns: readonly PiiColumn[]): string {
  const byTable = new Map<string, PiiColumn[]>()
  for (const column of columns) byTable.set(column.table, [...(byTable.get(column.table) ?? []), column])
  const suggestion = (pii: PiiColumn): string => {
    if (pii.reason === 'email') return 'fake_email'
    if (pii.reason === 'phone') return 'fake_phone'
    if (pii.reason === 'name') return 'fake_name'
    if (pii.reason === 'birth') return '{random_date: [\'1950-01-01\', \'2005-12-31\']}'
    if (pii.reason === 'password' || pii.reason === 'token') return 'hash'
    if (pii.reason === STRICT_REASON) return 'keep'
    return 'null'
  }

  return [...byTable].map(([table, list]) => `  ${table}:\n${list.map(pii => `    ${pii.column}: ${suggestion(pii)}   # ${pii.reason}`).join('\n')}`).join('\n')
}
