/**
 * What `heroku staging:refresh` is asked and answers: the request (its flags) and the `--json`
 * results, apart from the flow (run.ts) and its text (render.ts), so neither imports the other.
 */
import type {AuditFinding} from '../audit/types.js'
import type {ExecutionResult} from './execute.js'
import type {DatabaseSide, ProcessQuantity, RefreshOptions, RefreshPlan} from './plan.js'
import type {PiiColumn} from './rules.js'

/** The `--json` result of `staging:refresh`: a public contract, documented in the README. */
export interface RefreshResult {
  app: string
  backups: ExecutionResult['backups']
  /** total wall time of the command's steps, in ms */
  durationMs: number
  /** the audit of the staging app after the copy */
  findings: AuditFinding[]
  /** blue-green (`--data fork`): the fork that replaced the target and what became of the old database; null for a copy */
  fork: ExecutionResult['fork'] | null
  formation: {paused: ProcessQuantity[]; restored: boolean; verified: boolean}
  from: string
  latestProductionBackup: null | {ageSeconds: number; finishedAt: string; name: string}
  /** `durationMs`: how long this run kept staging in maintenance */
  maintenance: {after: boolean; before: boolean; durationMs: number}
  /** how the data got in: `copy` (a transfer) or `fork` (blue-green) */
  method: RefreshPlan['method']
  sanitize: null | {durationMs: number; file: string}
  source: DatabaseSide
  target: DatabaseSide
  transfer: ExecutionResult['transfer']
  warnings: string[]
}

/** `--dry-run`: the plan, the sanitizing SQL and the likely-PII columns no rule handles; nothing is changed. */
export interface RefreshDryRun {
  app: string
  dryRun: true
  from: string
  /** why the source's schema could not be read, when it could not */
  schemaError: null | string
  source: DatabaseSide
  /** the SQL the sanitize step would run (--rules compiled, then --sanitize), or null */
  sql: null | string
  target: DatabaseSide
  /** likely-PII columns of the source's schema that no rule handles and --allow-pii does not accept */
  unhandledPii: PiiColumn[]
}

/** What the user asked for, as the command's flags say it. */
export interface RefreshRequest extends Omit<RefreshOptions, 'pii' | 'sanitize'> {
  /** likely-PII columns accepted on purpose, as TABLE.COLUMN (--allow-pii) */
  allowPii?: string[]
  /** print the plan, SQL and unhandled PII columns, and change nothing */
  dryRun?: boolean
  /** the declarative rules file (--rules), read and compiled before anything else */
  rules?: string
  /** the staging app to overwrite */
  app: string
  /** where the protected-apps list is kept (the CLI's config directory) */
  configDir: string
  /** the production app to copy from (default: the pipeline's) */
  from?: string
  /** the sanitize SQL file, read and checked before anything else */
  sanitize?: string
}
