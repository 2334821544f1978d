import type {AddonCreate} from '../../heroku/api.js'
import {ApiError} from '../../heroku/client.js'
import type {AddOn} from '../../heroku/types.js'
import {POSTGRES_SERVICE} from '../../snapshot/types.js'
import {waitProvisioned} from '../../execute/blocks.js'
import type {StepContext, StepOutcome} from '../../execute/steps.js'
import type {AddonPlanItem} from '../types.js'
import {type ForkRun, itemKey} from './context.js'

/**
 * The fork's add-on steps: each add-on it provisions (a new one, or a Heroku Postgres fork of
 * production's), waited for until it serves and attached under every name production uses, the
 * check that the fork's DATABASE_URL is its own, and the add-ons it shares with their owner.
 */

/** The fork's own add-on attached as `name`; throws if that name is taken by an add-on the fork does not own. */
async function ownAddonAttachedAs(fork: ForkRun, name: string): Promise<AddOn | undefined> {
  const found = (await fork.attachments()).find(a => a.name === name)
  if (!found) return undefined
  if (found.addon.app?.id !== fork.appId) {
    throw new Error(`${name} on ${fork.plan.target.name} is attached to ${found.addon.name ?? 'an add-on'} owned by ${found.addon.app?.name ?? 'another app'}, not to an add-on of the fork.`)
  }

  return fork.api.appAddon(fork.appId, found.addon.id ?? '')
}

/** Attaches `addonId` to the fork as `name`; false when it already was. */
async function attach(fork: ForkRun, addonId: string, name: string): Promise<boolean> {
  const attached = async () => (await fork.attachments()).find(a => a.name === name)
  const found = await attached()
  if (found) {
    if (found.addon.id !== addonId) throw new Error(`${name} on ${fork.plan.target.name} is attached to another add-on (${found.addon.name ?? '?'}).`)
    return false
  }

  await fork.mutate<unknown>(
    async () => fork.api.createAttachment({addon: {id: addonId}, app: {id: fork.appId}, name}),
    async () => ((await attached())?.addon.id === addonId ? true : undefined),
  )
  return true
}

export async function ensureAddon(fork: ForkRun, item: AddonPlanItem, context: StepContext): Promise<StepOutcome> {
  const [first, ...others] = item.attachments
  if (!first || !item.plan) throw new Error(`${item.source.name} has no attachment name to create.`)
  let addon = await ownAddonAttachedAs(fork, first)
  let status: StepOutcome['status'] = 'already-done'
  if (!addon) {
    const body: AddonCreate = {attachment: {name: first}, plan: {name: item.plan}}
    // A Heroku Postgres fork (addons:create --fork): a read of production's database, written into a new add-on of the fork.
    if (item.data?.method === 'fork') body.config = {fork: item.source.id}
    else if (item.version) body.config = {version: item.version}
    try {
      addon = await fork.mutate(
        async () => fork.api.createAddon(fork.appId, body),
        async () => ownAddonAttachedAs(fork, first),
      )
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        throw new Error(`${item.plan} cannot be provisioned: ${error.message} Choose another plan with --plan ${item.source.service}=PLAN.`)
      }

      throw error
    }

    status = 'done'
  }

  // pg:wait's fields (waiting?, message): a fork is usable only once Heroku has copied the data.
  addon = await waitProvisioned(fork.api, fork.appId, addon, {database: item.source.service === POSTGRES_SERVICE, poll: fork.polling, progress: message => context.progress(message)})
  fork.addons.set(itemKey(item), addon)
  for (const name of others) {
    // eslint-disable-next-line no-await-in-loop -- attachments of one add-on, in order, each a release
    if (await attach(fork, addon.id, name)) status = 'done'
  }

  const forked = item.data?.method === 'fork' ? `, a fork of ${item.source.name}` : ''
  return {detail: `${addon.name}${item.version ? `, Postgres ${item.version}` : ''}${forked}`, status}
}

/** The fork's DATABASE_URL is exposed by its own new add-on, and reaches nothing of production's. */
export async function verifyDatabaseUrl(fork: ForkRun, key: string): Promise<void> {
  const addon = fork.addons.get(key)
  if (!addon) throw new Error(`${key} is not provisioned.`)
  const [config, attachments] = await Promise.all([fork.config(), fork.attachments()])
  const database = attachments.find(a => a.name === 'DATABASE')
  if (database?.addon.id !== addon.id) throw new Error(`DATABASE on ${fork.plan.target.name} is not ${addon.name}.`)
  if (!config.DATABASE_URL) throw new Error(`${addon.name} is provisioned but ${fork.plan.target.name} has no DATABASE_URL.`)
  fork.reach.refuse(config.DATABASE_URL, "The fork's DATABASE_URL")
}

export async function ensureShare(fork: ForkRun, item: AddonPlanItem): Promise<StepOutcome> {
  let status: StepOutcome['status'] = 'already-done'
  for (const name of item.attachments) {
    // eslint-disable-next-line no-await-in-loop -- attachments in order, each a release
    if (await attach(fork, item.source.id, name)) status = 'done'
  }

  return {detail: `shared with ${item.source.owner}`, status}
}
