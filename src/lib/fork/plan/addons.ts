import {fullPlanName, isEssentialPlan, isStandardPlan} from '../../heroku/postgres-plans.js'
import {sameEndpoint} from '../../snapshot/identity.js'
import {ownsAddon} from '../../snapshot/query.js'
import {type AppSnapshot, type AttachmentRef, POSTGRES_SERVICE, serviceOfPlan} from '../../snapshot/types.js'
import type {AddonPlanItem, DataMethod, ForkOptions, PlanCatalogue, PlanProblem} from '../types.js'
import {chooseDataMethod, chooseDatabasePlan, type PlanChoice} from './database.js'

/**
 * What happens to each of production's add-ons: re-provisioned on a chosen plan (its own), shared on
 * request (`--share-addon`), or skipped, and why.
 */

/** Services whose add-on runs jobs on its own schedule: their jobs are not copied. */
const SCHEDULERS = /^(scheduler|advanced-scheduler|cron-to-go|crontogo|temporize|simple-scheduler|process-scheduler)$/

interface AddonGroup {
  attachments: AttachmentRef[]
  first: AttachmentRef
}

function groupByAddon(attachments: readonly AttachmentRef[]): AddonGroup[] {
  const groups = new Map<string, AddonGroup>()
  for (const attachment of attachments) {
    const group = groups.get(attachment.addon.id)
    if (group) group.attachments.push(attachment)
    else groups.set(attachment.addon.id, {attachments: [attachment], first: attachment})
  }

  return [...groups.values()]
}

/** The add-on that becomes the fork's DATABASE: attached as DATABASE, else reached by DATABASE_URL, else the only one. */
function primaryDatabase(production: AppSnapshot, owned: AddonGroup[]): string | undefined {
  const candidates = owned.filter(g => g.first.addon.service === POSTGRES_SERVICE && !production.databases[g.first.addon.id]?.following)
  const attached = candidates.find(g => g.attachments.some(a => a.name === 'DATABASE'))
  if (attached) return attached.first.addon.id
  const databaseUrl = production.configVars.DATABASE_URL
  const reached = candidates.find(g => g.attachments.some(a => a.configVarNames.some(key => sameEndpoint(production.configVars[key], databaseUrl))))
  if (reached) return reached.first.addon.id
  return candidates.length === 1 ? candidates[0]?.first.addon.id : undefined
}

function choosePlan(production: AppSnapshot, group: AddonGroup, options: ForkOptions, catalogue: PlanCatalogue, problems: PlanProblem[], method?: DataMethod): PlanChoice | undefined {
  const {addon} = group.first
  const {service} = addon
  // A Heroku Postgres fork goes on the smallest Standard plan holding the data (never Essential).
  const offered = method === 'fork' ? catalogue[service]?.filter(p => isStandardPlan(p.name)) : catalogue[service]
  const list = offered?.map(p => p.name.split(':')[1] ?? p.name).join(', ') || 'none'
  const requested = options.plans[service]
  let choice: PlanChoice
  if (requested) {
    choice = {plan: fullPlanName(service, requested), reason: `--plan ${service}=${requested}`}
  } else if (service === POSTGRES_SERVICE) {
    // A Heroku Postgres fork (--data fork) was offered Standard plans only: the reason says so.
    choice = chooseDatabasePlan(addon.plan, production.databases[addon.id]?.numBytes, offered ?? [], method === 'fork' ? 'Standard' : undefined)
  } else {
    choice = {plan: addon.plan, reason: 'same plan as production'}
  }

  const offer = catalogue[service]?.find(p => p.name === choice.plan)
  if (!offer || !offer.installable) {
    const why = offered === undefined ? `the plan API lists no plans for ${service}` : `the plan API does not offer it${offer ? ' any more' : ''}`
    problems.push({
      fix: `Choose a plan with --plan ${service}=PLAN (offered: ${list}).`,
      message: `${choice.plan} cannot be provisioned for ${addon.name}: ${why}.`,
    })
    return undefined
  }

  return choice
}

function priceOf(catalogue: PlanCatalogue, service: string, plan: string): number | undefined {
  return catalogue[service]?.find(p => p.name === plan)?.priceCents
}

function forkAttachmentNames(group: AddonGroup, primary: boolean): string[] {
  const names = group.attachments.filter(a => a.namespace === null).map(a => a.name)
  if (primary) return ['DATABASE', ...names.filter(name => name !== 'DATABASE')]
  return [...new Set(names)]
}

export function planAddons(production: AppSnapshot, options: ForkOptions, catalogue: PlanCatalogue, warnings: string[], problems: PlanProblem[]): AddonPlanItem[] {
  const groups = groupByAddon(production.attachments)
  const owned = groups.filter(group => ownsAddon(production, group.first.addon))
  const primary = primaryDatabase(production, owned)
  const matched = new Set<string>()
  const items: AddonPlanItem[] = []
  for (const group of groups) {
    const {addon} = group.first
    const names = [addon.name, addon.id, ...group.attachments.map(a => a.name)]
    const shareAsked = options.shareAddons.filter(name => names.includes(name))
    for (const name of shareAsked) matched.add(name)
    const source = {id: addon.id, name: addon.name, owner: addon.owner.name, plan: addon.plan, service: addon.service}
    if (ownsAddon(production, group.first.addon)) {
      if (shareAsked.length > 0) {
        problems.push({
          fix: `Remove --share-addon ${shareAsked[0]}: the fork provisions its own ${addon.service}.`,
          message: `${addon.name} is owned by ${production.app.name}: a fork never shares production's own add-ons.`,
        })
      }

      const following = production.databases[addon.id]?.following
      if (addon.service === POSTGRES_SERVICE && following) {
        items.push({action: 'skip', attachments: [], copyData: false, reason: `a follower of ${following}: followers are not recreated`, source})
        continue
      }

      const isPrimary = addon.id === primary
      const attachments = forkAttachmentNames(group, isPrimary)
      if (attachments.length === 0) {
        items.push({action: 'skip', attachments: [], copyData: false, reason: 'attached to production only under credential namespaces', source})
        continue
      }

      const postgres = addon.service === POSTGRES_SERVICE
      const data = postgres ? chooseDataMethod({app: production.app.name, attachment: group.first.name, name: addon.name, plan: addon.plan}, production.databases[addon.id]?.numBytes, options.data) : undefined
      if (data?.problem) problems.push(data.problem)
      if (data?.warning) warnings.push(data.warning)
      const choice = choosePlan(production, group, options, catalogue, problems, data?.method)
      if (data?.method === 'fork' && choice && isEssentialPlan(choice.plan)) {
        problems.push({
          fix: `Choose a Standard or higher plan with --plan ${addon.service}=standard-0, or copy with --data copy.`,
          message: `${choice.plan} cannot hold a Heroku Postgres fork: forks need a Standard or higher plan.`,
        })
      }

      const item: AddonPlanItem = {
        action: 'provision',
        attachments,
        copyData: false,
        plan: choice?.plan ?? addon.plan,
        priceCents: choice ? priceOf(catalogue, addon.service, choice.plan) : undefined,
        reason: choice?.reason ?? 'cannot be provisioned (see problems)',
        source,
      }
      if (addon.service === POSTGRES_SERVICE) {
        item.version = production.databases[addon.id]?.majorVersion
        item.copyData = data?.method === 'copy'
        if (data) item.data = {method: data.method, reason: data.reason}
        if (item.version === undefined) {
          problems.push({
            fix: `Check it with: heroku pg:info ${addon.name} -a ${production.app.name}`,
            message: `Cannot read the Postgres version of ${addon.name}: the fork pins the new database to production's major version.`,
          })
        }
      }

      if (SCHEDULERS.test(addon.service)) {
        item.manualReview = `${addon.service} jobs are not copied: recreate them with heroku addons:open ${addon.service} -a ${options.to}`
      }

      items.push(item)
      continue
    }

    const names2 = group.attachments.map(a => a.name)
    if (shareAsked.length > 0) {
      warnings.push(`--share-addon ${shareAsked[0]}: ${addon.name} (owned by ${addon.owner.name}) will be shared: the fork reads and writes the same resource.`)
      items.push({action: 'share', attachments: [...new Set(names2)], copyData: false, reason: `owned by ${addon.owner.name}; shared on request (--share-addon)`, source})
    } else {
      if (names2.includes('DATABASE')) {
        warnings.push(`Production's DATABASE (${addon.name}) is owned by ${addon.owner.name}: the fork gets no DATABASE_URL unless you share it with --share-addon ${addon.name}.`)
      }

      items.push({action: 'skip', attachments: [], copyData: false, reason: `owned by ${addon.owner.name}; not attached (opt in with --share-addon ${names2[0] ?? addon.name})`, source})
    }
  }

  for (const name of options.shareAddons) {
    if (!matched.has(name)) {
      problems.push({
        fix: `Check the add-ons with: heroku addons -a ${production.app.name}`,
        message: `--share-addon ${name}: no add-on or attachment of that name is attached to ${production.app.name}.`,
      })
    }
  }

  const provisioned = new Set(items.filter(item => item.action === 'provision').map(item => item.source.service))
  for (const [service, plan] of Object.entries(options.plans)) {
    if (!provisioned.has(service)) {
      problems.push({
        fix: `Remove --plan ${service}=${plan}, or name a service production owns (${[...provisioned].join(', ') || 'none'}).`,
        message: `--plan ${service}=${plan}: ${production.app.name} owns no ${service} add-on to re-provision.`,
      })
    } else if (plan.includes(':') && serviceOfPlan(plan) !== service) {
      problems.push({fix: `Use --plan ${service}=${plan.split(':')[1] ?? plan}.`, message: `--plan ${service}=${plan}: that plan belongs to ${serviceOfPlan(plan)}, not ${service}.`})
    }
  }

  return items
}
