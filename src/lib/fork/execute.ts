import {ActionableError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {type AddonCreate, type HerokuApi} from '../heroku/api.js'
import {ApiError, type HerokuClient} from '../heroku/client.js'
import type {AddOn, AddOnAttachment, App, ConfigVars, DataTransfer, PipelineCoupling, Release} from '../heroku/types.js'
import {poll, type PollOptions, waitTransferFinished} from '../heroku/wait.js'
import {isPostgresUrl} from '../snapshot/identity.js'
import {currentSecrets} from '../secrets/index.js'
import {type AppSnapshot, POSTGRES_SERVICE} from '../snapshot/types.js'
import {guardedApi, ProductionReach, waitProvisioned} from '../execute/blocks.js'
import {type ForwardStepReport, forwardReports, runSteps, type Step, type StepContext, type StepEvent, type StepOutcome, StepsFailedError, type FailedStepRun} from '../execute/steps.js'
import {type ForkLedger, ledgerCreated} from './ledger.js'
import {desiredConfig} from './plan/index.js'
import {type AddonPlanItem, FORK_MARKER, FORK_STAGE, type ForkPlan, type FormationPlanItem} from './types.js'

/**
 * The fork's executor: idempotent steps run through the guarded client. Each step first reads
 * Heroku's state and does only what is missing, so a re-run after any interruption continues where
 * the last one stopped. Steps that do not depend on each other run at the same time: buildpacks,
 * config, pipeline and every add-on's provisioning overlap; the release waits for the data.
 */

export interface ExecuteOptions {
  client: HerokuClient
  plan: ForkPlan
  production: AppSnapshot
  /** every production app of the account (the registry's): the runtime guard refuses writes naming any, not only --from */
  guarded?: readonly AppSnapshot[]
  /** `--set` values (the plan only names the keys) */
  set: Readonly<Record<string, string>>
  ledger: ForkLedger
  onEvent?: (event: StepEvent) => void
  /** polling of provisioning, transfers and releases (default: FORK_POLL) */
  poll?: PollOptions
  /** run one step at a time (to measure what the overlap saves) */
  sequential?: boolean
  /** the command that continues this fork, for the failure (default: --from and --to only) */
  resume?: string
}

/**
 * The fork's waits start at 200 ms and slow down by half each time, to at most every 250 ms for the
 * first 30 s of a wait (Heroku says an add-on is ready only when asked, so each wait overshoots by up
 * to one interval: BENCHMARKS.md) and then to once every 5 s, so long waits cost few requests; they
 * give up after 60 minutes.
 */
export const FORK_POLL: PollOptions = {initialMs: 200, maxMs: 5000, quick: {forMs: 30_000, maxMs: 250}, timeoutMs: 60 * 60 * 1000}

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

/** The app found at `--to` is not one this command may continue. */
export class ForkRefusedError extends ActionableError {
  constructor(message: string, fix: string) {
    super(message, fix, ExitCode.Refused)
    this.name = 'ForkRefusedError'
  }
}

type Outcome = StepOutcome


/** Every production app the fork is guarded against: --from first, then the account's others. */
function productionOf(options: Pick<ExecuteOptions, 'guarded' | 'production'>): AppSnapshot[] {
  return [options.production, ...(options.guarded ?? []).filter(p => p.app.id !== options.production.app.id)]
}

/**
 * The fork's run-time check on each URL it is about to write into (its DATABASE_URL, a copy's
 * target): the one check of every flow, over every production app of the account, every credential
 * form and the host table the load steps resolved.
 */
export function forkProductionReach(options: Pick<ExecuteOptions, 'guarded' | 'production'>): ProductionReach {
  return new ProductionReach(productionOf(options))
}

/** The fork's attachment names per add-on item: the first is the one it is created with. */
function itemKey(item: AddonPlanItem): string {
  return item.attachments[0] ?? item.source.name
}

class Fork {
  app?: {id: string; name: string; webUrl?: string}
  created = false
  private readonly api: HerokuApi
  /** the fork's add-on per plan item key, once provisioned */
  private readonly addons = new Map<string, AddOn>()
  private readonly polling: PollOptions
  /** every production app of the account, --from first: what no URL of the fork may reach */
  private readonly reach: ProductionReach

  constructor(private readonly options: ExecuteOptions) {
    this.api = guardedApi(options.client, productionOf(options))
    this.polling = options.poll ?? FORK_POLL
    this.reach = forkProductionReach(options)
  }

  private get appId(): string {
    if (!this.app) throw new Error('the fork app is not known yet')
    return this.app.id
  }

  private get plan(): ForkPlan {
    return this.options.plan
  }

  private get production(): AppSnapshot {
    return this.options.production
  }

  steps(): Step[] {
    const {plan} = this
    const steps: Step[] = [
      {apply: async () => this.ensureApp(), deps: [], id: 'app', label: `Create ${plan.target.name}`},
      {apply: async () => this.ensureMarker(), deps: ['app'], id: 'marker', label: `Mark ${plan.target.name} as a fork of ${plan.source.name}`},
      {apply: async () => this.ensureBuildpacks(), deps: ['marker'], id: 'buildpacks', label: 'Buildpacks'},
      {apply: async () => this.ensureConfig(), deps: ['marker'], id: 'config', label: 'Config vars'},
    ]
    const before: string[] = ['config', 'buildpacks']
    for (const item of plan.addons) {
      const key = itemKey(item)
      if (item.action === 'provision') {
        const id = `addon:${key}`
        const label = item.data?.method === 'fork' ? `Fork ${item.source.name} into ${item.plan} as ${key}` : `Provision ${item.plan} as ${key}`
        // The fork's DATABASE_URL is checked once its database is in place, whoever made it.
        const verify = item.attachments[0] === 'DATABASE' ? async () => this.verifyDatabaseUrl(key) : undefined
        steps.push({apply: async context => this.ensureAddon(item, context), deps: ['marker'], id, label, verify})
        before.push(id)
        if (item.copyData) {
          const dataId = `data:${key}`
          steps.push({apply: async context => this.ensureData(item, context), deps: [id], id: dataId, label: `Copy ${item.source.name}'s data into ${key}`})
          before.push(dataId)
        }
      } else if (item.action === 'share') {
        const id = `share:${key}`
        steps.push({apply: async () => this.ensureShare(item), deps: ['marker'], id, label: `Attach ${item.source.name} (shared, owned by ${item.source.owner})`})
        before.push(id)
      }
    }

    steps.push(
      {apply: async () => this.ensureRelease(), deps: before, id: 'release', label: plan.release ? `Release v${plan.release.version}'s slug` : 'Release'},
      {apply: async () => this.ensureHeld(), deps: ['release'], id: 'formation', label: 'Formation held at 0 until the audit passes'},
      {apply: async () => this.ensurePipeline(), deps: ['marker'], id: 'pipeline', label: plan.pipeline ? `Couple to pipeline ${plan.pipeline.name} at stage ${FORK_STAGE}` : 'Pipeline'},
    )
    return steps
  }

  /**
   * Sends one mutating request. If it fails (a dropped connection, which http-call may even have
   * re-sent, or an error answered after the change took effect), Heroku's state decides: when
   * `settled` finds the change in place the step goes on, otherwise the error stands.
   */
  private async mutate<T>(send: () => Promise<T>, settled: () => Promise<T | undefined>): Promise<T> {
    try {
      return await send()
    } catch (error) {
      if (error instanceof ForkRefusedError || (error as Error).name === 'ProductionMutationError') throw error
      let found: T | undefined
      try {
        found = await settled()
      } catch {
        throw error
      }

      if (found === undefined) throw error
      return found
    }
  }

  // ---- app and marker ------------------------------------------------------------------------

  private async findApp(): Promise<App | undefined> {
    return this.api.findApp(this.plan.target.name)
  }

  /** The app at `--to` was created by this command from this source, per this machine's ledger. */
  private async inLedger(app: App): Promise<boolean> {
    const entry = await this.options.ledger.get(this.plan.target.name)
    return ledgerCreated(entry, this.plan.target.name, this.plan.source.id, {createdAt: app.created_at ?? undefined, id: app.id})
  }

  private async ensureApp(): Promise<Outcome> {
    const {ledger} = this.options
    const {target} = this.plan
    const existing = await this.findApp()
    if (existing) {
      this.app = {id: existing.id, name: existing.name, webUrl: existing.web_url ?? undefined}
      const config = await this.api.configVars(existing.id)
      const marker = config[FORK_MARKER]
      if (marker === this.plan.source.id) return {detail: 'exists, marked as this fork', status: 'already-done'}
      if (marker !== undefined || !(await this.inLedger(existing))) {
        throw new ForkRefusedError(
          `Refusing to continue on ${target.name}: it was not created by heroku staging:fork from ${this.plan.source.name}.`,
          'Choose another name with --to NAME.',
        )
      }

      const entry = await ledger.get(target.name)
      if (entry) await ledger.put({...entry, appId: existing.id})
      return {detail: 'exists, created by the interrupted run', status: 'already-done'}
    }

    await ledger.put({sourceId: this.plan.source.id, startedAt: new Date().toISOString(), target: target.name})
    const body: Record<string, unknown> = {name: target.name}
    if (target.region) body.region = target.region
    if (target.stack) body.stack = target.stack
    if (target.team) body.team = target.team
    if (target.space) body.space = target.space
    const app = await this.mutate(
      async () => this.api.createApp(body, {team: Boolean(target.team || target.space)}),
      async () => {
        const found = await this.findApp()
        return found && await this.inLedger(found) ? found : undefined
      },
    )
    this.created = true
    this.app = {id: app.id, name: app.name, webUrl: app.web_url ?? undefined}
    const entry = await ledger.get(target.name)
    if (entry) await ledger.put({...entry, appId: app.id})
    return {detail: [target.team && `team ${target.team}`, target.space && `space ${target.space}`, target.region, target.stack].filter(Boolean).join(', '), status: 'done'}
  }

  private async config(): Promise<ConfigVars> {
    const config = await this.api.configVars(this.appId)
    currentSecrets().registerConfig(config)
    return config
  }

  private async ensureMarker(): Promise<Outcome> {
    const marker = (await this.config())[FORK_MARKER]
    let status: Outcome['status'] = 'already-done'
    if (marker !== this.plan.source.id) {
      if (marker !== undefined) {
        throw new ForkRefusedError(`Refusing to continue on ${this.plan.target.name}: it is marked as a fork of another app.`, 'Choose another name with --to NAME.')
      }

      const body = {[FORK_MARKER]: this.plan.source.id}
      await this.mutate(
        async () => this.api.updateConfigVars(this.appId, body),
        async () => {
          const config = await this.config()
          return config[FORK_MARKER] === this.plan.source.id ? config : undefined
        },
      )
      status = 'done'
    }

    await this.options.ledger.remove(this.plan.target.name)
    return {detail: `${FORK_MARKER}=${this.plan.source.id}`, status}
  }

  // ---- settings ------------------------------------------------------------------------------

  private async buildpacksInPlace(): Promise<boolean> {
    const wanted = this.plan.buildpacks
    const current = await this.api.buildpacks(this.appId)
    const urls = current.map(b => b.buildpack?.url ?? b.buildpack?.name ?? '')
    return urls.length === wanted.length && urls.every((url, i) => url === wanted[i])
  }

  private async ensureBuildpacks(): Promise<Outcome> {
    const wanted = this.plan.buildpacks
    if (wanted.length === 0) return {detail: 'production has none', status: 'skipped'}
    if (await this.buildpacksInPlace()) return {detail: wanted.join(', '), status: 'already-done'}
    await this.mutate<unknown>(
      async () => this.api.setBuildpacks(this.appId, wanted),
      async () => (await this.buildpacksInPlace() ? true : undefined),
    )
    return {detail: wanted.join(', '), status: 'done'}
  }

  private async ensureConfig(): Promise<Outcome> {
    currentSecrets().registerConfig(this.options.set)
    const before = await this.config()
    const desired = desiredConfig(this.plan, this.production, this.options.set, before)
    // Fresh values are secrets of the fork's own: masked like every loaded value.
    currentSecrets().registerConfig(Object.fromEntries(Object.entries(desired).filter((pair): pair is [string, string] => pair[1] !== null)))
    const missing = (current: ConfigVars) => Object.fromEntries(Object.entries(desired).filter(([key, value]) => (value === null ? key in current : current[key] !== value)))
    const changes = missing(before)
    const keys = Object.keys(changes)
    const held = Object.values(desired).filter(value => value !== null).length - 1
    if (keys.length === 0) return {detail: `${held} vars in place`, status: 'already-done'}
    await this.mutate(
      async () => this.api.updateConfigVars(this.appId, changes),
      async () => {
        const config = await this.config()
        return Object.keys(missing(config)).length === 0 ? config : undefined
      },
    )
    const unset = keys.filter(key => changes[key] === null).length
    return {detail: `${keys.length - unset} set${unset > 0 ? `, ${unset} of production's removed` : ''}`, status: 'done'}
  }

  // ---- add-ons -------------------------------------------------------------------------------

  private async forkAttachments(): Promise<AddOnAttachment[]> {
    return this.api.attachments(this.appId)
  }

  /** The fork's own add-on attached as `name`; throws if that name is taken by an add-on the fork does not own. */
  private async ownAddonAttachedAs(name: string): Promise<AddOn | undefined> {
    const found = (await this.forkAttachments()).find(a => a.name === name)
    if (!found) return undefined
    if (found.addon.app?.id !== this.appId) {
      throw new Error(`${name} on ${this.plan.target.name} is attached to ${found.addon.name ?? 'an add-on'} owned by ${found.addon.app?.name ?? 'another app'}, not to an add-on of the fork.`)
    }

    return this.api.appAddon(this.appId, found.addon.id ?? '')
  }

  private async attach(addonId: string, name: string): Promise<boolean> {
    const attached = async () => (await this.forkAttachments()).find(a => a.name === name)
    const found = await attached()
    if (found) {
      if (found.addon.id !== addonId) throw new Error(`${name} on ${this.plan.target.name} is attached to another add-on (${found.addon.name ?? '?'}).`)
      return false
    }

    await this.mutate<unknown>(
      async () => this.api.createAttachment({addon: {id: addonId}, app: {id: this.appId}, name}),
      async () => ((await attached())?.addon.id === addonId ? true : undefined),
    )
    return true
  }

  private async ensureAddon(item: AddonPlanItem, context: StepContext): Promise<Outcome> {
    const [first, ...others] = item.attachments
    if (!first || !item.plan) throw new Error(`${item.source.name} has no attachment name to create.`)
    let addon = await this.ownAddonAttachedAs(first)
    let status: Outcome['status'] = 'already-done'
    if (!addon) {
      const body: AddonCreate = {attachment: {name: first}, plan: {name: item.plan}}
      // A Heroku Postgres fork (addons:create --fork): a read of production's database, written into a new add-on of the fork.
      if (item.data?.method === 'fork') body.config = {fork: item.source.id}
      else if (item.version) body.config = {version: item.version}
      try {
        addon = await this.mutate(
          async () => this.api.createAddon(this.appId, body),
          async () => this.ownAddonAttachedAs(first),
        )
      } catch (error) {
        if (error instanceof ApiError && error.status === 422) {
          throw new Error(`${item.plan} cannot be provisioned: ${error.message} Choose another plan with --plan ${item.source.service}=PLAN.`)
        }

        throw error
      }

      status = 'done'
    }

    // pg:wait's fields (waiting?, message): a fork is usable only once Heroku has copied the data.
    addon = await waitProvisioned(this.api, this.appId, addon, {database: item.source.service === POSTGRES_SERVICE, poll: this.polling, progress: message => context.progress(message)})
    this.addons.set(itemKey(item), addon)
    for (const name of others) {
      // eslint-disable-next-line no-await-in-loop -- attachments of one add-on, in order, each a release
      if (await this.attach(addon.id, name)) status = 'done'
    }

    const forked = item.data?.method === 'fork' ? `, a fork of ${item.source.name}` : ''
    return {detail: `${addon.name}${item.version ? `, Postgres ${item.version}` : ''}${forked}`, status}
  }

  /** The fork's DATABASE_URL is exposed by its own new add-on, and reaches nothing of production's. */
  private async verifyDatabaseUrl(key: string): Promise<void> {
    const addon = this.addons.get(key)
    if (!addon) throw new Error(`${key} is not provisioned.`)
    const [config, attachments] = await Promise.all([this.config(), this.forkAttachments()])
    const database = attachments.find(a => a.name === 'DATABASE')
    if (database?.addon.id !== addon.id) throw new Error(`DATABASE on ${this.plan.target.name} is not ${addon.name}.`)
    if (!config.DATABASE_URL) throw new Error(`${addon.name} is provisioned but ${this.plan.target.name} has no DATABASE_URL.`)
    this.reach.refuse(config.DATABASE_URL, "The fork's DATABASE_URL")
  }

  private async ensureShare(item: AddonPlanItem): Promise<Outcome> {
    let status: Outcome['status'] = 'already-done'
    for (const name of item.attachments) {
      // eslint-disable-next-line no-await-in-loop -- attachments in order, each a release
      if (await this.attach(item.source.id, name)) status = 'done'
    }

    return {detail: `shared with ${item.source.owner}`, status}
  }

  // ---- data ----------------------------------------------------------------------------------

  private sourceUrl(item: AddonPlanItem): {name: string; url: string} {
    for (const attachment of this.production.attachments.filter(a => a.addon.id === item.source.id)) {
      for (const key of attachment.configVarNames) {
        const value = this.production.configVars[key]
        if (value && isPostgresUrl(value)) return {name: attachment.name, url: value}
      }
    }

    throw new Error(`Cannot find the URL of ${item.source.name} in ${this.production.app.name}'s config vars.`)
  }

  private async transfersNamed(fromName: string, toName: string): Promise<DataTransfer[]> {
    const transfers = await this.api.transfers(this.plan.target.name)
    return transfers.filter(t => t.to_name === toName && t.from_name === fromName).sort((a, b) => (a.num ?? 0) - (b.num ?? 0))
  }

  private async waitTransfer(context: StepContext, key: string, transfer: DataTransfer): Promise<DataTransfer> {
    return waitTransferFinished(this.api, this.plan.target.name, transfer, `the data transfer into ${key}`, {
      ...this.polling,
      onProgress: current => context.progress('copying', {done: current.processed_bytes ?? 0, total: current.source_bytes}),
    })
  }

  /**
   * The copy is done when a transfer of production's database into this one succeeded alone. A copy
   * this run started, with nothing else of ours running and exactly one new transfer appearing, is
   * trusted; a re-sent request may start two at once, and then neither is: a fresh one follows.
   * A copy left by an earlier run counts when it is the latest and ended before any other started.
   */
  private async ensureData(item: AddonPlanItem, context: StepContext): Promise<Outcome> {
    const key = itemKey(item)
    const addon = this.addons.get(key)
    if (!addon) throw new Error(`${key} is not provisioned.`)
    const source = this.sourceUrl(item)
    const toName = `${this.plan.target.name}::${key}`
    const fromName = `${this.production.app.name}::${source.name}`
    let started = 0
    let trusted: string | undefined
    for (;;) {
      // eslint-disable-next-line no-await-in-loop -- each look at the transfers follows the last action
      const ours = await this.transfersNamed(fromName, toName)
      const running = ours.filter(t => !t.finished_at)
      if (running.length > 0) {
        if (started === 0) context.progress(`waiting for transfer ${running.map(t => t.num ?? t.uuid).join(', ')} (started earlier)`)
        // eslint-disable-next-line no-await-in-loop -- wait for every running copy before judging the result
        await Promise.all(running.map(async t => this.waitTransfer(context, key, t)))
        continue
      }

      const latest = ours.at(-1)
      if (latest && latest.uuid === trusted) {
        if (latest.succeeded === true) return {detail: `${latest.processed_bytes ?? 0} bytes copied`, status: 'done'}
        // Heroku gives a failed transfer's logs only with ?verbose=true, never in the list.
        // eslint-disable-next-line no-await-in-loop -- once, on the way out with the failure
        const verbose = await this.api.transfer(this.plan.target.name, latest.uuid, {verbose: true}).catch(() => latest)
        const logs = (verbose.logs ?? []).slice(-5).map(l => l.message).join(' | ')
        throw new Error(`The data transfer into ${key} failed${logs ? `: ${logs}` : '.'}`)
      }

      const alone = latest !== undefined && ours.slice(0, -1).every(t => !t.finished_at || !latest.started_at || Date.parse(t.finished_at) < Date.parse(latest.started_at))
      if (started === 0 && latest?.succeeded === true && alone) return {detail: 'copied by an earlier run', status: 'already-done'}
      if (started >= 3) throw new Error(`The data transfer into ${key} did not complete alone after ${started} attempts.`)
      // eslint-disable-next-line no-await-in-loop -- read the target URL just before the copy
      const config = await this.config()
      const targetUrl = config[`${key}_URL`]
      if (!targetUrl || !isPostgresUrl(targetUrl)) throw new Error(`${this.plan.target.name} has no ${key}_URL to copy into.`)
      this.reach.refuse(targetUrl, `The fork's ${key}_URL`)
      started++
      let uuid: string | undefined
      let failure: unknown
      try {
        // eslint-disable-next-line no-await-in-loop -- one copy at a time into one database
        uuid = (await this.api.createTransfer(addon.id, {from_name: fromName, from_url: source.url, to_name: toName, to_url: targetUrl})).uuid
      } catch (error) {
        failure = error
      }

      // eslint-disable-next-line no-await-in-loop -- how many copies did that request start?
      const fresh = (await this.transfersNamed(fromName, toName)).filter(t => !ours.some(o => o.uuid === t.uuid))
      if (fresh.length === 0) throw failure ?? new Error(`The data transfer into ${key} did not start.`)
      trusted = fresh.length === 1 ? fresh[0]?.uuid ?? uuid : undefined
      if (!trusted) context.progress(`${fresh.length} transfers started by one request: waiting for them, then copying again`)
    }
  }

  // ---- release, formation, pipeline ----------------------------------------------------------

  /**
   * The fork's current release when it runs production's slug: the same slug id, or the slug of the
   * release this command made (a platform may give a released copy of a slug its own id), still current.
   */
  private async releasedSlug(): Promise<Release | undefined> {
    const wanted = this.plan.release
    if (!wanted) return undefined
    const list = await this.api.releases(this.appId, 10)
    const current = list.find(r => r.current) ?? list[0]
    if (wanted.ociImageId) {
      // Fir: the same OCI image, by id.
      return current && current.status !== 'failed' && current.oci_image?.id === wanted.ociImageId ? current : undefined
    }

    const ours = list.find(r => r.description === wanted.description && r.slug?.id && r.status !== 'failed')
    const slug = current?.slug?.id
    return current && current.status !== 'failed' && slug && (slug === wanted.slugId || slug === ours?.slug?.id) ? current : undefined
  }

  private async ensureRelease(): Promise<Outcome> {
    const wanted = this.plan.release
    if (!wanted) return {detail: 'production has no slug', status: 'skipped'}
    const current = await this.releasedSlug()
    if (current) return {detail: `v${current.version}`, status: 'already-done'}
    const release = await this.mutate(
      async () => this.api.createRelease(this.appId, wanted.ociImageId ? {description: wanted.description, oci_image: wanted.ociImageId} : {description: wanted.description, slug: wanted.slugId ?? ''}),
      async () => this.releasedSlug(),
    )
    const done = await poll(`release v${release.version}`, async () => {
      if (release.status !== 'pending') return release
      const now = await this.api.release(this.appId, release.id)
      return now.status === 'pending' ? undefined : now
    }, this.polling)
    if (done.status === 'failed') throw new Error(`Release v${done.version} of ${this.plan.target.name} failed: see heroku releases:output ${done.version} -a ${this.plan.target.name}`)
    return {detail: `v${done.version}`, status: 'done'}
  }

  /** The updates that bring the fork's formation to `quantity(type)` dynos of the plan's sizes. */
  private async formationUpdates(quantity: (want: FormationPlanItem) => number): Promise<Array<{quantity: number; size: string; type: string}>> {
    const current = await this.api.formation(this.appId)
    return this.plan.formation
      .filter(want => {
        const have = current.find(f => f.type === want.type)
        return !have || have.quantity !== quantity(want) || (have.size ?? '').toLowerCase() !== want.size.toLowerCase()
      })
      .map(want => ({quantity: quantity(want), size: want.size, type: want.type}))
  }

  private async scaleTo(quantity: (want: FormationPlanItem) => number, summary: string): Promise<Outcome> {
    const updates = await this.formationUpdates(quantity)
    if (updates.length === 0) return {detail: summary, status: 'already-done'}
    await this.mutate<unknown>(
      async () => this.api.updateFormation(this.appId, updates),
      async () => ((await this.formationUpdates(quantity)).length === 0 ? true : undefined),
    )
    return {detail: summary, status: 'done'}
  }

  /**
   * Every process type at 0 (in the plan's sizes) right after the release, before the audit: a first
   * release starts web=1 on Heroku. A fork an earlier run already scaled to the plan's formation
   * (its audit passed then) is left as it is: the audit decides again before this run ends.
   */
  private async ensureHeld(): Promise<Outcome> {
    if (!this.plan.release || this.plan.formation.length === 0) return {detail: 'nothing released', status: 'skipped'}
    if ((await this.formationUpdates(want => want.quantity)).length === 0 && this.plan.formation.some(f => f.quantity > 0)) {
      return {detail: 'scaled by an earlier run whose audit passed; the audit decides again', status: 'already-done'}
    }

    return this.scaleTo(() => 0, this.plan.formation.map(f => `${f.type} 0×${f.size}`).join(', '))
  }

  /** After the audit: the plan's formation when it has no critical finding, every type at 0 otherwise. */
  async ensureScaled(verified: boolean): Promise<Outcome> {
    if (!this.plan.release || this.plan.formation.length === 0) return {detail: 'nothing released', status: 'skipped'}
    if (!verified) return this.scaleTo(() => 0, 'held at 0: the audit has a critical finding')
    return this.scaleTo(want => want.quantity, this.plan.formation.map(f => `${f.type} ${f.quantity}×${f.size}`).join(', '))
  }

  /** Continues on the app `--to` names (after executeFork): the scale step needs its id. */
  async findTarget(): Promise<void> {
    const app = await this.findApp()
    if (!app) throw new Error(`${this.plan.target.name} does not exist.`)
    this.app = {id: app.id, name: app.name, webUrl: app.web_url ?? undefined}
  }

  private async coupling(): Promise<PipelineCoupling | undefined> {
    return this.api.findCoupling(this.appId)
  }

  private async ensurePipeline(): Promise<Outcome> {
    const wanted = this.plan.pipeline
    if (!wanted) return {detail: 'production is in no pipeline', status: 'skipped'}
    const matches = (coupling: PipelineCoupling | undefined) => coupling?.pipeline.id === wanted.id && coupling.stage === FORK_STAGE
    const coupling = await this.coupling()
    if (coupling) {
      if (matches(coupling)) return {status: 'already-done'}
      throw new Error(`${this.plan.target.name} is already coupled to a pipeline at stage ${coupling.stage}: remove it with heroku pipelines:remove -a ${this.plan.target.name}, then re-run.`)
    }

    await this.mutate<unknown>(
      async () => this.api.createCoupling({app: this.appId, pipeline: wanted.id, stage: FORK_STAGE}),
      async () => (matches(await this.coupling()) ? true : undefined),
    )
    return {status: 'done'}
  }
}

/** Runs the fork's plan. Throws ForkRefusedError or ForkFailedError; never destroys anything itself. */
export async function executeFork(options: ExecuteOptions): Promise<ExecuteResult> {
  const fork = new Fork(options)
  const run = await runSteps(fork.steps(), {concurrency: options.sequential ? 1 : undefined, onEvent: options.onEvent})
  const result: ExecuteResult = {app: fork.app, created: fork.created, steps: forwardReports(run)}
  if (run.failure?.error instanceof ForkRefusedError) throw run.failure.error
  if (run.failure) throw new ForkFailedError({...run, failure: run.failure}, options.resume ?? `heroku staging:fork --from ${options.plan.source.name} --to ${options.plan.target.name}`, result)
  return result
}

/**
 * The fork's last step, after its audit: scales to the plan's formation when `verified` (no critical
 * finding), and keeps every process type at 0 otherwise. Idempotent; throws ForkFailedError.
 */
export async function scaleFork(options: ExecuteOptions, verified: boolean): Promise<ForwardStepReport> {
  const fork = new Fork(options)
  const label = verified ? 'Scale to the requested formation (the audit passed)' : 'Dynos stay at 0 (the audit has a critical finding)'
  const run = await runSteps([{apply: async () => {
    await fork.findTarget()
    return fork.ensureScaled(verified)
  }, deps: [], id: 'scale', label}], {concurrency: 1, onEvent: options.onEvent})
  const steps = forwardReports(run)
  if (run.failure) throw new ForkFailedError({...run, failure: run.failure}, options.resume ?? `heroku staging:fork --from ${options.plan.source.name} --to ${options.plan.target.name}`, {app: fork.app, created: false, steps})
  return steps[0] ?? {id: 'scale', label, status: 'not-run'}
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
