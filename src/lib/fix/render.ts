import * as color from '@heroku/heroku-cli-util/color'

import {summaryLine} from '../render/audit.js'
import type {StepStatus} from '../execute/steps.js'
import type {FixExecution, FixPlan, FixRefusal, FixResult, ManualFix} from './types.js'

/**
 * The human output of `heroku staging:audit --fix`. Pure: returns lines, the command prints them.
 * Names only: no value of any config var ever reaches these lines.
 */

function manualLines(manual: readonly ManualFix[]): string[] {
  if (manual.length === 0) return []
  const lines = ['Left to you (critical, --fix does not change them):']
  for (const item of manual) {
    const names = [...new Set([...item.configVars, ...item.addons])].join(', ')
    lines.push(`  ${item.code}${names ? ` ${names}` : ''}: ${item.reason}`, `    ${color.code(item.remedy)}`)
  }

  return lines
}

/** The repair plan, printed before anything changes. */
export function planLines(plan: FixPlan): string[] {
  const lines = [`=== Repair plan for ${plan.app.name}${plan.production.length > 0 ? ` (production: ${plan.production.join(', ')})` : ''}`, '']
  if (plan.steps.length === 0) {
    lines.push('No automatic change: no critical finding here has an automatic remedy.')
  } else {
    lines.push('Before any change:', `  record ${plan.app.name}'s config var names, attachments and current release`)
    for (const backup of plan.backups) lines.push(`  back up ${backup.addon.name} (${backup.attachment}): ${color.code(backup.command)}`)
    lines.push('', 'Changes, in order:')
    for (const [index, step] of plan.steps.entries()) {
      lines.push(`  ${index + 1}. ${step.change}`, `     same as: ${color.code(step.command)}`)
      if (step.fixes.length > 0) lines.push(`     fixes:   ${step.fixes.map(f => `${f.code} ${f.name}`).join(', ')}`)
      for (const lost of step.loses) lines.push(`     loses:   ${lost}`)
    }
  }

  const manual = manualLines(plan.manual)
  if (manual.length > 0) lines.push('', ...manual)
  if (plan.restore.length > 0) lines.push('', 'To undo:', ...plan.restore.map(line => `  ${line}`))
  if (plan.next.length > 0) lines.push('', 'Next:', ...plan.next.map(line => `  ${line}`))
  return lines
}

/** A refusal: the message line, then every reason. The fix goes in the error's second line. */
export function refusalLines(refusal: FixRefusal): string[] {
  return [refusal.message, ...refusal.reasons.map(reason => `  - ${reason}`)]
}

const STATUS: Record<StepStatus, string> = {
  'already-done': 'already done',
  done: 'done',
  failed: 'FAILED',
  'not-run': 'not run',
  skipped: 'skipped',
  undone: 'undone',
}

function executionLines(plan: FixPlan, execution: FixExecution): string[] {
  const lines: string[] = []
  const release = execution.before.release ? `v${execution.before.release.version}` : 'unknown'
  lines.push(`Recorded before: release ${release}, ${execution.before.configVarNames.length} config vars, attachments ${execution.before.attachments.map(a => a.name).join(', ') || 'none'}`)
  for (const backup of execution.backups) {
    const attachment = plan.backups.find(b => b.addon.name === backup.addon)?.attachment ?? 'DATABASE'
    lines.push(`Backup ${backup.name} of ${backup.addon}: restore with ${color.code(`heroku pg:backups:restore ${backup.app}::${backup.name} ${attachment} -a ${plan.app.name}`)}`)
  }

  for (const [index, step] of execution.steps.entries()) {
    lines.push(`  ${index + 1}. ${STATUS[step.status]}: ${step.command}${step.detail ? ` (${step.detail})` : ''}`)
  }

  if (execution.database) lines.push(`DATABASE is ${execution.database.addon.name}; DATABASE_URL reaches it and no production credential (verified).`)
  return lines
}

/** What happened, after the changes: the steps, the backups, the audit again, what is left. */
export function resultLines(result: FixResult): string[] {
  const lines: string[] = []
  if (result.execution) lines.push(`=== Repaired ${result.app}`, ...executionLines(result.plan, result.execution))
  if (result.after) lines.push('', `Audit after the fix: ${summaryLine(result.after)}`)
  if (result.remaining.length === 0) {
    lines.push(result.mode === 'dry-run' ? 'Dry run: nothing was changed.' : `No critical finding remains on ${result.app}.`)
  } else {
    if (result.mode === 'dry-run') lines.push('Dry run: nothing was changed.')
    lines.push(`${result.remaining.length} critical finding${result.remaining.length === 1 ? '' : 's'} remain${result.remaining.length === 1 ? 's' : ''} on ${result.app}:`)
    for (const finding of result.remaining) lines.push(`  ${finding.code} ${finding.configVars.join(', ') || finding.addons.join(', ')}: ${color.code(finding.remedy)}`)
  }

  if (result.execution && result.plan.restore.length > 0) lines.push('', 'To undo:', ...result.plan.restore.map(line => `  ${line}`))
  if (result.execution && result.plan.next.length > 0) lines.push('', 'Next:', ...result.plan.next.map(line => `  ${line}`))
  return lines
}
