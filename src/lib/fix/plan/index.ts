/**
 * The repair plan of `heroku staging:audit --fix`: PURE. From the staging app's snapshot, the
 * production snapshots and the audit's findings to the exact changes, in order, with what the app
 * loses by each; or a refusal. Nothing here sends a request or prints.
 *
 * What it repairs, and only that (every other critical finding is left to a human, with its command):
 * - DATABASE_URL reaches production: a plain var is unset, an attachment of production's database is
 *   detached; then the app's own Postgres attached under another name is attached as DATABASE (what
 *   `pg:promote` does), or, when it has none, a new one is created as DATABASE on production's major
 *   version (`heroku staging:refresh` is the next step for data).
 *   pg:promote first gives the add-on attached as DATABASE a second name, so it stays reachable. Here
 *   the previous DATABASE is either a plain var (unset) or an attachment of production's database
 *   (detached: a second name would keep the wiring), so there is nothing to keep; the promoted
 *   database keeps its own attachment (`HEROKU_POSTGRESQL_ROSE`) as its alias.
 *   The plain var is unset FIRST: an attachment may not take a name whose var is set by hand (the
 *   emulator asks for a confirmation that then drops the var, Heroku refuses or asks the same), and
 *   unsetting first works on both, with one release per change.
 * - an attachment of an add-on production owns or attaches: detached from staging (the add-on is untouched);
 * - any other plain config var reaching a production database or service: unset, each by name;
 * - identical secrets: reported with `heroku config:set NAME=<new value>`, never guessed.
 */
import type {AuditFinding} from '../../audit/types.js'
import {ownsAddon} from '../../snapshot/query.js'
import type {AppSnapshot} from '../../snapshot/types.js'
import {buildClassifyContext, type ClassifyContext, productionVia} from '../../classify/classify.js'
import type {BackupTarget, FixPlan, FixRefusal, FixStep} from '../types.js'
import {databaseSteps} from './database.js'
import {Builder, isPostgres, isProductionAddon, productionOf} from './findings.js'

export interface PlanFixOptions {
  /** names and ids of apps marked production with `heroku staging:protect` */
  protectedApps?: readonly string[]
}

/** Why the audited app may not be repaired: it is production itself. Empty when it is not. */
function productionReasons(staging: AppSnapshot, production: readonly AppSnapshot[], findings: readonly AuditFinding[], context: ClassifyContext): string[] {
  const app = staging.app.name
  const reasons = findings.filter(f => f.app === app && f.code === 'PRODUCTION_STAGE').map(f => f.message)
  if (production.some(p => p.app.id === staging.app.id)) reasons.push(`${app} is one of the production apps it is compared with`)
  const via = productionVia(staging.app, context).filter(v => v !== 'listed')
  if (via.includes('pipeline') && !reasons.some(r => r.includes('stage production'))) reasons.push(`${app} is coupled at stage production`)
  if (via.includes('protected') && !reasons.some(r => r.includes('staging:protect'))) reasons.push(`${app} is marked production with heroku staging:protect`)
  return [...new Set(reasons)]
}

function unsetStep(b: Builder): FixStep | undefined {
  const vars = [...b.unset.values()].sort((x, y) => x.name.localeCompare(y.name))
  if (vars.length === 0) return undefined
  const names = vars.map(v => v.name)
  return {
    app: b.app,
    change: `unset ${names.join(', ')} on ${b.app}`,
    command: `heroku config:unset ${names.join(' ')} -a ${b.app}`,
    fixes: vars.flatMap(v => v.fixes),
    kind: 'unset-config',
    loses: vars.map(v => `${v.name}: it reached ${v.reaches.length > 0 ? v.reaches.join(', ') : 'production'}`),
    vars: vars.map(v => ({name: v.name, reaches: v.reaches})),
  }
}

/** Backups of the staging app's own Postgres databases, captured before anything changes. */
function backups(b: Builder): BackupTarget[] {
  const seen = new Set<string>()
  const targets: BackupTarget[] = []
  const own = b.staging.attachments
    .filter(a => isPostgres(a) && !isProductionAddon(b.prod, a) && ownsAddon(b.staging, a.addon))
    .sort((x, y) => Number(y.name === 'DATABASE') - Number(x.name === 'DATABASE') || x.name.localeCompare(y.name))
  for (const attachment of own) {
    if (seen.has(attachment.addon.id)) continue
    seen.add(attachment.addon.id)
    targets.push({
      addon: {id: attachment.addon.id, name: attachment.addon.name},
      attachment: attachment.name,
      billingApp: attachment.addon.owner.name || b.app,
      command: `heroku pg:backups:capture ${attachment.name} -a ${b.app}`,
    })
  }

  return targets
}

function restoreLines(staging: AppSnapshot, steps: readonly FixStep[]): string[] {
  if (steps.length === 0) return []
  const app = staging.app.name
  const version = staging.release ? `v${staging.release.version}` : 'vN (the release before the fix: heroku releases -a APP)'
  const lines = [
    `A removed config var: heroku releases:info ${version} -a ${app} shows its value before the fix; heroku config:set NAME=VALUE -a ${app} sets it back.`,
    `heroku releases:rollback ${version} -a ${app} restores the config vars (and code) of ${version}, but not attachments: re-attach with heroku addons:attach ADDON --as NAME -a ${app}.`,
  ]
  const detached = steps.filter((s): s is Extract<FixStep, {kind: 'detach'}> => s.kind === 'detach')
  if (detached.length > 0) lines.push(`Detached here: ${detached.map(s => `heroku addons:attach ${s.addon.name} --as ${s.attachment.name} -a ${app}`).join('; ')}.`)
  return lines
}

/** A plan-wide check: no step may send a mutating request to a production app or add-on. */
function touchesProduction(b: Builder, steps: readonly FixStep[], targets: readonly BackupTarget[]): string[] {
  const productionApps = new Set(b.prod.apps.flatMap(p => [p.app.id, p.app.name]))
  const productionAttachments = new Set(b.prod.apps.flatMap(p => p.attachments.map(a => a.id)))
  const stagingAttachments = new Set(b.staging.attachments.map(a => a.id))
  const reasons: string[] = []
  for (const step of steps) {
    if (productionApps.has(step.app)) reasons.push(`${step.command}: ${step.app} is a production app`)
    if (step.kind === 'detach' && (!stagingAttachments.has(step.attachment.id) || productionAttachments.has(step.attachment.id))) {
      reasons.push(`${step.command}: attachment ${step.attachment.name} is not the staging app's own attachment`)
    }

    if (step.kind === 'promote' && b.prod.addons.has(step.addon.id)) {
      reasons.push(`${step.command}: ${step.addon.name} is an add-on of ${(b.prod.addons.get(step.addon.id) ?? []).join(', ')}`)
    }
  }

  for (const target of targets) {
    if (b.prod.addons.has(target.addon.id)) reasons.push(`${target.command}: ${target.addon.name} is an add-on of production`)
  }

  return reasons
}

/**
 * Plans the repair of `staging` against its production apps from the audit's findings. Pure.
 * Refuses when the app is itself production, or when any step would change production.
 */
export function planFix(staging: AppSnapshot, production: readonly AppSnapshot[], findings: readonly AuditFinding[], options: PlanFixOptions = {}): FixPlan | FixRefusal {
  const app = staging.app.name
  const context = buildClassifyContext({production, protectedApps: options.protectedApps})
  const mine = findings.filter(f => f.app === app)
  const reasons = productionReasons(staging, production, mine, context)
  if (reasons.length > 0) {
    const stage = mine.find(f => f.code === 'PRODUCTION_STAGE')
    return {
      code: 'APP_IS_PRODUCTION',
      fix: `Run --fix on the staging app: heroku staging:audit -a STAGING_APP --fix.${stage ? ` If ${app} really is a staging app: ${stage.remedy}.` : ''}`,
      kind: 'refused',
      message: `Refusing to repair ${app}: it is a production app, and --fix never changes production.`,
      reasons,
    }
  }

  const prod = productionOf(staging, production)
  const b = new Builder(staging, prod)
  const critical = mine.filter(f => f.severity === 'critical')
  for (const finding of critical) b.read(finding)
  const database = b.database.length > 0 ? databaseSteps(b, critical, context) : {next: [], steps: []}
  if (database.refusal) return database.refusal

  const unset = unsetStep(b)
  const detach = [...b.detach.values()].sort((x, y) => x.attachment.name.localeCompare(y.attachment.name))
  const steps: FixStep[] = [...(unset ? [unset] : []), ...detach, ...database.steps]
  const targets = steps.length > 0 ? backups(b) : []
  const touching = touchesProduction(b, steps, targets)
  if (touching.length > 0) {
    return {
      code: 'TOUCHES_PRODUCTION',
      fix: `Repair it by hand with the audit's commands: heroku staging:audit -a ${app}.`,
      kind: 'refused',
      message: `Refusing to repair ${app}: a step would change a production app or add-on.`,
      reasons: touching,
    }
  }

  return {
    app: {id: staging.app.id, name: app},
    backups: targets,
    kind: 'plan',
    manual: b.manual,
    next: database.next,
    production: prod.apps.map(p => p.app.name),
    restore: restoreLines(staging, steps),
    steps,
  }
}
