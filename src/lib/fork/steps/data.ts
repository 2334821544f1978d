import type {DataTransfer} from '../../heroku/types.js'
import {transferLogs} from '../../heroku/wait.js'
import {isPostgresUrl} from '../../snapshot/identity.js'
import {watchTransfer} from '../../execute/blocks.js'
import type {StepContext, StepOutcome} from '../../execute/steps.js'
import type {AddonPlanItem} from '../types.js'
import {type ForkRun, itemKey} from './context.js'

/** The fork's data step: production's database copied into the fork's new one (pg:copy's transfer). */

/** Production's URL of the database `item` copies, and the attachment that exposes it. */
function sourceUrl(fork: ForkRun, item: AddonPlanItem): {name: string; url: string} {
  const {production} = fork
  for (const attachment of production.attachments.filter(a => a.addon.id === item.source.id)) {
    for (const key of attachment.configVarNames) {
      const value = production.configVars[key]
      if (value && isPostgresUrl(value)) return {name: attachment.name, url: value}
    }
  }

  throw new Error(`Cannot find the URL of ${item.source.name} in ${production.app.name}'s config vars.`)
}

async function transfersNamed(fork: ForkRun, fromName: string, toName: string): Promise<DataTransfer[]> {
  const transfers = await fork.api.transfers(fork.plan.target.name)
  return transfers.filter(t => t.to_name === toName && t.from_name === fromName).sort((a, b) => (a.num ?? 0) - (b.num ?? 0))
}

/**
 * The copy is done when a transfer of production's database into this one succeeded alone. A copy
 * this run started, with nothing else of ours running and exactly one new transfer appearing, is
 * trusted; a re-sent request may start two at once, and then neither is: a fresh one follows.
 * A copy left by an earlier run counts when it is the latest and ended before any other started.
 */
export async function ensureData(fork: ForkRun, item: AddonPlanItem, context: StepContext): Promise<StepOutcome> {
  const key = itemKey(item)
  const addon = fork.addons.get(key)
  if (!addon) throw new Error(`${key} is not provisioned.`)
  const source = sourceUrl(fork, item)
  const target = fork.plan.target.name
  const toName = `${target}::${key}`
  const fromName = `${fork.production.app.name}::${source.name}`
  let started = 0
  let trusted: string | undefined
  for (;;) {
    // eslint-disable-next-line no-await-in-loop -- each look at the transfers follows the last action
    const ours = await transfersNamed(fork, fromName, toName)
    const running = ours.filter(t => !t.finished_at)
    if (running.length > 0) {
      if (started === 0) context.progress(`waiting for transfer ${running.map(t => t.num ?? t.uuid).join(', ')} (started earlier)`)
      // eslint-disable-next-line no-await-in-loop -- wait for every running copy before judging the result
      await Promise.all(running.map(async t => watchTransfer(fork.api, target, t, context, {poll: fork.polling, progress: 'copying', what: `the data transfer into ${key}`})))
      continue
    }

    const latest = ours.at(-1)
    if (latest && latest.uuid === trusted) {
      if (latest.succeeded === true) return {detail: `${latest.processed_bytes ?? 0} bytes copied`, status: 'done'}
      // eslint-disable-next-line no-await-in-loop -- once, on the way out with the failure
      const logs = (await transferLogs(fork.api, target, latest)).join(' | ')
      throw new Error(`The data transfer into ${key} failed${logs ? `: ${logs}` : '.'}`)
    }

    const alone = latest !== undefined && ours.slice(0, -1).every(t => !t.finished_at || !latest.started_at || Date.parse(t.finished_at) < Date.parse(latest.started_at))
    if (started === 0 && latest?.succeeded === true && alone) return {detail: 'copied by an earlier run', status: 'already-done'}
    if (started >= 3) throw new Error(`The data transfer into ${key} did not complete alone after ${started} attempts.`)
    // eslint-disable-next-line no-await-in-loop -- read the target URL just before the copy
    const config = await fork.config()
    const targetUrl = config[`${key}_URL`]
    if (!targetUrl || !isPostgresUrl(targetUrl)) throw new Error(`${target} has no ${key}_URL to copy into.`)
    fork.reach.refuse(targetUrl, `The fork's ${key}_URL`)
    started++
    let uuid: string | undefined
    let failure: unknown
    try {
      // eslint-disable-next-line no-await-in-loop -- one copy at a time into one database
      uuid = (await fork.api.createTransfer(addon.id, {from_name: fromName, from_url: source.url, to_name: toName, to_url: targetUrl})).uuid
    } catch (error) {
      failure = error
    }

    // eslint-disable-next-line no-await-in-loop -- how many copies did that request start?
    const fresh = (await transfersNamed(fork, fromName, toName)).filter(t => !ours.some(o => o.uuid === t.uuid))
    if (fresh.length === 0) throw failure ?? new Error(`The data transfer into ${key} did not start.`)
    trusted = fresh.length === 1 ? fresh[0]?.uuid ?? uuid : undefined
    if (!trusted) context.progress(`${fresh.length} transfers started by one request: waiting for them, then copying again`)
  }
}
