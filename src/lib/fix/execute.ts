/**
 * Runs a repair plan (see plan.ts) through the client layer. Returns data, reports progress through
 * a callback, prints nothing. Every request passes the production guard (`GuardedClient`): a
 * mutating request naming a production app, or an add-on production owns or attaches, is refused
 * before it leaves the process.
 *
 * Order: record staging as it is (config var names, attachments, release), back up its own
 * databases, then the steps one by one. Each step reads Heroku's state first and does only what is
 * still missing, so running the same command again after a failure continues where it stopped.
 */
import {ExitCode} from '../exit-codes.js'
import {type FailedStepRun, forwardReports, runSteps, type Step, type StepContext, type StepEvent, type StepOutcome as Outcome, StepsFailedError, stopReason} from '../execute/steps.js'
import {captureAndWait, describeHit, guardedApi, maskedConfig, ProductionReach, provisionPostgres, waitProvisioned} from '../execute/blocks.js'
import type {AddonCreate, HerokuApi} from '../heroku/api.js'
import {type HerokuClient, isNotFound} from '../heroku/client.js'
import type {AddOn, AddOnAttachment, ConfigVars} from '../heroku/types.js'
import {type PollOptions, WaitAbortedError, waitDatabaseAvailable} from '../heroku/wait.js'
import {credentialsOf, sameEndpoint} from '../snapshot/identity.js'
import {type AppSnapshot, POSTGRES_SERVICE} from '../snapshot/types.js'
import type {BackupOutcome, FixExecution, FixPlan, FixRecord, FixStep} from './types.js'
import {isOwner} from '../snapshot/query.js'

export interface ExecuteFixOptions {
  client: HerokuClient
  plan: FixPlan
  /** the production snapshots the plan was made against: the guard and the checks use them */
  production: readonly AppSnapshot[]
  onEvent?: (event: StepEvent) => void
  /** polling of backups and provisioning (default 200 ms growing to 3 s, 60 min timeout) */
  poll?: Omit<PollOptions, 'signal'>
  /** Ctrl-C: polling stops at once and no further step starts */
  signal?: AbortSignal
}

/** A step failed or was interrupted: `execution` says what was done; `fix` how to resume or undo. */
export class FixStepError extends StepsFailedError {
  constructor(run: FailedStepRun, plan: FixPlan, readonly execution: FixExecution, texts: {fix: string; message: string}) {
    super(run, resumeFixCommand(plan), {...texts, exit: ExitCode.Failed})
    this.name = 'FixStepError'
  }
}

class Repair {
  private readonly api: HerokuApi
  private readonly production: ProductionReach
  /** the database the provision step made or continued, once it is available */
  provisioned?: {id: string; name: string}

  constructor(private readonly options: ExecuteFixOptions) {
    this.api = guardedApi(options.client, options.production, {command: 'staging:audit --fix', refuseAttachedInBody: true})
    this.production = new ProductionReach(options.production, {except: options.plan.app.id})
  }

  private get app(): string {
    return this.options.plan.app.name
  }

  private get appId(): string {
    return this.options.plan.app.id
  }

  private get poll(): PollOptions {
    return {...this.options.poll, signal: this.options.signal}
  }

  async config(): Promise<ConfigVars> {
    return maskedConfig(this.api, this.appId)
  }

  async attachments(): Promise<AddOnAttachment[]> {
    return this.api.attachments(this.appId)
  }

  async record(): Promise<FixRecord> {
    const [config, attachments, releases] = await Promise.all([
      this.config(),
      this.attachments(),
      this.api.releases(this.appId, 1),
    ])
    const latest = releases.sort((a, b) => b.version - a.version)[0]
    return {
      attachments: attachments.map(a => ({
        addon: {id: a.addon.id ?? '', name: a.addon.name ?? '', owner: a.addon.app?.name ?? ''},
        configVars: a.config_vars ?? [`${a.name}_URL`],
        id: a.id,
        name: a.name,
        namespace: a.namespace ?? null,
      })).sort((a, b) => a.name.localeCompare(b.name)),
      configVarNames: Object.keys(config).sort(),
      release: latest ? {id: latest.id, version: latest.version} : null,
    }
  }

  async backup(target: FixPlan['backups'][number], context: StepContext): Promise<BackupOutcome> {
    const {app, bytes, name, uuid} = await captureAndWait(this.api, {addonId: target.addon.id, billingApp: target.billingApp}, context, {poll: this.poll})
    return {addon: target.addon.name, app, bytes, name, uuid}
  }

  async run(step: FixStep, progress: (message: string) => void): Promise<Outcome> {
    switch (step.kind) {
      case 'unset-config': {
        return this.unset(step)
      }

      case 'detach': {
        return this.detach(step)
      }

      case 'promote': {
        return this.promote(step, progress)
      }

      case 'provision': {
        return this.provision(step, progress)
      }
    }
  }

  /** Unsets the plan's vars that are still plain and still reach production; leaves any that changed since. */
  private async unset(step: Extract<FixStep, {kind: 'unset-config'}>): Promise<Outcome> {
    const [config, attachments] = await Promise.all([this.config(), this.attachments()])
    const owned = new Set(attachments.flatMap(a => a.config_vars ?? [`${a.name}_URL`]))
    const present = step.vars.filter(v => config[v.name] !== undefined)
    // A split variable (PGHOST, DB_NAME, …) reaches production as part of its group in the current config.
    const groups = credentialsOf(config).filter(c => c.vars.length > 1)
    const stillReaches = (name: string): boolean => this.production.of(config[name]) !== undefined
      || groups.some(group => group.vars.includes(name) && this.production.of(group) !== undefined)
    const names = present.filter(v => !owned.has(v.name) && stillReaches(v.name)).map(v => v.name)
    const changed = present.map(v => v.name).filter(name => !names.includes(name))
    const left = changed.length > 0 ? `; left ${changed.join(', ')}: changed since the audit, it no longer reaches production` : ''
    if (names.length === 0) return {detail: `nothing to unset${left}`, status: present.length === 0 ? 'already-done' : 'skipped'}
    await this.api.updateConfigVars(this.appId, Object.fromEntries(names.map(name => [name, null])))
    return {detail: `unset ${names.join(', ')}${left}`, status: 'done'}
  }

  private async detach(step: Extract<FixStep, {kind: 'detach'}>): Promise<Outcome> {
    const found = (await this.attachments()).find(a => a.id === step.attachment.id)
    if (!found) return {detail: `${step.attachment.name} is not attached any more`, status: 'already-done'}
    if (found.addon.id !== step.addon.id) throw new Error(`${step.attachment.name} on ${this.app} now exposes ${found.addon.name ?? 'another add-on'}, not ${step.addon.name}: re-run the audit.`)
    try {
      await this.api.deleteAttachment(found.id)
    } catch (error) {
      // Already gone (a retried request, or someone else): the state is what the step wants.
      if (!isNotFound(error)) throw error
    }

    return {detail: `${step.addon.name} stays on ${step.addon.owner}`, status: 'done'}
  }

  /** A plain DATABASE_URL still set by hand would be replaced silently by a DATABASE attachment: stop instead. */
  private async assertNoPlainDatabaseUrl(): Promise<void> {
    const [config, attachments] = await Promise.all([this.config(), this.attachments()])
    if (config.DATABASE_URL === undefined) return
    if (attachments.some(a => (a.config_vars ?? [`${a.name}_URL`]).includes('DATABASE_URL'))) return
    throw new Error(`DATABASE_URL on ${this.app} is still a plain config var (it changed since the audit, so it was not unset): check it with heroku config -a ${this.app}, unset it with heroku config:unset DATABASE_URL -a ${this.app} if it should go.`)
  }

  private async promote(step: Extract<FixStep, {kind: 'promote'}>, progress: (message: string) => void): Promise<Outcome> {
    const current = (await this.attachments()).find(a => a.name === 'DATABASE')
    if (current?.addon.id === step.addon.id) {
      return {detail: `${step.addon.name} is DATABASE; DATABASE_URL reaches it`, status: 'already-done'}
    }

    // The plan detached production's DATABASE, or there was none: anything else appeared since the audit.
    if (current) throw new Error(`DATABASE on ${this.app} is now ${current.addon.name ?? 'another add-on'} (it changed since the audit): re-run heroku staging:audit -a ${this.app}.`)
    await this.assertNoPlainDatabaseUrl()
    // Like pg:promote: not while the database is still being set up.
    await waitDatabaseAvailable(this.api, step.addon, {...this.poll, onStatus: message => progress(`${step.addon.name}: ${message}`)})
    // No `confirm`: nothing may be replaced silently (a clash fails instead).
    await this.api.createAttachment({addon: {id: step.addon.id}, app: {id: this.appId}, name: 'DATABASE', namespace: step.namespace})
    return {detail: `DATABASE_URL reaches ${step.addon.name}`, status: 'done'}
  }

  private async provision(step: Extract<FixStep, {kind: 'provision'}>, progress: (message: string) => void): Promise<Outcome> {
    const current = (await this.attachments()).find(a => a.name === 'DATABASE')
    let addon: AddOn
    let status: Outcome['status'] = 'already-done'
    if (current) {
      // A DATABASE of the app's own (made by an interrupted run of this command) is continued, never replaced.
      const owned = isOwner({id: this.appId, name: this.app}, current.addon.app)
      if (!owned) throw new Error(`DATABASE on ${this.app} is ${current.addon.name ?? 'an add-on'} owned by ${current.addon.app?.name ?? 'another app'}: it should have been detached first.`)
      addon = await this.api.appAddon(this.appId, current.addon.id ?? '')
      if (addon.addon_service?.name !== undefined && addon.addon_service.name !== POSTGRES_SERVICE) {
        throw new Error(`DATABASE on ${this.app} is ${addon.name}, not a heroku-postgresql database.`)
      }

      addon = await waitProvisioned(this.api, this.appId, addon, {poll: this.poll, progress})
    } else {
      await this.assertNoPlainDatabaseUrl()
      const body: AddonCreate = {attachment: {name: 'DATABASE'}, plan: {name: step.plan}}
      if (step.version) body.config = {version: step.version}
      addon = await provisionPostgres(this.api, this.appId, body, {created: created => progress(`${created.name}: ${created.state}`), poll: this.poll, progress})
      status = 'done'
    }

    this.provisioned = {id: addon.id, name: addon.name}
    return {detail: `${addon.name}${step.version ? `, Postgres ${step.version}` : ''}; DATABASE_URL reaches it`, status}
  }

  /** DATABASE is `addon`, DATABASE_URL reaches that very database (Data API `resource_url`), and no production credential. */
  async verify(addon: {id: string; name: string}): Promise<void> {
    const [config, attachments, db] = await Promise.all([
      this.config(),
      this.attachments(),
      this.api.database(addon.id),
    ])
    const database = attachments.find(a => a.name === 'DATABASE')
    if (database?.addon.id !== addon.id) throw new Error(`DATABASE on ${this.app} is not ${addon.name} after the change.`)
    const url = config.DATABASE_URL
    if (!url) throw new Error(`${this.app} has no DATABASE_URL after attaching ${addon.name} as DATABASE.`)
    const production = this.production.of(url)
    if (production) throw new Error(`DATABASE_URL on ${this.app} still reaches ${describeHit(production)}.`)
    const own = db.resource_url ?? attachments
      .filter(a => a.addon.id === addon.id && a.name !== 'DATABASE')
      .flatMap(a => a.config_vars ?? [`${a.name}_URL`])
      .map(name => config[name])
      .find(value => value !== undefined)
    if (own !== undefined && !sameEndpoint(url, own)) throw new Error(`DATABASE_URL on ${this.app} does not reach ${addon.name}.`)
  }
}

/** The command that continues a repair: the steps already done are skipped. */
export function resumeFixCommand(plan: FixPlan): string {
  return `heroku staging:audit -a ${plan.app.name} --fix --confirm ${plan.app.name}`
}

const RECORD_STEP = 'record'
const BACKUP_STEP = 'backup:'
const CHANGE_STEP = 'change:'

/** Runs the plan. Throws FixStepError (with what was done) when a step fails or Ctrl-C stops it. */
export async function executeFix(options: ExecuteFixOptions): Promise<FixExecution> {
  const started = Date.now()
  const {plan} = options
  const repair = new Repair(options)
  const execution: FixExecution = {backups: [], before: {attachments: [], configVarNames: [], release: null}, database: null, durationMs: 0, steps: []}
  const record: Step = {
    apply: async () => {
      execution.before = await repair.record()
      const {before} = execution
      return {detail: `${before.configVarNames.length} config var names and ${before.attachments.length} attachments${before.release ? ` at release v${before.release.version}` : ''}`, status: 'done'}
    },
    id: RECORD_STEP,
    label: `Record ${plan.app.name}'s config var names, attachments and current release`,
  }
  const backups: Step[] = plan.backups.map(target => ({
    apply: async context => {
      const backup = await repair.backup(target, context)
      execution.backups.push(backup)
      return {detail: backup.name, status: 'done'}
    },
    id: `${BACKUP_STEP}${target.addon.name}`,
    label: `Back up ${target.addon.name}`,
  }))
  const changes: Step[] = plan.steps.map((step, index) => ({
    apply: async context => repair.run(step, message => context.progress(message)),
    id: `${CHANGE_STEP}${index + 1}`,
    label: step.change,
    // A new DATABASE (promoted or provisioned, now or by an earlier run) is verified, then recorded as the result's.
    verify: step.kind === 'promote' || step.kind === 'provision'
      ? async () => {
        const addon = step.kind === 'promote' ? step.addon : repair.provisioned
        if (!addon) throw new Error(`No database was provisioned on ${plan.app.name}.`)
        await repair.verify(addon)
        const database = step.kind === 'promote' ? step.addon : await databaseOf(repair)
        if (database) execution.database = {addon: database, verified: true}
      }
      : undefined,
  }))
  // One after another: the record, every backup before any change, then the changes in order.
  const run = await runSteps([record, ...backups, ...changes], {concurrency: 1, onEvent: options.onEvent, signal: options.signal})
  execution.durationMs = Date.now() - started
  const reports = forwardReports(run)
  execution.steps = plan.steps.map((step, index) => {
    const {detail, ms, status} = reports[1 + plan.backups.length + index] as (typeof reports)[number]
    return {command: step.command, kind: step.kind, status, ...(detail === undefined ? {} : {detail}), ...(ms === undefined ? {} : {ms})}
  })
  if (!run.failure) return execution
  const failed = {...run, failure: run.failure}
  const {error, interrupted, step: report} = run.failure
  // The record only reads: its failure is the error itself, as before anything else.
  if (report.id === RECORD_STEP && !interrupted) throw error
  if (report.id === RECORD_STEP) {
    throw new FixStepError(failed, plan, execution, {fix: `Re-run ${resumeFixCommand(plan)}.`, message: `Interrupted before any change. Nothing was changed on ${plan.app.name}.`})
  }
  const reason = stopReason(interrupted, error)
  const target = plan.backups.find(b => `${BACKUP_STEP}${b.addon.name}` === report.id)
  if (target) {
    throw new FixStepError(failed, plan, execution, {
      fix: `Check it with heroku pg:backups -a ${target.billingApp}, then re-run heroku staging:audit -a ${plan.app.name} --fix.`,
      message: `${reason} while backing up ${target.addon.name}. Nothing was changed on ${plan.app.name}.`,
    })
  }

  const step = plan.steps[Number(report.id.slice(CHANGE_STEP.length)) - 1] as FixStep
  const done = execution.steps.filter(s => s.status === 'done').map(s => s.command)
  const what = interrupted
    ? `Interrupted during: ${step.change}.${error instanceof WaitAbortedError ? ' Heroku goes on with what was asked; this command only stopped watching.' : ''}`
    : `${reason} (during: ${step.change}).`
  const resume = resumeFixCommand(plan)
  throw new FixStepError(failed, plan, execution, {
    fix: [`Re-run ${resume}: steps already done are skipped.`, ...plan.restore].join(' '),
    message: `${what} Done before it: ${done.length > 0 ? done.join('; ') : 'nothing'}.`,
  })
}

async function databaseOf(repair: Repair): Promise<undefined | {id: string; name: string}> {
  const database = (await repair.attachments()).find(a => a.name === 'DATABASE')
  return database?.addon.id ? {id: database.addon.id, name: database.addon.name ?? database.addon.id} : undefined
}
