import {type GuardedCommandId, guardedCommand} from './ids.js'

/**
 * PURE parsing of a guarded stock command's argv into the targets the guard must check, resolved the way
 * the stock CLI (heroku 11.x, @oclif/core 4 parser, @heroku-cli/command flags.app) resolves them:
 *
 * - `pg:copy SOURCE TARGET`          → TARGET (an attachment/config var name, `APP::NAME`, or a postgres:// URL)
 * - `pg:reset [DATABASE]`            → DATABASE (default `DATABASE_URL`)
 * - `pg:backups:restore [BACKUP] [DATABASE]` → DATABASE (default `DATABASE_URL`)
 * - `pg:push SOURCE TARGET`          → TARGET (the remote Heroku database)
 * - `addons:destroy ADDON...`        → each ADDON (`APP::ADDON`, add-on name or id, attachment or config var name)
 *
 * The app comes from `APP::NAME` in the target, else `-a/--app`, else `HEROKU_APP`, else the single Heroku git
 * remote (limited to `-r/--remote`, or to `git config heroku.remote`). Nothing here does I/O: git remotes are
 * passed in (see `parseGitRemotes`).
 */

export type FlagKind = 'boolean' | 'option'

export interface FlagDef {
  char?: string
  kind: FlagKind
  name: string
}

interface CommandSpec {
  /** whether `--app` is required (flags.app({required: true})): without an app the stock command stops */
  appRequired: boolean
  /** positional argument names in order; `argv` collects every positional (addons:destroy is not strict) */
  args: readonly string[] | 'argv'
  flags: readonly FlagDef[]
}

const PROMPT: FlagDef = {kind: 'boolean', name: 'prompt'}
const APP: FlagDef = {char: 'a', kind: 'option', name: 'app'}
const REMOTE: FlagDef = {char: 'r', kind: 'option', name: 'remote'}

/** The flags of each guarded command as heroku 11.10.0 declares them (its oclif.manifest.json). */
export const STOCK_COMMANDS: Readonly<Record<GuardedCommandId, CommandSpec>> = {
  'addons:destroy': {
    appRequired: false,
    args: 'argv',
    flags: [PROMPT, APP, {char: 'c', kind: 'option', name: 'confirm'}, {char: 'f', kind: 'boolean', name: 'force'}, REMOTE, {kind: 'boolean', name: 'wait'}],
  },
  'pg:backups:restore': {
    appRequired: true,
    args: ['backup', 'database'],
    flags: [PROMPT, APP, {char: 'c', kind: 'option', name: 'confirm'}, {char: 'e', kind: 'option', name: 'extensions'}, REMOTE,
      {char: 'v', kind: 'boolean', name: 'verbose'}, {kind: 'option', name: 'wait-interval'}],
  },
  'pg:copy': {
    appRequired: true,
    args: ['source', 'target'],
    flags: [PROMPT, APP, {kind: 'option', name: 'confirm'}, REMOTE, {kind: 'boolean', name: 'verbose'}, {kind: 'option', name: 'wait-interval'}],
  },
  'pg:push': {
    appRequired: true,
    args: ['source', 'target'],
    flags: [PROMPT, APP, {kind: 'option', name: 'exclude-table-data'}, REMOTE],
  },
  'pg:reset': {
    appRequired: true,
    args: ['database'],
    flags: [PROMPT, APP, {char: 'c', kind: 'option', name: 'confirm'}, {char: 'e', kind: 'option', name: 'extensions'}, REMOTE],
  },
}

/** What the argv says, before the app is defaulted. */
export interface ParsedArgv {
  /** every positional argument, in order */
  positionals: string[]
  /** positional arguments by name (first value wins, as the parser assigns them) */
  args: Record<string, string>
  command: GuardedCommandId
  /** every value given to each option flag, in order (the stock parser rejects a repeated flag; we keep all) */
  options: Record<string, string[]>
  /** boolean flags present */
  booleans: string[]
  /** tokens that looked like flags the command does not have */
  unknownFlags: string[]
}

/**
 * Merges flag definitions taken from the loaded command class (so a newer stock CLI's extra flags are known)
 * over the built-in table. `flags` is the shape of an oclif command's static `flags`.
 */
export function flagDefsFrom(command: GuardedCommandId, flags?: Record<string, {char?: string; type?: string}>): FlagDef[] {
  const defs = new Map(STOCK_COMMANDS[command].flags.map(def => [def.name, def]))
  for (const [name, flag] of Object.entries(flags ?? {})) {
    if (flag.type !== 'boolean' && flag.type !== 'option') continue
    defs.set(name, {char: flag.char, kind: flag.type, name})
  }

  return [...defs.values()]
}

function isNegativeNumber(input: string): boolean {
  return /^-\d/.test(input) && !Number.isNaN(Number(input))
}

/** Splits argv into flags and positionals exactly as @oclif/core 4's parser does for these commands. */
export function parseGuardedArgv(id: string, argv: readonly string[], defs?: readonly FlagDef[]): ParsedArgv | undefined {
  const command = guardedCommand(id)
  if (!command) return undefined
  const spec = STOCK_COMMANDS[command]
  const flagDefs = defs ?? spec.flags
  const byName = new Map(flagDefs.map(def => [def.name, def]))
  const byChar = new Map(flagDefs.filter(def => def.char).map(def => [def.char as string, def]))
  const out: ParsedArgv = {args: {}, booleans: [], command, options: {}, positionals: [], unknownFlags: []}
  const queue = [...argv]

  const find = (token: string): FlagDef | undefined => {
    if (token.startsWith('--')) return byName.get(token.slice(2))
    if (token.startsWith('-') && token.length > 1) return byChar.get(token.charAt(1))
    return undefined
  }

  const addOption = (name: string, value: string) => {
    out.options[name] = [...(out.options[name] ?? []), value]
  }

  // Returns true when the token was consumed as a flag (with its value, if any).
  const parseFlag = (token: string): boolean => {
    const def = find(token)
    if (!def) {
      const equals = token.indexOf('=')
      if (equals === -1) return false
      // `--app=x`: retry with the value pushed back, as the stock parser does.
      queue.unshift(token.slice(equals + 1))
      const parsed = parseFlag(token.slice(0, equals))
      if (!parsed) queue.shift()
      return parsed
    }

    const isLong = token.startsWith('--')
    if (def.kind === 'option') {
      const value = isLong || token.length < 3 ? queue.shift() : token.slice(token.charAt(2) === '=' ? 3 : 2)
      // The stock parser stops with "expects a value" here; keep what we can so the guard still looks.
      if (value !== undefined) addOption(def.name, value)
      return true
    }

    out.booleans.push(def.name)
    // `-fv`: the rest of a short cluster are more flags.
    if (!isLong && token.length > 2) queue.unshift(`-${token.slice(2)}`)
    return true
  }

  let parsingFlags = true
  while (queue.length > 0) {
    const token = queue.shift() as string
    if (parsingFlags && token.startsWith('-') && token !== '-') {
      if (token === '--') {
        parsingFlags = false
        continue
      }

      if (parseFlag(token)) continue
      if (!isNegativeNumber(token)) {
        out.unknownFlags.push(token)
        continue
      }
    }

    out.positionals.push(token)
  }

  if (spec.args !== 'argv') {
    for (const [index, name] of spec.args.entries()) {
      const value = out.positionals[index]
      if (value !== undefined) out.args[name] = value
    }
  }

  return out
}

/* ---------------------------------------------------------------- app defaulting and git remotes */

export interface GitRemotes {
  /** `git config heroku.remote`: the remote the stock CLI limits itself to when no -r is given */
  defaultRemote?: string
  remotes: Array<{name: string; url: string}>
}

/** Parses `git config --get-regexp remote` (lines of `key value`) into remotes and heroku.remote. */
export function parseGitRemotes(output: string): GitRemotes {
  const result: GitRemotes = {remotes: []}
  for (const line of output.split('\n')) {
    const match = /^(\S+)\s+(.*)$/.exec(line.trim())
    if (!match) continue
    const [, key = '', value = ''] = match
    if (key.toLowerCase() === 'heroku.remote') {
      result.defaultRemote = value.trim()
      continue
    }

    const remote = /^remote\.(.+)\.url$/i.exec(key)
    if (remote?.[1]) result.remotes.push({name: remote[1], url: value.trim()})
  }

  return result
}

const ALLOWED_HEROKU_DOMAINS = ['heroku.com', 'herokai.com', 'herokuspace.com', 'herokudev.com']
const LOCALHOST_DOMAINS = ['localhost', '127.0.0.1']

/** `HEROKU_HOST` as @heroku-cli/command's vars reads it (an invalid host falls back to heroku.com). */
function herokuHost(env: Readonly<Record<string, string | undefined>>): string {
  const host = env.HEROKU_HOST
  if (!host) return 'heroku.com'
  const clean = host.replace(/^https?:\/\//, '')
  const valid = ALLOWED_HEROKU_DOMAINS.some(domain => clean.endsWith(`.${domain}`) || clean === domain)
    || LOCALHOST_DOMAINS.some(domain => clean.includes(domain))
  return valid ? host : 'heroku.com'
}

function urlHost(host: string): string | undefined {
  if (!host.startsWith('http')) return undefined
  try {
    return new URL(host).host || undefined
  } catch {
    return undefined
  }
}

/** The git URL prefixes that mark a Heroku remote (vars.gitPrefixes in @heroku-cli/command). */
export function herokuGitPrefixes(env: Readonly<Record<string, string | undefined>>): string[] {
  const host = herokuHost(env)
  const fromUrl = urlHost(host)
  const gitHost = env.HEROKU_GIT_HOST || fromUrl || host
  const httpGitHost = env.HEROKU_GIT_HOST || fromUrl || `git.${host}`
  return [`git@${gitHost}:`, `ssh://git@${gitHost}/`, `https://${httpGitHost}/`]
}

/** The Heroku apps named by git remotes, optionally only those of one remote (getGitRemotes). */
export function herokuGitApps(git: GitRemotes, env: Readonly<Record<string, string | undefined>>, onlyRemote?: string): Array<{app: string; remote: string}> {
  const apps: Array<{app: string; remote: string}> = []
  for (const remote of git.remotes) {
    if (onlyRemote && remote.name !== onlyRemote) continue
    for (const prefix of herokuGitPrefixes(env)) {
      // The stock CLI builds this pattern from plain strings (dots unescaped); do the same.
      const match = remote.url.match(`${prefix}(.*).git`)
      if (match?.[1]) apps.push({app: match[1], remote: remote.name})
    }
  }

  return apps
}

export type AppSource = 'env' | 'flag' | 'git' | 'target'

export interface AppChoice {
  /** apps named by the flags or the environment (several only when --app was repeated) */
  apps: string[]
  /** why no app could be determined, when none was */
  problem?: string
  source?: AppSource
}

/** True when the app can only come from git remotes, i.e. the caller must run git before `chooseApp`. */
export function needsGitRemotes(parsed: ParsedArgv, env: Readonly<Record<string, string | undefined>>): boolean {
  return (parsed.options.app ?? []).length === 0 && !env.HEROKU_APP
}

/** The app the stock command runs against: --app, else HEROKU_APP, else the single Heroku git remote. */
export function chooseApp(parsed: ParsedArgv, env: Readonly<Record<string, string | undefined>>, git?: GitRemotes): AppChoice {
  const flagApps = [...new Set(parsed.options.app ?? [])]
  if (flagApps.length > 0) return {apps: flagApps, source: 'flag'}
  if (env.HEROKU_APP) return {apps: [env.HEROKU_APP], source: 'env'}
  const remote = parsed.options.remote?.at(-1)
  const candidates = herokuGitApps(git ?? {remotes: []}, env, remote || git?.defaultRemote)
  const unique = [...new Set(candidates.map(candidate => candidate.app))]
  if (unique.length === 1) return {apps: unique, source: 'git'}
  if (remote && candidates.length === 0) return {apps: [], problem: `git remote ${remote} is not a Heroku app remote`}
  if (unique.length > 1) {
    return {apps: [], problem: `several Heroku apps are in git remotes (${candidates.map(c => `${c.app} (${c.remote})`).join(', ')})`}
  }

  return {apps: [], problem: 'no app was named (-a/--app, HEROKU_APP or a Heroku git remote)'}
}

/* ---------------------------------------------------------------- targets */

/** What the command line names as the thing to be overwritten or destroyed (before any lookup). */
export type CommandTarget =
  /** a database by attachment or config var name on an app; `app` is undefined when none could be determined */
  | {app: string | undefined; appSource?: AppSource; kind: 'database'; name: string}
  /** an add-on by name, id, attachment or config var name; `app` scopes the lookup when given */
  | {app: string | undefined; appSource?: AppSource; kind: 'addon'; name: string}
  /** a raw connection URL given on the command line; `app` is the app the command runs against, if known */
  | {app: string | undefined; appSource?: AppSource; kind: 'url'; url: string}

export const DEFAULT_DATABASE = 'DATABASE_URL'

/** `postgres://…` (the stock pg:copy test) plus `postgresql://`, which we also treat as a URL to be safe. */
export function isPostgresUrlArg(value: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(value)
}

function databaseTargets(name: string, choice: AppChoice): CommandTarget[] {
  if (isPostgresUrlArg(name)) {
    if (choice.apps.length === 0) return [{app: undefined, kind: 'url', url: name}]
    return choice.apps.map(app => ({app, appSource: choice.source, kind: 'url' as const, url: name}))
  }

  // DatabaseResolver.getAttachment: `app::database` overrides any app option.
  const scoped = /^(.+?)::(.+)/.exec(name)
  if (scoped?.[1] && scoped[2]) return [{app: scoped[1], appSource: 'target', kind: 'database', name: scoped[2]}]
  if (choice.apps.length === 0) return [{app: undefined, kind: 'database', name}]
  return choice.apps.map(app => ({app, appSource: choice.source, kind: 'database' as const, name}))
}

function addonTargets(name: string, choice: AppChoice): CommandTarget[] {
  // AddonResolver.resolve: `app::addon` (greedy on the app part).
  const scoped = /^(.+)::(.+)$/.exec(name)
  if (scoped?.[1] && scoped[2]) return [{app: scoped[1], appSource: 'target', kind: 'addon', name: scoped[2]}]
  if (choice.apps.length === 0) return [{app: undefined, kind: 'addon', name}]
  return choice.apps.map(app => ({app, appSource: choice.source, kind: 'addon' as const, name}))
}

/** The targets the guard checks for a parsed invocation and the app chosen for it. */
export function guardTargets(parsed: ParsedArgv, choice: AppChoice): CommandTarget[] {
  switch (parsed.command) {
    case 'addons:destroy': {
      return parsed.positionals.flatMap(name => addonTargets(name, choice))
    }

    case 'pg:backups:restore':
    case 'pg:reset': {
      return databaseTargets(parsed.args.database ?? DEFAULT_DATABASE, choice)
    }

    case 'pg:copy':
    case 'pg:push': {
      const {target} = parsed.args
      // Without a TARGET the stock command stops at argument parsing; there is nothing to guard.
      return target === undefined ? [] : databaseTargets(target, choice)
    }
  }
}

/** Why the guard cannot know the target from the command line alone, if it cannot. */
export function undecidableReason(parsed: ParsedArgv, choice: AppChoice): string | undefined {
  if (parsed.booleans.includes('prompt')) {
    return '--prompt lets you pick the target after the guard has run'
  }

  const targets = guardTargets(parsed, choice)
  const appless = targets.some(target => target.kind === 'database' && target.app === undefined)
  if (appless && STOCK_COMMANDS[parsed.command].appRequired) return choice.problem ?? 'no app was named'
  return undefined
}
