/**
 * Text for `staging:refresh`: pure functions from plan and result to lines. The command prints
 * them; every line still passes through the command's redaction.
 */
import type {Finding} from '../audit/types.js'
import {formatAge, formatBytes, formatDuration} from '../render/format.js'
import type {Refusal} from '../target/classify.js'
import type {TransferSummary} from './execute.js'
import type {Verification} from './load.js'
import type {DatabaseSide, RefreshPlan, RefreshStep} from './plan.js'
import {suggestedRules} from './rules.js'
import type {RefreshDryRun, RefreshResult} from './types.js'

/** The lines describing one side: app, attachment and config var, add-on, host and database, size. */
export function sideLines(label: string, side: DatabaseSide): string[] {
  const via = side.attachment
    ? `${side.attachment} (${side.configVar ?? `${side.attachment}_URL`})`
    : `${side.configVar ?? 'unknown'} (plain config var, no attachment)`
  const addon = side.addon
    ? `${side.addon.name} (${side.addon.plan ?? 'unknown plan'}, owned by ${side.addon.owner})`
    : 'none'
  const tables = side.numTables === undefined ? '' : `, ${side.numTables} tables`
  return [
    `${label}`,
    `  app          ${side.app}`,
    `  attachment   ${via}`,
    `  add-on       ${addon}`,
    `  host / db    ${side.hostAndDatabase}`,
    `  size         ${formatBytes(side.numBytes)}${tables}`,
  ]
}

function stepText(step: RefreshStep, fork: boolean): string {
  switch (step.kind) {
    case 'backup-source': {
      return `capture a backup of ${step.addonName} (production)`
    }

    case 'backup-target': {
      return `capture a backup of ${step.addonName} (the target)${fork ? ', now that it no longer serves' : ''}`
    }

    case 'maintenance-off': {
      return `maintenance off on ${step.app}`
    }

    case 'maintenance-on': {
      return `maintenance on for ${step.app}`
    }

    case 'pii-check': {
      return `check the copy for likely-PII columns that ${step.rules.file} leaves unhandled (stops here, still in maintenance)`
    }

    case 'sanitize': {
      return `run ${step.file} in one transaction`
    }

    case 'scale-down': {
      return `scale ${step.processes.map(p => `${p.type}=0`).join(' ')}`
    }

    case 'scale-restore': {
      return `restore ${step.processes.map(p => `${p.type}=${p.quantity}`).join(' ')}`
    }

    case 'transfer': {
      return `copy ${step.fromName} → ${step.toName} on Heroku (server-side transfer)`
    }

    case 'fork': {
      return `fork ${step.sourceAddonName} into a new ${step.plan} on ${step.app} as ${step.attachment}, and wait for it (the old database still serves)`
    }

    case 'promote': {
      return `promote the fork to ${step.attachment}${step.keepOldAs ? ` (${step.oldAddonName} stays attached as ${step.keepOldAs})` : ''}`
    }

    case 'audit': {
      return `audit ${step.app} again: a critical finding keeps the old database`
    }

    case 'destroy-old': {
      return `destroy the old database ${step.addonName}`
    }
  }
}

/** What the user reads before confirming. */
export function planLines(plan: RefreshPlan, latest: null | {ageSeconds: number; name: string} | undefined): string[] {
  const fork = plan.method === 'fork'
  const lines = [
    fork
      ? `Refreshing ${plan.staging.name} blue-green: a Heroku Postgres fork of the source replaces the target, which is ${plan.keepOld ? 'kept' : 'destroyed once the fork passed the audit'}.`
      : `Refreshing ${plan.staging.name}: ALL DATA in the target is replaced by a copy of the source.`,
    `Method: ${plan.method} (${plan.methodReason})${plan.forkPlan ? `; the fork on ${plan.forkPlan.plan} (${plan.forkPlan.reason})` : ''}.`,
    '',
    ...sideLines('FROM (source, read only)', plan.source),
    '',
    ...sideLines(fork ? `TO (target, replaced, then ${plan.keepOld ? 'kept' : 'destroyed'})` : 'TO (target, wiped)', plan.target),
    '',
    latest
      ? `Production's latest backup: ${latest.name}, ${formatAge(latest.ageSeconds)} old.`
      : "Production's latest backup: none found.",
    'Steps:',
    ...plan.steps.map((step, index) => `  ${index + 1}. ${stepText(step, fork)}`),
    `  ${plan.steps.length + 1}. audit ${plan.staging.name} again`,
  ]
  if (plan.keepOld) lines.push(`The old database ${plan.target.addon?.name ?? ''} is kept: ${plan.keepOld}.`)
  if (plan.maintenanceWasOn) lines.push(`${plan.staging.name} is already in maintenance mode; it is left on.`)
  return lines
}

/** The refusal the guard gave, as the command prints it: the target once, then each reason and each fix. */
export function refusalText(plan: {source: DatabaseSide; target: DatabaseSide}, refusals: readonly Refusal[]): {fix: string; message: string} {
  const message = [
    `Refusing to refresh ${plan.target.app}: the target is not a safe staging database.`,
    `  target: ${refusals[0]?.target ?? plan.target.hostAndDatabase}`,
    ...refusals.map(r => `  - ${r.code}: ${r.reason}`),
  ].join('\n')
  const fixes = [...new Set(refusals.map(r => r.fix))]
  const fix = fixes.length === 1 ? fixes[0] as string : fixes.map(f => `  - ${f}`).join('\n')
  return {fix, message}
}

export function findingLines(findings: readonly Finding[]): string[] {
  if (findings.length === 0) return ['  findings     none']
  return [
    `  findings     ${findings.length} (${['critical', 'warning', 'info'].map(s => `${findings.filter(f => f.severity === s).length} ${s}`).join(', ')})`,
    ...findings.map(f => `    ${f.severity.toUpperCase().padEnd(8)} ${f.code}: ${f.message}`),
  ]
}

export function transferLine(summary: TransferSummary | undefined): string {
  return summary ? `${summary.name} (${formatBytes(summary.bytes)}, ${formatDuration(summary.durationMs)})` : 'none'
}

/** The warning when staging's background dynos are not as they were before the refresh. */
export function formationWarning(app: string, formation: Verification['formation']): string | undefined {
  if (formation.same) return undefined
  const now = formation.after.map(p => `${p.type}=${p.quantity}`).join(' ') || 'none'
  const before = formation.before.map(p => `${p.type}=${p.quantity}`).join(' ') || 'none'
  return `${app}'s background dynos are ${now}, not ${before} as before: check heroku ps -a ${app}.`
}

/** What the refresh did (stdout), ending with the audit of staging again. */
export function summaryLines(result: RefreshResult): string[] {
  const paused = result.formation.paused.map(p => `${p.type}=${p.quantity}`).join(' ')
  const lines = [`Refreshed ${result.app}'s ${result.target.attachment ?? result.target.configVar} from ${result.from}'s ${result.source.attachment ?? result.source.configVar}${result.fork ? ' by a Heroku Postgres fork (blue-green)' : ''}.`]
  if (result.transfer) {
    lines.push(
      `  bytes copied ${formatBytes(result.transfer.bytes)} (${result.transfer.name})`,
      `  duration     ${formatDuration(result.durationMs)} (copy ${formatDuration(result.transfer.durationMs)})`,
      `  backup       ${result.backups.target ? `${transferLine(result.backups.target)}; restore with heroku pg:backups:restore ${result.backups.target.app}::${result.backups.target.name} ${result.target.attachment ?? 'DATABASE'} -a ${result.app}` : 'none (--no-backup)'}`,
    )
  }

  if (result.fork) {
    lines.push(
      `  new database ${result.fork.addon} (${result.fork.plan}), ready in ${formatDuration(result.fork.waitMs)}`,
      `  duration     ${formatDuration(result.durationMs)}`,
      `  old database ${result.fork.oldAddon} ${result.fork.oldDestroyed ? 'destroyed after the audit passed' : 'kept'}`,
    )
    const old = result.backups.target
    if (old) lines.push(`  backup       ${transferLine(old)} of ${result.fork.oldAddon}; restore with heroku pg:backups:restore ${old.app}::${old.name} ${result.target.attachment ?? 'DATABASE'} -a ${result.app}`)
  }
  if (result.backups.source) lines.push(`  production   fresh backup ${transferLine(result.backups.source)}`)
  lines.push(
    `  sanitize     ${result.sanitize ? `${result.sanitize.file} applied in ${formatDuration(result.sanitize.durationMs)}` : 'none'}`,
    `  maintenance  ${result.maintenance.after ? 'on' : 'off'}${result.maintenance.before ? ' (it was on before)' : ''}; in maintenance for ${formatDuration(result.maintenance.durationMs)}`,
    `  dynos        ${paused ? `${paused} ${result.formation.verified ? 'restored' : 'NOT as before'}` : 'no background dynos were running'}`,
    ...findingLines(result.findings),
  )
  const critical = result.findings.filter(f => f.severity === 'critical').length
  if (critical > 0) lines.push(`${critical} critical finding${critical === 1 ? '' : 's'} remain on ${result.app}: heroku staging:audit -a ${result.app} names the fix for each.`)
  return lines
}

/** `--dry-run`: the SQL, then the PII columns left unhandled with the rule lines to add. */
export function dryRunLines(result: RefreshDryRun): string[] {
  const lines = ['', `Dry run: nothing was changed on ${result.app} or ${result.from}.`, '']
  lines.push(result.sql ? 'The sanitize step would run, in one transaction:' : 'No --rules or --sanitize: the copy would not be sanitized.')
  if (result.sql) lines.push(...result.sql.split('\n').map(line => `  ${line}`))
  lines.push('')
  if (result.schemaError) {
    lines.push(`The source's schema could not be read (${result.schemaError}): PII columns were not checked.`)
  } else if (result.unhandledPii.length === 0) {
    lines.push('Every likely-PII column of the source has a rule, or is accepted with --allow-pii.')
  } else {
    lines.push(`${result.unhandledPii.length} likely-PII column(s) have no rule; add under tables: (or pass --allow-pii TABLE.COLUMN):`, suggestedRules(result.unhandledPii))
  }

  return lines
}
