import {readFileSync, realpathSync} from 'node:fs'
import {createRequire} from 'node:module'
import {pathToFileURL} from 'node:url'

type HerokuCommandModule = typeof import('@heroku-cli/command')

function major(packageJson: string): string | undefined {
  const {version} = JSON.parse(readFileSync(packageJson, 'utf8')) as {version?: string}
  return version?.split('.')[0]
}

/**
 * `@heroku-cli/command` as the running `heroku` CLI has already loaded it, when its major version is
 * ours; else our own copy. An installed plugin has its own node_modules, so importing our copy loads
 * the module a second time, with the Sentry and OpenTelemetry it brings: about 0.2 s of every start
 * of a staging:* command, which `heroku config` does not pay (BENCHMARKS.md). The CLI's copy is found
 * from its own script (process.argv[1]), the way the CLI resolves it; anything unexpected falls back to ours.
 */
async function load(): Promise<HerokuCommandModule> {
  try {
    const script = process.argv[1]
    if (script) {
      const cli = createRequire(realpathSync(script))
      const own = createRequire(import.meta.url)
      const theirs = cli.resolve('@heroku-cli/command/package.json')
      if (theirs !== own.resolve('@heroku-cli/command/package.json') && major(theirs) === major(own.resolve('@heroku-cli/command/package.json'))) {
        return (await import(pathToFileURL(cli.resolve('@heroku-cli/command')).href)) as HerokuCommandModule
      }
    }
  } catch {
    // Not run by a CLI that has it (tests, another runner): our own copy.
  }

  return import('@heroku-cli/command')
}

const herokuCommand = await load()

/** The base command class and the `--app`/`--remote` flags, from the one copy of `@heroku-cli/command` in this process. */
export const {Command, flags} = herokuCommand
