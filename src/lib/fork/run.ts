import {ActionableError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import type {HerokuClient} from '../heroku/client.js'
import {ProductionMutationError} from '../production/guarded-client.js'
import {ProductionRegistry, VIA_TEXT} from '../production/registry.js'
import {loadProtected} from '../protect/policy.js'
import {loadApp} from '../snapshot/load.js'
import type {StepEvent} from '../execute/steps.js'
import {destroyFork, executeFork, ForkFailedError, ForkRefusedError, releaseFork} from './execute.js'
import {FileLedger} from './ledger.js'
import {loadCatalogue, loadExistingTarget, PRODUCTION_LOAD, servicesToPrice} from './load.js'
import {type ForkFlags, forkOptions, resumeCommand} from './options.js'
import {checkTarget, planFork} from './plan/index.js'
import type {ForkPlan, ForkResult} from './types.js'
import {verifyFork} from './verify.js'

/**
 * The fork's flow, from flags to result: the protected list (fail closed), production and any existing
 * --to, the account's production registry, the target check, prices, the plan, then the steps, the
 * verifying audit, and only when it passes production's release and the formation. The command only parses, shows what the hooks hand it and maps the result to an exit code.
 */

export interface ForkRequest {
  /** where the protected-apps list is kept (the CLI's config directory) */
  configDir: string
  /** where the fork's ledger is kept (the CLI's data directory) */
  dataDir: string
  flags: ForkFlags
}

export interface ForkHooks {
  /** a line of progress (stderr) */
  progress?: (line: string) => void
  onEvent?: (event: StepEvent) => void
  /** the plan is made: show it before anything changes */
  planned?: (plan: ForkPlan) => void
  /** something the user should know (the registry's warnings) */
  warn?: (message: string) => void
}

/** The fork's result → its exit code: 1 while the fork's audit has a critical finding. */
export function forkExitCode(result: ForkResult): ExitCodeValue {
  return !result.dryRun && result.verification && result.verification.critical > 0 ? ExitCode.Critical : ExitCode.Ok
}

export async function runFork(client: HerokuClient, request: ForkRequest, hooks: ForkHooks = {}): Promise<ForkResult> {
  const {flags} = request
  const options = forkOptions(flags)
  client.secrets.registerConfig(options.set)
  const progress = hooks.progress ?? (() => {})

  // A local file, read first: an unreadable list stops the fork before any request (fail closed).
  const protectedEntries = (await loadProtected(request.configDir)).entries
  progress(`Loading ${options.from}…`)
  const [production, existing] = await Promise.all([loadApp(client, options.from, PRODUCTION_LOAD), loadExistingTarget(client, options.to)])
  // The account's production: --to must not be one, and no copied value may reach one.
  const registry = new ProductionRegistry(client, {from: [production.app.id], known: [production], namingFlag: '--from PRODUCTION_APP', protectedApps: protectedEntries})
  const ledger = new FileLedger(request.dataDir)
  const targetProduction = existing ? await registry.isProduction(existing.snapshot.app) : undefined
  const verdict = checkTarget(production, existing, {
    ledger: await ledger.get(options.to),
    production: targetProduction && targetProduction.id !== production.app.id ? {via: targetProduction.via.map(via => VIA_TEXT[via])} : undefined,
    protectedApps: protectedEntries.map(entry => entry.name),
  })
  if (verdict.kind === 'refuse') throw new ActionableError(verdict.message, verdict.fix, ExitCode.Refused)
  if (verdict.kind === 'resume') progress(verdict.reason)

  const catalogue = await loadCatalogue(client, servicesToPrice(production, options.plans))
  const accountProduction = await registry.snapshots()
  const plan = planFork(production, options, catalogue, {production: accountProduction, target: existing?.snapshot})
  for (const warning of registry.warnings) hooks.warn?.(warning)
  hooks.planned?.(plan)
  const [problem] = plan.problems
  if (problem) {
    const more = plan.problems.length > 1 ? ` (and ${plan.problems.length - 1} more problem${plan.problems.length > 2 ? 's' : ''} above)` : ''
    throw new ActionableError(`${problem.message}${more}`, problem.fix, ExitCode.Usage)
  }

  if (flags['dry-run']) return {dryRun: true, plan, steps: []}

  const began = Date.now()
  // The runtime guard refuses a mutating request naming any production app of the account, not only --from.
  const execute = {client, guarded: accountProduction, ledger, onEvent: hooks.onEvent, plan, production, resume: resumeCommand(flags), set: options.set}
  let execution
  let verification
  try {
    execution = await executeFork(execute)
    // Nothing is released yet, so no dyno runs: the audit decides whether production's code is released and scaled.
    progress('Verifying the fork against production (staging:audit) before releasing production\'s code…')
    verification = (await verifyFork(client, production, options.to, accountProduction)).verification
    execution.steps.push(...await releaseFork(execute, verification.critical === 0, execution))
  } catch (error) {
    if (error instanceof ForkRefusedError) throw error
    if (error instanceof ForkFailedError && error.cause instanceof ProductionMutationError) {
      throw new ActionableError(error.cause.message, `Nothing was sent to production. This is a bug in heroku-staging: report it with the plan from heroku staging:fork --from ${options.from} --dry-run.`, ExitCode.Refused)
    }

    const failed = error instanceof ForkFailedError ? error : undefined
    let destroyed = ''
    if (flags['destroy-on-failure'] && failed?.result.app) {
      progress(`Destroying ${failed.result.app.name} (--destroy-on-failure)…`)
      await destroyFork(client, production, failed.result.app, failed.result.created)
      destroyed = ` ${failed.result.app.name} was destroyed (--destroy-on-failure).`
    }

    const message = error instanceof Error ? error.message : String(error)
    const fix = destroyed
      ? `Fix the cause, then start again with: ${resumeCommand(flags)}`
      : `Nothing was destroyed. Re-run the same command to continue where it stopped: ${resumeCommand(flags)}`
    throw new ActionableError(`The fork of ${options.from} failed: ${message}${destroyed}`, fix, ExitCode.Failed)
  }

  const dynos = verification.critical === 0 ? 'scaled' : 'held'
  return {app: execution.app, dryRun: false, dynos, elapsedMs: Date.now() - began, plan, steps: execution.steps, verification}
}

/** The last lines of a fork whose audit still has critical findings: what remains, then the fix (it exits 1). */
export function criticalLines(result: ForkResult, flags: ForkFlags): string[] {
  const critical = result.verification?.critical ?? 0
  const to = result.app?.name ?? flags.to ?? `${flags.from}-staging`
  return [
    `The fork ${to} has ${critical} critical finding${critical > 1 ? 's' : ''}: its dynos stay at 0.`,
    `Fix the critical findings above (each names its command), then re-run ${resumeCommand(flags)} to audit again, release and scale it.`,
  ]
}
