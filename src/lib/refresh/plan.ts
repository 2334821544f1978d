/**
 * The refresh plan: pure. From snapshots and options to the exact steps `staging:refresh` takes,
 * or a refusal that names every reason. Nothing here sends a request.
 */
import {
  buildClassifyContext,
  classifyTarget,
  type ClassifyContext,
  type ClassifyTarget,
  hostAndDatabase,
  type Refusal,
  sourceFromTarget,
} from '../classify/classify.js'
import {databaseNames, resolveDatabase} from '../classify/resolve.js'
import {type DataTransfer, transferName} from '../heroku/types.js'
import {isAdvancedPlan, isEssentialPlan, isolatedTier, isShieldPlan, postgresStorageBytes, STANDARD_PLANS} from '../heroku/postgres-plans.js'
import {ownsAddon} from '../snapshot/query.js'
import type {Rules} from './rules.js'
import {hostTableOf, isPostgresUrl} from '../snapshot/identity.js'
import {type AppSnapshot, type FormationEntry, TRANSFER_LIMIT_BYTES} from '../snapshot/types.js'

/** How staging gets production's data: a transfer into its database, or a Heroku Postgres fork promoted in its place (blue-green). */
export type RefreshMethod = 'copy' | 'fork'

export interface RefreshOptions {
  /** `--data`: undefined lets the plan decide (fork above the transfer limit when the source can be forked) */
  data?: RefreshMethod
  /** capture a backup of the target before wiping it (default true; `--no-backup` turns it off) */
  backup: boolean
  /** capture a fresh backup of the source (production) first: the only write to production */
  backupSource: boolean
  /** maintenance mode on for the duration (default true; `--no-maintenance` turns it off) */
  maintenance: boolean
  /** the PII guard after the copy (with --rules): likely-PII columns no rule handles stop the refresh */
  pii?: {allow: string[]; rules: Rules}
  /** the sanitize SQL (from --rules, then --sanitize), already read from its files */
  sanitize?: {file: string; sql: string}
  /** attachment or config var on the source app (default DATABASE) */
  source: string
  /** attachment or config var on the staging app (default DATABASE) */
  target: string
}

export interface PlanInput {
  /** the app named with --from, if any */
  from?: string
  /** the account's production as the registry gives it (`registryContext`); without it, built from `production` */
  guard?: Omit<ClassifyContext, 'source'>
  options: RefreshOptions
  /** every production app loaded for the guard: pipeline stage production, --from, protected */
  production: readonly AppSnapshot[]
  /** from `readProtectedApps` */
  protectedApps: readonly string[]
  /** the app the data comes from (production, or --from) */
  sourceApp: AppSnapshot
  staging: AppSnapshot
}

/** One side of the copy as the command shows it. Never carries a credential. */
export interface DatabaseSide {
  addon?: {id: string; name: string; owner: string; plan?: string}
  app: string
  attachment?: string
  configVar?: string
  /** `host:port/database`, no credentials */
  hostAndDatabase: string
  /** Data API size, when known */
  numBytes?: number
  numTables?: number
}

export interface ProcessQuantity {
  quantity: number
  size: string
  type: string
}

export interface BackupStep {
  addonId: string
  addonName: string
  /** the add-on's billing app: Data API transfers are listed under it */
  billingApp: string
  kind: 'backup-source' | 'backup-target'
}

export type RefreshStep =
  | BackupStep
  | {app: string; kind: 'maintenance-off'}
  | {app: string; kind: 'maintenance-on'}
  /** scales these processes to 0; `processes` holds the quantities they run at now */
  | {app: string; kind: 'scale-down'; processes: ProcessQuantity[]}
  /** scales these processes back to exactly these quantities and sizes */
  | {app: string; kind: 'scale-restore'; processes: ProcessQuantity[]}
  /** `url` is the copy's; `newDatabase`: the blue-green fork's, known once it is provisioned */
  | {file: string; kind: 'sanitize'; newDatabase?: boolean; sql: string; url: string}
  /** looks for likely-PII columns in the copy that no rule handles and --allow-pii does not accept */
  | {allow: string[]; kind: 'pii-check'; newDatabase?: boolean; rules: Rules; url: string}
  /** blue-green: a Heroku Postgres fork of the source, created on staging as `attachment`, waited for (pg:wait) */
  | {app: string; attachment: string; kind: 'fork'; plan: string; sourceAddonId: string; sourceAddonName: string; sourceUrl: string}
  /**
   * blue-green: the fork becomes `attachment` (pg:promote); the old add-on is first attached as
   * `keepOldAs` when that attachment is its only one on staging, so it survives the switch
   */
  | {app: string; appId: string; attachment: string; keepOldAs?: string; kind: 'promote'; oldAddonId: string; oldAddonName: string}
  /** blue-green: staging is audited again (a fresh snapshot); a critical finding keeps the old database */
  | {app: string; kind: 'audit'}
  /** blue-green: the old database, destroyed only after the audit passed */
  | {addonId: string; addonName: string; app: string; kind: 'destroy-old'}
  | {
    billingApp: string
    fromName: string
    fromUrl: string
    kind: 'transfer'
    targetAddonId: string
    targetAddonName: string
    toName: string
    toUrl: string
    /** the source's size, for progress when the transfer does not report one */
    totalBytes?: number
  }

export type StepKind = RefreshStep['kind']

export interface RefreshPlan {
  /** `copy`: a transfer into the target; `fork`: blue-green, a fork promoted in place of the target */
  method: RefreshMethod
  /** why that method */
  methodReason: string
  /** blue-green: the new add-on's plan, and why */
  forkPlan?: {plan: string; reason: string}
  /** blue-green: why the old database is kept rather than destroyed (absent: it is destroyed) */
  keepOld?: string
  /** what the user types to confirm: the target app's name */
  confirmWith: string
  /** maintenance was already on before the refresh; it is left on */
  maintenanceWasOn: boolean
  production: string[]
  source: DatabaseSide
  staging: {id: string; name: string}
  steps: RefreshStep[]
  target: DatabaseSide
}

export type PlanOutcome =
  | {kind: 'plan'; plan: RefreshPlan}
  | {kind: 'refused'; refusals: Refusal[]; source: DatabaseSide; target: DatabaseSide}
  | {fix: string; kind: 'unresolved'; message: string}
  /** something PGBackups cannot do (a Shield database, a newer major into an older one): refused, with the alternative */
  | {fix: string; flag?: boolean; kind: 'unsupported'; message: string}

/** Process types that do background work: every type but web and release. */
export function isBackgroundProcess(type: string): boolean {
  return type !== 'web' && type !== 'release'
}

/** The background processes that run now and must be paused during the copy. */
export function runningBackground(formation: readonly FormationEntry[]): ProcessQuantity[] {
  return formation
    .filter(entry => isBackgroundProcess(entry.type) && entry.quantity > 0)
    .map(entry => ({quantity: entry.quantity, size: entry.size, type: entry.type}))
    .sort((a, b) => a.type.localeCompare(b.type))
}

/** `HEROKU_POSTGRESQL_ROSE` → `ROSE`, `DATABASE_URL` → `DATABASE`: the names pg:copy and pg:backups show. */
export function displayName(name: string): string {
  return name.replace(/^HEROKU_POSTGRESQL_/, '').replace(/_URL$/, '')
}

function side(target: ClassifyTarget, snapshot: AppSnapshot): DatabaseSide {
  const db = target.addon ? snapshot.databases[target.addon.id] : undefined
  return {
    addon: target.addon && {id: target.addon.id, name: target.addon.name, owner: target.addon.owner.name, plan: target.addon.plan},
    app: snapshot.app.name,
    attachment: target.attachment,
    configVar: target.configVar,
    hostAndDatabase: target.url ? hostAndDatabase(target.url) : 'unknown',
    numBytes: db?.numBytes,
    numTables: db?.numTables,
  }
}

/** Statements that would end or nest the one transaction the sanitize file runs in. */
const TRANSACTION_CONTROL = /^(?:BEGIN|COMMIT|END|ROLLBACK|ABORT|START\s+TRANSACTION|PREPARE\s+TRANSACTION|COMMIT\s+PREPARED|ROLLBACK\s+PREPARED)\b/i

/** Removes comments, quoted strings and dollar-quoted bodies, so statement starts can be checked. */
function stripSqlBodies(sql: string): string {
  return sql
    .replaceAll(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, ' ')
    .replaceAll(/\/\*[\s\S]*?\*\//g, ' ')
    .replaceAll(/--[^\n]*/g, ' ')
    .replaceAll(/'(?:[^']|'')*'/g, "''")
    .replaceAll(/"(?:[^"]|"")*"/g, '""')
}

/** Why a sanitize file cannot run in one transaction, or undefined when it can. */
export function checkSanitizeSql(sql: string): string | undefined {
  const statements = stripSqlBodies(sql).split(';').map(s => s.trim()).filter(Boolean)
  if (statements.length === 0) return 'it contains no SQL statement'
  const control = statements.find(statement => TRANSACTION_CONTROL.test(statement))
  if (control) {
    const word = (control.split(/\s+/)[0] ?? '').toUpperCase()
    return `it contains ${word}: the file already runs in one transaction that the command opens and commits, so remove its own BEGIN/COMMIT/ROLLBACK`
  }

  return undefined
}

/** The latest successful backup in a Data API transfer list, and its age. */
export function latestBackup(transfers: readonly DataTransfer[], now: Date): undefined | {ageSeconds: number; finishedAt: string; name: string; uuid: string} {
  const backups = transfers
    .filter(t => t.to_type === 'gof3r' && t.succeeded === true && typeof t.finished_at === 'string')
    .sort((a, b) => Date.parse(b.finished_at as string) - Date.parse(a.finished_at as string))
  const latest = backups[0]
  if (!latest) return undefined
  const finishedAt = latest.finished_at as string
  return {
    ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(finishedAt)) / 1000)),
    finishedAt,
    name: transferName(latest),
    uuid: latest.uuid,
  }
}

export {TRANSFER_LIMIT_BYTES} from '../snapshot/types.js'

/**
 * What PGBackups, which runs every transfer, cannot do: copy from or into a Shield database (Shield plans
 * have no PGBackups), or restore a newer Postgres major into an older one. Undefined when it can.
 */
export function transferUnsupported(source: ClassifyTarget, sourceApp: AppSnapshot, target: ClassifyTarget, staging: AppSnapshot): undefined | {fix: string; message: string} {
  for (const [side, app, role] of [[source, sourceApp, 'from'], [target, staging, 'into']] as const) {
    const plan = side.addon?.plan ?? ''
    if (isShieldPlan(plan)) {
      return {
        fix: `Copy it with pg_dump | pg_restore from a one-off dyno inside the Shield space (heroku run bash -a ${app.app.name}), or, when ${staging.app.name} runs in that space, refresh by a Heroku Postgres fork: heroku staging:refresh -a ${staging.app.name} --data fork.`,
        message: `${side.addon?.name} on ${app.app.name} is on ${plan}, and Shield databases have no PGBackups, so heroku staging:refresh cannot copy ${role} it.`,
      }
    }
  }

  const from = source.addon ? sourceApp.databases[source.addon.id]?.majorVersion : undefined
  const into = target.addon ? staging.databases[target.addon.id]?.majorVersion : undefined
  if (from && into && Number(from) > Number(into)) {
    const upgrade = target.addon?.plan?.includes(':advanced') ? 'heroku data:pg:upgrade:run' : 'heroku pg:upgrade:run'
    return {
      fix: `Upgrade the target first: ${upgrade} ${target.attachment ?? target.addon?.name ?? 'DATABASE'} -a ${staging.app.name} --version ${from}, then run heroku staging:refresh -a ${staging.app.name} again.`,
      message: `${source.addon?.name} runs Postgres ${from}, newer than ${target.addon?.name}'s ${into}: PGBackups cannot restore a newer major into an older one.`,
    }
  }

  return undefined
}

/** The attachment a blue-green refresh creates the fork under, until it is promoted. */
export const REFRESH_FORK_ATTACHMENT = 'STAGING_REFRESH'
/** Where the old database stays attached between the promote and its destruction, when it had no other name. */
export const REFRESH_OLD_ATTACHMENT = 'STAGING_REFRESH_OLD'

/**
 * The blue-green fork's plan: Advanced stays Advanced (a fork keeps its source's tier), otherwise
 * the smallest Standard plan whose published storage holds the source's data.
 */
export function refreshForkPlan(sourcePlan: string, numBytes: number | undefined): {plan: string; reason: string} {
  if (isAdvancedPlan(sourcePlan)) return {plan: sourcePlan, reason: 'the source\'s plan: a fork of Advanced stays on Advanced'}
  const isolated = isolatedTier(sourcePlan)
  if (isolated) return {plan: sourcePlan, reason: `the source's plan: a fork of a ${isolated === 'shield' ? 'Shield' : 'Private'} database stays in its tier`}
  const bytes = numBytes ?? 0
  const fits = STANDARD_PLANS.find(plan => (postgresStorageBytes(plan) ?? 0) >= bytes) ?? 'standard-9'
  const size = numBytes === undefined ? 'data of unknown size' : `${(numBytes / 1000 ** 3).toFixed(1)} GB`
  return {plan: `heroku-postgresql:${fits}`, reason: `smallest Standard plan holding the source's ${size}`}
}

/**
 * copy or fork: what --data asks, else a fork above the transfer limit when the source can be forked
 * (not Essential), else a copy. Pure.
 */
export function chooseRefreshMethod(source: {app: string; attachment: string; name?: string; plan?: string}, numBytes: number | undefined, asked: RefreshMethod | undefined): {fix?: string; message?: string; method: RefreshMethod; reason: string} {
  const forkable = source.plan !== undefined && !isEssentialPlan(source.plan)
  const over = numBytes !== undefined && numBytes > TRANSFER_LIMIT_BYTES
  if (asked === 'fork' && !forkable) {
    return {
      fix: `Copy it instead with --data copy, or move it to Standard first (heroku addons:upgrade ${source.name ?? source.attachment} heroku-postgresql:standard-0 -a ${source.app}).`,
      message: source.plan
        ? `${source.name} on ${source.app} is on ${source.plan}: Essential databases cannot be forked (Fork/Follow: Unsupported).`
        : `${source.attachment} on ${source.app} is not a Heroku Postgres add-on: it cannot be forked.`,
      method: 'fork',
      reason: '--data fork',
    }
  }

  if (asked) return {method: asked, reason: `--data ${asked}`}
  if (over && forkable) return {method: 'fork', reason: 'above the 10 GB transfer limit: a Heroku Postgres fork, promoted when ready'}
  return {method: 'copy', reason: over ? 'above the 10 GB transfer limit, but the source cannot be forked' : 'under the 10 GB transfer limit: a server-side copy'}
}

/**
 * The blue-green steps: fork the source into a new add-on on staging and wait; check and sanitize
 * it while the old database still serves; promote it (maintenance only around the switch); audit
 * staging again; back up the old database (`--backup`, the default), and destroy it only then.
 */
function blueGreenSteps(staging: AppSnapshot, options: RefreshOptions, source: ClassifyTarget, target: ClassifyTarget, forkPlan: string): {keepOld?: string; steps: RefreshStep[]} {
  const sourceAddon = source.addon as NonNullable<ClassifyTarget['addon']>
  const old = target.addon as NonNullable<ClassifyTarget['addon']>
  const app = staging.app.name
  const attachment = target.attachment ?? 'DATABASE'
  const others = staging.attachments.filter(a => a.addon.id === old.id && a.name !== attachment)
  const steps: RefreshStep[] = []
  if (options.backupSource) steps.push({addonId: sourceAddon.id, addonName: sourceAddon.name, billingApp: sourceAddon.owner.name, kind: 'backup-source'})
  steps.push({app, attachment: REFRESH_FORK_ATTACHMENT, kind: 'fork', plan: forkPlan, sourceAddonId: sourceAddon.id, sourceAddonName: sourceAddon.name, sourceUrl: source.url as string})
  if (options.pii) steps.push({allow: options.pii.allow, kind: 'pii-check', newDatabase: true, rules: options.pii.rules, url: ''})
  if (options.sanitize) steps.push({file: options.sanitize.file, kind: 'sanitize', newDatabase: true, sql: options.sanitize.sql, url: ''})
  const maintenance = options.maintenance && !staging.app.maintenance
  if (maintenance) steps.push({app, kind: 'maintenance-on'})
  steps.push({app, appId: staging.app.id, attachment, ...(others.length === 0 ? {keepOldAs: REFRESH_OLD_ATTACHMENT} : {}), kind: 'promote', oldAddonId: old.id, oldAddonName: old.name})
  if (maintenance) steps.push({app, kind: 'maintenance-off'})
  steps.push({app, kind: 'audit'})
  // An add-on owned by another (non-production) app is never destroyed: the promote keeps it attached.
  if (!ownsAddon(staging, old)) {
    const where = others.length === 0 ? `it stays attached as ${REFRESH_OLD_ATTACHMENT}` : 'it stays attached under its other names'
    return {keepOld: `it is owned by ${old.owner.name}, so it is not destroyed: ${where}`, steps}
  }
  if (!options.backup) return {steps: [...steps, {addonId: old.id, addonName: old.name, app, kind: 'destroy-old'}]}
  // --backup: the old data is captured once staging serves the fork, and the database goes only after it.
  if (isShieldPlan(old.plan ?? '')) return {keepOld: `${old.plan} has no PGBackups, so it cannot be backed up first (--no-backup destroys it)`, steps}
  return {steps: [
    ...steps,
    {addonId: old.id, addonName: old.name, billingApp: old.owner.name, kind: 'backup-target'},
    {addonId: old.id, addonName: old.name, app, kind: 'destroy-old'},
  ]}
}

/** Resolves both sides, runs the guard, and lays out the steps. */
export function planRefresh(input: PlanInput): PlanOutcome {
  const {options, sourceApp, staging} = input
  const sourceTarget = resolveDatabase(sourceApp, options.source)
  if (!sourceTarget || !isPostgresUrl(sourceTarget.url)) {
    const names = databaseNames(sourceApp).join(', ') || 'none'
    return {
      fix: `Name the source with --source ATTACHMENT (databases on ${sourceApp.app.name}: ${names}).`,
      kind: 'unresolved',
      message: sourceTarget
        ? `${options.source} on ${sourceApp.app.name} is not a Postgres database with a URL.`
        : `No database named ${options.source} on ${sourceApp.app.name}.`,
    }
  }

  const target = resolveDatabase(staging, options.target)
  if (!target) {
    const names = databaseNames(staging).join(', ') || 'none'
    return {
      fix: `Name the target with --target ATTACHMENT (databases on ${staging.app.name}: ${names}), or add one: heroku addons:create heroku-postgresql -a ${staging.app.name}.`,
      kind: 'unresolved',
      message: `No database named ${options.target} on ${staging.app.name}.`,
    }
  }

  const source = sourceFromTarget(sourceTarget)
  const targetHosts = hostTableOf([staging, sourceApp])
  const guardHosts = input.guard?.hosts || targetHosts ? new Map([...(targetHosts ?? []), ...(input.guard?.hosts ?? [])]) : undefined
  const context: ClassifyContext = input.guard
    ? {...input.guard, from: input.from, ...(guardHosts ? {hosts: guardHosts} : {}), source}
    : buildClassifyContext({from: input.from, production: input.production, protectedApps: input.protectedApps, source, targets: [staging, sourceApp]})
  const verdict = classifyTarget(target, context)
  const sourceSide = side(sourceTarget, sourceApp)
  const targetSide = side(target, staging)
  if (verdict.refusals.length > 0) return {kind: 'refused', refusals: verdict.refusals, source: sourceSide, target: targetSide}
  const method = chooseRefreshMethod({app: sourceApp.app.name, attachment: sourceTarget.attachment ?? options.source, name: sourceTarget.addon?.name, plan: sourceTarget.addon?.plan}, sourceSide.numBytes, options.data)
  if (method.message && method.fix) return {fix: method.fix, flag: true, kind: 'unsupported', message: method.message}
  if (method.method === 'fork') {
    const forkPlan = refreshForkPlan(sourceTarget.addon?.plan ?? '', sourceSide.numBytes)
    const blueGreen = blueGreenSteps(staging, options, sourceTarget, target, forkPlan.plan)
    return {
      kind: 'plan',
      plan: {
        confirmWith: staging.app.name,
        forkPlan,
        ...(blueGreen.keepOld ? {keepOld: blueGreen.keepOld} : {}),
        maintenanceWasOn: staging.app.maintenance,
        method: 'fork',
        methodReason: method.reason,
        production: context.production.map(p => p.name),
        source: sourceSide,
        staging: {id: staging.app.id, name: staging.app.name},
        steps: blueGreen.steps,
        target: targetSide,
      },
    }
  }

  const unsupported = transferUnsupported(sourceTarget, sourceApp, target, staging)
  if (unsupported) return {...unsupported, kind: 'unsupported'}

  // The guard passed, so the target is a heroku-postgresql add-on with a URL.
  const targetAddon = target.addon as NonNullable<ClassifyTarget['addon']>
  const targetUrl = target.url as string
  const steps: RefreshStep[] = []
  if (options.backupSource) {
    if (!sourceTarget.addon) {
      return {
        fix: 'Drop --backup-source, or name a heroku-postgresql attachment with --source.',
        kind: 'unresolved',
        message: `--backup-source needs a heroku-postgresql source, and ${options.source} on ${sourceApp.app.name} is backed by no add-on.`,
      }
    }

    steps.push({addonId: sourceTarget.addon.id, addonName: sourceTarget.addon.name, billingApp: sourceTarget.addon.owner.name, kind: 'backup-source'})
  }

  const maintenanceWasOn = staging.app.maintenance
  if (options.maintenance && !maintenanceWasOn) steps.push({app: staging.app.name, kind: 'maintenance-on'})
  const background = runningBackground(staging.formation)
  if (background.length > 0) {
    steps.push({app: staging.app.name, kind: 'scale-down', processes: background})
  }

  if (options.backup) {
    steps.push({addonId: targetAddon.id, addonName: targetAddon.name, billingApp: targetAddon.owner.name, kind: 'backup-target'})
  }

  steps.push({
    billingApp: targetAddon.owner.name,
    fromName: displayName(sourceTarget.attachment ?? sourceTarget.configVar ?? 'SOURCE'),
    fromUrl: sourceTarget.url as string,
    kind: 'transfer',
    targetAddonId: targetAddon.id,
    targetAddonName: targetAddon.name,
    toName: displayName(target.attachment ?? target.configVar ?? 'TARGET'),
    toUrl: targetUrl,
    totalBytes: sourceSide.numBytes,
  })
  if (options.pii) steps.push({allow: options.pii.allow, kind: 'pii-check', rules: options.pii.rules, url: targetUrl})
  if (options.sanitize) steps.push({file: options.sanitize.file, kind: 'sanitize', sql: options.sanitize.sql, url: targetUrl})
  if (background.length > 0) steps.push({app: staging.app.name, kind: 'scale-restore', processes: background})
  if (options.maintenance && !maintenanceWasOn) steps.push({app: staging.app.name, kind: 'maintenance-off'})

  return {
    kind: 'plan',
    plan: {
      confirmWith: staging.app.name,
      maintenanceWasOn,
      method: 'copy',
      methodReason: method.reason,
      production: context.production.map(p => p.name),
      source: sourceSide,
      staging: {id: staging.app.id, name: staging.app.name},
      steps,
      target: targetSide,
    },
  }
}
