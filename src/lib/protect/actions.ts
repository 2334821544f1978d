import {ActionableError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {apiOf} from '../heroku/api.js'
import {type HerokuClient, isNotVisible} from '../heroku/client.js'
import type {App} from '../heroku/types.js'
import {repositoryRoot, writePolicy} from './policy.js'
import {type ProtectedEntry, protectApp, readProtectedEntries, type StoreChange, unprotectApp} from './store.js'

/** The typed result of `staging:protect`, `staging:protect --list` and `staging:unprotect` (their --json). */
export interface ProtectResult {
  action: 'list' | 'protect' | 'unprotect'
  /** the app protected or unprotected (absent for --list) */
  app?: {id?: string; name: string; since?: string}
  /** false when nothing changed: the app already was (protect) or was not (unprotect) protected */
  changed: boolean
  /** the file the list is kept in */
  file: string
  /**
   * the repository's policy file (`.heroku-staging.json` at the git root), where the mark lives for every
   * teammate once committed; absent outside a git repository
   */
  policy?: {changed: boolean; file: string}
  /** every protected app after the command */
  protected: ProtectedEntry[]
}

/** Thrown when the app to protect does not exist or is not visible to this account. */
export class AppNotFoundError extends ActionableError {
  constructor(readonly app: string) {
    super(`App ${app} was not found, or this account cannot see it.`, 'Check the name with heroku apps --all, then run heroku staging:protect -a APP again.', ExitCode.Usage)
    this.name = 'AppNotFoundError'
  }
}

async function findApp(client: HerokuClient, name: string): Promise<App | undefined> {
  try {
    return await apiOf(client).app(name)
  } catch (error) {
    if (isNotVisible(error)) return undefined
    throw error
  }
}

function result(action: ProtectResult['action'], file: string, change: StoreChange, app?: {id?: string; name: string}, policy?: ProtectResult['policy']): ProtectResult {
  return {action, app, changed: change.changed || Boolean(policy?.changed), file, policy, protected: change.apps}
}

/** Records the change in the policy file at the git root of `cwd`, when there is one. */
async function recordPolicy(app: {id?: string; name: string}, action: 'add' | 'remove', cwd?: string): Promise<ProtectResult['policy']> {
  const root = await repositoryRoot(cwd)
  return root ? writePolicy(root, app, action) : undefined
}

/** Marks an app as production for every guard. The app must exist: protecting a typo protects nothing. */
export async function protect(client: HerokuClient, configDir: string, file: string, name: string, cwd?: string): Promise<ProtectResult> {
  const app = await findApp(client, name)
  if (!app) throw new AppNotFoundError(name)
  const change = await protectApp(configDir, {id: app.id, name: app.name})
  const policy = await recordPolicy({id: app.id, name: app.name}, 'add', cwd)
  return result('protect', file, change, {id: app.id, name: app.name}, policy)
}

/**
 * Removes an app from the protected list. A name on the list is removed without asking the API (so an app
 * deleted since can still be removed); otherwise the API tells the app's id, which finds a renamed entry.
 */
export async function unprotect(client: HerokuClient, configDir: string, file: string, name: string, cwd?: string): Promise<ProtectResult> {
  const entries = await readProtectedEntries(configDir)
  const listed = entries.find(entry => entry.name === name)
  if (listed) return result('unprotect', file, await unprotectApp(configDir, listed), listed, await recordPolicy(listed, 'remove', cwd))
  const app = await findApp(client, name)
  const target = app ? {id: app.id, name: app.name} : {name}
  return result('unprotect', file, await unprotectApp(configDir, target), target, await recordPolicy(target, 'remove', cwd))
}

export async function listProtected(configDir: string, file: string): Promise<ProtectResult> {
  return {action: 'list', changed: false, file, protected: await readProtectedEntries(configDir)}
}
