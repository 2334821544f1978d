import type {ForwardStepStatus} from '../execute/steps.js'
import type {AuditFinding, AuditResult, FindingCode} from '../audit/types.js'

/**
 * `heroku staging:audit --fix`: the repair plan, its execution and the command's JSON result.
 * A public contract (documented in the README). Values never appear: config var and add-on names,
 * masked URLs and fingerprints only.
 */

/** A finding a step repairs, by code and the name it is about. */
export interface FixedFinding {
  code: FindingCode
  /** the config var or attachment the finding names */
  name: string
}

interface StepBase {
  /** the same change as the stock command that makes it */
  command: string
  /** one line: what changes */
  change: string
  /** what the app loses by it (config vars, attachments, data it saw) */
  loses: string[]
  /** the findings this step repairs */
  fixes: FixedFinding[]
}

/** A config var `--fix` unsets, and why. */
export interface UnsetVar {
  name: string
  /** what it reaches: `acme-production's DATABASE_URL` */
  reaches: string[]
}

export type FixStep =
  /** unset plain config vars that reach production (one release) */
  | (StepBase & {app: string; kind: 'unset-config'; vars: UnsetVar[]})
  /** detach from the staging app an attachment of an add-on production owns or attaches (the add-on is untouched) */
  | (StepBase & {
    addon: {id: string; name: string; owner: string}
    app: string
    attachment: {id: string; name: string}
    configVars: string[]
    kind: 'detach'
  })
  /** attach the app's own database as DATABASE (what pg:promote does), then verify DATABASE_URL reaches it */
  | (StepBase & {
    addon: {id: string; name: string}
    app: string
    /** the attachment it is promoted from: `HEROKU_POSTGRESQL_ROSE` */
    attachment: {id: string; name: string}
    kind: 'promote'
    namespace: null | string
  })
  /** create a new database as DATABASE on production's major version, wait for it, verify DATABASE_URL reaches it */
  | (StepBase & {app: string; kind: 'provision'; plan: string; version?: string})

export type FixStepKind = FixStep['kind']

/** A database backed up (Data API capture) before anything changes. */
export interface BackupTarget {
  addon: {id: string; name: string}
  attachment: string
  /** the add-on's billing app: Data API transfers are listed under it */
  billingApp: string
  /** the stock command that does the same */
  command: string
}

/** A critical finding `--fix` does not change, with the command that does. */
export interface ManualFix {
  code: FindingCode
  configVars: string[]
  addons: string[]
  message: string
  /** why it is not automatic */
  reason: string
  /** the exact command to run by hand */
  remedy: string
}

export interface FixPlan {
  kind: 'plan'
  app: {id: string; name: string}
  /** production apps compared with */
  production: string[]
  /** backups captured first, before any change (the staging app's own databases) */
  backups: BackupTarget[]
  /** the changes, in order */
  steps: FixStep[]
  /** critical findings left to a human, each with its command */
  manual: ManualFix[]
  /** commands to run after the fix (e.g. `heroku staging:refresh -a APP` for a new, empty database) */
  next: string[]
  /** how to undo: restore a removed var, what releases:rollback does and does not restore */
  restore: string[]
}

export type FixRefusalCode =
  /** the audited app is itself production (pipeline stage, --production, staging:protect) */
  | 'APP_IS_PRODUCTION'
  /** a step would send a mutating request to a production app or add-on */
  | 'TOUCHES_PRODUCTION'

export interface FixRefusal {
  kind: 'refused'
  code: FixRefusalCode
  /** one line */
  message: string
  /** the exact command or flag that fixes it */
  fix: string
  /** every reason, one line each */
  reasons: string[]
}

/** Staging as it was before the fix: names only, never values. */
export interface FixRecord {
  /** the latest release before any change: `heroku releases:rollback vN` goes back to it (config vars only) */
  release: null | {id: string; version: number}
  configVarNames: string[]
  attachments: Array<{addon: {id: string; name: string; owner: string}; configVars: string[]; id: string; name: string; namespace: null | string}>
}

export interface StepOutcome {
  kind: FixStepKind
  command: string
  status: ForwardStepStatus
  detail?: string
  ms?: number
}

export interface BackupOutcome {
  addon: string
  app: string
  bytes: number
  /** `b012`: restore with `heroku pg:backups:restore APP::b012 ATTACHMENT -a APP` */
  name: string
  uuid: string
}

export interface FixExecution {
  before: FixRecord
  backups: BackupOutcome[]
  steps: StepOutcome[]
  /** DATABASE after the fix, verified: its add-on, and that DATABASE_URL reaches it and no production credential */
  database: null | {addon: {id: string; name: string}; verified: boolean}
  durationMs: number
}

/** The result of `heroku staging:audit -a APP --fix [--dry-run] --json`. */
export interface FixResult {
  app: string
  mode: 'dry-run' | 'fix'
  /** the audit before any change */
  before: AuditResult
  plan: FixPlan
  /** null with --dry-run, or when the plan has no change */
  execution: FixExecution | null
  /** the audit after the changes; null with --dry-run or when nothing was changed */
  after: AuditResult | null
  /** the critical findings that remain (after the fix, or before with --dry-run); exit 1 when any */
  remaining: AuditFinding[]
}
