import {execFile, spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * Runs the REAL `heroku` binary (npm package heroku, devDependency) in an isolated HOME, with or without
 * this plugin linked, so the developer's own CLI (~/.config/heroku, ~/.local/share/heroku, netrc,
 * ~/.gitconfig) is never touched. Point it at the emulator by passing `emulator.env`.
 *
 * How the plugin is linked, and why:
 * - `npm run build` wipes and rewrites the shared `dist/` that other engineers and tests use, so the helper
 *   never touches it. `compilePlugin()` compiles `src/` with the project's own tsconfig into a PRIVATE
 *   directory (`tsc --outDir <tmp>/dist`; type errors elsewhere in the tree do not stop emission), copies
 *   package.json there (without devDependencies: see below), symlinks the repo's node_modules, and writes
 *   oclif.manifest.json with `oclif manifest`
 *   exactly as a published package has it. That directory is what `heroku plugins:link --no-install` links,
 *   so the CLI runs compiled JavaScript the way users get it: no tsx, no stale repo dist/, no stale manifest.
 * - When the repository's own build is current (`npm run build` ran after the last change to src/, package.json
 *   or tsconfig.json: `npm test` and CI build first), its dist/ and oclif.manifest.json are COPIED into that
 *   private directory instead of compiling again (a copy, so a rebuild during the run cannot pull it away).
 *   Otherwise, or with HEROKU_STAGING_TEST_COMPILE=1, `src/` is compiled as described above.
 * - It is made once per process (a copy: well under a second; a compile: about 5 to 10 s) and removed when the
 *   process exits.
 * - Linking from the repo root instead would make oclif register tsx (it is in devDependencies and the root
 *   has a tsconfig) and load `src/*.ts`: slower, and it would read whatever oclif.manifest.json the last
 *   build left in the root. For the same reason the private package.json has no devDependencies: with tsx
 *   listed, oclif still requires `typescript` and starts tsx's loader for a linked plugin at every run, even
 *   with no tsconfig there (about 0.3 CPU-s a run); an installed plugin never does that.
 *
 * The environment keeps the stock CLI from calling out and keeps runs fast: telemetry, Herokulytics and
 * Sentry off (DISABLE_TELEMETRY=true, IS_HEROKU_TEST_ENV=true), no update check or autoupdate
 * (HEROKU_SKIP_NEW_VERSION_CHECK, HEROKU_DISABLE_AUTOUPDATE), the terms-of-service banner pre-acknowledged,
 * a private git config (GIT_CONFIG_GLOBAL, for git remotes), no colour (NO_COLOR, TERM=dumb), no warning that
 * the linked plugin is not transpiled (OCLIF_DISABLE_LINKED_ESM_WARNING), wide columns
 * (COLUMNS, OCLIF_COLUMNS), stdin closed so a prompt fails instead of hanging. Nothing from the caller's
 * environment leaks in but PATH and the locale: pass `emulator.env` (HEROKU_HOST, HEROKU_DATA_HOST,
 * HEROKU_API_KEY, HEROKU_PARTICLEBOARD_URL) through `env`, or use `useEmulator({cli})` from ./emulator.js,
 * which does. This file is the ONE way tests, benches and the demo run the real binary.
 */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const HEROKU_BIN = path.join(ROOT, 'node_modules', '.bin', 'heroku')
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
const OCLIF = path.join(ROOT, 'node_modules', 'oclif', 'bin', 'run.js')

/** oclif's wrapped warning/error text (` ›   ` prefixes, hard line breaks) as single-spaced text. */
export function unwrap(text: string): string {
  return text.replaceAll(/^ *› *(Error: |Warning: )?/gm, '').replaceAll(/\s+/g, ' ').trim()
}

export interface HerokuRun {
  durationMs: number
  status: null | number
  stderr: string
  stdout: string
}

export interface RunOptions {
  cwd?: string
  /** added to (or, with undefined values, removed from) the instance's environment for this run */
  env?: Record<string, string | undefined>
  /**
   * written to stdin once stdout or stderr shows `prompt`, then stdin is closed. Use it to answer a prompt:
   * oclif fills a missing optional argument from stdin for its first 10 ms, so `input` may land in an argument.
   */
  answer?: {input: string; prompt: string}
  /** written to stdin, which is then closed */
  input?: string
  /** the run is killed after this long (default 120 s) */
  timeoutMs?: number
}

async function exec(file: string, args: string[], cwd: string): Promise<{code: number; output: string}> {
  return new Promise(resolve => {
    execFile(process.execPath, [file, ...args], {cwd, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({code, output: `${stdout}${stderr}`})
    })
  })
}

let compiled: Promise<string> | undefined

function newestMtime(file: string): number {
  const stat = statSync(file)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, entry)))
  return newest
}

/**
 * True when the repository's dist/ and oclif.manifest.json come from a build of the sources as they are now:
 * both exist, the manifest is of this package.json's version, and neither is older than any file of src/,
 * package.json or tsconfig.json.
 */
export function repositoryBuildIsCurrent(root: string = ROOT): boolean {
  const manifestFile = path.join(root, 'oclif.manifest.json')
  const hook = path.join(root, 'dist', 'hooks', 'prerun', 'guard.js')
  if (!existsSync(manifestFile) || !existsSync(hook)) return false
  try {
    const {version} = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {version?: string}
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {version?: string}
    if (manifest.version !== version) return false
    const built = Math.min(statSync(manifestFile).mtimeMs, statSync(hook).mtimeMs)
    const sources = Math.max(newestMtime(path.join(root, 'src')), newestMtime(path.join(root, 'package.json')), newestMtime(path.join(root, 'tsconfig.json')))
    return built >= sources
  } catch {
    return false
  }
}

/**
 * The plugin in a private directory, once per process: a plugin root with package.json, dist/,
 * oclif.manifest.json and node_modules. A copy of the repository's build when it is current
 * (`repositoryBuildIsCurrent`), else compiled from src/ (HEROKU_STAGING_TEST_COMPILE=1 always compiles).
 */
export async function compilePlugin(): Promise<string> {
  compiled ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'heroku-staging-plugin-'))
    process.once('exit', () => rmSync(dir, {force: true, recursive: true}))
    const hook = path.join(dir, 'dist', 'hooks', 'prerun', 'guard.js')
    const reuse = process.env.HEROKU_STAGING_TEST_COMPILE !== '1' && repositoryBuildIsCurrent()
    if (reuse) {
      await cp(path.join(ROOT, 'dist'), path.join(dir, 'dist'), {recursive: true})
      await copyFile(path.join(ROOT, 'oclif.manifest.json'), path.join(dir, 'oclif.manifest.json'))
      if (!existsSync(hook)) throw new Error(`copying the repository's dist/ produced no ${hook}: run \`npm run build\` again`)
    } else {
      const tsc = await exec(TSC, ['-p', path.join(ROOT, 'tsconfig.json'), '--outDir', path.join(dir, 'dist')], ROOT)
      if (!existsSync(hook)) throw new Error(`compiling the plugin produced no ${hook} (tsc exit ${tsc.code}):\n${tsc.output}`)
    }

    // Without devDependencies, as an installed plugin is to oclif: a LINKED plugin whose package.json lists tsx
    // there makes oclif look for its TypeScript sources before every hook and command it loads (it requires
    // `typescript` and registers tsx's ESM loader on a worker thread, which then fails: about 0.3 CPU-s per run,
    // measured with HEROKU_DEBUG-style oclif:perf and --cpu-prof), a cost no installed plugin pays.
    const pjson = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>
    delete pjson.devDependencies
    await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(pjson, null, 2)}\n`)
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
    if (!reuse) {
      const manifest = await exec(OCLIF, ['manifest'], dir)
      if (manifest.code !== 0 || !existsSync(path.join(dir, 'oclif.manifest.json'))) {
        throw new Error(`oclif manifest failed in ${dir}:\n${manifest.output}`)
      }
    }

    return dir
  })()
  return compiled
}

let packed: Promise<string> | undefined

/**
 * The plugin as npm publishes it: `npm pack` of the compiled copy (package.json, dist/, the manifest;
 * no install scripts run), once per process. Returns the tarball's path.
 */
export async function packPlugin(): Promise<string> {
  packed ??= (async () => {
    const dir = await compilePlugin()
    const out = await mkdtemp(path.join(tmpdir(), 'heroku-staging-pack-'))
    process.once('exit', () => rmSync(out, {force: true, recursive: true}))
    const npm = path.join(path.dirname(process.execPath), 'npm')
    const result = await new Promise<{code: number; name: string; output: string}>(resolve => {
      execFile(npm, ['pack', '--ignore-scripts', '--pack-destination', out, dir], {cwd: dir}, (error, stdout, stderr) => {
        resolve({code: error ? 1 : 0, name: stdout.trim().split('\n').at(-1) ?? '', output: `${stdout}${stderr}`})
      })
    })
    const {name} = result
    const tarball = path.join(out, name)
    if (result.code !== 0 || !existsSync(tarball)) throw new Error(`npm pack failed:\n${result.output}`)
    return tarball
  })()
  return packed
}

/** The variables that keep the stock CLI quiet, offline (but for the emulator) and fast, for a HOME. */
export function isolatedEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {
    COLUMNS: '200',
    DISABLE_TELEMETRY: 'true',
    // git (remotes, `git init` in tests) reads and writes this file only, never the user's ~/.gitconfig.
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    HEROKU_DISABLE_AUTOUPDATE: 'true',
    HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
    HOME: home,
    IS_HEROKU_TEST_ENV: 'true',
    NO_COLOR: '1',
    // A linked ESM plugin with no tsx to transpile it (compilePlugin) runs its compiled dist/, as installed
    // ones do; without this oclif warns so on stderr at every run.
    OCLIF_DISABLE_LINKED_ESM_WARNING: 'true',
    // oclif wraps error and warning text at 80 columns when stderr is not a TTY; keep each line whole.
    OCLIF_COLUMNS: '400',
    // node must be on PATH for the binary's `#!/usr/bin/env node` line; git for remotes.
    PATH: [path.dirname(process.execPath), process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(path.delimiter),
    TERM: 'dumb',
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
  }
  for (const key of ['LANG', 'LC_ALL', 'TMPDIR']) {
    const value = process.env[key]
    if (value) env[key] = value
  }

  return env
}

export interface HerokuCliOptions {
  /** environment for every run, e.g. `emulator.env` */
  env?: Record<string, string>
  /**
   * how this plugin is added to the CLI:
   * - `'link'` (default, `true` too): `heroku plugins:link --no-install <compiled copy>`, as the tests use it;
   * - `'installed'`: the layout `heroku plugins:install heroku-staging` leaves (a `user` plugin under the CLI's
   *   data dir node_modules), made without the registry; oclif then loads it as an installed plugin;
   * - `'packed'`: what a user runs: the plugin packed with `npm pack` and installed with
   *   `heroku plugins:install file:…` (npm installs its dependencies, from the local npm cache first:
   *   `--prefer-offline`, since only the npm registry is reachable here); slow (a minute or more), for benches;
   * - `false` / `'none'`: the stock CLI alone, for side-by-side comparisons.
   */
  plugin?: 'installed' | 'link' | 'none' | 'packed' | boolean
}

/**
 * Every `heroku` run whose output held `[object Object]` (an object printed as text), whatever the test
 * asserted: the root hook in init.ts fails the test that ran it. Stock commands, the hook's refusals and
 * the plugin's commands alike print Heroku's real shapes through the emulator.
 */
export const garbledRuns: string[] = []

/**
 * Lines the stock CLI itself garbles, with or without this plugin: heroku 11.10.0's pg:promote types a
 * follower's `leader` as a string and prints it, where the Data API answers `{addon_id, name}`.
 */
const STOCK_GARBLED = [/replicating from its leader \(\[object Object\]\)/]

/** One isolated installation of the stock CLI, with or without this plugin linked. */
export class HerokuCli {
  private constructor(
    readonly home: string,
    readonly env: Record<string, string>,
    readonly pluginDir: string | undefined,
  ) {}

  /** The CLI's config directory in this HOME (where `staging:protect` keeps its list). */
  get configDir(): string {
    return path.join(this.home, '.config', 'heroku')
  }

  static async create(options: HerokuCliOptions = {}): Promise<HerokuCli> {
    const home = await mkdtemp(path.join(tmpdir(), 'heroku-home-'))
    const env = {...isolatedEnv(home), ...options.env}
    const cacheDir = path.join(env.XDG_CACHE_HOME as string, 'heroku')
    await mkdir(cacheDir, {recursive: true})
    // Acknowledge the terms-of-service banner the init hook prints once per cache dir.
    await writeFile(path.join(cacheDir, 'terms-of-service'), '')
    await writeFile(env.GIT_CONFIG_GLOBAL as string, '')
    const mode = options.plugin === undefined || options.plugin === true ? 'link' : options.plugin === false ? 'none' : options.plugin
    const pluginDir = mode === 'none' || mode === 'packed' ? undefined : await compilePlugin()
    const cli = new HerokuCli(home, env, pluginDir)
    if (pluginDir && mode === 'link') {
      const linked = await cli.run(['plugins:link', '--no-install', pluginDir])
      if (linked.status !== 0) throw new Error(`heroku plugins:link failed (${linked.status}):\n${linked.stdout}${linked.stderr}`)
    }

    if (pluginDir && mode === 'installed') {
      const dataDir = path.join(env.XDG_DATA_HOME as string, 'heroku')
      await mkdir(path.join(dataDir, 'node_modules'), {recursive: true})
      await symlink(pluginDir, path.join(dataDir, 'node_modules', 'heroku-staging'), 'dir')
      const pjson = {dependencies: {'heroku-staging': '*'}, name: 'heroku', oclif: {plugins: [{name: 'heroku-staging', tag: 'latest', type: 'user'}], schema: 1}, private: true}
      await writeFile(path.join(dataDir, 'package.json'), JSON.stringify(pjson, null, 2))
      const plugins = await cli.run(['plugins'])
      if (!plugins.stdout.includes('heroku-staging')) throw new Error(`the installed plugin is not listed by heroku plugins:\n${plugins.stdout}${plugins.stderr}`)
    }

    if (mode === 'packed') {
      const tarball = await packPlugin()
      // The user's npm cache (not this HOME's empty one), offline first; no audit, no funding notes.
      const npmEnv = {
        npm_config_audit: 'false',
        npm_config_cache: process.env.npm_config_cache ?? path.join(process.env.HOME ?? tmpdir(), '.npm'),
        npm_config_fund: 'false',
        npm_config_prefer_offline: 'true',
        npm_config_update_notifier: 'false',
      }
      const installed = await cli.run(['plugins:install', `file:${tarball}`], {env: npmEnv, timeoutMs: 600_000})
      const plugins = await cli.run(['plugins'])
      if (installed.status !== 0 || !plugins.stdout.includes('heroku-staging')) {
        throw new Error(`heroku plugins:install file:${tarball} failed (${installed.status}):\n${installed.stdout}${installed.stderr}\n${plugins.stdout}`)
      }
    }

    return cli
  }

  async cleanup(): Promise<void> {
    await rm(this.home, {force: true, recursive: true})
  }

  /** Runs `heroku ARGS…`; never rejects (a timeout kills the process and shows as status null). */
  async run(args: readonly string[], options: RunOptions = {}): Promise<HerokuRun> {
    const env: Record<string, string> = {...this.env}
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key]
      else env[key] = value
    }

    const started = performance.now()
    return new Promise(resolve => {
      const child = spawn(HEROKU_BIN, args, {cwd: options.cwd ?? this.home, env, stdio: ['pipe', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      let answered = false
      const answerOnPrompt = (): void => {
        if (!options.answer || answered || !`${stdout}${stderr}`.includes(options.answer.prompt)) return
        answered = true
        child.stdin.end(options.answer.input)
      }

      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk
        answerOnPrompt()
      })
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk
        answerOnPrompt()
      })
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
      child.on('close', status => {
        clearTimeout(timer)
        const garbled = `${stdout}${stderr}`.split('\n').find(line => line.includes('[object Object]') && !STOCK_GARBLED.some(stock => stock.test(line)))
        if (garbled !== undefined) garbledRuns.push(`heroku ${args.join(' ')} (${garbled.trim()})`)
        resolve({durationMs: performance.now() - started, status, stderr, stdout})
      })
      child.on('error', error => {
        clearTimeout(timer)
        resolve({durationMs: performance.now() - started, status: null, stderr: `${stderr}${error.message}`, stdout})
      })
      if (options.answer) child.stdin.on('error', () => {}) // the command may exit before it prompts
      else child.stdin.end(options.input ?? '')
    })
  }
}
