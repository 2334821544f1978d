import type {Hook} from '@oclif/core'

import {hookedCommand} from '../../lib/hook/ids.js'

/**
 * The prerun hook: guards the stock commands that overwrite, destroy or re-point production data (the lists in
 * lib/hook/ids.ts) against production targets. It runs before EVERY command the CLI runs, so it stays
 * thin: the only static import is the dependency-free id list, and every other command returns at once,
 * with no network request and no other module loaded. The guard itself is imported only for guarded ids.
 */
const hook: Hook.Prerun = async function (options) {
  if (!hookedCommand(options.Command.id)) return
  let guard: typeof import('../../lib/hook/run.js')
  try {
    guard = await import('../../lib/hook/run.js')
  } catch (error) {
    // oclif ignores a hook that throws without an exit code: fail closed with one (4 = refused on purpose).
    const reason = error instanceof Error ? error.message : String(error)
    this.error(`heroku-staging's guard could not load (${reason}), so it refuses to let heroku ${options.Command.id} run.\nReinstall the plugin (heroku plugins:install heroku-staging), or uninstall it to run the stock command unguarded.`, {exit: 4})
    return
  }

  await guard.runGuard(this, options)
}

export default hook
