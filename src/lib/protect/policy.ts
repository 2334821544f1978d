import {readFile, rename, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {ActionableError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {protectedFile, protectedKeys, readProtectedEntries} from './store.js'

/**
 * Where `staging:protect` marks live so that every teammate's plugin sees them: a policy file committed at
 * the repository's root (`.heroku-staging.json`). The guards read it from the repository root of the directory
 * the command runs in (found by walking up to `.git`, never by running git), with no API round trip; a change to it is a reviewed commit, not one laptop's setting.
 * Production apps may also carry the config var `HEROKU_STAGING_PROTECTED` (set by hand or by
 * `staging:protect --config-var`): the guard honours it on any app it reads, and removing it is a demotion
 * the guard refuses.
 */

export const POLICY_FILE = '.heroku-staging.json'
export const PROTECTED_MARKER = 'HEROKU_STAGING_PROTECTED'

export interface PolicyEntry {
  id?: string
  name: string
}

interface PolicyFile {
  production?: unknown
}

/**
 * The repository root of `cwd`, where the policy file is read and written, without git: the nearest directory, walking up,
 * that holds `.git` (a directory, or a file in a worktree or submodule). Undefined outside a repository. A
 * directory that cannot be inspected (anything but "not there") throws: the caller fails closed. Git's own
 * refusals (ownership, a missing binary) cannot turn the policy off.
 */
export async function repositoryRoot(cwd: string = process.cwd()): Promise<string | undefined> {
  const directories: string[] = []
  for (let directory = path.resolve(cwd); ; directory = path.dirname(directory)) {
    directories.push(directory)
    if (path.dirname(directory) === directory) break
  }

  // Every ancestor at once (a handful of stat calls); the nearest one holding .git wins, and a failure
  // nearer than it (not "not there") throws.
  const found = await Promise.allSettled(directories.map(async directory => stat(path.join(directory, '.git'))))
  for (const [index, result] of found.entries()) {
    if (result.status === 'fulfilled') return directories[index]
    const {code} = result.reason as NodeJS.ErrnoException
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw result.reason
  }

  return undefined
}

function entryOf(value: unknown): PolicyEntry | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : {name: value.trim()}
  if (!value || typeof value !== 'object') return undefined
  const {id, name} = value as {id?: unknown; name?: unknown}
  const named = typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined
  const identified = typeof id === 'string' && id.trim() !== '' ? id.trim() : undefined
  // An entry with an id and no name is matched by its id (the name shown is the id until the app is read).
  if (identified) return {id: identified, name: named ?? identified}
  return named ? {name: named} : undefined
}

/**
 * The production apps the policy file lists. No repository or no file: none. A file that cannot be read
 * or parsed throws: the caller fails closed rather than unprotect anything.
 */
export async function readPolicy(root: string | undefined): Promise<PolicyEntry[]> {
  if (!root) return []
  let text: string
  try {
    text = await readFile(path.join(root, POLICY_FILE), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }

  const parsed = JSON.parse(text) as PolicyFile
  if (!Array.isArray(parsed.production)) throw new Error(`${path.join(root, POLICY_FILE)} has no "production" list`)
  return parsed.production.map(value => entryOf(value)).filter((entry): entry is PolicyEntry => entry !== undefined)
}

/** Adds or removes one app in the policy file (kept sorted, one entry per app id or name). */
export async function writePolicy(root: string, app: PolicyEntry, action: 'add' | 'remove'): Promise<{changed: boolean; file: string}> {
  const file = path.join(root, POLICY_FILE)
  const entries = await readPolicy(root)
  const same = (entry: PolicyEntry): boolean => (app.id !== undefined && entry.id === app.id) || entry.name.toLowerCase() === app.name.toLowerCase()
  const present = entries.some(entry => same(entry))
  if ((action === 'add' && present && entries.some(e => same(e) && e.name === app.name && e.id === app.id)) || (action === 'remove' && !present)) return {changed: false, file}
  const next = action === 'add' ? [...entries.filter(entry => !same(entry)), app] : entries.filter(entry => !same(entry))
  next.sort((a, b) => a.name.localeCompare(b.name))
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, JSON.stringify({production: next}, null, 2) + '\n')
  await rename(temporary, file)
  return {changed: true, file}
}

/** Every protected app the guards know: this machine's list and the repository's policy file. */
export async function allProtected(configDir: string, cwd?: string): Promise<PolicyEntry[]> {
  const [local, policy] = await Promise.all([readProtectedEntries(configDir), repositoryRoot(cwd).then(async root => readPolicy(root))])
  return [...local, ...policy]
}

/**
 * The protected apps a flow decides on (audit, fork, refresh), as the hook reads them: this machine's
 * list and the repository's policy file. Either one unreadable stops the command (fail closed: refused,
 * exit 4), naming the file, rather than silently protecting nothing.
 */
export async function loadProtected(configDir: string, cwd?: string): Promise<{entries: PolicyEntry[]; keys: string[]}> {
  const unreadable = (file: string, fix: string) => (error: unknown): never => {
    throw new ActionableError(`Cannot read the protected apps in ${file}: ${(error as Error).message}.`, fix, ExitCode.Refused)
  }

  const local = protectedFile(configDir)
  const start = path.resolve(cwd ?? process.cwd())
  const root = await repositoryRoot(start).catch(unreadable(path.join(start, POLICY_FILE), `Make ${start} and its parent directories readable, then run the command again.`))
  const shared = path.join(root ?? '', POLICY_FILE)
  const [mine, policy] = await Promise.all([
    readProtectedEntries(configDir).catch(unreadable(local, `Repair or delete ${local}, then check the list with heroku staging:protect --list.`)),
    readPolicy(root).catch(unreadable(shared, `Repair ${shared} (it lists production apps as {"production": ["APP", ...]}), then check it with git diff.`)),
  ])
  const entries = [...mine, ...policy]
  return {entries, keys: protectedKeys(entries)}
}
