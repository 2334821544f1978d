import {type Command, Config} from '@oclif/core'
import {captureOutput} from '@oclif/test'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
let config: Config | undefined

/**
 * The plugin's oclif config, loaded once from the repository root. Its data dir (the fork's ledger) is
 * this process's own: never the user's, and never shared with another mocha worker or test run.
 */
export async function loadConfig(): Promise<Config> {
  if (!config) {
    config = await Config.load({root})
    config.dataDir = mkdtempSync(path.join(tmpdir(), 'heroku-staging-data-'))
  }

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
