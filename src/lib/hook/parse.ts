import {type Command, Parser} from '@oclif/core'

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
