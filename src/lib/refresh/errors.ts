/**
 * What a refresh that stops early knows: where staging stands, and the errors its steps throw that
 * the wording (render.ts `stopTexts`) tells apart. Shared by the executor and the render, so
 * neither imports the other for them.
 */
import type {AuditFinding} from '../audit/types.js'
import type {TransferSummary} from '../execute/blocks.js'
import type {ProcessQuantity} from './plan.js'
import type {PiiColumn} from './rules.js'

/** Where staging stands when a refresh stops early. */
export interface StagingState {
  app: string
  /** a copy reached Heroku: the target may be partly or fully overwritten */
  copyStarted: boolean
  maintenanceOn: boolean
  /** processes scaled to 0 by this run, with the quantities to restore */
  paused: ProcessQuantity[]
  /** the backup of the target taken before the wipe */
  targetBackup?: TransferSummary
  /** a transfer still running on Heroku when the command stopped */
  running?: {app: string; name: string; uuid: string}
  /** blue-green: the new add-on, once created, its URL once ready, whether it is promoted, and destroyed unpromoted */
  fork?: {addonId: string; addonName: string; destroyed?: boolean; promoted: boolean; url?: string}
  /** the copy's sanitising (the PII check and the sanitize SQL) ran to its end */
  sanitized: boolean
  /**
   * copy mode, after the copy and before the end of sanitising: how the unsanitized copy was removed
   * (`restored` from the target's backup, `reset` with --no-backup), or why it could not be
   */
  purge?: {backup?: string; kind: 'failed' | 'reset' | 'restored'; error?: string}
}

/** A blue-green refresh found its fork's attachment taken (an earlier run's fork, not destroyed). */
export class ForkLeftOver extends Error {
  constructor(readonly addonName: string, app: string, readonly attachment: string) {
    super(`${app} already has ${attachment} (${addonName}), left by an earlier staging:refresh --data fork`)
  }
}

/** Staging's audit after the promote has a critical finding: the old database is kept. */
export class AuditCritical extends Error {
  constructor(findings: AuditFinding[]) {
    super(`The audit of staging after the promote has ${findings.length} critical finding${findings.length === 1 ? '' : 's'}: ${findings.map(f => f.code).join(', ')}`)
  }
}

/** The PII guard found columns no rule handles: the refresh stops before the copy is served. */
export class UnhandledPii extends Error {
  constructor(readonly columns: PiiColumn[], readonly file: string) {
    super(`${columns.length} likely-PII column${columns.length === 1 ? '' : 's'} of the copy ${columns.length === 1 ? 'has' : 'have'} no rule in ${file}: ${columns.map(c => `${c.table}.${c.column} (${c.reason})`).join(', ')}`)
  }
}
