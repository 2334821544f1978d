/**
 * What every route shares: the store, the settings, the PostgreSQL cluster (started on first
 * use) and the background work (provisioning, transfers) that `stop()` must wait for.
 */

import {type Pooler, startPooler} from './pooler.js'
import type {PgBinaries} from './postgres/binaries.js'
import type {ClusterOptions, PgCluster} from './postgres/types.js'
import type {Store} from './store.js'

export interface Settings {
  latencyMs: number
  provisionDelayMs: number
  /** per-account request budget; undefined = unlimited */
  rateLimit?: number
}

export type StartCluster = (options: ClusterOptions) => Promise<PgCluster>
/** A server of exactly this major on this machine, or undefined (`findServerForMajor`). */
export type FindServer = (major: number) => PgBinaries | undefined

/** A server of another major than the default cluster's, with its own pooler relay. */
interface MajorCluster {
  cluster: PgCluster
  pooler: Pooler
}

export class Core {
  /** where backups (dump files) live */
  readonly backupsDir: string
  private clusterPromise?: Promise<PgCluster>
  /** the connection pooler's relay, started with the cluster */
  private pooler?: Pooler
  /** the running cluster, once started */
  started?: PgCluster
  /** servers of other majors, by major, started when a database of that major is first made */
  private readonly majors = new Map<string, Promise<MajorCluster>>()
  /** what `findServer` answered, by major (it searches the disk and runs `--version`) */
  private readonly servers = new Map<string, PgBinaries | undefined>()
  private readonly pending = new Set<Promise<unknown>>()
  private readonly timers = new Set<NodeJS.Timeout>()
  stopping = false
  /** the server's base URL, set once it listens */
  url = ''

  constructor(
    readonly store: Store,
    readonly settings: Settings,
    private readonly startCluster: StartCluster,
    private readonly clusterDir: string | undefined,
    backupsDir: string,
    readonly log: (line: string) => void,
    private readonly findServer: FindServer = () => undefined,
  ) {
    this.backupsDir = backupsDir
  }

  /**
   * Where a new database that reports Postgres `version` goes: a server of that major when this
   * machine has its binaries (`major` set, recorded on the add-on as `clusterMajor`), else the
   * default cluster (`major` undefined).
   */
  async clusterForVersion(version: string | undefined): Promise<{cluster: PgCluster; major?: string}> {
    const main = await this.cluster()
    const major = version?.split('.')[0]
    if (!major || major === main.serverMajorVersion) return {cluster: main}
    if (!this.majors.has(major) && !this.serverOf(major)) return {cluster: main}
    return {cluster: (await this.majorCluster(major)).cluster, major}
  }

  /** The server holding an add-on's database: its `clusterMajor`'s, or the default cluster. */
  async clusterOf(addon: {clusterMajor?: string}): Promise<PgCluster> {
    if (!addon.clusterMajor) return this.cluster()
    return (await this.majorCluster(addon.clusterMajor)).cluster
  }

  private serverOf(major: string): PgBinaries | undefined {
    if (!this.servers.has(major)) this.servers.set(major, this.findServer(Number(major)))
    return this.servers.get(major)
  }

  private async majorCluster(major: string): Promise<MajorCluster> {
    if (this.stopping) throw new Error('the emulator is stopping')
    let started = this.majors.get(major)
    if (!started) {
      started = this.bootMajor(major)
      this.majors.set(major, started)
      started.catch(() => this.majors.delete(major))
    }

    return started
  }

  private async bootMajor(major: string): Promise<MajorCluster> {
    const binaries = this.serverOf(major)
    if (!binaries) throw new Error(`this machine has no PostgreSQL ${major} server any more (it holds databases made on it); install it or drop those add-ons`)
    const ports = (this.store.state.majorPorts ??= {})[major] ?? {}
    const dataDir = this.clusterDir && `${this.clusterDir}-${major}`
    let cluster: PgCluster
    try {
      cluster = await this.startCluster({binaries, dataDir, port: ports.pg})
    } catch (error) {
      if (ports.pg === undefined) throw error
      this.log(`PostgreSQL ${major} could not start on its previous port ${ports.pg} (${(error as Error).message}); using a new port`)
      cluster = await this.startCluster({binaries, dataDir})
    }

    if (ports.pg !== undefined && ports.pg !== cluster.port) this.movePort(ports.pg, cluster.port)
    const pooler = await startPooler(cluster.port, ports.pooler).catch(async () => startPooler(cluster.port))
    if (ports.pooler !== undefined && ports.pooler !== pooler.port) this.movePort(ports.pooler, pooler.port)
    this.store.state.majorPorts![major] = {pg: cluster.port, pooler: pooler.port}
    this.store.changed()
    return {cluster, pooler}
  }

  get clusterStarted(): boolean {
    return this.clusterPromise !== undefined
  }

  /** The PostgreSQL server, started on first use on the port it had before (so stored URLs stay valid). */
  async cluster(): Promise<PgCluster> {
    if (this.stopping) throw new Error('the emulator is stopping')
    this.clusterPromise ??= this.bootCluster()
    return this.clusterPromise
  }

  private async bootCluster(): Promise<PgCluster> {
    const previous = this.store.state.pgPort
    let cluster: PgCluster
    try {
      cluster = await this.startCluster({dataDir: this.clusterDir, port: previous})
    } catch (error) {
      if (previous === undefined) throw error
      this.log(`PostgreSQL could not start on its previous port ${previous} (${(error as Error).message}); using a new port`)
      cluster = await this.startCluster({dataDir: this.clusterDir})
    }

    if (previous !== undefined && previous !== cluster.port) this.movePort(previous, cluster.port)
    this.store.state.pgPort = cluster.port
    this.pooler = await startPooler(cluster.port, this.store.state.poolerPort).catch(async () => startPooler(cluster.port))
    this.store.state.poolerPort = this.pooler.port
    this.store.changed()
    this.started = cluster
    return cluster
  }

  /** The server moved: rewrite every stored URL (add-on config and plain config vars that copied one). */
  private movePort(from: number, to: number): void {
    const rewrite = (value: string): string => value.replaceAll(`@127.0.0.1:${from}/`, `@127.0.0.1:${to}/`)
    for (const addon of this.store.state.addons) {
      for (const key of Object.keys(addon.config)) addon.config[key] = rewrite(addon.config[key] ?? '')
    }

    for (const app of this.store.state.apps) {
      for (const key of Object.keys(app.config)) app.config[key] = rewrite(app.config[key] ?? '')
    }
  }

  /** Runs `fn` after `ms` in the background; `stop()` cancels timers and awaits running work. */
  later(ms: number, fn: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.track(fn())
    }, ms)
    this.timers.add(timer)
  }

  /** Tracks background work so `stop()` can wait for it; failures are logged, never thrown. */
  track(work: Promise<unknown>): void {
    const tracked = work.catch(error => this.log(`background task failed: ${(error as Error).message}`)).finally(() => {
      this.pending.delete(tracked)
    })
    this.pending.add(tracked)
  }

  /** Cancels pending timers and waits for in-flight background work. */
  async settle(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    while (this.pending.size > 0) {
      // eslint-disable-next-line no-await-in-loop -- work may schedule more work; drain until quiet
      await Promise.all(this.pending)
    }
  }

  async stopCluster(): Promise<void> {
    const started = this.clusterPromise
    this.clusterPromise = undefined
    this.started = undefined
    const {pooler} = this
    this.pooler = undefined
    await pooler?.close()
    const majors = [...this.majors.values()]
    this.majors.clear()
    await Promise.all(majors.map(async started => {
      try {
        const {cluster, pooler: relay} = await started
        await relay.close()
        await cluster.stop()
      } catch (error) {
        this.log(`stopping PostgreSQL failed: ${(error as Error).message}`)
      }
    }))
    if (!started) return
    try {
      const cluster = await started
      await cluster.stop()
    } catch (error) {
      this.log(`stopping PostgreSQL failed: ${(error as Error).message}`)
    }
  }
}
