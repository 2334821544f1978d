import type {Command} from '@oclif/core'

import {classifyTarget, type ClassifyTarget, productionAppFromSnapshot, targetFromAttachment} from '../classify/classify.js'
import {registryContext} from '../classify/context.js'
import {databaseNames, resolveDatabase} from '../classify/resolve.js'
import {ApiError, type HerokuClient, isNotVisible} from '../heroku/client.js'
import {apiOf} from '../heroku/api.js'
import type {AddOn} from '../heroku/types.js'
import {ProductionRegistry} from '../production/registry.js'
import {allProtected, PROTECTED_MARKER} from '../protect/policy.js'
import {credentialHosts} from '../snapshot/identity.js'
import {loadApp} from '../snapshot/load.js'
import {resolveHosts} from '../snapshot/resolve.js'
import {redact} from '../secrets/index.js'
import {type AppSnapshot, POSTGRES_SERVICE, serviceOfPlan} from '../snapshot/types.js'
import {
  chooseApp,
  type CommandTarget,
  flagDefsFrom,
  type GitRemotes,
  guardTargets,
  needsGitRemotes,
  type ParsedArgv,
  parseGuardedArgv,
  undecidableReason,
} from './argv.js'
import {ownershipClassification} from './addon-owner.js'
import {type CheckedTarget, decide, type HookDecision} from './decide.js'
import {guardedCommand} from './ids.js'
import {parsedFromStock} from './parse.js'

/**
 * The prerun hook's work for a guarded command, I/O included: parse the argv, look the target up through
 * the Platform API the way the stock command will, and classify it with the guard (`classifyTarget`)
 * against the account's production (`ProductionRegistry`): every app at pipeline stage `production` in any
 * pipeline, and every app protected with `heroku staging:protect`, whatever app `-a` names. Only GET
 * requests are sent. Anything that goes wrong makes the target
 * "undecided", which the hook refuses (fail closed).
 */

type Env = Readonly<Record<string, string | undefined>>

export interface CheckInput {
  argv: readonly string[]
  /**
   * the stock command class: its argv is then parsed by oclif's Parser with the command's own flags, and the
   * app is the one the stock command will use (argv.ts's table-driven parse is the fallback without it)
   */
  command?: Command.Class
  /** the stock command's static flags, so flags newer than the built-in table are parsed right */
  commandFlags?: Record<string, {char?: string; type?: string}>
  configDir: string
  env: Env
  id: string
  /** builds the API client; called only when a lookup is needed */
  makeClient: () => Promise<HerokuClient>
  readGit: () => Promise<GitRemotes>
}

/** The add-on service the stock CLI treats as Postgres (heroku-cli-util getAddonService). */
export function postgresServices(env: Env): Set<string> {
  return new Set([env.HEROKU_POSTGRESQL_ADDON_NAME || env.HEROKU_DATA_SERVICE || POSTGRES_SERVICE, POSTGRES_SERVICE])
}


function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.method} ${error.path} failed: ${error.message}${error.id ? ` (${error.id})` : ''}`
  return error instanceof Error ? error.message : String(error)
}

/** Loads each app, add-on and pipeline once per hook run. */
class Lookups {
  private readonly addons = new Map<string, Promise<AddOn | undefined>>()
  private readonly apps = new Map<string, Promise<AppSnapshot | undefined>>()

  constructor(private readonly client: HerokuClient) {}

  /** The add-on by name or id (account-wide), or undefined when it does not exist or is not visible. */
  async addon(nameOrId: string): Promise<AddOn | undefined> {
    if (!this.addons.has(nameOrId)) {
      this.addons.set(nameOrId, apiOf(this.client).addon(nameOrId).catch(error => {
        if (isNotVisible(error)) return undefined
        throw error
      }))
    }

    return this.addons.get(nameOrId) as Promise<AddOn | undefined>
  }

  /** A loaded app by name or id, or undefined when it does not exist or is not visible. */
  async app(nameOrId: string): Promise<AppSnapshot | undefined> {
    if (!this.apps.has(nameOrId)) {
      const loading = loadApp(this.client, nameOrId).catch(error => {
        if (isNotVisible(error)) return undefined
        throw error
      })
      this.apps.set(nameOrId, loading)
      // Index the result by id and name as well, so the same app is never loaded twice.
      void loading.then(snapshot => {
        if (!snapshot) return
        for (const key of [snapshot.app.id, snapshot.app.name]) if (!this.apps.has(key)) this.apps.set(key, loading)
      }, () => {})
    }

    return this.apps.get(nameOrId) as Promise<AppSnapshot | undefined>
  }
}

/** Resolves one command-line target to the database the guard classifies. */
async function resolveTarget(lookups: Lookups, requested: CommandTarget, env: Env): Promise<CheckedTarget> {
  if (requested.kind === 'url' && requested.app === undefined) {
    return {requested, target: {following: null, url: requested.url}}
  }

  if (requested.app === undefined && requested.kind === 'database') {
    return {requested, undecided: 'no app was named'}
  }

  const snapshot = requested.app === undefined ? undefined : await lookups.app(requested.app)
  if (requested.app !== undefined && !snapshot && requested.kind !== 'addon') {
    return {requested, undecided: `app ${requested.app} was not found, or this account cannot see it`}
  }

  if (requested.kind === 'url') return {requested, target: resolveDatabase(snapshot as AppSnapshot, requested.url)}

  if (requested.kind === 'database') {
    const app = snapshot as AppSnapshot
    const target = resolveDatabase(app, requested.name)
    if (target) return {requested, target}
    const names = databaseNames(app)
    return {requested, undecided: `${app.app.name} has no database named ${requested.name}${names.length > 0 ? ` (its databases: ${names.join(', ')})` : ''}`}
  }

  // addons:destroy: an add-on name or id, or an attachment or config var name on the app.
  const services = postgresServices(env)
  const onApp = snapshot ? resolveDatabase(snapshot, requested.name) : undefined
  if (onApp?.addon) {
    return services.has(onApp.addon.service) ? {requested, target: onApp} : {requested, skipped: `${onApp.addon.name} is a ${onApp.addon.service} add-on`, target: onApp}
  }

  const addon = await lookups.addon(requested.name)
  if (!addon) {
    return {requested, undecided: `add-on ${requested.name} was not found${requested.app ? ` on ${requested.app}` : ''}, or this account cannot see it`}
  }

  const service = addon.addon_service?.name ?? serviceOfPlan(addon.plan?.name ?? '')
  const ownerName = addon.app.name ?? addon.app.id ?? ''
  if (!services.has(service)) {
    const target: ClassifyTarget = {addon: {id: addon.id, name: addon.name, owner: {id: addon.app.id, name: ownerName}, plan: addon.plan?.name, service}, following: null}
    return {requested, skipped: `${addon.name} is a ${service} add-on`, target}
  }

  const owner = await lookups.app(ownerName)
  const attachment = owner?.attachments.find(a => a.addon.id === addon.id)
  if (owner && attachment) return {requested, target: targetFromAttachment(owner, attachment)}
  // No attachment on the owner is visible: classify what is known (no URL, so the guard refuses it as unverifiable).
  const target: ClassifyTarget = {
    addon: {id: addon.id, name: addon.name, owner: {id: addon.app.id, name: ownerName}, plan: addon.plan?.name, service},
    app: {id: addon.app.id, name: ownerName},
    following: null,
  }
  return {requested, target}
}

/**
 * Checks a command the prerun hook saw. Returns undefined when the command is not guarded; otherwise the
 * decision (allow, or refuse with the reason), never throwing: a failure is an undecided target.
 */
export async function checkCommand(input: CheckInput): Promise<HookDecision | undefined> {
  const command = guardedCommand(input.id)
  if (!command) return undefined
  const stock = input.command ? await parsedFromStock(command, input.command, input.argv) : undefined
  // When the stock parser would stop the command itself, the table-driven parse still decides (fail closed):
  // a refusal of a command that would have failed anyway costs nothing.
  const parsed = stock ?? parseGuardedArgv(command, input.argv, flagDefsFrom(command, input.commandFlags)) as ParsedArgv
  const {env} = input
  let checked: CheckedTarget[]
  try {
    const git = needsGitRemotes(parsed, env) ? await input.readGit() : undefined
    const choice = chooseApp(parsed, env, git)
    const targets = guardTargets(parsed, choice)
    const blind = undecidableReason(parsed, choice)
    if (blind !== undefined) {
      checked = targets.length > 0 ? targets.map(requested => ({requested, undecided: blind})) : [{requested: {app: undefined, kind: 'database', name: 'DATABASE_URL'}, undecided: blind}]
    } else if (targets.length === 0) {
      checked = []
    } else {
      const entries = await allProtected(input.configDir)
      const client = await input.makeClient()
      const lookups = new Lookups(client)
      // One registry per hook run: every target is checked against the same, once-loaded production.
      const registry = new ProductionRegistry(client, {pipelineNames: true, protectedApps: entries})
      // Listed while the targets resolve: the couplings cost no round trip of their own on the critical path.
      registry.couplings().catch(() => {})
      checked = await Promise.all(targets.map(async requested => {
        try {
          const resolved = await resolveTarget(lookups, requested, env)
          // Not Postgres: refused still when production owns it or has it attached (addon-owner.ts).
          if (resolved.skipped !== undefined && resolved.target?.addon) {
            const classification = ownershipClassification(resolved.target, await registry.addon(resolved.target.addon.id))
            return classification ? {classification, requested, target: resolved.target} : resolved
          }

          if (resolved.undecided !== undefined || resolved.skipped !== undefined) return resolved
          // Nothing found and nothing said why: never let that through unchecked.
          if (!resolved.target) return {...resolved, undecided: 'the target could not be resolved'}
          // The target URL's own hosts, resolved like every snapshot's (a DNS alias of production is production).
          const targetHosts = {hosts: await resolveHosts(credentialHosts({TARGET: resolved.target.url ?? ''}))}
          const context = await registryContext(registry, {targets: [targetHosts]})
          // The target's app, loaded above: production too when it carries the HEROKU_STAGING_PROTECTED marker.
          const app = resolved.target.app ? await lookups.app(resolved.target.app.id ?? resolved.target.app.name) : undefined
          if (app && PROTECTED_MARKER in app.configVars && !context.production.some(p => p.id === app.app.id)) {
            context.production.push({...productionAppFromSnapshot(app), via: ['marked']})
          }

          return {...resolved, classification: classifyTarget(resolved.target, context)}
        } catch (error) {
          return {requested, undecided: redact(describeError(error))}
        }
      }))
    }
  } catch (error) {
    checked = [{requested: {app: undefined, kind: 'database', name: 'the target'}, undecided: redact(describeError(error))}]
  }

  return decide(parsed.command, input.argv, checked, env)
}
