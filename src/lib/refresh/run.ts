/**
 * `heroku staging:refresh` from start to end, without printing: read the inputs, plan behind the
 * guard, show the plan (hook), confirm (hook), run the steps, audit staging again. The command only
 * wires the hooks to its output; the errors thrown here carry their exit code (ActionableError).
 */
import type {Finding} from '../audit/types.js'
import {ActionableError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import type {HerokuClient} from '../heroku/client.js'
import type {Interruptible} from '../heroku/wait.js'
import {loadProtected} from '../protect/store.js'
import {executeRefresh, type ExecutionResult, type RefreshEvent} from './execute.js'
import {loadLatestBackup, loadRefreshInputs, readSanitizeFile, verifyRefresh} from './load.js'
import {type DatabaseSide, planRefresh, type ProcessQuantity, type RefreshOptions, type RefreshPlan} from './plan.js'
import {formationWarning, refusalText} from './render.js'

/** The `--json` result of `staging:refresh`: a public contract, documented in the README. */
export interface RefreshResult {
  app: string
  backups: ExecutionResult['backups']
  /** total wall time of the command's steps, in ms */
  durationMs: number
  findings: Finding[]
  formation: {paused: ProcessQuantity[]; restored: boolean; verified: boolean}
  from: string
  latestProductionBackup: null | {ageSeconds: number; finishedAt: string; name: string}
  maintenance: {after: boolean; before: boolean}
  sanitize: null | {durationMs: number; file: string}
  source: DatabaseSide
  target: DatabaseSide
  transfer: ExecutionResult['transfer']
  warnings: string[]
}

/** What the user asked for, as the command's flags say it. */
export interface RefreshRequest extends Omit<RefreshOptions, 'sanitize'> {
  /** the staging app to overwrite */
  app: string
  /** where the protected-apps list is kept (the CLI's config directory) */
  configDir: string
  /** the production app to copy from (default: the pipeline's) */
  from?: string
  /** the sanitize SQL file, read and checked before anything else */
  sanitize?: string
}

export interface RefreshHooks {
  /** the plan is made and guarded: show it; `latest` is production's latest backup, if known */
  planned?: (plan: RefreshPlan, latest: null | {ageSeconds: number; name: string}) => void
  /** called once, before the first change; throws to stop with nothing changed */
  confirm: (plan: RefreshPlan) => Promise<void>
  /** runs the steps: Ctrl-C then stops polling, and no further step starts */
  interruptible?: Interruptible
  onEvent?: (event: RefreshEvent) => void
  /** something the user should know; the ones about the inputs also go in the result's `warnings` */
  warn?: (message: string) => void
}

/** The command that runs this refresh again, for messages after an early stop. */
export function rerunCommand(request: Omit<RefreshRequest, 'configDir'>): string {
  const parts = ['heroku staging:refresh', `-a ${request.app}`]
  if (request.from) parts.push(`--from ${request.from}`)
  if (request.source !== 'DATABASE') parts.push(`--source ${request.source}`)
  if (request.target !== 'DATABASE') parts.push(`--target ${request.target}`)
  if (!request.backup) parts.push('--no-backup')
  if (request.backupSource) parts.push('--backup-source')
  if (!request.maintenance) parts.push('--no-maintenance')
  if (request.sanitize) parts.push(`--sanitize ${request.sanitize}`)
  return parts.join(' ')
}

export async function runRefresh(client: HerokuClient, request: RefreshRequest, hooks: RefreshHooks): Promise<RefreshResult> {
  const started = Date.now()
  const warn = hooks.warn ?? (() => {})
  const sanitize = request.sanitize ? await readSanitizeFile(request.sanitize) : undefined
  const protectedApps = await loadProtected(request.configDir, ExitCode.Refused)
  const inputs = await loadRefreshInputs(client, {app: request.app, from: request.from, protectedApps: protectedApps.entries})
  const outcome = planRefresh({
    from: request.from,
    guard: inputs.guard,
    options: {
      backup: request.backup,
      backupSource: request.backupSource,
      maintenance: request.maintenance,
      sanitize,
      source: request.source,
      target: request.target,
    },
    production: inputs.production,
    protectedApps: protectedApps.keys,
    sourceApp: inputs.sourceApp,
    staging: inputs.staging,
  })
  for (const warning of inputs.warnings) warn(warning)

  if (outcome.kind === 'unresolved') throw new ActionableError(outcome.message, outcome.fix, ExitCode.Usage)
  if (outcome.kind === 'refused') {
    const {fix, message} = refusalText(outcome, outcome.refusals)
    throw new ActionableError(message, fix, ExitCode.Refused)
  }

  const {plan} = outcome
  const backup = await loadLatestBackup(client, plan)
  if (backup.warning) warn(backup.warning)
  hooks.planned?.(plan, backup.latest)
  await hooks.confirm(plan)

  const rerun = rerunCommand(request)
  const execute = async (signal?: AbortSignal) => executeRefresh(client, plan, {onEvent: hooks.onEvent, production: inputs.production, rerun, signal})
  const execution = hooks.interruptible ? await hooks.interruptible(execute) : await execute()
  const verification = await verifyRefresh(client, inputs)
  const formation = formationWarning(plan.staging.name, verification.formation)
  if (formation) warn(formation)

  return {
    app: plan.staging.name,
    backups: execution.backups,
    durationMs: Date.now() - started,
    findings: verification.findings,
    formation: {paused: execution.formation.paused, restored: execution.formation.restored, verified: verification.formation.same},
    from: inputs.sourceApp.app.name,
    latestProductionBackup: backup.latest ? {ageSeconds: backup.latest.ageSeconds, finishedAt: backup.latest.finishedAt, name: backup.latest.name} : null,
    maintenance: {after: verification.maintenance, before: plan.maintenanceWasOn},
    sanitize: execution.sanitize ?? null,
    source: plan.source,
    target: plan.target,
    transfer: execution.transfer,
    warnings: [...inputs.warnings, ...(backup.warning ? [backup.warning] : [])],
  }
}
