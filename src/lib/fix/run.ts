/**
 * `heroku staging:audit --fix` from start to end, without printing: audit, plan, confirmation
 * (through a hook), backups and changes, then the audit again. The command only wires the hooks
 * to its output and maps errors to exit codes.
 */
import type {AuditResult} from '../audit/types.js'
import {ActionableError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import type {HerokuClient} from '../heroku/client.js'
import {executeFix, type ExecuteFixOptions, type FixEvent} from './execute.js'
import {type FixRequest, loadFixInputs} from './load.js'
import {planFix} from './plan.js'
import {refusalLines} from './render.js'
import type {FixPlan, FixRefusal, FixResult} from './types.js'

export interface FixHooks {
  /** the audit is done (before any plan): show it */
  audited?: (audit: AuditResult) => void
  /** the plan is made: show it */
  planned?: (plan: FixPlan) => void
  /** called once, before the first change (never with --dry-run); throws to stop with nothing changed */
  confirm: (plan: FixPlan) => Promise<void>
  onEvent?: (event: FixEvent) => void
  poll?: ExecuteFixOptions['poll']
  signal?: AbortSignal
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

export async function runFix(client: HerokuClient, request: FixRequest & {dryRun: boolean}, hooks: FixHooks): Promise<FixResult> {
  const inputs = await loadFixInputs(client, request)
  hooks.audited?.(inputs.audit)
  const outcome = planFix(inputs.staging, inputs.production, inputs.audit.findings, {protectedApps: request.protectedApps})
  if (outcome.kind === 'refused') throw new FixRefusedError(outcome, inputs.audit)
  const plan = outcome
  hooks.planned?.(plan)
  const base = {after: null, app: plan.app.name, before: inputs.audit, execution: null, plan, remaining: critical(inputs.audit)}
  if (request.dryRun) return {...base, mode: 'dry-run'}
  if (plan.steps.length === 0) return {...base, mode: 'fix'}

  await hooks.confirm(plan)
  const execution = await executeFix({client, onEvent: hooks.onEvent, plan, poll: hooks.poll, production: inputs.production, signal: hooks.signal})
  const after = (await loadFixInputs(client, request)).audit
  return {...base, after, execution, mode: 'fix', remaining: critical(after)}
}
