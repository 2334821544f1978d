import type {HerokuApi} from './api.js'
import type {AddOn, DataTransfer} from './types.js'

/**
 * Waiting on Heroku, shared by the executors: polling with a growing interval, an add-on until it
 * is provisioned, a Postgres database until the Data API says it is available, and a Data API
 * transfer (backup, copy, restore) until it finishes. Nothing here prints; progress goes to a
 * callback. Requests go through whatever resource layer is passed (a guarded one, for executors).
 */

export interface PollOptions {
  /** first wait between looks (default 200 ms); it grows by half each time… */
  initialMs?: number
  /** …up to this (default 3000 ms) */
  maxMs?: number
  /**
   * a quick phase: for the first `forMs` of a wait the interval grows to at most `maxMs`, so short
   * waits end soon after they are ready and long ones still cost few requests (default: none)
   */
  quick?: {forMs: number; maxMs: number}
  /** give up after this long (default 60 min) */
  timeoutMs?: number
  /** stop waiting at once (Ctrl-C); the wait throws WaitAbortedError */
  signal?: AbortSignal
  /** injectable for tests */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/**
 * Runs `work` with a signal that is aborted when the user presses Ctrl-C while it runs (the
 * command provides it; changes already asked of Heroku go on, only the waiting stops).
 */
export type Interruptible = <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>

/** The wait was aborted through its signal; what it waited for may still be going on at Heroku. */
export class WaitAbortedError extends Error {
  constructor(readonly what: string) {
    super(`Stopped waiting for ${what}.`)
    this.name = 'WaitAbortedError'
  }
}

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }

    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, {once: true})
  })
}

/** Calls `check` until it returns a value; waits between looks, within the timeout. */
export async function poll<T>(what: string, check: () => Promise<T | undefined>, options: PollOptions = {}): Promise<T> {
  const maxMs = options.maxMs ?? 3000
  const quickMs = Math.min(options.quick?.maxMs ?? maxMs, maxMs)
  const began = Date.now()
  const deadline = began + (options.timeoutMs ?? 60 * 60 * 1000)
  const sleep = options.sleep ?? pause
  let interval = Math.min(options.initialMs ?? 200, quickMs)
  for (;;) {
    if (options.signal?.aborted) throw new WaitAbortedError(what)
    // eslint-disable-next-line no-await-in-loop -- polling: each look follows the previous one
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`)
    // eslint-disable-next-line no-await-in-loop -- polling interval
    await sleep(interval, options.signal)
    const cap = options.quick && Date.now() - began < options.quick.forMs ? quickMs : maxMs
    interval = Math.min(cap, Math.ceil(interval * 1.5))
  }
}

/** Polls `GET /apps/:app/addons/:addon` until the add-on is provisioned; `onState` hears each new state. */
export async function waitAddonProvisioned(api: HerokuApi, app: string, addon: AddOn, options: PollOptions & {onState?: (state: string) => void} = {}): Promise<AddOn> {
  if (addon.state === 'provisioned') return addon
  let last: string | undefined = addon.state
  return poll(`${addon.name} to be provisioned`, async () => {
    const current = await api.appAddon(app, addon.id)
    if (current.state === 'deprovisioned') throw new Error(`${addon.name} was deprovisioned while waiting for it.`)
    if (current.state !== last) options.onState?.(current.state)
    last = current.state
    return current.state === 'provisioned' ? current : undefined
  }, options)
}

/** Polls the Data API's `wait_status` until the database is available (404 while it is being created). */
export async function waitDatabaseAvailable(api: HerokuApi, addon: {id: string; name: string}, options: PollOptions & {onStatus?: (message: string) => void} = {}): Promise<void> {
  await poll(`${addon.name} to be available`, async () => {
    const status = await api.findWaitStatus(addon.id)
    if (status === undefined) return undefined
    if (status['error?']) throw new Error(`${addon.name}: ${status.message}`)
    if (status['waiting?']) options.onStatus?.(status.message)
    return status['waiting?'] ? undefined : true
  }, options)
}

export type TransferWaitOptions = PollOptions & {onProgress?: (current: DataTransfer) => void}

/**
 * Polls `GET /client/v11/apps/:billingApp/transfers/:uuid` until the transfer has finished, and
 * returns it as it ended, succeeded or not; `what` names it in the timeout message.
 */
export async function waitTransferFinished(api: HerokuApi, billingApp: string, transfer: DataTransfer, what: string, options: TransferWaitOptions = {}): Promise<DataTransfer> {
  if (transfer.finished_at) return transfer
  return poll(what, async () => {
    const current = await api.transfer(billingApp, transfer.uuid)
    options.onProgress?.(current)
    return current.finished_at ? current : undefined
  }, options)
}

/** The last five log lines of a finished transfer: Heroku gives them only with `?verbose=true`, never in a list. */
export async function transferLogs(api: HerokuApi, billingApp: string, transfer: DataTransfer): Promise<string[]> {
  const verbose = await api.transfer(billingApp, transfer.uuid, {verbose: true}).catch(() => transfer)
  return (verbose.logs ?? []).slice(-5).map(log => log.message)
}

/**
 * Requires a finished transfer to have succeeded. A failed one throws with its last log lines and
 * the pg:backups:info command naming it; `name` is how pg:backups shows it (`b012`, see `transferName`).
 */
export async function requireSucceeded(api: HerokuApi, billingApp: string, done: DataTransfer, name: string): Promise<DataTransfer> {
  if (done.succeeded !== true) {
    const logs = (await transferLogs(api, billingApp, done)).join('\n')
    throw new Error(`${name} did not finish${logs ? `:\n${logs}` : '.'}\nRun heroku pg:backups:info ${name} -a ${billingApp} for more details.`)
  }

  return done
}

/** Waits for a transfer (`waitTransferFinished`) and requires it to have succeeded (`requireSucceeded`). */
export async function waitTransfer(api: HerokuApi, billingApp: string, transfer: DataTransfer, name: string, options: TransferWaitOptions = {}): Promise<DataTransfer> {
  return requireSucceeded(api, billingApp, await waitTransferFinished(api, billingApp, transfer, name, options), name)
}
