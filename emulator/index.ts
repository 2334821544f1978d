/**
 * `startEmulator()`: a local Heroku (Platform + Data API on one port, real PostgreSQL behind
 * heroku-postgresql add-ons) that tests, benchmarks, the demo and users run in-process or via
 * `npm run emulator`.
 */

import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import type {Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import os from 'node:os'
import path from 'node:path'

import {POSTGRES} from './catalog.js'
import {Core, type StartCluster} from './core.js'
import {Router} from './http.js'
import {Faults, Journal} from './journal.js'
import {findServerForMajor} from './postgres/binaries.js'
import {startCluster} from './postgres/cluster.js'
import {dropDatabases, provisionAddon, resumeAfterRestart, runAsOwner} from './provision.js'
import {controlRoutes, type Controls} from './routes/control.js'
import {backupDownload, dataRoutes} from './routes/data.js'
import {addonRoutes} from './routes/platform/addons.js'
import {appRoutes} from './routes/platform/apps.js'
import {pipelineRoutes} from './routes/platform/pipelines.js'
import {reviewAppRoutes} from './routes/platform/review-apps.js'
import {createServer, RateLimiter} from './server.js'
import {emptyState, type State, Store} from './store.js'
import type {Account, BulkSeed, Emulator, EmulatorOptions, FaultRule, JournalEntry, SeedFixture} from './types.js'

export type {Account, BulkSeed, Emulator, EmulatorOptions, FaultRule, JournalEntry, SeedFixture} from './types.js'

/** The two accounts: fixed tokens, so a `--data-dir` emulator keeps working with the same env after a restart. */
export const ACCOUNTS: readonly Account[] = [
  {email: 'dev@example.com', id: '5f0a9c1e-3b7d-4c2a-9e61-0d8f4b2a7c10', token: 'HRKU-emulator-0000-dev-token-00000000000000'},
  {email: 'stranger@example.com', id: '9b3e7d2a-6c1f-4e8b-a5d4-2f7c0e9b1a63', token: 'HRKU-emulator-0001-stranger-token-0000000000'},
]

export interface StartOptions extends EmulatorOptions {
  /** the PostgreSQL backend; tests may inject one */
  startCluster?: StartCluster
}

class EmulatorImpl implements Controls {
  readonly accounts = ACCOUNTS.map(a => ({...a}))
  env: Record<string, string> = {}
  port = 0
  url = ''
  private readonly faultRules = new Faults()
  private readonly journalLog = new Journal()
  private readonly rateLimiter: RateLimiter
  private saveScheduled = false
  private server?: Server
  private stopped = false

  constructor(
    private readonly core: Core,
    private readonly options: StartOptions,
    private readonly statePath: string | undefined,
    private readonly tempDir: string | undefined,
  ) {
    this.rateLimiter = new RateLimiter(core.settings)
    if (statePath) core.store.onChange(() => this.scheduleSave())
  }

  async listen(port: number): Promise<void> {
    const platform = new Router()
    appRoutes(platform, this.core)
    addonRoutes(platform, this.core)
    pipelineRoutes(platform, this.core)
    reviewAppRoutes(platform, this.core)
    const data = new Router()
    dataRoutes(data, this.core)
    const control = new Router()
    controlRoutes(control, this)
    const server = createServer({
      accounts: this.accounts,
      controlRouter: control,
      core: this.core,
      dataRouter: data,
      faults: this.faultRules,
      journal: this.journalLog,
      platformRouter: platform,
      rateLimiter: this.rateLimiter,
      verbose: Boolean(this.options.verbose),
    })
    server.keepAliveTimeout = 5000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
    this.port = (server.address() as AddressInfo).port
    this.url = `http://127.0.0.1:${this.port}`
    this.core.url = this.url
    this.env = {
      DISABLE_TELEMETRY: 'true',
      HEROKU_API_KEY: this.accounts[0]!.token,
      HEROKU_DATA_HOST: '127.0.0.1',
      HEROKU_HOST: this.url,
      // Reached as `localhost` so the emulator can tell particleboard's delinquency check from GET /account.
      HEROKU_PARTICLEBOARD_URL: `http://localhost:${this.port}`,
      // keep the stock CLI from calling out for update checks
      HEROKU_DISABLE_AUTOUPDATE: 'true',
      HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
    }
  }

  // ------------------------------------------------------------------ persistence

  private scheduleSave(): void {
    if (this.saveScheduled || this.stopped) return
    this.saveScheduled = true
    setImmediate(() => {
      this.saveScheduled = false
      this.saveNow()
    })
  }

  saveNow(): void {
    if (!this.statePath) return
    const temp = `${this.statePath}.tmp`
    writeFileSync(temp, JSON.stringify(this.core.store.state), {mode: 0o600})
    renameSync(temp, this.statePath)
  }

  // ------------------------------------------------------------------ the Emulator contract

  journal(): JournalEntry[] {
    return this.journalLog.list()
  }

  clearJournal(): void {
    this.journalLog.clear()
  }

  addFault(rule: FaultRule): void {
    this.faultRules.add(rule)
  }

  clearFaults(): void {
    this.faultRules.clear()
  }

  faults(): Array<FaultRule & {matched: number}> {
    return this.faultRules.list()
  }

  postgres(): undefined | {dataDir?: string; pid?: number; port: number; serverMajorVersion: string} {
    const cluster = this.core.started
    return cluster && {dataDir: cluster.dataDir, pid: cluster.pid, port: cluster.port, serverMajorVersion: cluster.serverMajorVersion}
  }

  setLatency(ms: number): void {
    this.core.settings.latencyMs = ms
  }

  expireArtifacts(options: {all?: boolean; app?: string; days?: number; now?: string; releases?: number} = {}): Array<{app: string; version: number}> {
    const {store} = this.core
    const app = options.app === undefined ? undefined : store.findApp(options.app)
    if (options.app !== undefined && !app) throw new Error(`no app named ${options.app}`)
    const at = options.now === undefined ? undefined : new Date(options.now)
    if (at && Number.isNaN(at.getTime())) throw new Error(`now is not a date: ${options.now}`)
    return store.expireArtifacts({all: options.all, app, days: options.days, now: at, releases: options.releases})
      .map(r => ({app: store.appById(r.appId).name, version: r.version}))
  }

  setProvisionDelay(ms: number): void {
    this.core.settings.provisionDelayMs = ms
  }

  setRateLimit(budget: number | undefined): void {
    this.core.settings.rateLimit = budget
    this.rateLimiter.reset()
  }

  settings(): {latencyMs: number; provisionDelayMs: number; rateLimit?: number} {
    return {...this.core.settings}
  }

  downloadBackup(uuid: string, token: null | string): {contentType: string; data: NodeJS.ReadableStream} {
    return backupDownload(this.core, uuid, token)
  }

  databaseUrl(addonName: string): string {
    const addon = this.core.store.findAddon(addonName)
    if (!addon) throw new Error(`no add-on named ${addonName}`)
    if (addon.service !== POSTGRES) throw new Error(`${addonName} is a ${addon.service} add-on, not a database`)
    const url = addon.config.URL
    if (!url) throw new Error(`${addonName} is not provisioned yet`)
    return url
  }

  /** Back to an empty Heroku: every database dropped, journal, faults and settings back to the start options. */
  async reset(): Promise<void> {
    await this.core.settle()
    await dropDatabases(this.core, this.core.store.state.addons)

    await rm(this.core.backupsDir, {force: true, recursive: true})
    const fresh = emptyState()
    fresh.pgPort = this.core.store.state.pgPort
    // the pooler relays keep running across a reset: their ports too
    fresh.poolerPort = this.core.store.state.poolerPort
    fresh.majorPorts = this.core.store.state.majorPorts
    this.core.store.replace(fresh)
    this.journalLog.clear()
    this.faultRules.clear()
    this.rateLimiter.reset()
    this.core.settings.latencyMs = this.options.latencyMs ?? 0
    this.core.settings.provisionDelayMs = this.options.provisionDelayMs ?? 0
    this.core.settings.rateLimit = this.options.rateLimit
  }

  seedBulk(spec: BulkSeed): string[] {
    const owner = this.accounts[0]
    if (!owner) throw new Error('seed-bulk: no account')
    return this.core.store.createBulk(owner, spec).map(app => app.name)
  }

  async seed(fixture: SeedFixture): Promise<void> {
    const {store} = this.core
    const owner = (email?: string): Account => {
      const account = email ? store.account(email) : this.accounts[0]
      if (!account) throw new Error(`seed: unknown account ${email}`)
      return account
    }

    const appNamed = (name: string) => {
      const app = store.findApp(name)
      if (!app) throw new Error(`seed: unknown app ${name}`)
      return app
    }

    for (const spec of fixture.spaces ?? []) {
      store.createSpace(owner(spec.owner), {generation: spec.generation, name: spec.name, region: spec.region, shield: spec.shield, team: spec.team ?? null})
    }

    for (const spec of fixture.apps ?? []) {
      const account = owner(spec.owner)
      const app = store.createApp(account, {name: spec.name, region: spec.region, space: spec.space, stack: spec.stack, team: spec.team ?? null})
      if (spec.buildpacks) store.setBuildpacks(app, spec.buildpacks)
      if (spec.release !== false) {
        const types = spec.formation?.map(f => f.type) ?? ['web']
        const commit = `${app.id.replaceAll('-', '').slice(0, 12)}0000000000000000000000000000`
        const processTypes = Object.fromEntries(types.map(type => [type, type === 'web' ? 'npm start' : `npm run ${type}`]))
        // a Fir app's code is an OCI image, a Cedar app's a slug
        if (app.generation === 'fir') {
          store.releaseOciImage(account, app, store.createOciImage(app, {commit, processTypes}).id)
        } else {
          store.releaseSlug(account, app, store.createSlug(app, {commit, processTypes}).id)
        }
      }

      for (const f of spec.formation ?? []) {
        store.ensureFormation(app, f.type, f.type === 'web' ? 'npm start' : `npm run ${f.type}`)
        store.scale(app, [{quantity: f.quantity, size: f.size, type: f.type}])
      }

      if (spec.config && Object.keys(spec.config).length > 0) store.patchConfig(account, app, spec.config)
      if (spec.maintenance) store.updateApp(app, {maintenance: true})
    }

    for (const {app, email} of fixture.collaborators ?? []) store.addCollaborator(appNamed(app), owner(email))

    for (const spec of fixture.addons ?? []) {
      const app = appNamed(spec.app)
      const account = owner(store.account(app.ownerId)?.email)
      // eslint-disable-next-line no-await-in-loop -- order matters: the first database takes DATABASE
      const addon = await provisionAddon(this.core, account, app, {
        attachmentName: spec.as,
        confirm: app.name,
        follow: spec.follow,
        fork: spec.fork,
        level: spec.level,
        name: spec.name,
        plan: spec.plan,
        version: spec.version,
      }, {immediate: true})
      if (spec.sql) {
        // eslint-disable-next-line no-await-in-loop -- the SQL runs in the database just created
        await runAsOwner(this.databaseUrl(addon.name), spec.sql)
      }
    }

    for (const spec of fixture.attachments ?? []) {
      const app = appNamed(spec.app)
      const addon = store.findAddon(spec.addon)
      if (!addon) throw new Error(`seed: unknown add-on ${spec.addon}`)
      store.createAttachment(owner(store.account(app.ownerId)?.email), app, addon, {confirm: app.name, name: spec.as, origin: 'attach'})
    }

    for (const spec of fixture.pipelines ?? []) {
      // a pipeline takes its apps' generation (they must share it)
      const first = Object.keys(spec.apps)[0]
      const generation = first ? appNamed(first).generation : undefined
      const pipeline = store.findPipeline(spec.name) ?? store.createPipeline(this.accounts[0]!, spec.name, generation ?? 'cedar')
      for (const [appName, stage] of Object.entries(spec.apps)) store.couple(appNamed(appName), pipeline, stage)
      for (const [stage, config] of Object.entries(spec.stageConfig ?? {})) store.patchStageConfig(pipeline, stage, config)
      // after the stage config: a review app gets the review stage's vars, as on Heroku
      for (const review of spec.reviewApps ?? []) {
        store.createReviewApp(this.accounts[0]!, pipeline, {
          branch: review.branch, environment: review.config, name: review.name, prNumber: review.prNumber ?? null, sourceBlob: {url: 'https://example.com/source.tgz', version: null},
        })
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.core.stopping = true
    const server = this.server
    if (server) {
      const closed = new Promise<void>(resolve => {
        server.close(() => resolve())
      })
      server.closeAllConnections()
      await closed
    }

    await this.core.settle()
    this.stopped = true
    this.saveNow()
    await this.core.stopCluster()
    if (this.tempDir) await rm(this.tempDir, {force: true, recursive: true})
  }
}

function loadState(file: string): State {
  if (!existsSync(file)) return emptyState()
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as State
  if (parsed.format !== 1) throw new Error(`${file}: unknown state format ${String(parsed.format)}`)
  return {...emptyState(), ...parsed}
}

export async function startEmulator(options: StartOptions = {}): Promise<Emulator> {
  let statePath: string | undefined
  let tempDir: string | undefined
  let backupsDir: string
  let clusterDir: string | undefined
  if (options.dataDir) {
    const dir = path.resolve(options.dataDir)
    mkdirSync(dir, {recursive: true})
    statePath = path.join(dir, 'state.json')
    backupsDir = path.join(dir, 'backups')
    clusterDir = path.join(dir, 'pg')
  } else {
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'heroku-emulator-'))
    backupsDir = path.join(tempDir, 'backups')
  }

  const store = new Store(ACCOUNTS, statePath ? loadState(statePath) : emptyState())
  const settings = {latencyMs: options.latencyMs ?? 0, provisionDelayMs: options.provisionDelayMs ?? 0, rateLimit: options.rateLimit}
  const log = (line: string): void => {
    process.stderr.write(`[emulator] ${line}\n`)
  }

  // Databases run on the major they report where this machine has that server (not with an injected startCluster).
  const core = new Core(store, settings, options.startCluster ?? startCluster, clusterDir, backupsDir, log, options.startCluster ? undefined : major => findServerForMajor(major))
  const emulator = new EmulatorImpl(core, options, statePath, tempDir)
  try {
    await emulator.listen(options.port ?? 0)
    // A persisted emulator with databases brings its PostgreSQL back up right away.
    if (store.state.addons.some(a => a.database)) await core.cluster()
    const majors = new Set(store.state.addons.filter(a => a.database && a.clusterMajor).map(a => a.clusterMajor!))
    await Promise.all([...majors].map(async clusterMajor => core.clusterOf({clusterMajor})))
    if (statePath) resumeAfterRestart(core)
  } catch (error) {
    await emulator.stop()
    throw error
  }

  return emulator
}
