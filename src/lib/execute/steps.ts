import {ActionableError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {WaitAbortedError} from '../heroku/wait.js'

/**
 * The one step runner of the executors (fork, fix, refresh). A step reads Heroku's state and does
 * only what is missing, so running the same command again continues where the last run stopped.
 * Steps run in dependency order, at most `concurrency` at once (1: one after another, in list
 * order). After a failure, or once the signal is aborted, running steps finish and no new one
 * starts; then the undo of every step this run changed runs, in reverse order. The runner prints
 * nothing: one event type reports what happens, and the reports say what each step came to.
 */

export type StepStatus = 'already-done' | 'done' | 'failed' | 'not-run' | 'skipped' | 'undone'

/** How a step that ran to its end came out: it changed something, found it in place, or had nothing to do. */
export interface StepOutcome {
  /** a short note: what was found or done, never a value */
  detail?: string
  status: 'already-done' | 'done' | 'skipped'
}

export interface StepReport {
  detail?: string
  id: string
  label: string
  ms?: number
  status: StepStatus
}

/** A step of a flow that declares no undo (fork, fix): its status is never `undone`. */
export type ForwardStepStatus = Exclude<StepStatus, 'undone'>

/** The report of a step of a flow that declares no undo. */
export interface ForwardStepReport {
  detail?: string
  id: string
  label: string
  ms?: number
  status: ForwardStepStatus
}

export type StepBytes = {done: number; total?: number}

/** The one event every executor emits; flow-specific news goes in `progress`. */
export type StepEvent =
  | {detail?: string; kind: 'end'; label: string; ms?: number; status: StepStatus; step: string}
  | {bytes?: StepBytes; kind: 'progress'; label: string; message: string; step: string}
  | {kind: 'start'; label: string; step: string}

export interface StepContext {
  progress: (message: string, bytes?: StepBytes) => void
  signal?: AbortSignal
}

export interface Step {
  id: string
  label: string
  /** steps that must be finished (done, already done or skipped) before this one starts */
  deps?: readonly string[]
  /** reads Heroku's state: an outcome means there is nothing to apply (already done, or nothing to do) */
  check?: (context: StepContext) => Promise<StepOutcome | undefined>
  /**
   * makes the change (done when it returns nothing). A step whose read and write interleave (a
   * retried write that Heroku's state settles) may still answer already-done from here.
   */
  apply: (context: StepContext) => Promise<StepOutcome | void>
  /** after the change, or after finding it already done: a throw fails the step */
  verify?: (context: StepContext) => Promise<void>
  /** puts back what `apply` changed, when the run fails or is interrupted (see RunOptions.undoWhen) */
  undo?: () => Promise<void>
  /** a later step that puts back what this one changed: once it is done, there is nothing to undo */
  undoneBy?: string
}

export interface RunOptions {
  /** at most this many steps at once (default: every step whose deps are met); 1 runs them one after another */
  concurrency?: number
  onEvent?: (event: StepEvent) => void
  /** Ctrl-C: no step starts once it is aborted (the steps' waits stop through it too) */
  signal?: AbortSignal
  /** whether the undo of the changed steps runs after this failure (default: always) */
  undoWhen?: (failure: StepFailure) => boolean
}

export interface StepFailure {
  error: unknown
  /** stopped by the signal: before the step started, or in one of its waits */
  interrupted: boolean
  /** the report of the step that failed (or was about to start when the signal stopped the run) */
  step: StepReport
}

export interface StepRun {
  failure?: StepFailure
  /** one per step, in the steps' order */
  reports: StepReport[]
  /** steps whose undo failed: what they changed is still in place */
  undoFailed: StepReport[]
}

export type FailedStepRun = StepRun & {failure: StepFailure}

/** Why a step stopped, in one word or its error's message: `Interrupted`, or what failed. */
export function stopReason(interrupted: boolean, error: unknown): string {
  return interrupted ? 'Interrupted' : messageOf(error)
}

/** The run's signal was aborted before this step started. */
export class StepInterruptedError extends Error {
  constructor() {
    super('Interrupted')
    this.name = 'StepInterruptedError'
  }
}

const FINISHED: readonly StepStatus[] = ['already-done', 'done', 'skipped']

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

async function attempt(step: Step, context: StepContext): Promise<StepOutcome> {
  const outcome = (await step.check?.(context)) ?? (await step.apply(context)) ?? {status: 'done'}
  if (step.verify && outcome.status !== 'skipped') await step.verify(context)
  return outcome
}

/** Runs the steps (see the module comment). Never rejects for a step's failure: `failure` says what stopped it. */
export async function runSteps(steps: readonly Step[], options: RunOptions = {}): Promise<StepRun> {
  const ids = new Set(steps.map(step => step.id))
  if (ids.size !== steps.length) throw new Error('Two steps share an id.')
  for (const step of steps) {
    const unknown = (step.deps ?? []).filter(dep => !ids.has(dep))
    if (unknown.length > 0) throw new Error(`Step ${step.id} depends on unknown steps: ${unknown.join(', ')}.`)
  }

  const emit = options.onEvent ?? (() => {})
  const limit = options.concurrency ?? Number.POSITIVE_INFINITY
  const reports = new Map<string, StepReport>(steps.map(step => [step.id, {id: step.id, label: step.label, status: 'not-run'}]))
  const report = (id: string) => reports.get(id) as StepReport
  const finished = (id: string) => FINISHED.includes(report(id).status)
  const pending = [...steps]
  const running = new Map<string, Promise<void>>()
  /** the steps that changed something, in the order they finished */
  const changed: Step[] = []
  let failure: StepFailure | undefined
  const interrupted = (error: unknown) => error instanceof StepInterruptedError || (error instanceof WaitAbortedError && options.signal?.aborted === true)

  const start = (step: Step) => {
    const current = report(step.id)
    const context: StepContext = {
      progress: (message, bytes) => emit({bytes, kind: 'progress', label: step.label, message, step: step.id}),
      signal: options.signal,
    }
    emit({kind: 'start', label: step.label, step: step.id})
    const began = Date.now()
    running.set(step.id, attempt(step, context).then(outcome => {
      Object.assign(current, {detail: outcome.detail, ms: Date.now() - began, status: outcome.status})
      if (outcome.status === 'done') changed.push(step)
    }, error => {
      failure ??= {error, interrupted: interrupted(error), step: current}
      Object.assign(current, {detail: interrupted(error) ? 'interrupted' : messageOf(error), ms: Date.now() - began, status: 'failed'})
    }).finally(() => {
      running.delete(step.id)
      emit({detail: current.detail, kind: 'end', label: step.label, ms: current.ms, status: current.status, step: step.id})
    }))
  }

  for (;;) {
    if (failure === undefined) {
      for (const step of pending.filter(s => (s.deps ?? []).every(dep => finished(dep)))) {
        if (running.size >= limit) break
        if (options.signal?.aborted) {
          const current = report(step.id)
          Object.assign(current, {detail: 'interrupted', status: 'failed'})
          failure = {error: new StepInterruptedError(), interrupted: true, step: current}
          emit({detail: current.detail, kind: 'end', label: step.label, status: current.status, step: step.id})
          break
        }

        pending.splice(pending.indexOf(step), 1)
        start(step)
      }
    }

    if (running.size === 0) break
    // eslint-disable-next-line no-await-in-loop -- the scheduler waits for any running step to settle
    await Promise.race(running.values())
  }

  if (failure === undefined && pending.length > 0) throw new Error(`Steps that never became ready (a dependency cycle): ${pending.map(s => s.id).join(', ')}.`)
  const undoFailed: StepReport[] = []
  if (failure && (options.undoWhen?.(failure) ?? true)) {
    for (const step of changed.reverse()) {
      if (!step.undo || (step.undoneBy !== undefined && finished(step.undoneBy))) continue
      const current = report(step.id)
      try {
        // eslint-disable-next-line no-await-in-loop -- undone one by one, last change first
        await step.undo()
        current.status = 'undone'
        emit({detail: current.detail, kind: 'end', label: step.label, status: 'undone', step: step.id})
      } catch (error) {
        undoFailed.push(current)
        emit({kind: 'progress', label: step.label, message: `could not be undone: ${messageOf(error)}`, step: step.id})
      }
    }
  }

  return {failure, reports: steps.map(step => report(step.id)), undoFailed}
}

/** The reports of steps that declare no undo: none can be `undone`. */
export function forwardReports(run: StepRun): ForwardStepReport[] {
  return run.reports.map(report => {
    if (report.status === 'undone') throw new Error(`Step ${report.id} was undone, and its flow declares no undo.`)
    return {...report, status: report.status}
  })
}

/**
 * A step failed or the run was interrupted: the steps done (or found done) and those not run, and
 * the exact command that resumes. Each flow words its own message, fix and exit code, or keeps these.
 */
export class StepsFailedError extends ActionableError {
  override readonly cause: unknown
  /** done by this run or found in place */
  readonly done: StepReport[]
  readonly failed: StepReport
  readonly interrupted: boolean
  readonly notRun: StepReport[]
  readonly reports: StepReport[]
  readonly undoFailed: StepReport[]

  constructor(run: FailedStepRun, readonly resume: string, texts: {exit?: ExitCodeValue; fix?: string; message?: string} = {}) {
    const {failure} = run
    const done = run.reports.filter(r => r.status === 'done' || r.status === 'already-done')
    const notRun = run.reports.filter(r => r.status === 'not-run')
    const list = (items: StepReport[]) => (items.length > 0 ? items.map(r => r.label).join('; ') : 'nothing')
    super(
      texts.message ?? `${stopReason(failure.interrupted, failure.error)} (during: ${failure.step.label}). Done: ${list(done)}. Not run: ${list(notRun)}.`,
      texts.fix ?? `Run ${resume} again: the steps already done are skipped.`,
      texts.exit ?? ExitCode.Failed,
    )
    this.name = 'StepsFailedError'
    this.cause = failure.error
    this.done = done
    this.failed = failure.step
    this.interrupted = failure.interrupted
    this.notRun = notRun
    this.reports = run.reports
    this.undoFailed = run.undoFailed
  }
}
