import {Flags} from '@oclif/core'

import {StagingCommand, StagingError} from '../../lib/command/base.js'
import {ExitCode, exitCodeHelp} from '../../lib/exit-codes.js'
import {destroyFork, executeFork, ForkFailedError, ForkRefusedError} from '../../lib/fork/execute.js'
import {ProductionMutationError} from '../../lib/fork/guard.js'
import {FileLedger} from '../../lib/fork/ledger.js'
import {loadCatalogue, loadExistingTarget, PRODUCTION_LOAD, servicesToPrice} from '../../lib/fork/load.js'
import {type ForkFlags, forkOptions, resumeCommand} from '../../lib/fork/options.js'
import {checkTarget, planFork} from '../../lib/fork/plan.js'
import {renderEvent, renderPlan, renderResult} from '../../lib/fork/render.js'
import {FORK_MARKER, type ForkResult} from '../../lib/fork/types.js'
import {verifyFork} from '../../lib/fork/verify.js'
import {ProductionRegistry, VIA_TEXT} from '../../lib/production/registry.js'
import {registerConfigSecrets} from '../../lib/snapshot/redact.js'
import {loadApp} from '../../lib/snapshot/load.js'
import {loadProtected} from '../../lib/protect/store.js'

export default class Fork extends StagingCommand {
  static override description = `make a staging copy of a production app that shares nothing with it
Creates <from>-staging (or --to) with production's region, stack, team and buildpacks; provisions a new
add-on for every add-on production owns (Postgres pinned to production's major version, on the smallest
plan that holds its data unless --plan says otherwise) and copies production's database into it server
side; copies config vars except every var an add-on attachment exposes, every value that reaches a
production database or service, and --exclude-config keys (--set wins); releases production's current
slug; scales web to 1 and other process types to 0; couples the app at stage staging of production's
pipeline; then audits the fork against production.

It prints the whole plan first (names only, never values); --dry-run stops there and changes nothing.
It never sends a mutating request to production or its add-ons. Add-ons owned by another app are not
attached unless --share-addon names them. The fork is marked with the config var ${FORK_MARKER};
an existing --to app without that mark (or marked for another source) is refused, and so is any
production app. If a step fails, nothing is destroyed (unless --destroy-on-failure): run the same
command again and it continues where it stopped. Progress goes to stderr, the result to stdout.

${exitCodeHelp([ExitCode.Ok, ExitCode.Critical, ExitCode.Usage, ExitCode.Api, ExitCode.Refused, ExitCode.Failed, ExitCode.Unexpected])}`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> --from example-app --dry-run', description: 'print the plan for example-app-staging and change nothing'},
    {command: '<%= config.bin %> <%= command.id %> --from example-app --set SECRET_KEY_BASE=$(openssl rand -hex 64)', description: 'fork example-app into example-app-staging with its own secret'},
    {command: '<%= config.bin %> <%= command.id %> --from example-app --to example-qa --plan heroku-postgresql=essential-2 --skip-data', description: 'fork onto a chosen Postgres plan and leave the new database empty'},
    {command: '<%= config.bin %> <%= command.id %> --from example-app --share-addon example-shared-redis --exclude-config PAYMENTS_WEBHOOK_URL', description: 'share one add-on owned by another app and leave one config var out'},
  ]

  static override flags = {
    'destroy-on-failure': Flags.boolean({description: 'if a step fails, destroy the fork app (by default nothing is destroyed and a re-run resumes)'}),
    'dry-run': Flags.boolean({description: 'print the plan and stop: no request that changes anything is sent'}),
    'exclude-config': Flags.string({description: 'config var not to copy (repeatable)', multiple: true}),
    from: Flags.string({description: 'production app to fork', required: true}),
    plan: Flags.string({description: 'plan for an add-on service, as SERVICE=PLAN (repeatable), e.g. heroku-postgresql=essential-1', multiple: true}),
    region: Flags.string({description: 'region of the fork (default: production\'s)'}),
    scale: Flags.string({description: 'dynos for a process type, as TYPE=QUANTITY (repeatable); default web=1 and every other type 0', multiple: true}),
    set: Flags.string({description: 'config var to set on the fork, as KEY=VALUE (repeatable); wins over every copy and exclusion', multiple: true}),
    'share-addon': Flags.string({description: 'attach this add-on owned by another app to the fork too (repeatable; it is then shared)', multiple: true}),
    'skip-data': Flags.boolean({description: 'leave the new databases empty: do not copy production\'s data'}),
    team: Flags.string({description: 'team that owns the fork (default: production\'s)'}),
    to: Flags.string({description: 'name of the fork (default: <from>-staging)'}),
  }

  async run(): Promise<ForkResult> {
    const {flags: parsed} = await this.parse(Fork)
    const flags: ForkFlags = parsed
    const options = forkOptions(flags)
    registerConfigSecrets(options.set)
    const human = !this.jsonEnabled()
    const progress = (line: string) => {
      if (human) this.logToStderr(line)
    }

    // A local file, read first: an unreadable list stops the fork before any request (fail closed).
    const protectedEntries = (await loadProtected(this.config.configDir, ExitCode.Refused)).entries
    const protectedApps = protectedEntries.map(entry => entry.name)
    progress(`Loading ${options.from}…`)
    const [production, existing] = await Promise.all([
      loadApp(this.client, options.from, PRODUCTION_LOAD),
      loadExistingTarget(this.client, options.to),
    ])
    // The account's production: --to must not be one, and no copied value may reach one.
    const registry = new ProductionRegistry(this.client, {from: [production.app.id], known: [production], namingFlag: '--from PRODUCTION_APP', protectedApps: protectedEntries})
    const ledger = new FileLedger(this.config.dataDir)
    const targetProduction = existing ? await registry.isProduction(existing.snapshot.app) : undefined
    const verdict = checkTarget(production, existing, {
      ledger: await ledger.get(options.to),
      production: targetProduction && targetProduction.id !== production.app.id ? {via: targetProduction.via.map(via => VIA_TEXT[via])} : undefined,
      protectedApps,
    })
    if (verdict.kind === 'refuse') throw new StagingError(verdict.message, verdict.fix, ExitCode.Refused)
    if (verdict.kind === 'resume') progress(verdict.reason)

    const catalogue = await loadCatalogue(this.client, servicesToPrice(production, options.plans))
    const accountProduction = await registry.snapshots()
    const plan = planFork(production, options, catalogue, {production: accountProduction, target: existing?.snapshot})
    for (const warning of registry.warnings) this.warn(warning)
    if (human) for (const line of renderPlan(plan)) this.log(line)
    const [problem] = plan.problems
    if (problem) {
      const more = plan.problems.length > 1 ? ` (and ${plan.problems.length - 1} more problem${plan.problems.length > 2 ? 's' : ''} above)` : ''
      throw new StagingError(`${problem.message}${more}`, problem.fix, ExitCode.Usage)
    }

    if (parsed['dry-run']) {
      if (human) this.log('\nDry run: nothing was changed.')
      return {dryRun: true, plan, steps: []}
    }

    const began = Date.now()
    let execution
    try {
      execution = await executeFork({
        client: this.client,
        guarded: accountProduction,
        ledger,
        onEvent: event => progress(renderEvent(event)),
        plan,
        production,
        set: options.set,
      })
    } catch (error) {
      if (error instanceof ForkRefusedError) throw error
      if (error instanceof ForkFailedError && error.cause instanceof ProductionMutationError) {
        throw new StagingError(error.cause.message, `Nothing was sent to production. This is a bug in heroku-staging: report it with the plan from heroku staging:fork --from ${options.from} --dry-run.`, ExitCode.Refused)
      }

      const failed = error instanceof ForkFailedError ? error : undefined
      let destroyed = ''
      if (parsed['destroy-on-failure'] && failed?.result.app) {
        progress(`Destroying ${failed.result.app.name} (--destroy-on-failure)…`)
        await destroyFork(this.client, production, failed.result.app, failed.result.created)
        destroyed = ` ${failed.result.app.name} was destroyed (--destroy-on-failure).`
      }

      const message = error instanceof Error ? error.message : String(error)
      const fix = destroyed
        ? `Fix the cause, then start again with: ${resumeCommand(flags)}`
        : `Nothing was destroyed. Re-run the same command to continue where it stopped: ${resumeCommand(flags)}`
      throw new StagingError(`The fork of ${options.from} failed: ${message}${destroyed}`, fix, ExitCode.Failed)
    }

    progress('Verifying the fork against production (staging:audit)…')
    const {verification} = await verifyFork(this.client, production, options.to)
    const result: ForkResult = {
      app: execution.app,
      dryRun: false,
      elapsedMs: Date.now() - began,
      plan,
      steps: execution.steps,
      verification,
    }
    if (human) for (const line of renderResult(result)) this.log(line)
    if (verification.critical > 0) {
      const fix = `Fix the critical findings above (each names its command), then check with: heroku staging:audit -a ${options.to} --production ${options.from}`
      if (human) throw new StagingError(`The fork ${options.to} has ${verification.critical} critical finding${verification.critical > 1 ? 's' : ''}.`, fix, ExitCode.Critical)
      this.exitAfterResult(ExitCode.Critical)
    }

    return result
  }
}
