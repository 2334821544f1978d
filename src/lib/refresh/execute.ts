/**
 * Runs a refresh plan through the client layer. Returns data, reports progress through a
 * callback, prints nothing. The only request that may touch production is the `backup-source`
 * step's backup capture; every other mutating request names the staging app or its add-on, and
 * passes the production guard (`GuardedClient`) at run time, whatever the plan says.
 */
import {apiOf} from '../heroku/api.js'
import {captureAndWait, guardedApi, ProductionReach, provisionPostgres, type TransferSummary, waitForTransfer} from '../execute/blocks.js'
import type {AuditFinding} from '../audit/types.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {type FailedStepRun, runSteps, type Step, type StepContext, type StepEvent, StepsFailedError, stopReason} from '../execute/steps.js'
import type {HerokuClient} from '../heroku/client.js'
import {type AddOnAttachment, transferName} from '../heroku/types.js'
import {type PollOptions, waitTransfer, waitTransferFinished} from '../heroku/wait.js'
import {currentSecrets} from '../secrets/index.js'
import type {AppSnapshot} from '../snapshot/types.js'
import {type BackupStep, type ProcessQuantity, REFRESH_FORK_ATTACHMENT, type RefreshPlan, type RefreshStep, type StepKind} from './plan.js'
import {type PiiColumn, suggestedRules, unhandledPii} from './rules.js'
import {runSanitize} from './sanitize.js'
import {readColumns} from './schema.js'

export type {TransferSummary} from '../execute/blocks.js'

/** A blue-green refresh: the fork that replaced the target, and what became of the old database. */
export interface ForkSummary {
  addon: string
  addonId: string
  plan: string
  /** from the create request until the Data API said it was available */
  waitMs: number
  oldAddon: string
  oldDestroyed: boolean
  promoted: boolean
}

export interface ExecutionResult {
  backups: {source?: TransferSummary; target?: TransferSummary}
  durationMs: number
  /** blue-green (`--data fork`) only */
  fork?: ForkSummary
  formation: {paused: ProcessQuantity[]; restored: boolean}
  /** `durationMs`: how long this run kept staging in maintenance (0 when it never turned it on) */
  maintenance: {durationMs: number; turnedOff: boolean; turnedOn: boolean}
  sanitize?: {durationMs: number; file: string}
  /** the copy (`--data copy`); null for a blue-green refresh */
  transfer: null | TransferSummary
}

/** Where staging stands when a refresh stops early. */
export interface StagingState {
  app: string
  /** a copy reached Heroku: the target may be partly or fully overwritten */
  copyStarted: boolean
  maintenanceOn: boolean
  /** processes scaled to 0 by this run, with the quantities to restore */
  paused: ProcessQuantity[]
  /** the backup of the target taken before the wipe */
  targetBackup?: TransferSummary
  /** a transfer still running on Heroku when the command stopped */
  running?: {app: string; name: string; uuid: string}
  /** blue-green: the new add-on, once created, its URL once ready, whether it is promoted, and destroyed unpromoted */
  fork?: {addonId: string; addonName: string; destroyed?: boolean; promoted: boolean; url?: string}
  /** the copy's sanitising (the PII check and the sanitize SQL) ran to its end */
  sanitized: boolean
  /**
   * copy mode, after the copy and before the end of sanitising: how the unsanitized copy was removed
   * (`restored` from the target's backup, `reset` with --no-backup), or why it could not be
   */
  purge?: {backup?: string; kind: 'failed' | 'reset' | 'restored'; error?: string}
}

/** A step failed or the user interrupted; `fix` names the exact commands to finish or undo. */
export class RefreshStepError extends StepsFailedError {
  constructor(
    run: FailedStepRun,
    rerun: string,
    readonly step: StepKind,
    readonly state: StagingState,
    texts: {exit?: ExitCodeValue; fix: string; message: string},
  ) {
    super(run, rerun, texts)
    this.name = 'RefreshStepError'
  }
}

export interface ExecuteOptions {
  /** the production apps the plan was guarded against: no write may name them at run time either */
  production: readonly AppSnapshot[]
  /** polling of backups and transfers (default 250 ms, growing to 3 s; see `poll` in heroku/wait.ts) */
  poll?: Omit<PollOptions, 'signal'>
  /** one per step start and end; progress carries a transfer's name and bytes, or the fork's wait status (pg:wait's `message`) */
  onEvent?: (event: StepEvent) => void
  /** the command that runs this refresh again, for messages (default `heroku staging:refresh -a APP`) */
  rerun?: string
  /** read the copied schema for the PII guard (injectable for tests); default: a read-only query over `pg` */
  readSchema?: typeof readColumns
  /** run the sanitize SQL (injectable for tests); default: one transaction over `pg` */
  runSql?: (url: string, sql: string, key?: Buffer) => Promise<unknown>
  /** the pseudonym key (--rules): passed into the sanitizing transaction, never stored */
  pseudonymKey?: Buffer
  /** abort (Ctrl-C): polling stops at once, and no further step starts */
  signal?: AbortSignal
  /** blue-green: audits staging over a fresh snapshot; a critical finding keeps the old database */
  audit?: () => Promise<AuditFinding[]>
}

/** A blue-green refresh found its fork's attachment taken (an earlier run's fork, not destroyed). */
class ForkLeftOver extends Error {
  constructor(readonly addonName: string, app: string, readonly attachment: string) {
    super(`${app} already has ${attachment} (${addonName}), left by an earlier staging:refresh --data fork`)
  }
}

/** Staging's audit after the promote has a critical finding: the old database is kept. */
class AuditCritical extends Error {
  constructor(findings: AuditFinding[]) {
    super(`The audit of staging after the promote has ${findings.length} critical finding${findings.length === 1 ? '' : 's'}: ${findings.map(f => f.code).join(', ')}`)
  }
}


/** The PII guard found columns no rule handles: the refresh stops before the copy is served. */
class UnhandledPii extends Error {
  constructor(readonly columns: PiiColumn[], readonly file: string) {
    super(`${columns.length} likely-PII column${columns.length === 1 ? '' : 's'} of the copy ${columns.length === 1 ? 'has' : 'have'} no rule in ${file}: ${columns.map(c => `${c.table}.${c.column} (${c.reason})`).join(', ')}`)
  }
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

/** Runs the plan's steps in order; see the module comment for what it may touch. */
export async function executeRefresh(client: HerokuClient, plan: RefreshPlan, options: ExecuteOptions): Promise<ExecutionResult> {
  const started = Date.now()
  const writes = guardedApi(client, options.production, {command: 'staging:refresh', refuseAttachedInBody: true})
  const reach = new ProductionReach(options.production)
  const reads = apiOf(client)
  const poll: PollOptions = {initialMs: 250, maxMs: 3000, ...options.poll, signal: options.signal}
  const app = plan.staging.name
  const state: StagingState = {app, copyStarted: false, maintenanceOn: plan.maintenanceWasOn, paused: [], sanitized: false}
  // The last step that sanitises the copy: once it is done, staging's data is safe to keep.
  const lastSanitizing = plan.steps.filter(step => step.kind === 'pii-check' || step.kind === 'sanitize').at(-1)?.kind
  const result: Omit<ExecutionResult, 'durationMs' | 'transfer'> & {transfer?: TransferSummary} = {
    backups: {},
    formation: {paused: [], restored: false},
    maintenance: {durationMs: 0, turnedOff: false, turnedOn: false},
  }
  let maintenanceSince: number | undefined

  // Ctrl-C: the transfer goes on at Heroku, only the watching stopped.
  const onAbort = (running: StagingState['running']) => {
    state.running = running
  }

  const backup = async (step: BackupStep, context: StepContext): Promise<TransferSummary> => {
    // --backup-source's capture is the one write to production any command makes, asked for by name.
    const api = step.kind === 'backup-source' ? reads : writes
    return captureAndWait(api, step, context, {onAbort, poll})
  }

  const run = async (step: RefreshStep, context: StepContext): Promise<void> => {
    switch (step.kind) {
      case 'backup-source': {
        result.backups.source = await backup(step, context)
        break
      }

      case 'backup-target': {
        result.backups.target = await backup(step, context)
        state.targetBackup = result.backups.target
        break
      }

      case 'maintenance-off': {
        await writes.updateApp(step.app, {maintenance: false})
        state.maintenanceOn = false
        result.maintenance.turnedOff = true
        if (maintenanceSince !== undefined) result.maintenance.durationMs = Date.now() - maintenanceSince
        break
      }

      case 'maintenance-on': {
        maintenanceSince = Date.now()
        await writes.updateApp(step.app, {maintenance: true})
        state.maintenanceOn = true
        result.maintenance.turnedOn = true
        break
      }

      case 'pii-check': {
        const columns = await (options.readSchema ?? readColumns)(databaseUrl(step))
        const unhandled = unhandledPii(columns, step.rules, step.allow)
        if (unhandled.length > 0) throw new UnhandledPii(unhandled, step.rules.file)
        if (lastSanitizing === 'pii-check') state.sanitized = true
        break
      }

      case 'sanitize': {
        const runSql = options.runSql ?? runSanitize
        // A direct connection bypasses the API guard: check the database's identity itself.
        const url = databaseUrl(step)
        const reached = reach.of(url)
        if (reached) throw new Error(`Refused to run the sanitize SQL: its database is one of ${reached.app.app.name}'s (production). staging:refresh never writes production.`)
        const begun = Date.now()
        await runSql(url, step.sql, options.pseudonymKey)
        result.sanitize = {durationMs: Date.now() - begun, file: step.file}
        state.sanitized = true
        break
      }

      case 'scale-down': {
        await writes.updateFormation(step.app, step.processes.map(p => ({quantity: 0, type: p.type})))
        state.paused = step.processes
        result.formation = {paused: step.processes, restored: false}
        break
      }

      case 'scale-restore': {
        await writes.updateFormation(step.app, step.processes.map(p => ({quantity: p.quantity, size: p.size, type: p.type})))
        state.paused = []
        result.formation = {paused: step.processes, restored: true}
        break
      }

      case 'transfer': {
        const transfer = await writes.createTransfer(step.targetAddonId, {from_name: step.fromName, from_url: step.fromUrl, to_name: step.toName, to_url: step.toUrl})
        state.copyStarted = true
        result.transfer = await waitForTransfer(reads, step.billingApp, transfer, context, {onAbort, poll, totalBytes: step.totalBytes})
        break
      }

      case 'fork': {
        await forkInto(step, context)
        break
      }

      case 'promote': {
        await promote(step)
        break
      }

      case 'audit': {
        const findings = options.audit ? await options.audit() : []
        const critical = findings.filter(finding => finding.severity === 'critical')
        if (critical.length > 0) throw new AuditCritical(critical)
        break
      }

      case 'destroy-old': {
        await writes.deleteAddon(step.app, step.addonId)
        if (result.fork) result.fork.oldDestroyed = true
        break
      }
    }
  }

  /** The blue-green fork's URL for the PII check and the sanitize SQL; the copy's own otherwise. */
  const databaseUrl = (step: {newDatabase?: boolean; url: string}): string => {
    if (!step.newDatabase) return step.url
    if (!state.fork?.url) throw new Error('The new database is not ready: no URL to sanitize.')
    return state.fork.url
  }

  const attachments = async (): Promise<AddOnAttachment[]> => writes.attachments(app)

  /** Creates the fork (config.fork: a read of production) on staging, then waits as pg:wait does. */
  const forkInto = async (step: Extract<RefreshStep, {kind: 'fork'}>, context: StepContext): Promise<void> => {
    // Both names this run attaches must be free before the slow fork: the fork's, and the old database's after the promote.
    const keepOldAs = plan.steps.find((s): s is Extract<RefreshStep, {kind: 'promote'}> => s.kind === 'promote')?.keepOldAs
    const names = [step.attachment, ...(keepOldAs ? [keepOldAs] : [])]
    const taken = (await attachments()).find(a => a.name !== undefined && names.includes(a.name))
    if (taken) throw new ForkLeftOver(taken.addon.name ?? taken.addon.id ?? '?', app, taken.name ?? step.attachment)
    const began = Date.now()
    // The fork is not ready yet: the add-on's state, then the Data API's wait status (pg:wait's `message`).
    const created = await provisionPostgres(writes, step.app, {attachment: {name: step.attachment}, config: {fork: step.sourceAddonId}, plan: {name: step.plan}}, {
      created: addon => {
        state.fork = {addonId: addon.id, addonName: addon.name, promoted: false}
      },
      poll: {...poll, quick: {forMs: 30_000, maxMs: 1000}},
      progress: message => context.progress(message),
    })
    if (!state.fork) throw new Error('The fork was not recorded.')

    const config = await writes.configVars(step.app)
    currentSecrets().registerConfig(config)
    const url = config[`${step.attachment}_URL`]
    if (!url) throw new Error(`${created.name} is ready but ${step.app} has no ${step.attachment}_URL.`)
    const reached = reach.of(url)
    if (reached) throw new Error(`The new database reaches one of ${reached.app.app.name}'s databases (production): stopping before anything is written to it.`)
    state.fork.url = url
    const old = plan.steps.find((s): s is Extract<RefreshStep, {kind: 'promote'}> => s.kind === 'promote')
    result.fork = {addon: created.name, addonId: created.id, oldAddon: old?.oldAddonName ?? '?', oldDestroyed: false, plan: step.plan, promoted: false, waitMs: Date.now() - began}
  }

  /** pg:promote: the old database keeps a name of its own, the fork takes the target's, its temporary name goes. */
  const promote = async (step: Extract<RefreshStep, {kind: 'promote'}>): Promise<void> => {
    const fork = state.fork
    if (!fork) throw new Error('No fork to promote.')
    const before = await attachments()
    if (step.keepOldAs && !before.some(a => a.name === step.keepOldAs && a.addon.id === step.oldAddonId)) {
      await writes.createAttachment({addon: {id: step.oldAddonId}, app: {id: step.appId}, name: step.keepOldAs})
    }

    await writes.createAttachment({addon: {id: fork.addonId}, app: {id: step.appId}, confirm: step.app, name: step.attachment})
    fork.promoted = true
    if (result.fork) result.fork.promoted = true
    const temporary = (await attachments()).find(a => a.name === REFRESH_FORK_ATTACHMENT && a.addon.id === fork.addonId)
    if (temporary) await writes.deleteAttachment(temporary.id)
  }

  const quiet: StepContext = {progress: () => {}}
  /** Not aborted by Ctrl-C: the clean-up after a stop must finish. */
  const settle: PollOptions = {initialMs: 250, maxMs: 3000, ...options.poll}

  /** Blue-green: a fork that was never promoted holds production's data as it is: it is destroyed. */
  const destroyUnpromotedFork = async (): Promise<void> => {
    const fork = state.fork
    if (!fork || fork.promoted) return
    try {
      await writes.deleteAddon(app, fork.addonId)
      fork.destroyed = true
    } catch {
      fork.destroyed = false
    }
  }

  /**
   * Copy mode, stopped after the copy and before the end of sanitising: the target goes back to the
   * backup taken before the copy, or is reset (emptied) when there is none (--no-backup). A copy still
   * running at Heroku (Ctrl-C) is cancelled and waited for first.
   */
  const purgeCopy = async (): Promise<void> => {
    const transfer = plan.steps.find((s): s is Extract<RefreshStep, {kind: 'transfer'}> => s.kind === 'transfer')
    if (!transfer) return
    try {
      if (state.running) {
        await writes.cancelTransfer(state.running.app, state.running.uuid).catch(() => {})
        await waitTransferFinished(reads, state.running.app, {uuid: state.running.uuid}, state.running.name, settle)
        state.running = undefined
      }

      const backup = state.targetBackup
      if (backup) {
        const info = await reads.transfer(backup.app, backup.uuid)
        if (!info.to_url) throw new Error(`backup ${backup.name} has no URL to restore from`)
        currentSecrets().register(info.to_url)
        const restore = await writes.restoreBackup(transfer.targetAddonId, info.to_url)
        await waitTransfer(reads, backup.app, restore, transferName(restore), settle)
        state.purge = {backup: backup.name, kind: 'restored'}
        // Staging holds its own data again: back in service as it was.
        if (state.paused.length > 0) await run({app, kind: 'scale-restore', processes: state.paused}, quiet)
        if (state.maintenanceOn && !plan.maintenanceWasOn) await run({app, kind: 'maintenance-off'}, quiet)
      } else {
        await writes.resetDatabase(transfer.targetAddonId)
        state.purge = {kind: 'reset'}
      }
    } catch (error) {
      state.purge = {error: (error as Error).message, kind: 'failed', ...(state.targetBackup ? {backup: state.targetBackup.name} : {})}
    }
  }

  /**
   * What staging is put back to when the run stops early: a step's undo is the step that would have
   * put it back (maintenance off, the formation as it was), run now.
   */
  const undo: Partial<Record<StepKind, Pick<Step, 'undo' | 'undoneBy'>>> = {
    'maintenance-on': {undo: async () => run({app, kind: 'maintenance-off'}, quiet), undoneBy: 'maintenance-off'},
    'scale-down': {undo: async () => run({app, kind: 'scale-restore', processes: state.paused}, quiet), undoneBy: 'scale-restore'},
  }
  const steps: Step[] = plan.steps.map(step => ({apply: async context => run(step, context), id: step.kind, label: step.kind, ...undo[step.kind]}))
  const ran = await runSteps(steps, {
    concurrency: 1,
    onEvent: options.onEvent,
    signal: options.signal,
    // A copy puts staging back only while nothing was copied and nothing still runs at Heroku; a
    // blue-green refresh always can (the old database, or the sanitized fork, serves either way).
    undoWhen: () => plan.method === 'fork' || (!state.running && !state.copyStarted),
  })
  if (ran.failure) {
    const failed = plan.steps.find(step => step.kind === ran.failure?.step.id) as RefreshStep
    // No unsanitized production data stays in staging: the unpromoted fork goes, the copy is undone.
    if (plan.method === 'fork') await destroyUnpromotedFork()
    else if (lastSanitizing && state.copyStarted && !state.sanitized) await purgeCopy()
    throw stopped(plan, state, failed, {...ran, failure: ran.failure}, options.rerun ?? `heroku staging:refresh -a ${app}`)
  }

  if (!result.transfer && plan.method === 'copy') throw new Error('The refresh plan has no transfer step.')
  return {...result, durationMs: Date.now() - started, transfer: result.transfer ?? null}
}

/** Turns a failure or an interruption into a RefreshStepError; the runner has undone what was safe to undo. */
function stopped(plan: RefreshPlan, state: StagingState, step: RefreshStep, run: FailedStepRun, rerun: string): RefreshStepError {
  const {error, interrupted} = run.failure
  const reason = stopReason(interrupted, error)
  const target = plan.target.attachment ?? plan.target.addon?.name ?? 'DATABASE'
  if (plan.method === 'fork') return blueGreenStopped(plan, state, step, run, rerun)
  const stop = (texts: {exit?: ExitCodeValue; fix: string; message: string}) => new RefreshStepError(run, rerun, step.kind, state, texts)

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
    const restored = run.undoFailed.length === 0 ? `${state.app} is back as it was` : `${describeState(state)}; run ${undo.join(' && ')}`
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
function blueGreenStopped(plan: RefreshPlan, state: StagingState, step: RefreshStep, run: FailedStepRun, rerun: string): RefreshStepError {
  const {error, interrupted} = run.failure
  const reason = stopReason(interrupted, error)
  const {app} = state
  const target = plan.target.attachment ?? 'DATABASE'
  const old = plan.target.addon?.name ?? target
  const stop = (texts: {exit?: ExitCodeValue; fix: string; message: string}) => new RefreshStepError(run, rerun, step.kind, state, texts)
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

  const kept = plan.steps.find((s): s is Extract<RefreshStep, {kind: 'promote'}> => s.kind === 'promote')?.keepOldAs
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
