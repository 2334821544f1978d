/**
 * The flows' hooks wired to a terminal: what each flow shows, asks and interrupts, so that a
 * command only parses, runs its flow with these hooks and prints the result.
 */
import {ux} from '@oclif/core'

import type {Interruptible} from '../heroku/wait.js'
import {stepProgress} from '../execute/progress.js'
import {planLines as fixPlanLines} from '../fix/render.js'
import type {FixHooks} from '../fix/run.js'
import {planLines as refreshPlanLines} from '../refresh/render.js'
import type {RefreshHooks} from '../refresh/run.js'
import {renderAudit} from '../render/audit.js'
import type {ConfirmTexts} from './confirm.js'

/** What hooks need of the command: output (redacted by the command), confirmation and Ctrl-C. */
export interface Terminal {
  /** confirmation by `expected` (an app's name): the --confirm value, else a prompt; refuses with exit 4 */
  confirm: (expected: string, given: string | undefined, texts: ConfirmTexts) => Promise<void>
  interruptible: Interruptible
  /** --json: the result alone goes to stdout, so no spinner either */
  json: boolean
  log: (line: string) => void
  logToStderr: (line: string) => void
  warn: (message: string) => void
}

/** What --fix's confirmation says when it refuses. */
export function repairConfirmTexts(app: string): ConfirmTexts {
  const fix = `Re-run with --confirm ${app} to repair ${app}.`
  return {mismatchFix: fix, noTty: {fix, message: `Refusing to change ${app} without confirmation: no TTY to ask on. Nothing was changed.`}}
}

/** What the confirmation says when it refuses: the target is wiped. */
export function wipeConfirmTexts(app: string): ConfirmTexts {
  return {
    mismatchFix: `Re-run with --confirm ${app} to wipe ${app}'s target database.`,
    noTty: {fix: `Re-run with --confirm ${app}.`, message: `Refusing to wipe ${app}'s database without confirmation: no TTY to ask on.`},
  }
}

/** `staging:audit --fix`: the audit and the plan on stdout, progress on stderr. */
export function fixHooks(terminal: Terminal, confirm: string | undefined): FixHooks {
  const progress = stepProgress()
  return {
    audited: audit => {
      for (const line of renderAudit(audit)) terminal.log(line)
    },
    confirm: async plan => terminal.confirm(plan.app.name, confirm, repairConfirmTexts(plan.app.name)),
    interruptible: terminal.interruptible,
    onEvent: event => {
      const line = progress(event)
      if (line !== undefined) terminal.logToStderr(line)
    },
    planned: plan => {
      for (const line of ['', ...fixPlanLines(plan), '']) terminal.log(line)
    },
  }
}

const FORK_WAIT = 'Waiting for the new database (Heroku Postgres fork)'

/** `staging:refresh`: the plan and progress on stderr; a blue-green fork's wait shows as pg:wait's spinner. */
export function refreshHooks(terminal: Terminal, confirm: string | undefined): RefreshHooks {
  const progress = stepProgress()
  const spinner = !terminal.json
  return {
    confirm: async plan => terminal.confirm(plan.confirmWith, confirm, wipeConfirmTexts(plan.confirmWith)),
    // The spinner never outlives the steps, whichever way they end.
    interruptible: async work => {
      try {
        return await terminal.interruptible(work)
      } finally {
        if (ux.action.running) ux.action.stop('stopped')
      }
    },
    onEvent: event => {
      const fork = spinner && event.step === 'fork'
      if (fork && event.kind === 'start') ux.action.start(FORK_WAIT)
      else if (fork && event.kind === 'progress') ux.action.status = event.message
      else if (fork && event.kind === 'end' && event.status === 'done') ux.action.stop('available')
      // The spinner shows the fork's wait status; every other line is the one progress renderer's.
      const line = fork && event.kind === 'progress' && !event.bytes ? undefined : progress(event)
      if (line !== undefined) terminal.logToStderr(line)
    },
    planned: (plan, latest) => {
      for (const line of refreshPlanLines(plan, latest)) terminal.logToStderr(line)
    },
    warn: terminal.warn,
  }
}
