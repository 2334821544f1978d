import type {HerokuClient} from '../heroku/client.js'
import type {AppSnapshot} from '../snapshot/types.js'
import {guardedApi} from '../execute/blocks.js'
import {type FailedStepRun, type ForwardStepReport, forwardReports, runSteps, type Step, type StepOutcome, StepsFailedError} from '../execute/steps.js'
import {ensureAddon, ensureShare, verifyDatabaseUrl} from './steps/addons.js'
import {ensureApp, ensureBuildpacks, ensureConfig, ensureMarker} from './steps/app.js'
import {type ExecuteOptions, ForkRefusedError, ForkRun, itemKey} from './steps/context.js'
import {ensureData} from './steps/data.js'
import {ensureHeld, ensurePipeline, ensureRelease, ensureScaled} from './steps/release.js'
import {FORK_MARKER, FORK_STAGE} from './types.js'

/**
 * The fork's executor: idempotent steps run through the guarded client. Each step first reads
 * Heroku's state and does only what is missing, so a re-run after any interruption continues where
 * the last one stopped. Steps that do not depend on each other run at the same time: buildpacks,
 * config, pipeline and every add-on's provisioning overlap. Production's code is released only in
 * the second phase, `releaseFork`, once the fork's audit has passed: a first release starts web=1,
 * so no dyno of the fork runs before its audit passes.
 *
 * This module is the executor's entry point and its step graph; the steps are in steps/, one file
 * per family (app and settings, add-ons, data, release and formation), over the run's shared context.
 */

export {type ExecuteOptions, FORK_POLL, forkProductionReach, ForkRefusedError} from './steps/context.js'

export interface ExecuteResult {
  app?: {id: string; name: string; webUrl?: string}
  /** true when this run created the app */
  created: boolean
  steps: ForwardStepReport[]
}

/** A step failed: the reports say what was done, and the same command resumes. */
export class ForkFailedError extends StepsFailedError {
  constructor(run: FailedStepRun, resume: string, readonly result: ExecuteResult) {
    const cause = run.failure.error
    super(run, resume, {
      fix: `Re-run the same command to continue where it stopped: ${resume}`,
      message: cause instanceof Error ? cause.message : String(cause),
    })
    this.name = 'ForkFailedError'
  }
}

/** The command a failure names to continue the fork. */
function resumeOf(options: ExecuteOptions): string {
  return options.resume ?? `heroku staging:fork --from ${options.plan.source.name} --to ${options.plan.target.name}`
}

/** The fork's steps, from its plan: what each waits for, so that independent ones overlap. */
function forkSteps(fork: ForkRun): Step[] {
  const {plan} = fork
  const steps: Step[] = [
    {apply: async () => ensureApp(fork), deps: [], id: 'app', label: `Create ${plan.target.name}`},
    {apply: async () => ensureMarker(fork), deps: ['app'], id: 'marker', label: `Mark ${plan.target.name} as a fork of ${plan.source.name}`},
    {apply: async () => ensureBuildpacks(fork), deps: ['marker'], id: 'buildpacks', label: 'Buildpacks'},
    {apply: async () => ensureConfig(fork), deps: ['marker'], id: 'config', label: 'Config vars'},
  ]
  for (const item of plan.addons) {
    const key = itemKey(item)
    if (item.action === 'provision') {
      const id = `addon:${key}`
      const label = item.data?.method === 'fork' ? `Fork ${item.source.name} into ${item.plan} as ${key}` : `Provision ${item.plan} as ${key}`
      // The fork's DATABASE_URL is checked once its database is in place, whoever made it.
      const verify = item.attachments[0] === 'DATABASE' ? async () => verifyDatabaseUrl(fork, key) : undefined
      steps.push({apply: async context => ensureAddon(fork, item, context), deps: ['marker'], id, label, verify})
      if (item.copyData) {
        const dataId = `data:${key}`
        steps.push({apply: async context => ensureData(fork, item, context), deps: [id], id: dataId, label: `Copy ${item.source.name}'s data into ${key}`})
      }
    } else if (item.action === 'share') {
      const id = `share:${key}`
      steps.push({apply: async () => ensureShare(fork, item), deps: ['marker'], id, label: `Attach ${item.source.name} (shared, owned by ${item.source.owner})`})
    }
  }

  steps.push({apply: async () => ensurePipeline(fork), deps: ['marker'], id: 'pipeline', label: plan.pipeline ? `Couple to pipeline ${plan.pipeline.name} at stage ${FORK_STAGE}` : 'Pipeline'})
  return steps
}

/**
 * Runs the fork's plan up to its audit: the app and everything in it, but no release, so no dyno
 * runs yet. Throws ForkRefusedError or ForkFailedError; never destroys anything itself.
 */
export async function executeFork(options: ExecuteOptions): Promise<ExecuteResult> {
  const fork = new ForkRun(options)
  const run = await runSteps(forkSteps(fork), {concurrency: options.sequential ? 1 : undefined, onEvent: options.onEvent})
  const result: ExecuteResult = {app: fork.app, created: fork.created, steps: forwardReports(run)}
  if (run.failure?.error instanceof ForkRefusedError) throw run.failure.error
  if (run.failure) throw new ForkFailedError({...run, failure: run.failure}, resumeOf(options), result)
  return result
}

/** What the fork's release step does, by the audit's verdict: production's slug or OCI image, by version. */
function releaseLabel(fork: ForkRun, verified: boolean): string {
  const {release} = fork.plan
  if (!release) return 'Release'
  const what = `Release v${release.version}'s ${release.ociImageId ? 'OCI image' : 'slug'}`
  return verified ? `${what} (the audit passed)` : `${what} (not until the audit passes)`
}

/**
 * The fork's second phase, after its audit. `verified` (no critical finding): releases production's
 * slug or OCI image, then scales to the plan's formation. Otherwise nothing is released, and a fork
 * an earlier run released (its audit passed then) has every process type brought back to 0.
 * `target` is executeFork's result (the app, and whether this run created it). Idempotent: a re-run
 * after an interrupted release or scale continues it. Throws ForkFailedError.
 */
export async function releaseFork(options: ExecuteOptions, verified: boolean, target?: ExecuteResult): Promise<ForwardStepReport[]> {
  const fork = new ForkRun(options)
  // The fork app, as executeFork left it (or found again, when the caller has no result).
  const onTarget = (step: (fork: ForkRun) => Promise<StepOutcome>) => async () => {
    if (target?.app) fork.app ??= target.app
    if (!fork.app) await fork.findTarget()
    return step(fork)
  }

  const steps: Step[] = verified
    ? [
      {apply: onTarget(ensureRelease), deps: [], id: 'release', label: releaseLabel(fork, true)},
      {apply: onTarget(ensureScaled), deps: ['release'], id: 'scale', label: 'Scale to the requested formation (the audit passed)'},
    ]
    : [
      {apply: async () => ({detail: 'the audit has a critical finding', status: 'skipped'}), deps: [], id: 'release', label: releaseLabel(fork, false)},
      {apply: onTarget(ensureHeld), deps: ['release'], id: 'scale', label: 'Dynos stay at 0 (the audit has a critical finding)'},
    ]
  const run = await runSteps(steps, {concurrency: 1, onEvent: options.onEvent})
  const reports = forwardReports(run)
  if (run.failure) throw new ForkFailedError({...run, failure: run.failure}, resumeOf(options), {app: fork.app ?? target?.app, created: target?.created ?? false, steps: reports})
  return reports
}

/**
 * `--destroy-on-failure`: deletes the fork app (and with it its add-ons), through the production
 * guard. Only an app this run created, or one carrying this fork's marker, is ever destroyed.
 */
export async function destroyFork(client: HerokuClient, production: AppSnapshot, app: {id: string; name: string}, createdNow: boolean): Promise<void> {
  const api = guardedApi(client, [production])
  if (!createdNow) {
    const config = await api.configVars(app.id)
    if (config[FORK_MARKER] !== production.app.id) {
      throw new ForkRefusedError(`Not destroying ${app.name}: it does not carry this fork's marker.`, `Inspect it with heroku apps:info -a ${app.name}.`)
    }
  }

  await api.deleteApp(app.id)
}
