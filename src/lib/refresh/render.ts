/**
 * Text for `staging:refresh`: pure functions from plan and result to lines. The command prints
 * them; every line still passes through the command's redaction.
 */
import type {Finding} from '../audit/types.js'
import {formatAge, formatBytes, formatDuration} from '../render/format.js'
import type {Refusal} from '../classify/classify.js'
import {type StepFailure, stopReason} from '../execute/steps.js'
import type {TransferSummary} from '../execute/blocks.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {ForkLeftOver, type StagingState, UnhandledPii} from './errors.js'
import type {Verification} from './load.js'
import {type DatabaseSide, type ProcessQuantity, REFRESH_FORK_ATTACHMENT, type RefreshPlan, type RefreshStep} from './plan.js'
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

/** A step's label as its progress shows it: `Maintenance on`, `Back up postgresql-x (the target)`. */
export function stepLabel(step: RefreshStep): string {
  switch (step.kind) {
    case 'backup-source': {
      return `Back up ${step.addonName} (production)`
    }

    case 'backup-target': {
      return `Back up ${step.addonName} (the target)`
    }

    case 'maintenance-off': {
      return `Maintenance off on ${step.app}`
    }

    case 'maintenance-on': {
      return `Maintenance on for ${step.app}`
    }

    case 'pii-check': {
      return `Check the copy for PII columns ${step.rules.file} leaves unhandled`
    }

    case 'sanitize': {
      return `Run ${step.file}`
    }

    case 'scale-down': {
      return `Scale ${step.processes.map(p => `${p.type}=0`).join(' ')}`
    }

    case 'scale-restore': {
      return `Restore ${step.processes.map(p => `${p.type}=${p.quantity}`).join(' ')}`
    }

    case 'transfer': {
      return `Copy ${step.fromName} → ${step.toName}`
    }

    case 'fork': {
      return `Fork ${step.sourceAddonName} into a new ${step.plan} as ${step.attachment}`
    }

    case 'promote': {
      return `Promote the fork to ${step.attachment}`
    }

    case 'audit': {
      return `Audit ${step.app} again`
    }

    case 'destroy-old': {
      return `Destroy the old database ${step.addonName}`
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

// ---- a refresh that stopped early ------------------------------------------------------------

/** The plan's promote step (blue-green), if any. */
export function promoteStep(plan: RefreshPlan): Extract<RefreshStep, {kind: 'promote'}> | undefined {
  return plan.steps.find((s): s is Extract<RefreshStep, {kind: 'promote'}> => s.kind === 'promote')
}

function scaleCommand(app: string, processes: readonly ProcessQuantity[]): string {
  return `heroku ps:scale ${processes.map(p => `${p.type}=${p.quantity}`).join(' ')} -a ${app}`
}

/** The commands that put staging back in service, for messages after an early stop. */
export function undoCommands(state: StagingState): string[] {
  const commands: string[] = []
  if (state.paused.length > 0) commands.push(scaleCommand(state.app, state.paused))
  if (state.maintenanceOn) commands.push(`heroku maintenance:off -a ${state.app}`)
  return commands
}

export function describeState(state: StagingState): string {
  const parts = [`${state.app} is ${state.maintenanceOn ? 'IN' : 'not in'} maintenance mode`]
  if (state.paused.length > 0) parts.push(`${state.paused.map(p => p.type).join(', ')} scaled to 0 (were ${state.paused.map(p => `${p.type}=${p.quantity}`).join(' ')})`)
  return parts.join('; ')
}

/** What a stopped refresh says: its message, fix and exit code. The runner has undone what was safe to undo. */
export type StopTexts = {exit?: ExitCodeValue; fix: string; message: string}

/** The words for a failure or an interruption of `step`; `undoFailed`: steps whose undo failed. */
export function stopTexts(plan: RefreshPlan, state: StagingState, step: RefreshStep, failure: StepFailure, undoFailed: readonly unknown[], rerun: string): StopTexts {
  const {error, interrupted} = failure
  const reason = stopReason(interrupted, error)
  const target = plan.target.attachment ?? plan.target.addon?.name ?? 'DATABASE'
  if (plan.method === 'fork') return blueGreenStopTexts(plan, state, step, failure, rerun)
  const stop = (texts: StopTexts): StopTexts => texts

  // The copy reached staging before sanitising ended: it was undone (or could not be), and the message says which.
  if (state.purge) {
    const text = purgeText(state, target)
    const failed = state.purge.kind === 'failed'
    const undo = undoCommands(state)
    const bringBack = state.purge.kind === 'reset' && undo.length > 0 ? ` Once the database is ready again: ${undo.join(' && ')}.` : ''
    const first = failed ? `${text.split(': remove it now with ')[1] ?? 'Remove the copy'}, then ` : ''
    if (error instanceof UnhandledPii) {
      return stop({
        exit: ExitCode.Refused,
        fix: `${first}add rules to ${error.file} under tables: (or accept a column on purpose with --allow-pii TABLE.COLUMN), then run ${rerun} again:\n${suggestedRules(error.columns)}`,
        message: `${reason}. ${text}. ${describeState(state)}.`,
      })
    }

    if (step.kind === 'sanitize') {
      return stop({
        fix: `${first}fix ${step.file} and run ${rerun} again (it copies afresh, then sanitizes).${bringBack}`,
        message: `The sanitize file ${step.file} failed and was rolled back: ${reason}. ${text}. ${describeState(state)}.`,
      })
    }

    return stop({fix: `${first}run ${rerun} again.${bringBack}`, message: `${reason} during ${step.kind}, before sanitising ended. ${text}. ${describeState(state)}.`})
  }

  // A transfer still runs on Heroku: say so, and how to follow it; leave staging quiet.
  if (state.running) {
    const {name, app} = state.running
    const what = step.kind === 'transfer' ? `The copy ${name} continues on Heroku` : `The backup ${name} continues on Heroku`
    const undo = undoCommands(state)
    return stop({
      fix: `Follow it with heroku pg:backups:info ${name} -a ${app}${undo.length > 0 ? `; once it has finished: ${undo.join(' && ')}` : ''}.`,
      message: `${reason}. ${what}; this command only stopped watching it. ${describeState(state)}.`,
    })
  }

  // Nothing has been copied yet: the runner put staging back as it was (each step's undo).
  if (!state.copyStarted) {
    const undo = undoCommands(state)
    const restored = undoFailed.length === 0 ? `${state.app} is back as it was` : `${describeState(state)}; run ${undo.join(' && ')}`
    let fix = `Fix the cause and run ${rerun} again.`
    if (step.kind === 'backup-target') fix = `Fix the cause and run ${rerun} again, or skip the backup with --no-backup (the target's data is then lost for good).`
    if (step.kind === 'backup-source') fix = `Fix the cause and run ${rerun} again, or drop --backup-source.`
    return stop({fix, message: `${reason} during ${step.kind}. Nothing was copied; ${restored}.`})
  }

  // The copy reached the target: keep staging out of service until a human decides.
  const undo = undoCommands(state)
  const bringBack = undo.length > 0 ? ` Then bring it back: ${undo.join(' && ')}.` : ''
  const restore = state.targetBackup
    ? ` To go back to the data before the refresh: heroku pg:backups:restore ${state.targetBackup.app}::${state.targetBackup.name} ${target} -a ${state.app} --confirm ${state.app}.`
    : ''
  if (error instanceof UnhandledPii) {
    return stop({
      exit: ExitCode.Refused,
      fix: `Add rules to ${error.file} under tables: (or accept a column on purpose with --allow-pii TABLE.COLUMN), then run ${rerun} again:\n${suggestedRules(error.columns)}`,
      message: `${reason}. Nothing was sanitized; ${state.app} holds the unsanitized copy and stays out of service: ${describeState(state)}.`,
    })
  }

  if (step.kind === 'sanitize') {
    return stop({
      fix: `Fix ${step.file} and run ${rerun} again (it copies afresh, then sanitizes).${restore}${bringBack ? ` Only once the data is safe to serve:${bringBack.replace(/^ Then bring it back:/, '')}` : ''}`,
      message: `The sanitize file ${step.file} failed and was rolled back: ${reason}. Nothing of it was applied; ${state.app} holds the unsanitized copy and stays out of service: ${describeState(state)}.`,
    })
  }

  if (step.kind === 'transfer') {
    return stop({
      fix: `Run ${rerun} again.${restore}${bringBack}`,
      message: `The copy failed: ${reason}. ${target} on ${state.app} may be partly overwritten. ${describeState(state)}.`,
    })
  }

  return stop({
    fix: undo.length > 0 ? `Finish by hand: ${undo.join(' && ')}.` : `Check the app: heroku ps -a ${state.app}.`,
    message: `${reason} during ${step.kind}, after the copy completed. ${describeState(state)}.`,
  })
}

/** What became of the unsanitized copy (copy mode), in one sentence. */
function purgeText(state: StagingState, target: string): string {
  const {app, purge} = state
  if (purge?.kind === 'restored') return `No unsanitized production data stayed: ${target} on ${app} was restored from backup ${purge.backup ?? '?'}, taken before the copy`
  if (purge?.kind === 'reset') return `No unsanitized production data stayed: ${target} on ${app} was reset (emptied), since --no-backup took no backup to restore`
  const remove = purge?.backup
    ? `heroku pg:backups:restore ${app}::${purge.backup} ${target} -a ${app} --confirm ${app}`
    : `heroku pg:reset ${target} -a ${app} --confirm ${app}`
  return `${target} on ${app} STILL HOLDS the unsanitized copy: undoing it failed (${purge?.error ?? 'unknown error'}): remove it now with ${remove}`
}

/**
 * A blue-green refresh stopped: staging still has a working database either way. Before the promote
 * it is the old one, untouched; after it, the sanitized fork, with the old one kept. Maintenance this
 * run turned on was turned off by the runner (both are safe to serve); the message names what was left and the commands.
 */
function blueGreenStopTexts(plan: RefreshPlan, state: StagingState, step: RefreshStep, failure: StepFailure, rerun: string): StopTexts {
  const {error, interrupted} = failure
  const reason = stopReason(interrupted, error)
  const {app} = state
  const target = plan.target.attachment ?? 'DATABASE'
  const old = plan.target.addon?.name ?? target
  const stop = (texts: StopTexts): StopTexts => texts
  const destroy = (name: string) => `heroku addons:destroy ${name} -a ${app} --confirm ${app}`
  if (error instanceof ForkLeftOver) {
    return stop({
      exit: ExitCode.Refused,
      fix: `Destroy it with ${destroy(error.addonName)} (or keep its data and detach it: heroku addons:detach ${error.attachment} -a ${app}), then run ${rerun} again.`,
      message: `${reason}. Nothing was changed: ${app} keeps its ${target} (${old}).`,
    })
  }

  const fork = state.fork
  if (!fork?.promoted) {
    let left = ''
    if (fork?.destroyed) left = ` The unsanitized fork ${fork.addonName} was destroyed, never served; no production data stayed in ${app}.`
    else if (fork) left = ` The new fork ${fork.addonName} (unsanitized production data) could not be destroyed and is still on ${app} as ${REFRESH_FORK_ATTACHMENT}, never served: destroy it now.`
    const cleanup = fork && !fork.destroyed ? `Destroy the new fork with ${destroy(fork.addonName)}, ` : ''
    if (error instanceof UnhandledPii) {
      return stop({
        exit: ExitCode.Refused,
        fix: `${cleanup}add rules to ${error.file} under tables: (or accept a column with --allow-pii TABLE.COLUMN), then run ${rerun} again:\n${suggestedRules(error.columns)}`,
        message: `${reason}. ${app} keeps its ${target} (${old}); nothing was destroyed.${left}`,
      })
    }

    return stop({
      fix: `${cleanup ? `${cleanup}fix the cause, then run` : 'Fix the cause, then run'} ${rerun} again.`,
      message: `${reason} during ${step.kind}. ${app} keeps its ${target} (${old}), which still serves; nothing was destroyed.${left} ${describeState(state)}.`,
    })
  }

  const kept = promoteStep(plan)?.keepOldAs
  if (step.kind === 'backup-target' && state.running) {
    // Ctrl-C during the wait: the capture goes on at Heroku, and destroying the database now would lose it.
    const {app: billing, name} = state.running
    return stop({
      fix: `Follow it with heroku pg:backups:info ${name} -a ${billing}; once it has finished: ${destroy(old)}.`,
      message: `Interrupted while backing up the old database ${old}: the backup ${name} continues on Heroku. The fork ${fork.addonName} is now ${target} on ${app} and serves; ${old} was kept${kept ? ` (attached as ${kept})` : ''}, not destroyed.`,
    })
  }

  if (step.kind === 'backup-target') {
    return stop({
      fix: `Capture it with heroku pg:backups:capture ${old} -a ${app}, then ${destroy(old)}; or skip the backup: ${destroy(old)} (its data is then lost for good).`,
      message: `${reason} while backing up the old database ${old}. The fork ${fork.addonName} is now ${target} on ${app} and serves; ${old} was kept${kept ? ` (attached as ${kept})` : ''}, not destroyed.`,
    })
  }

  return stop({
    fix: `Check with heroku staging:audit -a ${app}; go back with heroku pg:promote ${old} -a ${app}, or once the findings are fixed: ${destroy(old)}.`,
    message: `${reason} during ${step.kind}. The fork ${fork.addonName} is now ${target} on ${app}; the old database ${old} was kept${kept ? ` (attached as ${kept})` : ''}, not destroyed. ${describeState(state)}.`,
  })
}
