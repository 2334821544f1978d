/**
 * What every route shares: the store, the settings, the PostgreSQL cluster (started on first
 * use) and the background work (provisioning, transfers) that `stop()` must wait for.
 */

import {type Pooler, startPooler} from './pooler.js'
import type {ClusterOptions, PgCluster} from './postgres/types.js'
import type {Store} from './store.js'

export interface Settings {
  latencyMs: number
  provisionDelayMs: number
  /** per-account request budget; undefined = unlimited */
  rateLimit?: number
}

export type StartCluster = (options: ClusterOptions) => Promise<PgCluster>

export class Core {
  /** where backups (dump files) live */
  readonly backupsDir: string
  private clusterPromise?: Promise<PgCluster>
  /** the connection pooler's relay, started with the cluster */
  private pooler?: Pooler
  /** the running cluster, once started */
  started?: PgCluster
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
  ) {
    this.backupsDir = backupsDir
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
    if (!started) return
    try {
      const cluster = await started
      await cluster.stop()
    } catch (error) {
      this.log(`stopping PostgreSQL failed: ${(error as Error).message}`)
    }
  }
}
