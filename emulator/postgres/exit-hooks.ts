/**
 * Clusters still running when this process ends are stopped: on SIGINT/SIGTERM/SIGHUP asynchronously
 * (then the signal's default action is restored and re-raised, unless the application listens for it
 * too and will exit itself), and on `exit` (normal end, process.exit(), uncaught exception)
 * synchronously. A parent killed outright (SIGKILL) is covered by each cluster's watchdog.
 */

export interface StoppableCluster {
  stop(): Promise<void>
  /** best effort, synchronous: signal the server and wait a little for it */
  stopSync(): void
}

const live = new Set<StoppableCluster>()
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
let installed = false

function onExit(): void {
  for (const cluster of live) cluster.stopSync()
  live.clear()
}

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  const clusters = [...live]
  await Promise.allSettled(clusters.map(cluster => cluster.stop()))
  // If the application handles this signal itself, it decides when to exit; otherwise behave as if
  // nobody had listened: restore the default action and re-raise.
  if (process.listenerCount(signal) <= 1) {
    uninstall()
    process.kill(process.pid, signal)
  }
}

const signalHandlers = new Map<NodeJS.Signals, () => void>(
  SIGNALS.map(signal => [
    signal,
    () => {
      void onSignal(signal)
    },
  ]),
)

function install(): void {
  if (installed) return
  installed = true
  process.on('exit', onExit)
  for (const [signal, handler] of signalHandlers) process.on(signal, handler)
}

function uninstall(): void {
  if (!installed) return
  installed = false
  process.off('exit', onExit)
  for (const [signal, handler] of signalHandlers) process.off(signal, handler)
}

export function registerCluster(cluster: StoppableCluster): void {
  live.add(cluster)
  install()
}

export function unregisterCluster(cluster: StoppableCluster): void {
  live.delete(cluster)
  if (live.size === 0) uninstall()
}
