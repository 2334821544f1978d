/**
 * `heroku staging:refresh` from start to end, without printing: read the inputs, plan behind the
 * guard, show the plan (hook), confirm (hook), run the steps, audit staging again. The command only
 * wires the hooks to its output; the errors thrown here carry their exit code (ActionableError).
 */
import {ActionableError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import type {HerokuClient} from '../heroku/client.js'
import type {Interruptible} from '../heroku/wait.js'
import {loadProtected} from '../protect/policy.js'
import type {StepEvent} from '../execute/steps.js'
import {executeRefresh} from './execute.js'
import {loadPseudonymKey} from './key.js'
import {loadLatestBackup, loadRefreshInputs, readSanitizeFile, verifyRefresh} from './load.js'
import {planRefresh, type RefreshOptions, type RefreshPlan, TRANSFER_LIMIT_BYTES} from './plan.js'
import {formatBytes} from '../render/format.js'
import {formationWarning, refusalText} from './render.js'
import {type PiiColumn, type Rules, suggestedRules, unhandledPii} from './rules.js'
import {readColumns, readRulesFile} from './schema.js'
import type {RefreshDryRun, RefreshRequest, RefreshResult} from './types.js'


export interface RefreshHooks {
  /** the plan is made and guarded: show it; `latest` is production's latest backup, if known */
  planned?: (plan: RefreshPlan, latest: null | {ageSeconds: number; name: string}) => void
  /** called once, before the first change; throws to stop with nothing changed */
  confirm: (plan: RefreshPlan) => Promise<void>
  /** runs the steps: Ctrl-C then stops polling, and no further step starts */
  interruptible?: Interruptible
  onEvent?: (event: StepEvent) => void
  /** something the user should know; the ones about the inputs also go in the result's `warnings` */
  warn?: (message: string) => void
}

/** The command's flags, as the flow reads them. */
export interface RefreshFlags {
  'allow-pii'?: string[]
  app: string
  backup: boolean
  'backup-source': boolean
  data?: string
  'dry-run'?: boolean
  from?: string
  maintenance: boolean
  rules?: string
  sanitize?: string
  source: string
  target: string
}

/** `staging:refresh`'s flags as a request; `configDir` is where the protected-apps list is kept. */
export function refreshRequest(flags: RefreshFlags, configDir: string): RefreshRequest {
  return {
    allowPii: flags['allow-pii'],
    app: flags.app,
    backup: flags.backup,
    backupSource: flags['backup-source'],
    configDir,
    data: flags.data === 'fork' || flags.data === 'copy' ? flags.data : undefined,
    dryRun: flags['dry-run'],
    from: flags.from,
    maintenance: flags.maintenance,
    rules: flags.rules,
    sanitize: flags.sanitize,
    source: flags.source,
    target: flags.target,
  }
}

/** The command that runs this refresh again, for messages after an early stop. */
export function rerunCommand(request: Omit<RefreshRequest, 'configDir'>): string {
  const parts = ['heroku staging:refresh', `-a ${request.app}`]
  if (request.from) parts.push(`--from ${request.from}`)
  if (request.source !== 'DATABASE') parts.push(`--source ${request.source}`)
  if (request.target !== 'DATABASE') parts.push(`--target ${request.target}`)
  if (!request.backup) parts.push('--no-backup')
  if (request.backupSource) parts.push('--backup-source')
  if (!request.maintenance) parts.push('--no-maintenance')
  if (request.data) parts.push(`--data ${request.data}`)
  if (request.rules) parts.push(`--rules ${request.rules}`)
  for (const column of request.allowPii ?? []) parts.push(`--allow-pii ${column}`)
  if (request.sanitize) parts.push(`--sanitize ${request.sanitize}`)
  return parts.join(' ')
}

/** The rules' SQL, then the sanitize file's, as one transaction's text. */
function sanitizeSql(rules: {file: string; sql: string} | undefined, file: {file: string; sql: string} | undefined): RefreshOptions['sanitize'] {
  if (!rules || !file) return rules ?? file
  return {file: `${rules.file} + ${file.file}`, sql: `${rules.sql}\n${file.sql}`}
}

export async function runRefresh(client: HerokuClient, request: RefreshRequest & {dryRun: true}, hooks: RefreshHooks): Promise<RefreshDryRun>
export async function runRefresh(client: HerokuClient, request: RefreshRequest, hooks: RefreshHooks): Promise<RefreshDryRun | RefreshResult>
export async function runRefresh(client: HerokuClient, request: RefreshRequest, hooks: RefreshHooks): Promise<RefreshDryRun | RefreshResult> {
  const started = Date.now()
  const warn = hooks.warn ?? (() => {})
  const rules = request.rules ? await readRulesFile(request.rules) : undefined
  const sanitize = sanitizeSql(rules && request.rules ? {file: request.rules, sql: rules.sql} : undefined, request.sanitize ? await readSanitizeFile(request.sanitize) : undefined)
  const protectedApps = await loadProtected(request.configDir)
  const inputs = await loadRefreshInputs(client, {app: request.app, from: request.from, protectedApps: protectedApps.entries})
  const outcome = planRefresh({
    from: request.from,
    guard: inputs.guard,
    options: {
      backup: request.backup,
      backupSource: request.backupSource,
      data: request.data,
      maintenance: request.maintenance,
      pii: rules ? {allow: request.allowPii ?? [], rules: rules.rules} : undefined,
      sanitize,
      source: request.source,
      target: request.target,
    },
    production: inputs.production,
    protectedApps: protectedApps.keys,
    sourceApp: inputs.sourceApp,
    staging: inputs.staging,
  })
  for (const warning of inputs.warnings) warn(warning)

  if (outcome.kind === 'unresolved') throw new ActionableError(outcome.message, outcome.fix, ExitCode.Usage)
  // A --data method the source cannot take is fixed with a flag (exit 2, as staging:fork); what PGBackups cannot do is refused.
  if (outcome.kind === 'unsupported') throw new ActionableError(outcome.message, outcome.fix, outcome.flag ? ExitCode.Usage : ExitCode.Refused)
  if (outcome.kind === 'refused') {
    const {fix, message} = refusalText(outcome, outcome.refusals)
    throw new ActionableError(message, fix, ExitCode.Refused)
  }

  const {plan} = outcome
  if (plan.method === 'copy' && (plan.source.numBytes ?? 0) > TRANSFER_LIMIT_BYTES) {
    const size = formatBytes(plan.source.numBytes ?? 0)
    const warning = `${plan.source.addon?.name ?? 'The source'} holds ${size}: Heroku documents pg:copy and transfers for databases under 10 GB; a copy this size may take hours or fail, and a Heroku Postgres fork is the supported way (--data fork, when the source is not Essential).`
    warn(warning)
    inputs.warnings.push(warning)
  }

  const backup = await loadLatestBackup(client, plan)
  if (backup.warning) warn(backup.warning)
  hooks.planned?.(plan, backup.latest)
  // With --rules, the PII guard reads the source's schema (read only) before any data moves.
  const guard = rules || request.dryRun ? await guardSource(plan, rules?.rules, request.allowPii ?? []) : undefined
  if (request.dryRun) return dryRun(plan, inputs.sourceApp.app.name, sanitize?.sql, guard)
  if (guard?.schemaError) warn(`The PII guard could not read ${inputs.sourceApp.app.name}'s schema before the copy (${guard.schemaError}); it checks the copy instead, and a copy it stops is removed from staging.`)
  if (guard && guard.unhandled.length > 0 && rules) {
    const {fix, message} = unhandledText(guard.unhandled, rules.rules, plan.staging.name, rerunCommand(request))
    throw new ActionableError(`${message} Nothing was copied and ${plan.staging.name} was not changed.`, fix, ExitCode.Refused)
  }

  await hooks.confirm(plan)
  // The rules' pseudonyms are keyed; the key goes only into the sanitizing transaction.
  const pseudonymKey = rules ? (await loadPseudonymKey(request.configDir)).key : undefined

  const rerun = rerunCommand(request)
  const execute = async (signal?: AbortSignal) => executeRefresh(client, plan, {
    // blue-green: the old database is destroyed only once staging, reloaded, passes the audit
    audit: async () => (await verifyRefresh(client, inputs)).findings,
    onEvent: hooks.onEvent,
    production: inputs.production,
    pseudonymKey,
    rerun,
    signal,
  })
  const execution = hooks.interruptible ? await hooks.interruptible(execute) : await execute()
  const verification = await verifyRefresh(client, inputs)
  const formation = formationWarning(plan.staging.name, verification.formation)
  if (formation) warn(formation)

  return {
    app: plan.staging.name,
    backups: execution.backups,
    durationMs: Date.now() - started,
    findings: verification.findings,
    formation: {paused: execution.formation.paused, restored: execution.formation.restored, verified: verification.formation.same},
    from: inputs.sourceApp.app.name,
    latestProductionBackup: backup.latest ? {ageSeconds: backup.latest.ageSeconds, finishedAt: backup.latest.finishedAt, name: backup.latest.name} : null,
    fork: execution.fork ?? null,
    maintenance: {after: verification.maintenance, before: plan.maintenanceWasOn, durationMs: execution.maintenance.durationMs},
    method: plan.method,
    sanitize: execution.sanitize ?? null,
    source: plan.source,
    target: plan.target,
    transfer: execution.transfer,
    warnings: [...inputs.warnings, ...(backup.warning ? [backup.warning] : [])],
  }
}

/** The source's database URL: the transfer's source, or the blue-green fork's. */
function sourceUrl(plan: RefreshPlan): string | undefined {
  return plan.steps.map(step => (step.kind === 'transfer' ? step.fromUrl : step.kind === 'fork' ? step.sourceUrl : undefined)).find(Boolean)
}

/**
 * The PII guard on the source's schema, read in a READ ONLY transaction: the likely-PII columns (every
 * column with `strict: true`) no rule handles and --allow-pii does not accept.
 */
async function guardSource(plan: RefreshPlan, rules: Rules | undefined, allow: string[]): Promise<{schemaError: null | string; unhandled: PiiColumn[]}> {
  const source = sourceUrl(plan)
  if (!source) return {schemaError: 'no source database URL', unhandled: []}
  try {
    return {schemaError: null, unhandled: unhandledPii(await readColumns(source), rules, allow)}
  } catch (error) {
    return {schemaError: (error as Error).message, unhandled: []}
  }
}

/** The refusal of unhandled columns: the one line, the columns, and the rules to add. */
function unhandledText(columns: PiiColumn[], rules: Rules, app: string, rerun: string): {fix: string; message: string} {
  const strict = rules.strict ? ' (strict: true: every column needs a rule or keep)' : ''
  return {
    fix: `Add rules to ${rules.file} under tables: (or accept a column on purpose with --allow-pii TABLE.COLUMN), then run ${rerun} again:\n${suggestedRules(columns)}`,
    message: `Refusing to refresh ${app}: ${columns.length} column${columns.length === 1 ? '' : 's'} of the source ${columns.length === 1 ? 'has' : 'have'} no rule in ${rules.file}${strict}: ${columns.map(c => `${c.table}.${c.column} (${c.reason})`).join(', ')}.`,
  }
}

/** `--dry-run`: the plan, the SQL and the source's unhandled columns, from the guard's read. */
function dryRun(plan: RefreshPlan, from: string, sql: string | undefined, guard: undefined | {schemaError: null | string; unhandled: PiiColumn[]}): RefreshDryRun {
  return {app: plan.staging.name, dryRun: true, from, schemaError: guard?.schemaError ?? null, source: plan.source, sql: sql ?? null, target: plan.target, unhandledPii: guard?.unhandled ?? []}
}

/** The refresh's result → its exit code: 1 while the audit after it has a critical finding; 4 when a dry run with --rules leaves PII unhandled. */
export function refreshExitCode(result: RefreshDryRun | RefreshResult, withRules: boolean): ExitCodeValue {
  if ('dryRun' in result) return withRules && result.unhandledPii.length > 0 ? ExitCode.Refused : ExitCode.Ok
  return result.findings.some(finding => finding.severity === 'critical') ? ExitCode.Critical : ExitCode.Ok
}
