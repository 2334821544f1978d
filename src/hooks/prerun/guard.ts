import type {Hook} from '@oclif/core'

import {hookedCommand} from '../../lib/hook/ids.js'
import {clearInterceptor, installInterceptor, type RequestCheck} from '../../lib/hook/intercept.js'

/**
 * The prerun hook. It runs before EVERY command the CLI runs, so it stays thin: two dependency-free
 * modules are imported statically, and nothing else is loaded, nor any request sent, until needed.
 *
 * 1. The effect guard: for the one command about to run, it installs an interceptor on the stock CLI's
 *    own API client (lib/hook/intercept.ts). Every mutating request is classified into an effect and
 *    refused before it is sent when it would destroy, overwrite, re-wire, rotate or demote production
 *    (lib/hook/effect-guard.ts, loaded on the first mutating request only).
 * 2. The command-level checks (lib/hook/ids.ts): an early refusal before the stock command prompts, and
 *    the guard for what never goes through the API (pg:push writes with pg_restore).
 */
/** This plugin's package name (package.json), as oclif names the plugin a command comes from. */
const PLUGIN_NAME = 'heroku-staging'

/** Every loaded plugin's root: each may resolve its own copy of the API client (plugins:install). */
function pluginRoots(config: {plugins?: ReadonlyMap<string, {root: string}>}): string[] {
  return config.plugins ? [...config.plugins.values()].map(plugin => plugin.root) : []
}

const hook: Hook.Prerun = async function (options) {
  const {config} = this
  const fail = (message: string, options: {exit: number}): void => this.error(message, options)
  const warn = (message: string): void => this.warn(message)
  const id = options.Command.id ?? ''
  let guard: RequestCheck | undefined
  const decide: RequestCheck = async request => {
    if (!guard) {
      try {
        const {effectGuard} = await import('../../lib/hook/effect-guard.js')
        guard = effectGuard({argv: options.argv, commandId: id, config, env: process.env, error: fail, stdinIsTTY: process.stdin.isTTY, warn})
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        fail(`heroku-staging's guard could not load (${reason}), so it refuses to send ${request.method} ${request.path.split('?')[0]}.\nReinstall the plugin (heroku plugins:install heroku-staging), or uninstall it to run the stock command unguarded.`, {exit: 4})
        return
      }
    }

    return guard(request)
  }

  const check: RequestCheck = async request => {
    try {
      await decide(request)
    } catch (error) {
      // A stock command may catch what its request throws (pg:upgrade:prepare prints error.body.message and
      // exits 1): a refusal ends the command here instead. Written straight to fd 2, as oclif formats errors:
      // a running spinner (ux.action) holds back what goes through process.stderr until it stops.
      const message = error instanceof Error ? error.message : String(error)
      const exit = (error as {oclif?: {exit?: number}}).oclif?.exit ?? 4
      const {writeSync} = await import('node:fs')
      writeSync(2, `\n${message.split('\n').map((line, index) => ` ›   ${index === 0 ? 'Error: ' : ''}${line}`).join('\n')}\n`)
      process.exit(exit)
    }
  }

  // This plugin's own commands send their writes through GuardedClient (lib/production/guarded-client.ts);
  // another plugin's `staging:*` command is guarded like any other.
  if (id.startsWith('staging:') && options.Command.pluginName === PLUGIN_NAME) clearInterceptor()
  else if (!installInterceptor(config.root, check, pluginRoots(config)) && process.env.HEROKU_DEBUG) {
    process.stderr.write(`heroku-staging: the stock API client's patch point (@heroku/http-call HTTP.prototype._request from ${config.root}) was not found; only the command-level checks guard this CLI.\n`)
  }

  if (!hookedCommand(id)) return
  let commandGuard: typeof import('../../lib/hook/run.js')
  try {
    commandGuard = await import('../../lib/hook/run.js')
  } catch (error) {
    // oclif ignores a hook that throws without an exit code: fail closed with one (4 = refused on purpose).
    const reason = error instanceof Error ? error.message : String(error)
    this.error(`heroku-staging's guard could not load (${reason}), so it refuses to let heroku ${id} run.\nReinstall the plugin (heroku plugins:install heroku-staging), or uninstall it to run the stock command unguarded.`, {exit: 4})
    return
  }

  await commandGuard.runGuard(this, options)
}

export default hook
