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
import type {AuditFinding} from '../audit/types.js'
import {DEFAULT_POSTGRES_PLAN} from '../heroku/postgres-plans.js'
import {
  attachmentUrl,
  buildGuardContext,
  classifyTarget,
  type GuardContext,
  PRODUCTION_CODES,
  productionVia,
  type Refusal,
  targetFromAttachment,
} from '../target/classify.js'
import {credentialsReaching, hostTableOf} from '../snapshot/identity.js'
import {type AppSnapshot, type AttachmentRef, POSTGRES_SERVICE} from '../snapshot/types.js'
import type {BackupTarget, FixedFinding, FixPlan, FixRefusal, FixStep, ManualFix, UnsetVar} from './types.js'
import {attachmentExposing, ownsAddon, primaryPostgres} from '../snapshot/query.js'

export interface PlanFixOptions {
  /** names and ids of apps marked production with `heroku staging:protect` */
  protectedApps?: readonly string[]
}


interface Production {
  /** add-on id → production apps that own or attach it */
  addons: Map<string, string[]>
  apps: AppSnapshot[]
  vars: Array<{app: string; name: string; value: string}>
}

function productionOf(staging: AppSnapshot, production: readonly AppSnapshot[]): Production {
  const apps = [...new Map(production.filter(p => p.app.id !== staging.app.id).map(p => [p.app.id, p])).values()]
  const addons = new Map<string, string[]>()
  const note = (id: string, app: string): void => {
    const list = addons.get(id) ?? []
    if (!list.includes(app)) addons.set(id, [...list, app])
  }

  for (const p of apps) for (const attachment of p.attachments) note(attachment.addon.id, p.app.name)
  // An add-on a production app owns counts even when production itself does not attach it.
  for (const p of apps) {
    for (const attachment of staging.attachments) {
      if (ownsAddon(p, attachment.addon)) note(attachment.addon.id, p.app.name)
    }
  }

  const vars = apps.flatMap(p => Object.entries(p.configVars)
    .filter(([, value]) => typeof value === 'string')
    .map(([name, value]) => ({app: p.app.name, name, value})))
  return {addons, apps, vars}
}

/** `acme-production's DATABASE_URL` for every production credential (any form) reaching the same endpoint as `value`. */
function reaches(prod: Production, value: string | undefined): string[] {
  if (!value) return []
  const hosts = hostTableOf(prod.apps)
  return prod.apps.flatMap(p => credentialsReaching(p.configVars, value, hosts).map(c => `${p.app.name}'s ${c.vars.join('+')}`))
}

function isProductionAddon(prod: Production, attachment: AttachmentRef): boolean {
  return prod.addons.has(attachment.addon.id)
}

function isPostgres(attachment: AttachmentRef): boolean {
  return attachment.addon.service === POSTGRES_SERVICE
}

/** Why the audited app may not be repaired: it is production itself. Empty when it is not. */
function productionReasons(staging: AppSnapshot, production: readonly AppSnapshot[], findings: readonly AuditFinding[], context: GuardContext): string[] {
  const app = staging.app.name
  const reasons = findings.filter(f => f.app === app && f.code === 'PRODUCTION_STAGE').map(f => f.message)
  if (production.some(p => p.app.id === staging.app.id)) reasons.push(`${app} is one of the production apps it is compared with`)
  const via = productionVia(staging.app, context).filter(v => v !== 'listed')
  if (via.includes('pipeline') && !reasons.some(r => r.includes('stage production'))) reasons.push(`${app} is coupled at stage production`)
  if (via.includes('protected') && !reasons.some(r => r.includes('staging:protect'))) reasons.push(`${app} is marked production with heroku staging:protect`)
  return [...new Set(reasons)]
}

/** Collects the plan's parts while the findings are read. */
class Builder {
  readonly detach = new Map<string, Extract<FixStep, {kind: 'detach'}>>()
  readonly manual: ManualFix[] = []
  readonly unset = new Map<string, UnsetVar & {fixes: FixedFinding[]}>()
  /** findings repaired by giving DATABASE_URL the app's own database */
  readonly database: FixedFinding[] = []
  readonly databaseFindings: AuditFinding[] = []

  constructor(readonly staging: AppSnapshot, readonly prod: Production) {}

  get app(): string {
    return this.staging.app.name
  }

  addDetach(attachment: AttachmentRef, fixed: FixedFinding): void {
    const existing = this.detach.get(attachment.id)
    if (existing) {
      if (!existing.fixes.some(f => f.code === fixed.code && f.name === fixed.name)) existing.fixes.push(fixed)
      return
    }

    const {addon} = attachment
    const owners = this.prod.addons.get(addon.id) ?? [addon.owner.name]
    const vars = attachment.configVarNames
    this.detach.set(attachment.id, {
      addon: {id: addon.id, name: addon.name, owner: addon.owner.name},
      app: this.app,
      attachment: {id: attachment.id, name: attachment.name},
      change: `detach ${attachment.name} (add-on ${addon.name}, ${addon.plan}, owned by ${addon.owner.name}) from ${this.app}`,
      command: `heroku addons:detach ${attachment.name} -a ${this.app}`,
      configVars: vars,
      fixes: [fixed],
      kind: 'detach',
      loses: [
        `${vars.length > 0 ? vars.join(', ') : attachment.name}: the app no longer reaches ${addon.name}, which ${owners.join(', ')} uses`,
        `add-on ${addon.name} itself is untouched: it stays on ${addon.owner.name}`,
      ],
    })
  }

  /**
   * Why detaching this attachment cannot succeed, or undefined when it can: Heroku refuses to detach the
   * last attachment of an add-on from its billing app ("Cannot destroy last attachment to billing app").
   * When production uses an add-on the staging app owns, the way out is on production's side: the user's.
   */
  undetachable(attachment: AttachmentRef): string | undefined {
    const {addon} = attachment
    const owns = ownsAddon(this.staging, addon)
    if (!owns || this.staging.attachments.some(a => a.addon.id === addon.id && a.id !== attachment.id)) return undefined
    const users = this.prod.apps.flatMap(p => p.attachments.filter(a => a.addon.id === addon.id).map(a => ({app: p.app.name, attachment: a.name})))
    const commands = users.map(u => `heroku addons:detach ${u.attachment} -a ${u.app}`)
    const by = users.map(u => u.app).join(', ') || (this.prod.addons.get(addon.id) ?? []).join(', ') || 'production'
    return `${addon.name} is owned by ${this.app} and ${attachment.name} is its last attachment there, which Heroku refuses to detach ("Cannot destroy last attachment to billing app"); ${by} uses it, so the change is on production's side and yours to make${commands.length > 0 ? `: ${commands.join('; ')}` : ''}, then heroku staging:audit -a ${this.app} --fix`
  }

  addManual(finding: AuditFinding, reason: string): void {
    if (this.manual.some(m => m.code === finding.code && m.message === finding.message)) return
    this.manual.push({
      addons: finding.addons,
      code: finding.code,
      configVars: finding.configVars,
      message: finding.message,
      reason,
      remedy: finding.remedy,
    })
  }

  addUnset(name: string, reached: string[], fixed: FixedFinding): void {
    const existing = this.unset.get(name)
    if (existing) {
      existing.reaches = [...new Set([...existing.reaches, ...reached])]
      if (!existing.fixes.some(f => f.code === fixed.code)) existing.fixes.push(fixed)
      return
    }

    this.unset.set(name, {fixes: [fixed], name, reaches: reached})
  }

  /** A config var reaching production: detach what exposes it, or unset it when it is plain. */
  endpoint(finding: AuditFinding, name: string): void {
    const fixed = {code: finding.code, name}
    const exposing = attachmentExposing(this.staging, name)
    if (!exposing) {
      const matched = (finding.subject.matches ?? []).map(m => `${m.app}'s ${m.configVar}`)
      this.addUnset(name, matched.length > 0 ? matched : reaches(this.prod, this.staging.configVars[name]), fixed)
      return
    }

    if (isProductionAddon(this.prod, exposing)) {
      const blocked = this.undetachable(exposing)
      if (blocked) this.addManual(finding, blocked)
      else this.addDetach(exposing, fixed)
      return
    }

    this.addManual(finding, `${name} is set by ${exposing.name}, an attachment of ${this.app}'s own add-on ${exposing.addon.name}, and a production credential reaches the same place: the wiring is on production's side, which --fix never changes`)
  }

  read(finding: AuditFinding): void {
    switch (finding.code) {
      case 'SHARED_DATABASE':
      case 'SHARED_SERVICE': {
        const name = finding.subject.configVar ?? finding.configVars[0]
        if (!name) {
          this.addManual(finding, 'the finding names no config var')
        } else if (finding.configVars.length > 1) {
          // Split variables (PGHOST, PGDATABASE, …): every one of them goes.
          for (const part of finding.configVars) this.endpoint(finding, part)
        } else if (name === 'DATABASE_URL' && finding.code === 'SHARED_DATABASE') {
          this.database.push({code: finding.code, name})
          this.databaseFindings.push(finding)
        } else {
          this.endpoint(finding, name)
        }

        break
      }

      case 'UNATTACHED_DATABASE_URL': {
        if (finding.production.length > 0) {
          this.database.push({code: finding.code, name: 'DATABASE_URL'})
          this.databaseFindings.push(finding)
        } else this.addManual(finding, 'DATABASE_URL reaches no production database: --fix only removes wiring to production')
        break
      }

      case 'PRODUCTION_ADDON': {
        const {action, attachment: named} = finding.subject
        const attachment = named ? this.staging.attachments.find(a => a.id === named.id) : undefined
        const blocked = attachment && this.undetachable(attachment)
        if (action.kind === 'detach' && attachment && isProductionAddon(this.prod, attachment) && blocked) {
          this.addManual(finding, blocked)
        } else if (action.kind === 'detach' && attachment && isProductionAddon(this.prod, attachment)) {
          this.addDetach(attachment, {code: finding.code, name: attachment.name})
        } else if (action.kind === 'move-addon') {
          this.addManual(finding, `production depends on an add-on ${this.app} owns: moving it changes production, which --fix never does`)
        } else {
          this.addManual(finding, 'the attachment is not on the app any more, or its add-on is not production\'s')
        }

        break
      }

      case 'SHARED_SECRET': {
        this.addManual(finding, 'a new value must come from you (or the service that issued it): --fix never guesses one')
        break
      }

      default: {
        this.addManual(finding, 'no automatic remedy')
      }
    }
  }
}

/** The app's own Postgres to attach as DATABASE: the one the audit names, else its first own leader. */
function ownDatabase(b: Builder, findings: readonly AuditFinding[], skip: ReadonlySet<string>): AttachmentRef | undefined {
  const {staging, prod} = b
  const usable = (attachment: AttachmentRef): boolean => isPostgres(attachment)
    && !isProductionAddon(prod, attachment)
    && attachment.name !== 'DATABASE'
    && !skip.has(attachment.id)
    && !staging.databases[attachment.addon.id]?.following
    && reaches(prod, attachmentUrl(staging, attachment).url).length === 0
  const named = findings
    .map(f => f.subject.action)
    .flatMap(action => (action.kind === 'promote' ? [action.configVar] : []))
    .map(name => attachmentExposing(staging, name))
    .find((attachment): attachment is AttachmentRef => attachment !== undefined && usable(attachment))
  if (named) return named
  return staging.attachments.filter(a => usable(a)).sort((a, b) => a.name.localeCompare(b.name))[0]
}

/** Production's main database plan and major version, for a new database. */
function productionDatabase(prod: Production, findings: readonly AuditFinding[]): {plan: string; version?: string} {
  for (const p of prod.apps) {
    const primary = primaryPostgres(p)
    if (primary) return {plan: primary.addon.plan || DEFAULT_POSTGRES_PLAN, version: p.databases[primary.addon.id]?.majorVersion}
  }

  const action = findings.map(f => f.subject.action).find(a => a.kind === 'replace-database')
  return {plan: action?.kind === 'replace-database' ? action.plan : DEFAULT_POSTGRES_PLAN}
}

/** Steps that give DATABASE_URL the app's own database; a refusal when that database is production's. */
function databaseSteps(b: Builder, findings: readonly AuditFinding[], context: GuardContext): {next: string[]; refusal?: FixRefusal; steps: FixStep[]} {
  const {app, prod, staging} = b
  const fixes = b.database
  const current = staging.attachments.find(a => a.name === 'DATABASE')
  const exposing = attachmentExposing(staging, 'DATABASE_URL') ?? current
  const value = staging.configVars.DATABASE_URL
  const reached = reaches(prod, value)

  if (exposing && !isProductionAddon(prod, exposing)) {
    for (const finding of b.databaseFindings) b.addManual(finding, `DATABASE_URL is set by ${exposing.name}, an attachment of ${app}'s own add-on ${exposing.addon.name}, and a production credential reaches the same database: the wiring is on production's side, which --fix never changes`)
    return {next: [], steps: []}
  }

  // Production attaches the database staging owns: detaching it from staging cannot succeed.
  const blocked = exposing && b.undetachable(exposing)
  if (blocked) {
    for (const finding of b.databaseFindings) b.addManual(finding, blocked)
    return {next: [], steps: []}
  }

  for (const fixed of fixes) {
    if (exposing) b.addDetach(exposing, fixed)
    else if (value !== undefined) b.addUnset('DATABASE_URL', reached, fixed)
  }

  const own = ownDatabase(b, findings, new Set(exposing ? [exposing.id] : []))
  if (!own) {
    const {plan, version} = productionDatabase(prod, findings)
    const refresh = `heroku staging:refresh -a ${app}`
    return {
      next: [`${refresh} copies production's data into the new database, behind the guard (add --sanitize FILE.sql to scrub it)`],
      steps: [{
        app,
        change: `create a new ${plan} database${version ? ` on Postgres ${version} (production's)` : ''} attached to ${app} as DATABASE, wait until it is available, and check that DATABASE_URL reaches it`,
        command: `heroku addons:create ${plan} --as DATABASE -a ${app}${version ? ` -- --version ${version}` : ''}`,
        fixes: [...fixes],
        kind: 'provision',
        loses: [`the app starts on an empty database: it holds no data until ${refresh}`],
        plan,
        version,
      }],
    }
  }

  const classification = classifyTarget(targetFromAttachment(staging, own), context)
  const blocking = classification.refusals.filter(r => PRODUCTION_CODES.has(r.code))
  if (blocking.length > 0) {
    const [first] = blocking as [Refusal, ...Refusal[]]
    return {
      next: [],
      refusal: {
        code: 'TOUCHES_PRODUCTION',
        fix: `${first.fix} Then re-run heroku staging:audit -a ${app} --fix.`,
        kind: 'refused',
        message: `Refusing to attach ${own.name} (add-on ${own.addon.name}) as ${app}'s DATABASE: ${first.reason}`,
        reasons: blocking.map(r => r.message),
      },
      steps: [],
    }
  }

  const steps: FixStep[] = []
  const info = staging.databases[own.addon.id]
  const tables = info?.numTables === undefined ? '' : ` (${info.numTables} tables)`
  const ownVar = attachmentUrl(staging, own).configVar ?? `${own.name}_URL`
  steps.push({
    addon: {id: own.addon.id, name: own.addon.name},
    app,
    attachment: {id: own.id, name: own.name},
    change: `attach ${app}'s own database ${own.addon.name} (now ${own.name}) as DATABASE, as heroku pg:promote does, and check that DATABASE_URL reaches it`,
    command: `heroku pg:promote ${ownVar} -a ${app}`,
    fixes: [...fixes],
    kind: 'promote',
    loses: [`DATABASE_URL reaches ${own.addon.name}${tables} from now on: the app no longer sees production's data (heroku staging:refresh -a ${app} copies it)`],
    namespace: own.namespace,
  })
  return {next: info?.numTables === 0 ? [`heroku staging:refresh -a ${app} copies production's data into ${own.addon.name}, behind the guard`] : [], steps}
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
  const context = buildGuardContext({production, protectedApps: options.protectedApps})
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
