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
import {apiOf} from '../heroku/api.js'
import {ActionableError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {type HerokuClient, isNotFound} from '../heroku/client.js'
import {GuardedClient, ProductionGuard} from '../production/guarded-client.js'
import {ATTACHMENT_HEADERS, type AddOn, type AddOnAttachment, type ConfigVars, type DataDatabase, type DataTransfer, type Release} from '../heroku/types.js'
import {type PollOptions, waitAddonProvisioned, WaitAbortedError, waitDatabaseAvailable, waitTransfer} from '../heroku/wait.js'
import {transferName} from '../refresh/plan.js'
import {type Credential, credentialsOf, credentialsReaching, type HostTable, hostTableOf, sameEndpoint} from '../snapshot/identity.js'
import {currentSecrets} from '../secrets/index.js'
import {type AppSnapshot, POSTGRES_SERVICE} from '../snapshot/types.js'
import type {BackupOutcome, FixExecution, FixPlan, FixRecord, FixStep, StepOutcome} from './types.js'
import {isOwner} from '../snapshot/query.js'

export type FixEvent =
  | {addon: string; kind: 'backup-start'}
  | {backup: BackupOutcome; kind: 'backup-done'}
  | {addon: string; kind: 'backup-progress'; name: string; processedBytes: number; totalBytes?: number}
  | {index: number; kind: 'step-done'; outcome: StepOutcome; step: FixStep}
  | {index: number; kind: 'step-progress'; message: string; step: FixStep}
  | {index: number; kind: 'step-start'; step: FixStep}
  | {kind: 'recorded'; record: FixRecord}

export interface ExecuteFixOptions {
  client: HerokuClient
  plan: FixPlan
  /** the production snapshots the plan was made against: the guard and the checks use them */
  production: readonly AppSnapshot[]
  onEvent?: (event: FixEvent) => void
  /** polling of backups and provisioning (default 200 ms growing to 3 s, 60 min timeout) */
  poll?: Omit<PollOptions, 'signal'>
  /** Ctrl-C: polling stops at once and no further step starts */
  signal?: AbortSignal
}

/** A step failed or was interrupted: `execution` says what was done; `fix` how to resume or undo. */
export class FixStepError extends ActionableError {
  constructor(message: string, fix: string, readonly execution: FixExecution) {
    super(message, fix, ExitCode.Failed)
    this.name = 'FixStepError'
  }
}

class Interrupted extends Error {}

const enc = encodeURIComponent

class Repair {
  private readonly api: GuardedClient
  private readonly hosts: HostTable | undefined

  constructor(private readonly options: ExecuteFixOptions) {
    this.api = new GuardedClient(options.client, new ProductionGuard(options.production, {command: 'staging:audit --fix', refuseAttachedInBody: true}))
    this.hosts = hostTableOf(options.production)
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
    const config = await this.api.get<ConfigVars>(`/apps/${enc(this.appId)}/config-vars`)
    currentSecrets().registerConfig(config)
    return config
  }

  async attachments(): Promise<AddOnAttachment[]> {
    return this.api.list<AddOnAttachment>(`/apps/${enc(this.appId)}/addon-attachments`, {headers: ATTACHMENT_HEADERS})
  }

  /** The production credential (any form) `value` reaches, if any: `acme-production's DATABASE_URL`. */
  private reachesProduction(value: string | undefined): string | undefined {
    for (const production of this.options.production.filter(p => p.app.id !== this.options.plan.app.id)) {
      const [hit] = credentialsReaching(production.configVars, value, this.hosts)
      if (hit) return `${production.app.name}'s ${hit.vars.join('+')}`
    }

    return undefined
  }

  private credentialReachesProduction(credential: Credential): boolean {
    return this.options.production
      .filter(p => p.app.id !== this.options.plan.app.id)
      .some(p => credentialsReaching(p.configVars, credential, this.hosts).length > 0)
  }

  async record(): Promise<FixRecord> {
    const [config, attachments, releases] = await Promise.all([
      this.config(),
      this.attachments(),
      this.api.get<Release | Release[]>(`/apps/${enc(this.appId)}/releases`, {headers: {range: 'version ..; max=1, order=desc'}}),
    ])
    const latest = (Array.isArray(releases) ? releases : [releases]).sort((a, b) => b.version - a.version)[0]
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

  async backup(target: FixPlan['backups'][number]): Promise<BackupOutcome> {
    const emit = this.options.onEvent ?? (() => {})
    emit({addon: target.addon.name, kind: 'backup-start'})
    const transfer = await this.api.post<DataTransfer>(`/client/v11/databases/${enc(target.addon.id)}/backups`, {body: {}, host: 'data'})
    const name = transferName(transfer)
    const done = await waitTransfer(apiOf(this.api), target.billingApp, transfer, name, {
      ...this.poll,
      onProgress: current => emit({addon: target.addon.name, kind: 'backup-progress', name, processedBytes: current.processed_bytes ?? 0, totalBytes: current.source_bytes}),
    })
    const outcome = {addon: target.addon.name, app: target.billingApp, bytes: done.processed_bytes ?? done.source_bytes ?? 0, name, uuid: done.uuid}
    emit({backup: outcome, kind: 'backup-done'})
    return outcome
  }

  async run(step: FixStep, progress: (message: string) => void): Promise<Pick<StepOutcome, 'detail' | 'status'>> {
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
  private async unset(step: Extract<FixStep, {kind: 'unset-config'}>): Promise<Pick<StepOutcome, 'detail' | 'status'>> {
    const [config, attachments] = await Promise.all([this.config(), this.attachments()])
    const owned = new Set(attachments.flatMap(a => a.config_vars ?? [`${a.name}_URL`]))
    const present = step.vars.filter(v => config[v.name] !== undefined)
    // A split variable (PGHOST, DB_NAME, …) reaches production as part of its group in the current config.
    const groups = credentialsOf(config).filter(c => c.vars.length > 1)
    const stillReaches = (name: string): boolean => this.reachesProduction(config[name]) !== undefined
      || groups.some(group => group.vars.includes(name) && this.credentialReachesProduction(group))
    const names = present.filter(v => !owned.has(v.name) && stillReaches(v.name)).map(v => v.name)
    const changed = present.map(v => v.name).filter(name => !names.includes(name))
    const left = changed.length > 0 ? `; left ${changed.join(', ')}: changed since the audit, it no longer reaches production` : ''
    if (names.length === 0) return {detail: `nothing to unset${left}`, status: present.length === 0 ? 'already-done' : 'skipped'}
    await this.api.patch<ConfigVars>(`/apps/${enc(this.appId)}/config-vars`, {body: Object.fromEntries(names.map(name => [name, null]))})
    return {detail: `unset ${names.join(', ')}${left}`, status: 'done'}
  }

  private async detach(step: Extract<FixStep, {kind: 'detach'}>): Promise<Pick<StepOutcome, 'detail' | 'status'>> {
    const found = (await this.attachments()).find(a => a.id === step.attachment.id)
    if (!found) return {detail: `${step.attachment.name} is not attached any more`, status: 'already-done'}
    if (found.addon.id !== step.addon.id) throw new Error(`${step.attachment.name} on ${this.app} now exposes ${found.addon.name ?? 'another add-on'}, not ${step.addon.name}: re-run the audit.`)
    try {
      await this.api.delete(`/addon-attachments/${enc(found.id)}`)
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

  private async promote(step: Extract<FixStep, {kind: 'promote'}>, progress: (message: string) => void): Promise<Pick<StepOutcome, 'detail' | 'status'>> {
    const current = (await this.attachments()).find(a => a.name === 'DATABASE')
    if (current?.addon.id === step.addon.id) {
      await this.verify(step.addon)
      return {detail: `${step.addon.name} is DATABASE; DATABASE_URL reaches it`, status: 'already-done'}
    }

    // The plan detached production's DATABASE, or there was none: anything else appeared since the audit.
    if (current) throw new Error(`DATABASE on ${this.app} is now ${current.addon.name ?? 'another add-on'} (it changed since the audit): re-run heroku staging:audit -a ${this.app}.`)
    await this.assertNoPlainDatabaseUrl()
    // Like pg:promote: not while the database is still being set up.
    await waitDatabaseAvailable(apiOf(this.api), step.addon, {...this.poll, onStatus: message => progress(`${step.addon.name}: ${message}`)})
    // No `confirm`: nothing may be replaced silently (a clash fails instead).
    await this.api.post<AddOnAttachment>('/addon-attachments', {body: {addon: {id: step.addon.id}, app: {id: this.appId}, name: 'DATABASE', namespace: step.namespace}})
    await this.verify(step.addon)
    return {detail: `DATABASE_URL reaches ${step.addon.name}`, status: 'done'}
  }

  private async provision(step: Extract<FixStep, {kind: 'provision'}>, progress: (message: string) => void): Promise<Pick<StepOutcome, 'detail' | 'status'>> {
    const current = (await this.attachments()).find(a => a.name === 'DATABASE')
    let addon: AddOn
    let status: StepOutcome['status'] = 'already-done'
    if (current) {
      // A DATABASE of the app's own (made by an interrupted run of this command) is continued, never replaced.
      const owned = isOwner({id: this.appId, name: this.app}, current.addon.app)
      if (!owned) throw new Error(`DATABASE on ${this.app} is ${current.addon.name ?? 'an add-on'} owned by ${current.addon.app?.name ?? 'another app'}: it should have been detached first.`)
      addon = await this.api.get<AddOn>(`/apps/${enc(this.appId)}/addons/${enc(current.addon.id ?? '')}`)
      if (addon.addon_service?.name !== undefined && addon.addon_service.name !== POSTGRES_SERVICE) {
        throw new Error(`DATABASE on ${this.app} is ${addon.name}, not a heroku-postgresql database.`)
      }
    } else {
      await this.assertNoPlainDatabaseUrl()
      const body: Record<string, unknown> = {attachment: {name: 'DATABASE'}, plan: {name: step.plan}}
      if (step.version) body.config = {version: step.version}
      addon = await this.api.post<AddOn>(`/apps/${enc(this.appId)}/addons`, {body})
      status = 'done'
      progress(`${addon.name}: ${addon.state}`)
    }

    addon = await waitAddonProvisioned(apiOf(this.api), this.appId, addon, {...this.poll, onState: state => progress(`${addon.name}: ${state}`)})
    await waitDatabaseAvailable(apiOf(this.api), addon, {...this.poll, onStatus: message => progress(`${addon.name}: ${message}`)})
    await this.verify({id: addon.id, name: addon.name})
    return {detail: `${addon.name}${step.version ? `, Postgres ${step.version}` : ''}; DATABASE_URL reaches it`, status}
  }

  /** DATABASE is `addon`, DATABASE_URL reaches that very database (Data API `resource_url`), and no production credential. */
  async verify(addon: {id: string; name: string}): Promise<void> {
    const [config, attachments, db] = await Promise.all([
      this.config(),
      this.attachments(),
      this.api.get<DataDatabase>(`/client/v11/databases/${enc(addon.id)}`, {host: 'data'}),
    ])
    const database = attachments.find(a => a.name === 'DATABASE')
    if (database?.addon.id !== addon.id) throw new Error(`DATABASE on ${this.app} is not ${addon.name} after the change.`)
    const url = config.DATABASE_URL
    if (!url) throw new Error(`${this.app} has no DATABASE_URL after attaching ${addon.name} as DATABASE.`)
    const production = this.reachesProduction(url)
    if (production) throw new Error(`DATABASE_URL on ${this.app} still reaches ${production}.`)
    const own = db.resource_url ?? attachments
      .filter(a => a.addon.id === addon.id && a.name !== 'DATABASE')
      .flatMap(a => a.config_vars ?? [`${a.name}_URL`])
      .map(name => config[name])
      .find(value => value !== undefined)
    if (own !== undefined && !sameEndpoint(url, own)) throw new Error(`DATABASE_URL on ${this.app} does not reach ${addon.name}.`)
  }
}

function resumeFix(plan: FixPlan): string {
  const rerun = `heroku staging:audit -a ${plan.app.name} --fix --confirm ${plan.app.name}`
  return [`Re-run ${rerun}: steps already done are skipped.`, ...plan.restore].join(' ')
}

/** Runs the plan. Throws FixStepError (with what was done) when a step fails or Ctrl-C stops it. */
export async function executeFix(options: ExecuteFixOptions): Promise<FixExecution> {
  const started = Date.now()
  const {plan, signal} = options
  const emit = options.onEvent ?? (() => {})
  const repair = new Repair(options)
  const before = await repair.record()
  emit({kind: 'recorded', record: before})
  const execution: FixExecution = {
    backups: [],
    before,
    database: null,
    durationMs: 0,
    steps: plan.steps.map(step => ({command: step.command, kind: step.kind, status: 'not-run'})),
  }
  const stop = (message: string, fix: string): FixStepError => {
    execution.durationMs = Date.now() - started
    return new FixStepError(message, fix, execution)
  }

  for (const target of plan.backups) {
    try {
      if (signal?.aborted) throw new Interrupted()
      // eslint-disable-next-line no-await-in-loop -- one backup at a time, all before any change
      execution.backups.push(await repair.backup(target))
    } catch (error) {
      const reason = error instanceof Interrupted || error instanceof WaitAbortedError ? 'Interrupted' : (error as Error).message
      throw stop(
        `${reason} while backing up ${target.addon.name}. Nothing was changed on ${plan.app.name}.`,
        `Check it with heroku pg:backups -a ${target.billingApp}, then re-run heroku staging:audit -a ${plan.app.name} --fix.`,
      )
    }
  }

  for (const [index, step] of plan.steps.entries()) {
    const outcome = execution.steps[index] as StepOutcome
    const begun = Date.now()
    try {
      if (signal?.aborted) throw new Interrupted()
      emit({index, kind: 'step-start', step})
      // eslint-disable-next-line no-await-in-loop -- the steps are ordered: each needs the previous one done
      const result = await repair.run(step, message => emit({index, kind: 'step-progress', message, step}))
      Object.assign(outcome, result, {ms: Date.now() - begun})
      if (step.kind === 'promote' || step.kind === 'provision') {
        const addon = step.kind === 'promote' ? step.addon : undefined
        // eslint-disable-next-line no-await-in-loop -- read back what DATABASE is now
        const database = addon ?? await databaseOf(repair)
        if (database) execution.database = {addon: database, verified: true}
      }

      emit({index, kind: 'step-done', outcome, step})
    } catch (error) {
      const interrupted = error instanceof Interrupted || error instanceof WaitAbortedError
      Object.assign(outcome, {detail: interrupted ? 'interrupted' : (error as Error).message, ms: Date.now() - begun, status: 'failed'})
      emit({index, kind: 'step-done', outcome, step})
      const done = execution.steps.filter(s => s.status === 'done').map(s => s.command)
      const what = interrupted
        ? `Interrupted during: ${step.change}.${error instanceof WaitAbortedError ? ' Heroku goes on with what was asked; this command only stopped watching.' : ''}`
        : `${(error as Error).message} (during: ${step.change}).`
      throw stop(`${what} Done before it: ${done.length > 0 ? done.join('; ') : 'nothing'}.`, resumeFix(plan))
    }
  }

  execution.durationMs = Date.now() - started
  return execution
}

async function databaseOf(repair: Repair): Promise<undefined | {id: string; name: string}> {
  const database = (await repair.attachments()).find(a => a.name === 'DATABASE')
  return database?.addon.id ? {id: database.addon.id, name: database.addon.name ?? database.addon.id} : undefined
}
