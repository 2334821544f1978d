import {type Classification, type ClassifyTarget, PRODUCTION_CODES, type Refusal} from '../classify/classify.js'
import type {CommandTarget} from './argv.js'
import type {GuardedCommandId} from './ids.js'

/**
 * PURE: from what the hook found about each target to allow or refuse, including the narrow override.
 */

/** The environment variable that lets one guarded command write one production app on purpose. */
export const OVERRIDE_ENV = 'HEROKU_STAGING_ALLOW_PRODUCTION'

/** What the hook learned about one target the command line names. */
export interface CheckedTarget {
  /** the classification, when the target was resolved */
  classification?: Classification
  /** what the command line named */
  requested: CommandTarget
  /** why the target is out of the guard's scope (e.g. `addons:destroy` of a non-Postgres add-on) */
  skipped?: string
  /** the database as the guard saw it, when it was resolved */
  target?: ClassifyTarget
  /** why the guard could not decide about this target */
  undecided?: string
}

export interface OverrideStatus {
  /** the apps the refusal involves: the override must name exactly one of these, and they must all be it */
  apps: string[]
  /** the value of HEROKU_STAGING_ALLOW_PRODUCTION, when set */
  given?: string
  /** true when the given value lets this command through */
  matches: boolean
}

export interface HookDecision {
  allow: boolean
  /** every target with what was found */
  checked: CheckedTarget[]
  command: GuardedCommandId
  /** the argv the command was run with (for the message: the exact command to run again) */
  argv: readonly string[]
  override: OverrideStatus
  /** `production` when a target is production data; `undecided` when the guard could not tell */
  reason?: 'production' | 'undecided'
}

/** The refusals of a classification that mean "production". */
export function productionRefusals(checked: CheckedTarget): Refusal[] {
  if (!checked.classification?.production) return []
  return checked.classification.refusals.filter(refusal => PRODUCTION_CODES.has(refusal.code))
}

function targetApp(checked: CheckedTarget): string | undefined {
  return checked.target?.app?.name ?? checked.requested.app ?? checked.target?.addon?.owner.name
}

/** The apps a refused target involves: the production apps its refusals name, else the app written. */
function implicatedApps(checked: CheckedTarget): string[] {
  // The guard could not tell: it does not know that any app is production, so no override covers it
  // (naming the app the command names, possibly staging, must never let it through).
  if (checked.undecided !== undefined) return []

  const apps = new Set<string>()
  for (const refusal of productionRefusals(checked)) {
    if (refusal.production.length > 0) for (const app of refusal.production) apps.add(app)
    else {
      const app = targetApp(checked)
      if (app) apps.add(app)
    }
  }

  return [...apps]
}

/** True when this target stops the command unless the override covers it. */
export function isRefused(checked: CheckedTarget): boolean {
  return checked.undecided !== undefined || productionRefusals(checked).length > 0
}

export function decide(
  command: GuardedCommandId,
  argv: readonly string[],
  checked: CheckedTarget[],
  env: Readonly<Record<string, string | undefined>>,
): HookDecision {
  const refused = checked.filter(c => isRefused(c))
  const given = env[OVERRIDE_ENV] || undefined
  const apps = [...new Set(refused.flatMap(c => implicatedApps(c)))].sort()
  // Every refused target must name at least one app, and all of them must be the one app the override names.
  const coverable = refused.every(c => implicatedApps(c).length > 0)
  const matches = refused.length > 0 && given !== undefined && coverable && apps.length === 1 && apps[0] === given
  const override: OverrideStatus = {apps, given, matches}
  if (refused.length === 0) return {allow: true, argv, checked, command, override}
  const reason = refused.some(c => c.undecided === undefined) ? 'production' : 'undecided'
  return {allow: matches, argv, checked, command, override, reason}
}
