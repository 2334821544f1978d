import {OVERRIDE_ENV, type OverrideStatus} from './decide.js'
import type {DestructiveCommandId} from './ids.js'
import {shellQuote} from './message.js'

/**
 * PURE: the decision and the refusal for the destructive commands (`destructive.ts` finds the facts).
 * Every string here is built from names and masked hosts only; the hook still passes it through `redact`.
 */

/** One production thing the command would destroy, cut off or re-point. */
export interface Finding {
  /** the production apps involved: the override must name exactly one of these */
  apps: string[]
  /** how to reach the goal without touching production */
  fix: string
  /** why it counts as production, one line each */
  reasons: string[]
  /** what would be hit, in full: app, attachment, config var, add-on, plan, owner, host and database */
  target: string
}

/** A target the guard could not check (it refuses those: fail closed). */
export interface Undecided {
  /** the app the command named, when known (the override may then name it) */
  app?: string
  what: string
  why: string
}

export interface DestructiveDecision {
  allow: boolean
  argv: readonly string[]
  command: DestructiveCommandId
  findings: Finding[]
  override: OverrideStatus
  undecided: Undecided[]
}

const VERB: Record<DestructiveCommandId, string> = {
  'addons:detach': 'detach a database from production',
  'apps:destroy': 'destroy a production app and every add-on it owns',
  'config:set': "change production's database config vars",
  'config:unset': "remove production's database config vars",
  'data:pg:credentials:destroy': "destroy a credential of production's database",
  'data:pg:destroy': "destroy production's database",
  'data:pg:migrate': "wipe a production database (the migration's destination) and take its source offline",
  'data:pg:upgrade:run': "upgrade production's database irreversibly",
  'pg:credentials:rotate': "rotate production's database credentials, cutting off every connection using them",
  'pg:promote': "re-point a DATABASE_URL at a different database",
  'pg:unfollow': "turn production's follower into a writable leader for good",
  'pg:upgrade:run': "upgrade production's database irreversibly",
}

export function verbOf(command: DestructiveCommandId): string {
  return VERB[command]
}

export function destructiveCommandLine(command: DestructiveCommandId, argv: readonly string[]): string {
  return ['heroku', command, ...argv.map(arg => shellQuote(arg))].join(' ')
}

/** Allow or refuse; HEROKU_STAGING_ALLOW_PRODUCTION lets it through only when it names the one app involved. */
export function decideDestructive(
  command: DestructiveCommandId,
  argv: readonly string[],
  findings: Finding[],
  undecided: Undecided[],
  env: Readonly<Record<string, string | undefined>>,
): DestructiveDecision {
  const given = env[OVERRIDE_ENV] || undefined
  // Only production apps the guard identified: an undecided target (a failed read) is never covered.
  const apps = [...new Set(findings.flatMap(f => f.apps))].sort()
  const refused = findings.length + undecided.length > 0
  const coverable = findings.every(f => f.apps.length > 0) && undecided.length === 0
  const matches = refused && given !== undefined && coverable && apps.length === 1 && apps[0] === given
  return {allow: !refused || matches, argv, command, findings, override: {apps, given, matches}, undecided}
}

function overrideLines(decision: DestructiveDecision): string[] {
  const {apps, given} = decision.override
  const rerun = destructiveCommandLine(decision.command, decision.argv)
  const lines: string[] = []
  if (given !== undefined) {
    lines.push(apps.length === 1 && given !== apps[0]
      ? `  - ${OVERRIDE_ENV}=${given} is set, but that is not accepted: its value must be the exact name of the production app (${apps[0]}), and it allows that one app only.`
      : `  - ${OVERRIDE_ENV}=${given} is set, but it does not cover this command (see below).`)
  }

  if (apps.length === 1) lines.push(`  - To do this on purpose, allow that one app for this one command: ${OVERRIDE_ENV}=${apps[0]} ${rerun}`)
  else if (apps.length > 1) lines.push(`  - This command involves several production apps (${apps.join(', ')}). ${OVERRIDE_ENV} allows one app only: run one command per app.`)
  else lines.push(`  - ${OVERRIDE_ENV} does not apply: it allows only a production app the guard identified. Fix the reason above (or name the app explicitly: -a APP, or APP::DATABASE) and run the command again.`)
  return lines
}

/** The refusal the hook aborts the command with (exit 4). */
export function renderDestructiveRefusal(decision: DestructiveDecision): string {
  const line = destructiveCommandLine(decision.command, decision.argv)
  const lines = [decision.findings.length > 0
    ? `heroku-staging refused ${line}: it would ${VERB[decision.command]} (production data).`
    : `heroku-staging refused ${line}: it could not tell whether this touches production data, so it did not let the command run.`]
  for (const finding of decision.findings) {
    lines.push(`Would hit: ${finding.target}`, 'Why it counts as production:', ...finding.reasons.map(reason => `  - ${reason}`))
  }

  for (const undecided of decision.undecided) lines.push(`Could not check ${undecided.what}: ${undecided.why}`)
  lines.push('To proceed:')
  for (const fix of new Set(decision.findings.map(f => f.fix))) lines.push(`  - ${fix}`)
  if (decision.undecided.length > 0) lines.push('  - Fix the reason above and run the command again.')
  lines.push(...overrideLines(decision))
  return lines.join('\n')
}

/** The warning printed when the override lets production through. */
export function renderDestructiveOverride(decision: DestructiveDecision): string {
  const what = [...decision.findings.map(f => f.target), ...decision.undecided.map(u => u.what)].join('; ')
  return `${OVERRIDE_ENV}=${decision.override.given}: letting ${destructiveCommandLine(decision.command, decision.argv)} ${VERB[decision.command]} on purpose: ${what}.`
}
