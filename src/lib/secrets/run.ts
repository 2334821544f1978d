import {AsyncLocalStorage} from 'node:async_hooks'

import createDebug from 'debug'

import {maskCredential, maskCredentialsInText} from './mask.js'
import {SecretRegistry} from './registry.js'

/**
 * The registry of the run in progress. A command (or the prerun hook) runs inside `withSecrets()`, so
 * sinks that cannot be handed the registry (the `debug` module's log, errors built deep in a library,
 * fingerprints in pure rules) still find the run's own one. Outside a run, free text still has its
 * credential-shaped tokens masked and fingerprints use a key made for this process.
 */
const current = new AsyncLocalStorage<SecretRegistry>()
let outsideRun: SecretRegistry | undefined

/** Runs `work` with `registry` as the run's registry. */
export async function withSecrets<T>(registry: SecretRegistry, work: () => Promise<T>): Promise<T> {
  return current.run(registry, work)
}

/** The registry of the run in progress (a fresh one per process outside any run, e.g. in unit tests). */
export function currentSecrets(): SecretRegistry {
  const active = current.getStore()
  if (active) return active
  outsideRun ??= new SecretRegistry()
  return outsideRun
}

/** The one redaction: every sink calls it (through the run's registry). */
export function redact(text: string): string {
  return currentSecrets().redact(text)
}

export function redactDeep<T>(value: T): T {
  return currentSecrets().redactDeep(value)
}

/** The run's keyed fingerprint of a value, or `(hidden)` for a value too short to fingerprint safely. */
export function fingerprint(value: string): string {
  return currentSecrets().fingerprint(value) ?? '(hidden)'
}

/** A credential for a finding's evidence: masked URL or DSN, else the run's fingerprint. */
export function maskUrl(value: string): string {
  return maskCredential(value, fingerprint)
}

// Installed once, when the secrets layer is first imported (before any run or debug line).
installDebugRedaction()

/**
 * Every line the `debug` module prints (any namespace, under DEBUG=* too) passes through the run's
 * redaction. http-call's own request/response lines are not relied on: the client turns them off for
 * its requests and prints its own (see heroku/debug.ts).
 */
function installDebugRedaction(): void {
  const original = createDebug.log
  createDebug.log = (...args: unknown[]) => {
    const active = current.getStore()
    const clean = (text: string): string => (active ? active.redact(text) : maskCredentialsInText(text))
    original.call(createDebug, ...args.map(arg => (typeof arg === 'string' ? clean(arg) : arg)))
  }
}
