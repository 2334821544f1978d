import {type Command, Parser} from '@oclif/core'

import type {ParsedArgv} from './argv.js'
import type {GuardedCommandId} from './ids.js'

/**
 * Parses a stock command's argv with that command's own definitions, exactly as its `this.parse` will:
 * the same @oclif/core parser, the command class's base flags, flags, args and strictness. So `--app`
 * defaults the stock way (HEROKU_APP, then the single Heroku git remote, limited by -r/--remote or
 * `git config heroku.remote`): @heroku-cli/command's `flags.app` default runs here, as it will there.
 */

export interface StockParse {
  args: Record<string, string | undefined>
  /** every positional argument (commands with `strict = false` take several) */
  argv: string[]
  flags: Record<string, unknown>
}

export type StockParseResult = {error: string; ok: false} | {ok: true; parsed: StockParse}

/** The stock parse, or the error the stock command itself will stop with before sending anything. */
export async function parseStock(command: Command.Class, argv: readonly string[]): Promise<StockParseResult> {
  try {
    const output = await Parser.parse([...argv], {
      args: command.args ?? {},
      flags: {...command.baseFlags, ...command.flags},
      strict: command.strict ?? true,
    })
    return {ok: true, parsed: {args: output.args as Record<string, string | undefined>, argv: output.argv.map(String), flags: output.flags as Record<string, unknown>}}
  } catch (error) {
    return {error: error instanceof Error ? error.message : String(error), ok: false}
  }
}

/**
 * True on the first of the two prerun runs `--prompt` causes. @heroku-cli/command's `init` (after prerun)
 * prompts for the arguments, then runs the command again through oclif with the answers, without
 * `--prompt`, so prerun fires a second time with the complete argv; the first run never reaches `run`
 * (it exits after the second). The test is the one `init` applies: prompt mode is active for the class
 * and the argv contains `--prompt` verbatim.
 */
export function isPromptFirstRun(command: Command.Class, argv: readonly string[]): boolean {
  const promptable = command as Command.Class & {promptFlagActive?: boolean}
  const active = promptable.promptFlagActive !== false && 'prompt' in (command.baseFlags ?? {})
  return active && argv.includes('--prompt')
}

/**
 * The guarded command's argv as the stock command itself parses it (`parseStock`): its own flags, and the
 * app it will use (`-a`, else HEROKU_APP, else the Heroku git remote as `git remote -v` gives it, with git's
 * insteadOf applied, limited by -r or heroku.remote). Undefined when the stock parser stops the command
 * first (it then sends nothing).
 */
export async function parsedFromStock(id: GuardedCommandId, command: Command.Class, argv: readonly string[]): Promise<ParsedArgv | undefined> {
  const parse = await parseStock(command, argv)
  if (!parse.ok) return undefined
  const options: Record<string, string[]> = {}
  const booleans: string[] = []
  for (const [name, value] of Object.entries(parse.parsed.flags)) {
    if (value === true) booleans.push(name)
    else if (typeof value === 'string' && value !== '') options[name] = [value]
  }

  const args = Object.fromEntries(Object.entries(parse.parsed.args).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
  return {args, booleans, command: id, options, positionals: parse.parsed.argv, unknownFlags: []}
}
