import {type Command, Config} from '@oclif/core'
import {captureOutput} from '@oclif/test'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
let config: Config | undefined

/** The plugin's oclif config, loaded once from the repository root. */
export async function loadConfig(): Promise<Config> {
  config ??= await Config.load({root})
  return config
}

export interface RunResult<T> {
  error?: Error & {oclif?: {exit?: number}}
  result?: T
  stderr: string
  stdout: string
}

/**
 * Runs a command class in-process and captures its output. Like @heroku-cli/test-utils'
 * runCommand, it never rejects: assert on `error` (and `error.oclif.exit`) instead.
 */
export async function runCommand<T>(cmd: Command.Class, argv: string[]): Promise<RunResult<T>> {
  const loaded = await loadConfig()
  return captureOutput<T>(async () => cmd.run(argv, loaded) as Promise<T>) as Promise<RunResult<T>>
}
