import {describeTarget, type Refusal, RefusalCode} from '../classify/classify.js'
import type {CommandTarget} from './argv.js'
import {type CheckedTarget, type HookDecision, isRefused, OVERRIDE_ENV, productionRefusals} from './decide.js'
import type {GuardedCommandId} from './ids.js'

/**
 * PURE rendering of the hook's refusal and override messages. The hook passes every string through
 * `redact` before printing; these functions never see a config var value (URLs are shown as host/db).
 */

const SAFE_WORD = /^[\w@%+=:,./-]+$/

/** Quotes one argument for a POSIX shell when it needs quoting. */
export function shellQuote(arg: string): string {
  if (arg !== '' && SAFE_WORD.test(arg)) return arg
  return `'${arg.replaceAll("'", String.raw`'\''`)}'`
}

export function commandLine(command: GuardedCommandId, argv: readonly string[]): string {
  return ['heroku', command, ...argv.map(arg => shellQuote(arg))].join(' ')
}

const VERB: Record<GuardedCommandId, string> = {
  'addons:destroy': 'destroy',
  'pg:backups:restore': 'overwrite',
  'pg:copy': 'overwrite',
  'pg:push': 'write into',
  'pg:reset': 'erase',
}

function requestedText(target: CommandTarget): string {
  switch (target.kind) {
    case 'addon': {
      return target.app ? `add-on ${target.name} on ${target.app}` : `add-on ${target.name}`
    }

    case 'database': {
      return target.app ? `${target.name} on ${target.app}` : target.name
    }

    case 'url': {
      return 'the database URL given'
    }
  }
}

/** The reason of a refusal (the target is printed once, above), with its stable code. */
function why(refusal: Refusal): string {
  return `${refusal.reason.replace(/\.$/, '')} [${refusal.code}]`
}

function overrideLines(decision: HookDecision): string[] {
  const {apps, given} = decision.override
  const rerun = commandLine(decision.command, decision.argv)
  const lines: string[] = []
  if (given !== undefined) {
    lines.push(apps.includes(given) || apps.length !== 1
      ? `  - ${OVERRIDE_ENV}=${given} is set, but it does not cover this command (see below).`
      : `  - ${OVERRIDE_ENV}=${given} is set, but that is not accepted: its value must be the exact name of the production app (${apps[0]}), and it allows that one app only. A generic value such as 1 or true never works.`)
  }

  if (apps.length === 1) {
    lines.push(`  - To do this on purpose, allow that one app for this one command: ${OVERRIDE_ENV}=${apps[0]} ${rerun}`)
  } else if (apps.length > 1) {
    lines.push(`  - This command involves several production apps (${apps.join(', ')}). ${OVERRIDE_ENV} allows one app only: run one command per app.`)
  } else {
    lines.push(`  - ${OVERRIDE_ENV} does not apply: it allows only a production app the guard identified. Fix the reason above (or name the app explicitly: -a APP, or APP::DATABASE) and run the command again.`)
  }

  return lines
}

function productionBlock(checked: CheckedTarget, verb: string): string[] {
  const refusals = productionRefusals(checked)
  const lines = [`Would ${verb}: ${checked.target ? describeTarget(checked.target) : requestedText(checked.requested)}`, 'Why it counts as production:']
  for (const refusal of refusals) lines.push(`  - ${why(refusal)}`)
  return lines
}

function undecidedBlock(checked: CheckedTarget): string[] {
  return [`Could not check ${requestedText(checked.requested)}: ${checked.undecided}`]
}

/**
 * How to reach the goal safely. When the app named on the command line is itself production, the user most
 * likely meant a staging app; otherwise the guard's own fixes (which repair a staging app wired to
 * production) apply.
 */
function fixesFor(checked: CheckedTarget, command: GuardedCommandId): string[] {
  const refusals = productionRefusals(checked)
  const app = checked.target?.app?.name
  const appIsProduction = app !== undefined && refusals.some(r => r.production.includes(app) && r.code !== RefusalCode.SameDatabaseAsProduction)
  if (appIsProduction) {
    return [`If you meant a staging database, name the staging app instead: heroku ${command} … -a STAGING_APP (or STAGING_APP::DATABASE).`]
  }

  return refusals.map(refusal => refusal.fix)
}

/** The refusal the hook aborts the command with (exit 4). */
export function renderRefusal(decision: HookDecision): string {
  const verb = VERB[decision.command]
  const refused = decision.checked.filter(c => isRefused(c))
  const production = refused.filter(c => c.undecided === undefined)
  const undecided = refused.filter(c => c.undecided !== undefined)
  const headline = production.length > 0
    ? `heroku-staging refused ${commandLine(decision.command, decision.argv)}: it would ${verb} production data.`
    : `heroku-staging refused ${commandLine(decision.command, decision.argv)}: it could not tell whether the target is production data, so it did not let the command run.`
  const lines = [headline]
  for (const checked of production) lines.push(...productionBlock(checked, verb))
  for (const checked of undecided) lines.push(...undecidedBlock(checked))
  lines.push('To proceed:')
  const fixes = new Set(production.flatMap(c => fixesFor(c, decision.command)))
  for (const fix of fixes) lines.push(`  - ${fix}`)
  if (undecided.length > 0) lines.push('  - Fix the reason above and run the command again.')
  lines.push(...overrideLines(decision))
  return lines.join('\n')
}

/** The warning printed when the override lets a production target through. */
export function renderOverride(decision: HookDecision): string {
  const refused = decision.checked.filter(c => isRefused(c))
  const what = refused.map(c => (c.target ? describeTarget(c.target) : requestedText(c.requested))).join('; ')
  return `${OVERRIDE_ENV}=${decision.override.given}: letting ${commandLine(decision.command, decision.argv)} ${VERB[decision.command]} ${what} on purpose.`
}
