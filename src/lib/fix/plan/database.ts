import type {AuditFinding} from '../../audit/types.js'
import {DEFAULT_POSTGRES_PLAN} from '../../heroku/postgres-plans.js'
import {attachmentExposing, primaryPostgres} from '../../snapshot/query.js'
import type {AttachmentRef} from '../../snapshot/types.js'
import {attachmentUrl, classifyTarget, type ClassifyContext, PRODUCTION_CODES, type Refusal, targetFromAttachment} from '../../classify/classify.js'
import type {FixRefusal, FixStep} from '../types.js'
import {type Builder, isPostgres, isProductionAddon, type Production, reaches} from './findings.js'

/**
 * Giving DATABASE_URL the app's own database once what reached production is gone: its own Postgres
 * promoted (as pg:promote does), else a new one on production's plan and major version.
 */

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
export function databaseSteps(b: Builder, findings: readonly AuditFinding[], context: ClassifyContext): {next: string[]; refusal?: FixRefusal; steps: FixStep[]} {
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