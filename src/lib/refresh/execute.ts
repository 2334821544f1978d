/**
 * Runs a refresh plan through the client layer. Returns data, reports progress through a
 * callback, prints nothing. The only request that may touch production is the `backup-source`
 * step's backup capture; every other mutating request names the staging app or its add-on, and
 * passes the production guard (`GuardedClient`) at run time, whatever the plan says.
 */
import {ActionableError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import type {HerokuClient} from '../heroku/client.js'
import {GuardedClient, ProductionGuard} from '../production/guarded-client.js'
import type {DataTransfer} from '../heroku/types.js'
import {type PollOptions, WaitAbortedError, waitTransfer} from '../heroku/wait.js'
import {appReaching, hostTableOf} from '../snapshot/identity.js'
import type {AppSnapshot} from '../snapshot/types.js'
import {type BackupStep, type ProcessQuantity, type RefreshPlan, type RefreshStep, type StepKind, transferName} from './plan.js'
import {type PiiColumn, suggestedRules, unhandledPii} from './rules.js'
import {runSanitize} from './sanitize.js'
import {readColumns} from './schema.js'

export type RefreshEvent =
  | {kind: 'progress'; name: string; processedBytes: number; step: 'backup-source' | 'backup-target' | 'transfer'; totalBytes?: number}
  | {kind: 'step-done'; step: StepKind}
  | {kind: 'step-start'; step: StepKind}

export interface TransferSummary {
  /** the billing app the transfer is listed under (`heroku pg:backups:info NAME -a APP`) */
  app: string
  bytes: number
  durationMs: number
  /** `b012`, `c003` */
  name: string
  uuid: string
}

export interface ExecutionResult {
  backups: {source?: TransferSummary; target?: TransferSummary}
  durationMs: number
  formation: {paused: ProcessQuantity[]; restored: boolean}
  maintenance: {turnedOff: boolean; turnedOn: boolean}
  sanitize?: {durationMs: number; file: string}
  transfer: TransferSummary
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
  running?: {app: string; name: string}
}

/** A step failed or the user interrupted; `fix` names the exact commands to finish or undo. */
export class RefreshStepError extends ActionableError {
  constructor(
    message: string,
    readonly step: StepKind,
    fix: string,
    readonly state: StagingState,
    readonly interrupted = false,
    exit: ExitCodeValue = ExitCode.Failed,
  ) {
    super(message, fix, exit)
    this.name = 'RefreshStepError'
  }
}

export interface ExecuteOptions {
  /** the production apps the plan was guarded against: no write may name them at run time either */
  production: readonly AppSnapshot[]
  /** polling of backups and transfers (default 250 ms, growing to 3 s; see `poll` in heroku/wait.ts) */
  poll?: Omit<PollOptions, 'signal'>
  onEvent?: (event: RefreshEvent) => void
  /** the command that runs this refresh again, for messages (default `heroku staging:refresh -a APP`) */
  rerun?: string
  /** read the copied schema for the PII guard (injectable for tests); default: a read-only query over `pg` */
  readSchema?: typeof readColumns
  /** run the sanitize SQL (injectable for tests); default: one transaction over `pg` */
  runSql?: (url: string, sql: string) => Promise<unknown>
  /** abort (Ctrl-C): polling stops at once, and no further step starts */
  signal?: AbortSignal
}

class Interrupted extends Error {}

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
  const writes = new GuardedClient(client, new ProductionGuard(options.production, {command: 'staging:refresh', refuseAttachedInBody: true}))
  const poll: PollOptions = {initialMs: 250, maxMs: 3000, ...options.poll, signal: options.signal}
  const emit = options.onEvent ?? (() => {})
  const app = plan.staging.name
  const state: StagingState = {app, copyStarted: false, maintenanceOn: plan.maintenanceWasOn, paused: []}
  const result: Omit<ExecutionResult, 'durationMs' | 'transfer'> & {transfer?: TransferSummary} = {
    backups: {},
    formation: {paused: [], restored: false},
    maintenance: {turnedOff: false, turnedOn: false},
  }

  const waitFor = async (billingApp: string, transfer: DataTransfer, step: 'backup-source' | 'backup-target' | 'transfer', totalBytes?: number): Promise<TransferSummary> => {
    const name = transferName(transfer)
    const begun = Date.now()
    let done: DataTransfer
    try {
      done = await waitTransfer(client, billingApp, transfer, name, {
        ...poll,
        onProgress: current => emit({kind: 'progress', name, processedBytes: current.processed_bytes ?? 0, step, totalBytes: current.source_bytes ?? totalBytes}),
      })
    } catch (error) {
      if (!(error instanceof WaitAbortedError)) throw error
      state.running = {app: billingApp, name}
      throw new Interrupted()
    }

    return {app: billingApp, bytes: done.processed_bytes ?? done.source_bytes ?? 0, durationMs: Date.now() - begun, name, uuid: done.uuid}
  }

  const backup = async (step: BackupStep): Promise<TransferSummary> => {
    // --backup-source's capture is the one write to production any command makes, asked for by name.
    const api = step.kind === 'backup-source' ? client : writes
    const transfer = await api.post<DataTransfer>(`/client/v11/databases/${encodeURIComponent(step.addonId)}/backups`, {body: {}, host: 'data'})
    return waitFor(step.billingApp, transfer, step.kind)
  }

  const run = async (step: RefreshStep): Promise<void> => {
    switch (step.kind) {
      case 'backup-source': {
        result.backups.source = await backup(step)
        break
      }

      case 'backup-target': {
        result.backups.target = await backup(step)
        state.targetBackup = result.backups.target
        break
      }

      case 'maintenance-off': {
        await writes.patch(`/apps/${encodeURIComponent(step.app)}`, {body: {maintenance: false}})
        state.maintenanceOn = false
        result.maintenance.turnedOff = true
        break
      }

      case 'maintenance-on': {
        await writes.patch(`/apps/${encodeURIComponent(step.app)}`, {body: {maintenance: true}})
        state.maintenanceOn = true
        result.maintenance.turnedOn = true
        break
      }

      case 'pii-check': {
        const columns = await (options.readSchema ?? readColumns)(step.url)
        const unhandled = unhandledPii(columns, step.rules, step.allow)
        if (unhandled.length > 0) throw new UnhandledPii(unhandled, step.rules.file)
        break
      }

      case 'sanitize': {
        const runSql = options.runSql ?? runSanitize
        // A direct connection bypasses the API guard: check the database's identity itself.
        const reached = appReaching(options.production, step.url, hostTableOf(options.production))
        if (reached) throw new Error(`Refused to run the sanitize SQL: its database is one of ${reached.app.name}'s (production). staging:refresh never writes production.`)
        const begun = Date.now()
        await runSql(step.url, step.sql)
        result.sanitize = {durationMs: Date.now() - begun, file: step.file}
        break
      }

      case 'scale-down': {
        await writes.patch(`/apps/${encodeURIComponent(step.app)}/formation`, {
          body: {updates: step.processes.map(p => ({quantity: 0, type: p.type}))},
        })
        state.paused = step.processes
        result.formation = {paused: step.processes, restored: false}
        break
      }

      case 'scale-restore': {
        await writes.patch(`/apps/${encodeURIComponent(step.app)}/formation`, {
          body: {updates: step.processes.map(p => ({quantity: p.quantity, size: p.size, type: p.type}))},
        })
        state.paused = []
        result.formation = {paused: step.processes, restored: true}
        break
      }

      case 'transfer': {
        const transfer = await writes.post<DataTransfer>(`/client/v11/databases/${encodeURIComponent(step.targetAddonId)}/transfers`, {
          body: {from_name: step.fromName, from_url: step.fromUrl, to_name: step.toName, to_url: step.toUrl},
          host: 'data',
        })
        state.copyStarted = true
        result.transfer = await waitFor(step.billingApp, transfer, 'transfer', step.totalBytes)
        break
      }
    }
  }

  for (const step of plan.steps) {
    try {
      if (options.signal?.aborted) throw new Interrupted()
      emit({kind: 'step-start', step: step.kind})
      // eslint-disable-next-line no-await-in-loop -- the steps are ordered: each needs the previous one done
      await run(step)
      emit({kind: 'step-done', step: step.kind})
    } catch (error) {
      // eslint-disable-next-line no-await-in-loop -- runs once, on the way out of the loop
      throw await stopped(writes, plan, state, step, error, options.rerun ?? `heroku staging:refresh -a ${app}`)
    }
  }

  if (!result.transfer) throw new Error('The refresh plan has no transfer step.')
  return {...result, durationMs: Date.now() - started, transfer: result.transfer}
}

/** Turns a failure or an interruption into a RefreshStepError, undoing what is safe to undo. */
async function stopped(client: GuardedClient, plan: RefreshPlan, state: StagingState, step: RefreshStep, error: unknown, rerun: string): Promise<RefreshStepError> {
  const interrupted = error instanceof Interrupted
  const reason = interrupted ? 'Interrupted' : (error as Error).message
  const target = plan.target.attachment ?? plan.target.addon?.name ?? 'DATABASE'

  // A transfer still runs on Heroku: say so, and how to follow it; leave staging quiet.
  if (state.running) {
    const {name, app} = state.running
    const what = step.kind === 'transfer' ? `The copy ${name} continues on Heroku` : `The backup ${name} continues on Heroku`
    const undo = undoCommands(state)
    return new RefreshStepError(
      `${reason}. ${what}; this command only stopped watching it. ${describeState(state)}.`,
      step.kind,
      `Follow it with heroku pg:backups:info ${name} -a ${app}${undo.length > 0 ? `; once it has finished: ${undo.join(' && ')}` : ''}.`,
      state,
      interrupted,
    )
  }

  // Nothing has been copied yet: put staging back as it was.
  if (!state.copyStarted) {
    const undoFailures: string[] = []
    if (state.paused.length > 0) {
      try {
        await client.patch(`/apps/${encodeURIComponent(state.app)}/formation`, {
          body: {updates: state.paused.map(p => ({quantity: p.quantity, size: p.size, type: p.type}))},
        })
        state.paused = []
      } catch {
        undoFailures.push('formation')
      }
    }

    const turnedOn = plan.steps.some(s => s.kind === 'maintenance-on') && state.maintenanceOn && !plan.maintenanceWasOn
    if (turnedOn) {
      try {
        await client.patch(`/apps/${encodeURIComponent(state.app)}`, {body: {maintenance: false}})
        state.maintenanceOn = false
      } catch {
        undoFailures.push('maintenance')
      }
    }

    const undo = undoCommands(state)
    const restored = undoFailures.length === 0 ? `${state.app} is back as it was` : `${describeState(state)}; run ${undo.join(' && ')}`
    let fix = `Fix the cause and run ${rerun} again.`
    if (step.kind === 'backup-target') fix = `Fix the cause and run ${rerun} again, or skip the backup with --no-backup (the target's data is then lost for good).`
    if (step.kind === 'backup-source') fix = `Fix the cause and run ${rerun} again, or drop --backup-source.`
    return new RefreshStepError(`${reason} during ${step.kind}. Nothing was copied; ${restored}.`, step.kind, fix, state, interrupted)
  }

  // The copy reached the target: keep staging out of service until a human decides.
  const undo = undoCommands(state)
  const bringBack = undo.length > 0 ? ` Then bring it back: ${undo.join(' && ')}.` : ''
  const restore = state.targetBackup
    ? ` To go back to the data before the refresh: heroku pg:backups:restore ${state.targetBackup.app}::${state.targetBackup.name} ${target} -a ${state.app} --confirm ${state.app}.`
    : ''
  if (error instanceof UnhandledPii) {
    return new RefreshStepError(
      `${reason}. Nothing was sanitized; ${state.app} holds the unsanitized copy and stays out of service: ${describeState(state)}.`,
      step.kind,
      `Add rules to ${error.file} under tables: (or accept a column on purpose with --allow-pii TABLE.COLUMN), then run ${rerun} again:\n${suggestedRules(error.columns)}`,
      state,
      interrupted,
      ExitCode.Refused,
    )
  }

  if (step.kind === 'sanitize') {
    return new RefreshStepError(
      `The sanitize file ${step.file} failed and was rolled back: ${reason}. Nothing of it was applied; ${state.app} holds the unsanitized copy and stays out of service: ${describeState(state)}.`,
      step.kind,
      `Fix ${step.file} and run ${rerun} again (it copies afresh, then sanitizes).${restore}${bringBack ? ` Only once the data is safe to serve:${bringBack.replace(/^ Then bring it back:/, '')}` : ''}`,
      state,
      interrupted,
    )
  }

  if (step.kind === 'transfer') {
    return new RefreshStepError(
      `The copy failed: ${reason}. ${target} on ${state.app} may be partly overwritten. ${describeState(state)}.`,
      step.kind,
      `Run ${rerun} again.${restore}${bringBack}`,
      state,
      interrupted,
    )
  }

  return new RefreshStepError(
    `${reason} during ${step.kind}, after the copy completed. ${describeState(state)}.`,
    step.kind,
    undo.length > 0 ? `Finish by hand: ${undo.join(' && ')}.` : `Check the app: heroku ps -a ${state.app}.`,
    state,
    interrupted,
  )
}
