import type {Command} from '@oclif/core'

import {describeTarget, type ClassifyTarget, hostAndDatabase, targetFromAttachment} from '../classify/classify.js'
import {resolveDatabase} from '../classify/resolve.js'
import {ApiError, type HerokuClient, isNotVisible} from '../heroku/client.js'
import {apiOf} from '../heroku/api.js'
import {type AddonEvidence, type AppEvidence, ProductionRegistry, viaText} from '../production/registry.js'
import {allProtected} from '../protect/policy.js'
import {redact} from '../secrets/index.js'
import {isPostgresUrl} from '../snapshot/identity.js'
import {loadApp} from '../snapshot/load.js'
import {type AddonRef, type AppSnapshot, type AttachmentRef, serviceOfPlan} from '../snapshot/types.js'
import {postgresServices} from './check.js'
import {decideDestructive, type DestructiveDecision, type Finding, type Undecided} from './destructive-message.js'
import type {DestructiveCommandId} from './ids.js'
import {parseStock} from './parse.js'
import {databaseVariables, destructiveIntents, type Intent} from './targets.js'
import {ownsAddon} from '../snapshot/query.js'

/**
 * The prerun hook's work for the commands that destroy, cut off or re-point production (ids.ts
 * DESTRUCTIVE_COMMANDS): parse the argv with the stock command's own definitions, load the app it names,
 * and ask the production registry (every production app of the account, never the app's own pipeline)
 * whether what it hits is production's. Only GET requests are sent. A failure refuses (fail closed).
 */

type Env = Readonly<Record<string, string | undefined>>

export interface DestructiveInput {
  argv: readonly string[]
  command: Command.Class
  configDir: string
  env: Env
  id: DestructiveCommandId
  makeClient: () => Promise<HerokuClient>
}

function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.method} ${error.path} failed: ${error.message}${error.id ? ` (${error.id})` : ''}`
  return error instanceof Error ? error.message : String(error)
}

function appReason(evidence: AppEvidence): string {
  return `${evidence.name} is a production app (${viaText(evidence.via)}${evidence.pipeline ? `, pipeline ${evidence.pipeline}` : ''}).`
}

function addonReason(evidence: AddonEvidence): string {
  const why = `${viaText(evidence.app.via)}${evidence.app.pipeline ? `, pipeline ${evidence.app.pipeline}` : ''}`
  return evidence.how === 'owned'
    ? `add-on ${evidence.addon.name} is owned by production app ${evidence.app.name} (${why}).`
    : `add-on ${evidence.addon.name} is attached to production app ${evidence.app.name} as ${evidence.attachment ?? 'an attachment'} (${why}).`
}

/** An add-on in full: through an attachment on its owner when there is one (so its host is known). */
function describeAddon(snapshot: AppSnapshot, addon: AddonRef): string {
  const attachment = snapshot.attachments.find(a => a.addon.id === addon.id)
  if (attachment) return describeTarget(targetFromAttachment(snapshot, attachment))
  return `add-on ${addon.name} (${addon.plan ?? addon.service}, owned by ${addon.owner.name})`
}

function ownedAddons(snapshot: AppSnapshot): AddonRef[] {
  if (snapshot.ownedAddons) return snapshot.ownedAddons
  const owned = snapshot.attachments.filter(a => ownsAddon(snapshot, a.addon))
  return [...new Map(owned.map(a => [a.addon.id, a.addon])).values()]
}

/** Loads each app once per hook run; undefined when it does not exist or is not visible (the stock command then fails too). */
class Apps {
  private readonly loads = new Map<string, Promise<AppSnapshot | undefined>>()

  constructor(private readonly client: HerokuClient) {}

  /** An add-on by name or id, account-wide, as the guard describes it; undefined when not visible. */
  async addon(nameOrId: string): Promise<ClassifyTarget['addon']> {
    try {
      const addon = await apiOf(this.client).addon(nameOrId)
      const owner = addon.app.name ?? addon.app.id ?? ''
      return {id: addon.id, name: addon.name, owner: {id: addon.app.id, name: owner}, plan: addon.plan?.name, service: addon.addon_service?.name ?? serviceOfPlan(addon.plan?.name ?? '')}
    } catch (error) {
      if (isNotVisible(error)) return undefined
      throw error
    }
  }

  async get(name: string): Promise<AppSnapshot | undefined> {
    if (!this.loads.has(name)) {
      this.loads.set(name, loadApp(this.client, name).catch(error => {
        if (isNotVisible(error)) return undefined
        throw error
      }))
    }

    return this.loads.get(name) as Promise<AppSnapshot | undefined>
  }
}

const STAGING_FIX = 'If you meant a staging app, name it instead: -a STAGING_APP (or STAGING_APP::DATABASE).'

async function checkApp(command: DestructiveCommandId, intent: Extract<Intent, {kind: 'app'}>, apps: Apps, registry: ProductionRegistry): Promise<Finding[]> {
  const snapshot = await apps.get(intent.app)
  const evidence = await registry.isProduction(snapshot ? snapshot.app : {name: intent.app}, snapshot?.configVars)
  const findings: Finding[] = []
  if (command === 'data:pg:migrate') {
    if (!evidence) return []
    const databases = snapshot?.attachments.filter(a => a.addon.service === 'heroku-postgresql') ?? []
    const described = databases.map(a => describeTarget(targetFromAttachment(snapshot as AppSnapshot, a)))
    return [{apps: [evidence.name], fix: STAGING_FIX, reasons: [appReason(evidence)], target: `app ${intent.app}'s databases (the destination is picked from them): ${described.join('; ') || 'none listed'}`}]
  }

  // apps:destroy destroys the app and every add-on it owns, wherever those are attached.
  const owned = snapshot ? ownedAddons(snapshot) : []
  if (evidence) {
    const described = owned.map(addon => describeAddon(snapshot as AppSnapshot, addon))
    findings.push({apps: [evidence.name], fix: STAGING_FIX, reasons: [appReason(evidence)], target: `app ${intent.app} and the add-ons it owns: ${described.join('; ') || 'none'}`})
  }

  const attachedElsewhere = await Promise.all(owned.map(async addon => registry.addon(addon.id)))
  for (const [index, addon] of owned.entries()) {
    const elsewhere = (attachedElsewhere[index] ?? []).filter(e => e.how === 'attached' && e.app.id !== snapshot?.app.id)
    if (elsewhere.length === 0) continue
    findings.push({
      apps: [...new Set(elsewhere.map(e => e.app.name))],
      fix: `Give production its own database first (heroku addons:create heroku-postgresql -a ${elsewhere[0]?.app.name}), or detach ${addon.name} from production (heroku addons:detach ${elsewhere[0]?.attachment ?? 'ATTACHMENT'} -a ${elsewhere[0]?.app.name}) if production does not use it.`,
      reasons: elsewhere.map(e => addonReason(e)),
      target: `${describeAddon(snapshot as AppSnapshot, addon)}: destroying ${intent.app} destroys it`,
    })
  }

  return findings
}

async function checkDatabase(intent: Extract<Intent, {kind: 'database'}>, apps: Apps, registry: ProductionRegistry): Promise<Finding[]> {
  const snapshot = intent.app === undefined ? undefined : await apps.get(intent.app)
  const evidence = intent.app === undefined ? undefined : await registry.isProduction(snapshot ? snapshot.app : {name: intent.app}, snapshot?.configVars)
  let target = snapshot ? resolveDatabase(snapshot, intent.database) : undefined
  // Not an attachment or config var of the app: the stock resolver also takes an add-on name account-wide.
  const addon = target?.addon ? undefined : await apps.addon(intent.database)
  if (addon) target = {addon, following: null}
  const addonEvidence = target?.addon ? await registry.addon(target.addon.id) : []
  if (!evidence && addonEvidence.length === 0) return []
  const reasons = [...(evidence ? [appReason(evidence)] : []), ...addonEvidence.map(e => addonReason(e))]
  const involved = [...new Set([...(evidence ? [evidence.name] : []), ...addonEvidence.map(e => e.app.name)])]
  return [{
    apps: involved,
    fix: evidence ? STAGING_FIX : `Use a database the staging app owns (heroku pg:info -a STAGING_APP lists them; heroku addons:create heroku-postgresql -a STAGING_APP adds one).`,
    reasons,
    target: target ? describeTarget(target) : `${intent.database} on app ${intent.app ?? '(none named)'} (not found among its attachments)`,
  }]
}

async function checkAttachment(intent: Extract<Intent, {kind: 'attachment'}>, apps: Apps, registry: ProductionRegistry, env: Env): Promise<Finding[]> {
  const snapshot = await apps.get(intent.app)
  if (!snapshot) return []
  const evidence = await registry.isProduction(snapshot.app, snapshot.configVars)
  if (!evidence) return []
  // Heroku compares attachment names case-insensitively (`addons:detach database` detaches DATABASE).
  const attachment = snapshot.attachments.find(a => a.name.toLowerCase() === intent.attachment.toLowerCase() || a.id === intent.attachment)
  if (!attachment || !isDatabaseAttachment(snapshot, attachment, env)) return []
  return [{apps: [evidence.name], fix: STAGING_FIX, reasons: [appReason(evidence)], target: describeTarget(targetFromAttachment(snapshot, attachment))}]
}

function isDatabaseAttachment(snapshot: AppSnapshot, attachment: AttachmentRef, env: Env): boolean {
  return postgresServices(env).has(attachment.addon.service) || attachment.configVarNames.some(name => isPostgresUrl(snapshot.configVars[name]))
}

async function checkConfig(intent: Extract<Intent, {kind: 'config'}>, apps: Apps, registry: ProductionRegistry): Promise<Finding[]> {
  const snapshot = await apps.get(intent.app)
  if (!snapshot) return []
  const evidence = await registry.isProduction(snapshot.app, snapshot.configVars)
  if (!evidence) return []
  const touched = databaseVariables(intent.names, snapshot)
  if (touched.length === 0) return []
  const described = touched.map(name => {
    const attachment = snapshot.attachments.find(a => a.configVarNames.includes(name))
    if (attachment) return describeTarget(targetFromAttachment(snapshot, attachment, name))
    const value = snapshot.configVars[name]
    return `${intent.app}'s ${name}${value === undefined ? ' (not set yet)' : isPostgresUrl(value) ? ` (at ${hostAndDatabase(value)})` : ''}`
  })
  return [{apps: [evidence.name], fix: `Change other config vars in a separate command; database config vars of production change with heroku pg:promote or heroku addons:attach, on purpose.`, reasons: [appReason(evidence)], target: described.join('; ')}]
}

async function checkIntent(input: DestructiveInput, intent: Intent, apps: Apps, registry: ProductionRegistry): Promise<Finding[]> {
  switch (intent.kind) {
    case 'app': {
      return checkApp(input.id, intent, apps, registry)
    }

    case 'attachment': {
      return checkAttachment(intent, apps, registry, input.env)
    }

    case 'config': {
      return checkConfig(intent, apps, registry)
    }

    case 'database': {
      return checkDatabase(intent, apps, registry)
    }
  }
}

function intentText(intent: Intent): string {
  switch (intent.kind) {
    case 'app': {
      return `app ${intent.app}`
    }

    case 'attachment': {
      return `attachment ${intent.attachment} on ${intent.app}`
    }

    case 'config': {
      return `config vars ${intent.names.join(', ')} on ${intent.app}`
    }

    case 'database': {
      return `${intent.database} on ${intent.app}`
    }
  }
}

/**
 * Checks a destructive command. Returns undefined when the invocation does nothing the guard covers, or
 * when the stock command will stop at its own argument parsing before sending anything.
 */
export async function checkDestructive(input: DestructiveInput): Promise<DestructiveDecision | undefined> {
  const parse = await parseStock(input.command, input.argv)
  // The stock command runs the same parser first and stops with this very error, before any request.
  if (!parse.ok) return undefined
  const {intents} = destructiveIntents(input.id, parse.parsed)
  if (intents.length === 0) return undefined
  const findings: Finding[] = []
  const undecided: Undecided[] = []
  try {
    const client = await input.makeClient()
    const registry = new ProductionRegistry(client, {pipelineNames: true, protectedApps: await allProtected(input.configDir)})
    const apps = new Apps(client)
    // Each target is checked on its own: one that cannot be checked is refused, the others still say why.
    const results = await Promise.all(intents.map(async intent => {
      try {
        return {findings: await checkIntent(input, intent, apps, registry)}
      } catch (error) {
        return {undecided: {app: intent.app, what: intentText(intent), why: redact(describeError(error))}}
      }
    }))
    for (const result of results) {
      if (result.findings) findings.push(...result.findings)
      if (result.undecided) undecided.push(result.undecided)
    }
  } catch (error) {
    undecided.push({what: 'the target', why: redact(describeError(error))})
  }

  return decideDestructive(input.id, input.argv, findings, undecided, input.env)
}
