/**
 * `heroku staging:audit --fix` from start to end, without printing: audit, plan, confirmation
 * (through a hook), backups and changes, then the audit again. The command only wires the hooks
 * to its output; the errors thrown here carry their exit code (ActionableError).
 */
import {AUDIT_LOAD, auditApps, type AuditRequest, type AuditRun} from '../audit-flow/run.js'
import type {AuditResult} from '../audit/types.js'
import {ActionableError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import type {HerokuClient} from '../heroku/client.js'
import type {Interruptible} from '../heroku/wait.js'
import {ProductionRegistry} from '../production/registry.js'
import type {AppSnapshot} from '../snapshot/types.js'
import type {StepEvent} from '../execute/steps.js'
import {executeFix, type ExecuteFixOptions} from './execute.js'
import {planFix} from './plan/index.js'
import {refusalLines} from './render.js'
import type {FixPlan, FixRefusal, FixResult} from './types.js'

export interface FixHooks {
  /** the audit is done (before any plan): show it */
  audited?: (audit: AuditResult) => void
  /** the plan is made: show it */
  planned?: (plan: FixPlan) => void
  /** called once, before the first change (never with --dry-run); throws to stop with nothing changed */
  confirm: (plan: FixPlan) => Promise<void>
  /** runs the backups and changes: Ctrl-C then stops polling, and no further step starts */
  interruptible?: Interruptible
  onEvent?: (event: StepEvent) => void
  poll?: ExecuteFixOptions['poll']
}

/** The plan refused to touch the app; nothing was changed. The message lists every reason. */
export class FixRefusedError extends ActionableError {
  constructor(readonly refusal: FixRefusal, readonly audit: AuditResult) {
    super(refusalLines(refusal).join('\n'), refusal.fix, ExitCode.Refused)
    this.name = 'FixRefusedError'
  }
}

function critical(audit: AuditResult): AuditResult['findings'] {
  return audit.findings.filter(finding => finding.severity === 'critical')
}

export interface FixRequest {
  app: string
  dryRun: boolean
  /** production apps named with `--production`; empty: the pipeline's production apps */
  production: readonly string[]
  /** names and ids of apps marked with `heroku staging:protect` */
  protectedApps: readonly string[]
}

/** `staging:audit --fix`'s flags as a request (the protected apps aside): it repairs one app, named with -a. */
export function fixRequest(flags: {app?: string; 'dry-run'?: boolean; production?: string[]}): Omit<FixRequest, 'protectedApps'> {
  if (!flags.app) throw new ActionableError('--fix repairs one staging app, and none was named.', 'Pass it with -a STAGING_APP.', ExitCode.Usage)
  return {app: flags.app, dryRun: flags['dry-run'] ?? false, production: flags.production ?? []}
}

/**
 * The audit of the one staging app, with its snapshot (and its latest release, for the undo
 * commands) and production's: the plan is made from the very snapshots the report was, so the two
 * never disagree. With `--production` naming the app itself, it is among production (and the plan refuses).
 */
async function audit(client: HerokuClient, request: FixRequest): Promise<AuditRun & {staging: AppSnapshot}> {
  const auditRequest: AuditRequest = {app: request.app, production: request.production, protectedApps: request.protectedApps}
  const run = await auditApps(client, auditRequest, {...AUDIT_LOAD, release: true})
  const [staging] = run.audited
  if (!staging) throw new Error(`The audit of ${request.app} returned no app.`)
  return {...run, staging}
}

export async function runFix(client: HerokuClient, request: FixRequest, hooks: FixHooks): Promise<FixResult> {
  const before = await audit(client, request)
  hooks.audited?.(before.result)
  const outcome = planFix(before.staging, before.production, before.result.findings, {protectedApps: request.protectedApps})
  if (outcome.kind === 'refused') throw new FixRefusedError(outcome, before.result)
  const plan = outcome
  hooks.planned?.(plan)
  const base = {after: null, app: plan.app.name, before: before.result, execution: null, plan, remaining: critical(before.result)}
  if (request.dryRun) return {...base, mode: 'dry-run'}
  if (plan.steps.length === 0) return {...base, mode: 'fix'}

  // The runtime guard knows every production app of the account, not only those the audit compared
  // with; loaded before the confirmation, so a registry that cannot load refuses with nothing changed.
  // Snapshots the audit loaded without their add-on list (the account's other production apps, only
  // compared) are loaded again in full: the guard must know every add-on they own.
  const registry = new ProductionRegistry(client, {
    known: before.production.filter(snapshot => snapshot.ownedAddons !== undefined),
    namingFlag: '--production PRODUCTION_APP',
    production: request.production,
    protectedApps: request.protectedApps.map(name => ({name})),
  })
  const guarded = [...new Map([...before.production, ...(await registry.snapshots())].map(s => [s.app.id, s])).values()]
  await hooks.confirm(plan)
  const execute = async (signal?: AbortSignal) => executeFix({client, onEvent: hooks.onEvent, plan, poll: hooks.poll, production: guarded, signal})
  const execution = hooks.interruptible ? await hooks.interruptible(execute) : await execute()
  const after = (await audit(client, request)).result
  return {...base, after, execution, mode: 'fix', remaining: critical(after)}
}

/** The repair's result → its exit code: 1 while a critical finding remains after it. */
export function fixExitCode(result: FixResult): ExitCodeValue {
  return result.remaining.length > 0 ? ExitCode.Critical : ExitCode.Ok
}
