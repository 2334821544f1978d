import {APIClient} from '@heroku-cli/command'
import type {Command, Interfaces} from '@oclif/core'

import {ExitCode} from '../exit-codes.js'
import {HerokuClient} from '../heroku/client.js'
import {redact, registerArgvSecrets, SecretRegistry, withSecrets} from '../secrets/index.js'
import {checkCommand} from './check.js'
import {agentRun, forAgent, hasConsent} from './consent.js'
import {OVERRIDE_ENV} from './decide.js'
import {checkDestructive} from './destructive.js'
import {renderDestructiveOverride, renderDestructiveRefusal} from './destructive-message.js'
import {readGitRemotes} from './git.js'
import {destructiveCommand} from './ids.js'
import {renderOverride, renderRefusal} from './message.js'
import {isPromptFirstRun} from './parse.js'

/** The parts of oclif's hook context the guard uses. */
export interface GuardHookContext {
  config: Interfaces.Config
  /** throws (oclif's hook context: errors.error) */
  error(message: string, options: {exit: number}): void
  warn(message: string): void
}

type FlagShapes = Record<string, {char?: string; type?: string}>

function flagShapes(command: Command.Class): FlagShapes {
  const shapes: FlagShapes = {}
  for (const [name, flag] of Object.entries({...command.baseFlags, ...command.flags})) {
    shapes[name] = {char: flag.char, type: flag.type}
  }

  return shapes
}

/**
 * Runs the guard for a guarded stock command: refuses it (exit 4) when its target is production data or
 * when the guard cannot decide, and says so when HEROKU_STAGING_ALLOW_PRODUCTION lets it through.
 */
export async function runGuard(context: GuardHookContext, options: {Command: Command.Class; argv: string[]}): Promise<void> {
  // With --prompt the command asks for its arguments and runs again (prerun with them); decide on that run.
  // promptAndRun falls through to this run only when oclif cannot find the command: then decide here.
  if (isPromptFirstRun(options.Command, options.argv) && options.Command.id && context.config.findCommand(options.Command.id)) return
  // The hook is a run of its own: its registry knows the token, the argv's credentials and what it loads.
  const secrets = new SecretRegistry()
  secrets.registerToken(process.env.HEROKU_API_KEY)
  registerArgvSecrets(secrets, options.argv)
  return withSecrets(secrets, async () => guard(context, options, secrets))
}

function makeClient(context: GuardHookContext, secrets: SecretRegistry): () => Promise<HerokuClient> {
  // http-call already retries a refused or unresolved connection five times (about 6 s); one more attempt
  // here still rides out a 429 or 5xx blip without keeping someone offline waiting long for the refusal.
  return async () => new HerokuClient(new APIClient(context.config), {maxRetries: 1, secrets})
}

function failed(context: GuardHookContext, id: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error)
  context.error(redact(`heroku-staging's guard failed (${reason}), so it refuses to let heroku ${id} run.\nRun it again; if it keeps failing, name the app explicitly (-a APP, or APP::DATABASE) as an account that can see every app involved. HEROKU_STAGING_ALLOW_PRODUCTION allows only a production app the guard identified.`), {exit: ExitCode.Refused})
}

/**
 * The environment the checks decide with. Under a coding agent without a terminal, the override counts only
 * once a person allowed that app at a terminal (heroku staging:allow); refusals then print no override to paste.
 */
async function guardEnv(configDir: string): Promise<{agent?: string; env: NodeJS.ProcessEnv}> {
  const agent = agentRun(process.env, process.stdin.isTTY)
  const given = process.env[OVERRIDE_ENV]
  if (!agent || !given || await hasConsent(configDir, given)) return {agent, env: process.env}
  const env = {...process.env}
  delete env[OVERRIDE_ENV]
  return {agent, env}
}

async function guard(context: GuardHookContext, options: {Command: Command.Class; argv: string[]}, secrets: SecretRegistry): Promise<void> {
  const {agent, env} = await guardEnv(context.config.configDir)
  const refuse = (text: string): void => context.error(redact(agent ? forAgent(text, agent) : text), {exit: ExitCode.Refused})
  const destructive = destructiveCommand(options.Command.id)
  if (destructive) {
    let decision: Awaited<ReturnType<typeof checkDestructive>>
    try {
      decision = await checkDestructive({argv: options.argv, command: options.Command, configDir: context.config.configDir, env, id: destructive, makeClient: makeClient(context, secrets)})
    } catch (error) {
      failed(context, options.Command.id, error)
      return
    }

    if (!decision) return
    if (!decision.allow) refuse(renderDestructiveRefusal(decision))
    else if (decision.override.matches) context.warn(redact(renderDestructiveOverride(decision)))
    return
  }

  let decision: Awaited<ReturnType<typeof checkCommand>>
  try {
    decision = await checkCommand({
      argv: options.argv,
      command: options.Command,
      commandFlags: flagShapes(options.Command),
      configDir: context.config.configDir,
      env,
      id: options.Command.id,
      makeClient: makeClient(context, secrets),
      readGit: () => readGitRemotes(),
    })
  } catch (error) {
    failed(context, options.Command.id, error)
    return
  }

  if (!decision) return
  if (!decision.allow) {
    refuse(renderRefusal(decision))
    return
  }

  if (decision.reason) context.warn(redact(renderOverride(decision)))
}
