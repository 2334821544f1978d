/**
 * Runs a refresh plan through the client layer. Returns data, reports progress through a
 * callback, prints nothing. The only request that may touch production is the `backup-source`
 * step's backup capture; every other mutating request names the staging app or its add-on, and
 * passes the production guard (`GuardedClient`) at run time, whatever the plan says.
 *
 * Each plan step becomes a runner step object (`RefreshRun.step`): its label, its apply and, for a
 * step that takes staging out of service, its undo. The wording of a stop is in render.ts.
 */
import type {AuditFinding} from '../audit/types.js'
import {captureAndWait, guardedApi, maskedConfig, ProductionReach, provisionPostgres, type TransferSummary, waitForTransfer} from '../execute/blocks.js'
import type {ExitCodeValue} from '../exit-codes.js'
import {type FailedStepRun, runSteps, type Step, type StepContext, type StepEvent, StepsFailedError} from '../execute/steps.js'
import {apiOf, type HerokuApi} from '../heroku/api.js'
import type {HerokuClient} from '../heroku/client.js'
import {type AddOnAttachment, transferName} from '../heroku/types.js'
import {type PollOptions, waitTransfer, waitTransferFinished} from '../heroku/wait.js'
import {currentSecrets} from '../secrets/index.js'
import type {AppSnapshot} from '../snapshot/types.js'
import {AuditCritical, ForkLeftOver, type StagingState, UnhandledPii} from './errors.js'
import {type ProcessQuantity, REFRESH_FORK_ATTACHMENT, type RefreshPlan, type RefreshStep, type StepKind} from './plan.js'
import {promoteStep, stepLabel, stopTexts} from './render.js'
import {unhandledPii} from './rules.js'
import {runSanitize} from './sanitize.js'
import {readColumns} from './schema.js'

export type {TransferSummary} from '../execute/blocks.js'
export type {StagingState} from './errors.js'
export {describeState, undoCommands} from './render.js'

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

type Of<K extends StepKind> = Extract<RefreshStep, {kind: K}>
type Result = Omit<ExecutionResult, 'durationMs' | 'transfer'> & {transfer?: TransferSummary}

/** One run of a plan: the guarded and plain resource layers, where staging stands, and what the result says. */
class RefreshRun {
  readonly state: StagingState
  readonly result: Result = {backups: {}, formation: {paused: [], restored: false}, maintenance: {durationMs: 0, turnedOff: false, turnedOn: false}}
  private readonly writes: HerokuApi
  private readonly reads: HerokuApi
  private readonly reach: ProductionReach
  private readonly poll: PollOptions
  /** Not aborted by Ctrl-C: the clean-up after a stop must finish. */
  private readonly settle: PollOptions
  /** the last step that sanitises the copy: once it is done, staging's data is safe to keep */
  readonly lastSanitizing: StepKind | undefined
  private maintenanceSince: number | undefined

  constructor(client: HerokuClient, private readonly plan: RefreshPlan, private readonly options: ExecuteOptions) {
    this.writes = guardedApi(client, options.production, {command: 'staging:refresh', refuseAttachedInBody: true})
    this.reads = apiOf(client)
    this.reach = new ProductionReach(options.production)
    this.poll = {initialMs: 250, maxMs: 3000, ...options.poll, signal: options.signal}
    this.settle = {initialMs: 250, maxMs: 3000, ...options.poll}
    this.state = {app: plan.staging.name, copyStarted: false, maintenanceOn: plan.maintenanceWasOn, paused: [], sanitized: false}
    this.lastSanitizing = plan.steps.filter(step => step.kind === 'pii-check' || step.kind === 'sanitize').at(-1)?.kind
  }

  private get app(): string {
    return this.plan.staging.name
  }

  /** The runner's step for one plan step: its id is its kind, its label what the user reads. */
  step(step: RefreshStep): Step {
    const base = {id: step.kind, label: stepLabel(step)}
    switch (step.kind) {
      case 'backup-source':
      case 'backup-target': {
        return {...base, apply: async context => this.backup(step, context)}
      }

      case 'maintenance-on': {
        // Undone by turning it off again, unless the plan's own maintenance-off step already did.
        return {...base, apply: async () => this.maintenanceOn(step), undo: async () => this.maintenanceOff({app: this.app, kind: 'maintenance-off'}), undoneBy: 'maintenance-off'}
      }

      case 'maintenance-off': {
        return {...base, apply: async () => this.maintenanceOff(step)}
      }

      case 'scale-down': {
        return {...base, apply: async () => this.scaleDown(step), undo: async () => this.scaleRestore({app: this.app, kind: 'scale-restore', processes: this.state.paused}), undoneBy: 'scale-restore'}
      }

      case 'scale-restore': {
        return {...base, apply: async () => this.scaleRestore(step)}
      }

      case 'pii-check': {
        return {...base, apply: async () => this.piiCheck(step)}
      }

      case 'sanitize': {
        return {...base, apply: async () => this.sanitize(step)}
      }

      case 'transfer': {
        return {...base, apply: async context => this.transfer(step, context)}
      }

      case 'fork': {
        return {...base, apply: async context => this.fork(step, context)}
      }

      case 'promote': {
        return {...base, apply: async () => this.promote(step)}
      }

      case 'audit': {
        return {...base, apply: async () => this.audit()}
      }

      case 'destroy-old': {
        return {...base, apply: async () => this.destroyOld(step)}
      }
    }
  }

  // ---- the steps ---------------------------------------------------------------------------------

  // Ctrl-C: the transfer goes on at Heroku, only the watching stopped.
  private readonly onAbort = (running: StagingState['running']): void => {
    this.state.running = running
  }

  private async backup(step: Of<'backup-source' | 'backup-target'>, context: StepContext): Promise<void> {
    // --backup-source's capture is the one write to production any command makes, asked for by name.
    const api = step.kind === 'backup-source' ? this.reads : this.writes
    const summary = await captureAndWait(api, step, context, {onAbort: this.onAbort, poll: this.poll})
    if (step.kind === 'backup-source') {
      this.result.backups.source = summary
    } else {
      this.result.backups.target = summary
      this.state.targetBackup = summary
    }
  }

  private async maintenanceOn(step: Of<'maintenance-on'>): Promise<void> {
    this.maintenanceSince = Date.now()
    await this.writes.updateApp(step.app, {maintenance: true})
    this.state.maintenanceOn = true
    this.result.maintenance.turnedOn = true
  }

  private async maintenanceOff(step: Of<'maintenance-off'>): Promise<void> {
    await this.writes.updateApp(step.app, {maintenance: false})
    this.state.maintenanceOn = false
    this.result.maintenance.turnedOff = true
    if (this.maintenanceSince !== undefined) this.result.maintenance.durationMs = Date.now() - this.maintenanceSince
  }

  private async scaleDown(step: Of<'scale-down'>): Promise<void> {
    await this.writes.updateFormation(step.app, step.processes.map(p => ({quantity: 0, type: p.type})))
    this.state.paused = step.processes
    this.result.formation = {paused: step.processes, restored: false}
  }

  private async scaleRestore(step: Of<'scale-restore'>): Promise<void> {
    await this.writes.updateFormation(step.app, step.processes.map(p => ({quantity: p.quantity, size: p.size, type: p.type})))
    this.state.paused = []
    this.result.formation = {paused: step.processes, restored: true}
  }

  /** The blue-green fork's URL for the PII check and the sanitize SQL; the copy's own otherwise. */
  private databaseUrl(step: {newDatabase?: boolean; url: string}): string {
    if (!step.newDatabase) return step.url
    if (!this.state.fork?.url) throw new Error('The new database is not ready: no URL to sanitize.')
    return this.state.fork.url
  }

  private async piiCheck(step: Of<'pii-check'>): Promise<void> {
    const columns = await (this.options.readSchema ?? readColumns)(this.databaseUrl(step))
    const unhandled = unhandledPii(columns, step.rules, step.allow)
    if (unhandled.length > 0) throw new UnhandledPii(unhandled, step.rules.file)
    if (this.lastSanitizing === 'pii-check') this.state.sanitized = true
  }

  private async sanitize(step: Of<'sanitize'>): Promise<void> {
    const runSql = this.options.runSql ?? runSanitize
    // A direct connection bypasses the API guard: check the database's identity itself.
    const url = this.databaseUrl(step)
    const reached = this.reach.of(url)
    if (reached) throw new Error(`Refused to run the sanitize SQL: its database is one of ${reached.app.app.name}'s (production). staging:refresh never writes production.`)
    const begun = Date.now()
    await runSql(url, step.sql, this.options.pseudonymKey)
    this.result.sanitize = {durationMs: Date.now() - begun, file: step.file}
    this.state.sanitized = true
  }

  private async transfer(step: Of<'transfer'>, context: StepContext): Promise<void> {
    const transfer = await this.writes.createTransfer(step.targetAddonId, {from_name: step.fromName, from_url: step.fromUrl, to_name: step.toName, to_url: step.toUrl})
    this.state.copyStarted = true
    this.result.transfer = await waitForTransfer(this.reads, step.billingApp, transfer, context, {onAbort: this.onAbort, poll: this.poll, totalBytes: step.totalBytes})
  }

  private async attachments(): Promise<AddOnAttachment[]> {
    return this.writes.attachments(this.app)
  }

  /** Creates the fork (config.fork: a read of production) on staging, then waits as pg:wait does. */
  private async fork(step: Of<'fork'>, context: StepContext): Promise<void> {
    // Both names this run attaches must be free before the slow fork: the fork's, and the old database's after the promote.
    const promote = promoteStep(this.plan)
    const names = [step.attachment, ...(promote?.keepOldAs ? [promote.keepOldAs] : [])]
    const taken = (await this.attachments()).find(a => a.name !== undefined && names.includes(a.name))
    if (taken) throw new ForkLeftOver(taken.addon.name ?? taken.addon.id ?? '?', this.app, taken.name ?? step.attachment)
    const began = Date.now()
    // The fork is not ready yet: the add-on's state, then the Data API's wait status (pg:wait's `message`).
    const created = await provisionPostgres(this.writes, step.app, {attachment: {name: step.attachment}, config: {fork: step.sourceAddonId}, plan: {name: step.plan}}, {
      created: addon => {
        this.state.fork = {addonId: addon.id, addonName: addon.name, promoted: false}
      },
      poll: {...this.poll, quick: {forMs: 30_000, maxMs: 1000}},
      progress: message => context.progress(message),
    })
    const {fork} = this.state
    if (!fork) throw new Error('The fork was not recorded.')
    const config = await maskedConfig(this.writes, step.app)
    const url = config[`${step.attachment}_URL`]
    if (!url) throw new Error(`${created.name} is ready but ${step.app} has no ${step.attachment}_URL.`)
    const reached = this.reach.of(url)
    if (reached) throw new Error(`The new database reaches one of ${reached.app.app.name}'s databases (production): stopping before anything is written to it.`)
    fork.url = url
    this.result.fork = {addon: created.name, addonId: created.id, oldAddon: promote?.oldAddonName ?? '?', oldDestroyed: false, plan: step.plan, promoted: false, waitMs: Date.now() - began}
  }

  /** pg:promote: the old database keeps a name of its own, the fork takes the target's, its temporary name goes. */
  private async promote(step: Of<'promote'>): Promise<void> {
    const {fork} = this.state
    if (!fork) throw new Error('No fork to promote.')
    const before = await this.attachments()
    if (step.keepOldAs && !before.some(a => a.name === step.keepOldAs && a.addon.id === step.oldAddonId)) {
      await this.writes.createAttachment({addon: {id: step.oldAddonId}, app: {id: step.appId}, name: step.keepOldAs})
    }

    await this.writes.createAttachment({addon: {id: fork.addonId}, app: {id: step.appId}, confirm: step.app, name: step.attachment})
    fork.promoted = true
    if (this.result.fork) this.result.fork.promoted = true
    const temporary = (await this.attachments()).find(a => a.name === REFRESH_FORK_ATTACHMENT && a.addon.id === fork.addonId)
    if (temporary) await this.writes.deleteAttachment(temporary.id)
  }

  private async audit(): Promise<void> {
    const findings = this.options.audit ? await this.options.audit() : []
    const critical = findings.filter(finding => finding.severity === 'critical')
    if (critical.length > 0) throw new AuditCritical(critical)
  }

  private async destroyOld(step: Of<'destroy-old'>): Promise<void> {
    await this.writes.deleteAddon(step.app, step.addonId)
    if (this.result.fork) this.result.fork.oldDestroyed = true
  }

  // ---- after a stop ------------------------------------------------------------------------------

  /** Blue-green: a fork that was never promoted holds production's data as it is: it is destroyed. */
  async destroyUnpromotedFork(): Promise<void> {
    const {fork} = this.state
    if (!fork || fork.promoted) return
    try {
      await this.writes.deleteAddon(this.app, fork.addonId)
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
  async purgeCopy(): Promise<void> {
    const transfer = this.plan.steps.find((s): s is Of<'transfer'> => s.kind === 'transfer')
    if (!transfer) return
    const {state} = this
    try {
      if (state.running) {
        await this.writes.cancelTransfer(state.running.app, state.running.uuid).catch(() => {})
        await waitTransferFinished(this.reads, state.running.app, {uuid: state.running.uuid}, state.running.name, this.settle)
        state.running = undefined
      }

      const backup = state.targetBackup
      if (backup) {
        const info = await this.reads.transfer(backup.app, backup.uuid)
        if (!info.to_url) throw new Error(`backup ${backup.name} has no URL to restore from`)
        currentSecrets().register(info.to_url)
        const restore = await this.writes.restoreBackup(transfer.targetAddonId, info.to_url)
        await waitTransfer(this.reads, backup.app, restore, transferName(restore), this.settle)
        state.purge = {backup: backup.name, kind: 'restored'}
        // Staging holds its own data again: back in service as it was.
        if (state.paused.length > 0) await this.scaleRestore({app: this.app, kind: 'scale-restore', processes: state.paused})
        if (state.maintenanceOn && !this.plan.maintenanceWasOn) await this.maintenanceOff({app: this.app, kind: 'maintenance-off'})
      } else {
        await this.writes.resetDatabase(transfer.targetAddonId)
        state.purge = {kind: 'reset'}
      }
    } catch (error) {
      state.purge = {error: (error as Error).message, kind: 'failed', ...(state.targetBackup ? {backup: state.targetBackup.name} : {})}
    }
  }
}

/** Runs the plan's steps in order; see the module comment for what it may touch. */
export async function executeRefresh(client: HerokuClient, plan: RefreshPlan, options: ExecuteOptions): Promise<ExecutionResult> {
  const started = Date.now()
  const run = new RefreshRun(client, plan, options)
  const {result, state} = run
  const ran = await runSteps(plan.steps.map(step => run.step(step)), {
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
    if (plan.method === 'fork') await run.destroyUnpromotedFork()
    else if (run.lastSanitizing && state.copyStarted && !state.sanitized) await run.purgeCopy()
    const rerun = options.rerun ?? `heroku staging:refresh -a ${plan.staging.name}`
    throw new RefreshStepError({...ran, failure: ran.failure}, rerun, failed.kind, state, stopTexts(plan, state, failed, ran.failure, ran.undoFailed, rerun))
  }

  if (!result.transfer && plan.method === 'copy') throw new Error('The refresh plan has no transfer step.')
  return {...result, durationMs: Date.now() - started, transfer: result.transfer ?? null}
}
