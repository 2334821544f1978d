/**
 * Text for `staging:refresh`: pure functions from plan and result to lines. The command prints
 * them; every line still passes through the command's redaction.
 */
import type {Finding} from '../audit/types.js'
import {formatAge, formatBytes, formatDuration} from '../render/format.js'
import type {Refusal} from '../guard/classify.js'
import type {TransferSummary} from './execute.js'
import type {DatabaseSide, RefreshPlan, RefreshStep} from './plan.js'

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

function stepText(step: RefreshStep): string {
  switch (step.kind) {
    case 'backup-source': {
      return `capture a backup of ${step.addonName} (production)`
    }

    case 'backup-target': {
      return `capture a backup of ${step.addonName} (the target)`
    }

    case 'maintenance-off': {
      return `maintenance off on ${step.app}`
    }

    case 'maintenance-on': {
      return `maintenance on for ${step.app}`
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
  }
}

/** What the user reads before confirming. */
export function planLines(plan: RefreshPlan, latest: null | {ageSeconds: number; name: string} | undefined): string[] {
  const lines = [
    `Refreshing ${plan.staging.name}: ALL DATA in the target is replaced by a copy of the source.`,
    '',
    ...sideLines('FROM (source, read only)', plan.source),
    '',
    ...sideLines('TO (target, wiped)', plan.target),
    '',
    latest
      ? `Production's latest backup: ${latest.name}, ${formatAge(latest.ageSeconds)} old.`
      : "Production's latest backup: none found.",
    'Steps:',
    ...plan.steps.map((step, index) => `  ${index + 1}. ${stepText(step)}`),
    `  ${plan.steps.length + 1}. audit ${plan.staging.name} again`,
  ]
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
