import {fullPlanName, isEssentialPlan, isShieldPlan, isStandardPlan, planTier, postgresStorageBytes} from '../heroku/postgres-plans.js'
import {formatBytes} from '../render/format.js'
import {type Credential, credentialsIn, credentialsMatch, credentialsOf, sameEndpoint} from '../snapshot/identity.js'
import {publicMaterial, regenerate, secretKind} from '../secrets/index.js'
import {productionSecret} from '../snapshot/secret-values.js'
import {type AppSnapshot, type AttachmentRef, POSTGRES_SERVICE, serviceOfPlan, TRANSFER_LIMIT_BYTES} from '../snapshot/types.js'
import {type LedgerEntry, ledgerCreated} from './ledger.js'
import {ownsAddon} from '../snapshot/query.js'
import {
  type AddonPlanItem,
  type CataloguePlan,
  type ConfigDecision,
  type DataMethod,
  FORK_MARKER,
  FORK_STAGE,
  type ForkOptions,
  type ForkPlan,
  type FormationPlanItem,
  type PlanCatalogue,
  type PlanProblem,
} from './types.js'

/**
 * The fork's decisions, as pure functions of snapshots: which app it targets, what happens to
 * every add-on, which config vars are copied, excluded or overridden (and why), the formation,
 * the release and the pipeline coupling. No I/O here; the executor acts on the plan.
 */


/** Heroku's app name rule. */
export const APP_NAME = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/

/** Services whose add-on runs jobs on its own schedule: their jobs are not copied. */
const SCHEDULERS = /^(scheduler|advanced-scheduler|cron-to-go|crontogo|temporize|simple-scheduler|process-scheduler)$/

// ---------------------------------------------------------------------------------------------
// The target app
// ---------------------------------------------------------------------------------------------

export interface ExistingTarget {
  snapshot: AppSnapshot
  /** the app's `created_at`, to recognise an app whose creation answer was lost */
  createdAt?: string
}

export interface TargetContext {
  /** the production registry's answer for the target: present when the account counts it as production */
  production?: {via: readonly string[]}
  /** apps marked with `heroku staging:protect` (names or ids) */
  protectedApps: readonly string[]
  /** what this machine's ledger says about an in-flight creation of the target */
  ledger?: LedgerEntry
}

export type TargetVerdict =
  | {fix: string; kind: 'refuse'; message: string}
  | {kind: 'absent'}
  | {kind: 'resume'; reason: string; setMarker: boolean}

/**
 * May the fork create or continue `--to`? It continues only on an app that carries the fork marker
 * for this very source, or that this machine's ledger shows it created moments before the marker
 * could be set. Above all it refuses production.
 */
export function checkTarget(production: AppSnapshot, existing: ExistingTarget | undefined, context: TargetContext): TargetVerdict {
  if (!existing) return {kind: 'absent'}
  const target = existing.snapshot
  const name = target.app.name
  const otherName = `${production.app.name}-staging` === name ? `${name}-2` : `${production.app.name}-staging`
  const fix = `Choose another name with --to (e.g. --to ${otherName}).`
  if (target.app.id === production.app.id) {
    return {fix, kind: 'refuse', message: `Refusing to fork into ${name}: it is the production app itself (--from).`}
  }

  if (target.pipeline?.stage === 'production') {
    return {fix, kind: 'refuse', message: `Refusing to fork into ${name}: it is coupled at stage production in pipeline ${target.pipeline.name}.`}
  }

  if (context.protectedApps.includes(name) || context.protectedApps.includes(target.app.id)) {
    return {fix, kind: 'refuse', message: `Refusing to fork into ${name}: it is protected as production (heroku staging:protect).`}
  }

  if (context.production) {
    return {fix, kind: 'refuse', message: `Refusing to fork into ${name}: it is a production app of the account (${context.production.via.join(', ')}).`}
  }

  const marker = target.configVars[FORK_MARKER]
  if (marker === production.app.id) {
    return {kind: 'resume', reason: `${name} is a fork of ${production.app.name} made by heroku staging:fork: continuing where it stopped`, setMarker: false}
  }

  if (marker !== undefined) {
    return {fix, kind: 'refuse', message: `Refusing to fork into ${name}: it is a fork of another app (${FORK_MARKER} names app id ${marker}), not of ${production.app.name}.`}
  }

  const entry = context.ledger
  if (ledgerCreated(entry, name, production.app.id, {createdAt: existing.createdAt, id: target.app.id})) {
    return {kind: 'resume', reason: `${name} was created by an interrupted heroku staging:fork on this machine: marking it and continuing`, setMarker: true}
  }

  return {
    fix,
    kind: 'refuse',
    message: `Refusing to fork into ${name}: it exists and was not created by heroku staging:fork from ${production.app.name} (no ${FORK_MARKER} config var).`,
  }
}

// ---------------------------------------------------------------------------------------------
// Add-ons
// ---------------------------------------------------------------------------------------------

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

function isOwnedBy(app: AppSnapshot, attachment: AttachmentRef): boolean {
  return ownsAddon(app, attachment.addon)
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

function storageOf(plan: CataloguePlan): number | undefined {
  return plan.storageBytes ?? postgresStorageBytes(plan.name)
}

/** The cheapest installable plan whose storage holds `bytes` (ties: the smaller storage). */
export function smallestPlanHolding(plans: readonly CataloguePlan[], bytes: number): CataloguePlan | undefined {
  const fits = plans.filter(plan => plan.installable && (storageOf(plan) ?? -1) >= bytes)
  fits.sort((a, b) => (a.priceCents ?? Number.POSITIVE_INFINITY) - (b.priceCents ?? Number.POSITIVE_INFINITY)
    || (storageOf(a) ?? 0) - (storageOf(b) ?? 0))
  return fits[0]
}

// ---------------------------------------------------------------------------------------------
// The data method (--data)
// ---------------------------------------------------------------------------------------------

export interface DataMethodChoice {
  method: DataMethod
  reason: string
  /** why the asked-for method cannot run, with the fix */
  problem?: PlanProblem
  warning?: string
}

/**
 * How production's database reaches the fork's: what `--data` asks, else a Heroku Postgres fork above
 * Heroku's transfer limit (10 GB, where pg:copy is not supported) and a copy below it. Essential
 * databases cannot be forked. Pure.
 */
export function chooseDataMethod(source: {app: string; attachment: string; name: string; plan: string}, numBytes: number | undefined, asked: DataMethod | undefined): DataMethodChoice {
  const size = numBytes === undefined ? 'of unknown size' : formatBytes(numBytes)
  const over = numBytes !== undefined && numBytes > TRANSFER_LIMIT_BYTES
  const essential = isEssentialPlan(source.plan)
  if (asked === 'none') return {method: 'none', reason: '--data none: left empty'}
  if (asked === 'fork') {
    if (!essential) return {method: 'fork', reason: '--data fork: a Heroku Postgres fork, no transfer'}
    return {
      method: 'fork',
      problem: {
        fix: `Copy it instead with --data copy, or move ${source.app}'s database to Standard first (heroku addons:upgrade ${source.name} heroku-postgresql:standard-0 -a ${source.app}).`,
        message: `${source.name} is on ${source.plan}: Essential databases cannot be forked (Fork/Follow: Unsupported).`,
      },
      reason: '--data fork',
    }
  }

  const shield = isShieldPlan(source.plan)
  if (asked === 'copy' && shield) {
    return {
      method: 'copy',
      problem: {
        fix: 'Fork it instead with --data fork (a Heroku Postgres fork, no transfer), or start with an empty database with --data none.',
        message: `${source.name} is on ${source.plan}: Shield databases have no PGBackups, so no transfer can copy them.`,
      },
      reason: '--data copy',
    }
  }

  if (asked === 'copy') {
    const warning = over ? `--data copy: ${source.name} holds ${size}, above the 10 GB Heroku documents for pg:copy; --data fork is the supported way.` : undefined
    return {method: 'copy', reason: `--data copy: a transfer of ${size}`, ...(warning ? {warning} : {})}
  }

  if (over && essential) {
    return {
      method: 'copy',
      reason: `a transfer of ${size}: above the 10 GB transfer limit, but ${source.plan} cannot be forked`,
      warning: `${source.name} holds ${size} on ${source.plan}, which cannot be forked: the copy may take hours or fail. Move it to Standard (heroku addons:upgrade ${source.name} heroku-postgresql:standard-0 -a ${source.app}) to fork it.`,
    }
  }

  if (shield) return {method: 'fork', reason: `a Heroku Postgres fork: ${source.plan} has no PGBackups, so no transfer can copy it`}
  if (over) return {method: 'fork', reason: `a Heroku Postgres fork: ${size} is above the 10 GB transfer limit`}
  return {method: 'copy', reason: `a transfer: ${size} is under the 10 GB transfer limit`}
}

interface PlanChoice {
  plan: string
  reason: string
}

/**
 * The tier a staging database stays in, from production's plan: Postgres Advanced (`advanced`,
 * `advanced-private`, `advanced-shield`) keeps its exact plan, since its size is a level, not a plan;
 * Shield and Private stay Shield and Private (their network isolation is the point); the Common
 * Runtime plans (essential, standard, premium) are one tier, so staging may be smaller than production.
 */
export function databaseTier(plan: string): {name: string; plans: (candidate: string) => boolean} {
  const tier = planTier(plan)
  if (tier === 'advanced') return {name: 'Postgres Advanced', plans: candidate => candidate === fullPlanName(POSTGRES_SERVICE, plan)}
  if (tier === 'shield' || tier === 'private') return {name: tier === 'shield' ? 'Shield' : 'Private', plans: candidate => planTier(candidate) === tier}
  return {name: '', plans: candidate => ['essential', 'premium', 'standard'].includes(planTier(candidate) ?? '')}
}

/**
 * The staging database's plan: production's tier (`databaseTier`), and in it the smallest plan
 * holding production's data. The reason, printed in the plan, names a tier other than the Common Runtime's
 * (or `label`, when the caller narrowed `offered` itself).
 */
export function chooseDatabasePlan(productionPlan: string, size: number | undefined, offered: readonly CataloguePlan[], label?: string): PlanChoice {
  const tier = databaseTier(productionPlan)
  const shortName = productionPlan.split(':')[1] ?? productionPlan
  if (planTier(productionPlan) === 'advanced') return {plan: productionPlan, reason: 'same plan as production (Postgres Advanced sizes by level, not by plan)'}
  const name = label ?? tier.name
  const plan = name ? `${name} plan` : 'plan'
  const smallest = size === undefined ? undefined : smallestPlanHolding(offered.filter(p => tier.plans(p.name)), size)
  if (size === undefined) return {plan: productionPlan, reason: `production's plan (its data size is unknown, so no smaller ${plan} can be chosen)`}
  if (smallest) return {plan: smallest.name, reason: `smallest ${plan} holding production's ${formatBytes(size)} (production: ${shortName})`}
  return {plan: productionPlan, reason: `production's plan (no ${plan} known to hold ${formatBytes(size)})`}
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

function planAddons(production: AppSnapshot, options: ForkOptions, catalogue: PlanCatalogue, warnings: string[], problems: PlanProblem[]): AddonPlanItem[] {
  const groups = groupByAddon(production.attachments)
  const owned = groups.filter(group => isOwnedBy(production, group.first))
  const primary = primaryDatabase(production, owned)
  const matched = new Set<string>()
  const items: AddonPlanItem[] = []
  for (const group of groups) {
    const {addon} = group.first
    const names = [addon.name, addon.id, ...group.attachments.map(a => a.name)]
    const shareAsked = options.shareAddons.filter(name => names.includes(name))
    for (const name of shareAsked) matched.add(name)
    const source = {id: addon.id, name: addon.name, owner: addon.owner.name, plan: addon.plan, service: addon.service}
    if (isOwnedBy(production, group.first)) {
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

// ---------------------------------------------------------------------------------------------
// Config vars
// ---------------------------------------------------------------------------------------------

/**
 * Production's credentials in every form (URLs, JDBC, libpq strings, split variables, JSON) that
 * reach a database or service: everything but an HTTP URL with no user/password that no add-on exposes.
 */
function productionServices(production: AppSnapshot, exposed: ReadonlySet<string>): Credential[] {
  return credentialsOf(production.configVars)
    .filter(credential => credential.family !== 'http' || credential.hasUserinfo || credential.vars.some(key => exposed.has(key)))
}

function describeFamily(family: string): string {
  return family === 'postgres' ? 'database' : `${family} service`
}

function serviceReason(credential: Credential, key: string): string {
  const what = describeFamily(credential.family)
  if (credential.vars.length === 1) return `reaches a production ${what}`
  return `with ${credential.vars.filter(name => name !== key).join(', ')}, reaches a production ${what} (split variables)`
}

function attachmentReason(attachment: AttachmentRef, app: string): string {
  return `exposed by attachment ${attachment.name} of ${attachment.addon.name} (owned by ${attachment.addon.owner.name}) on ${app}`
}

/** Secret-looking by name or value, and not platform metadata or a commit id (the audit's own test). */
function secretLooking(name: string, value: string): boolean {
  return productionSecret(name, value, false)
}

/**
 * What happens to one of production's own config vars (not an add-on's, reaching no production
 * service): public material and plain settings are copied; an app-local signing key gets a fresh
 * value; a key decrypting committed files is neither copied nor regenerated; a credential or any
 * other secret is withheld, unless `--copy-config` asks for it. The table is secrets/kinds.ts. Pure.
 */
export function configDecision(key: string, value: string, copyAsked: boolean): ConfigDecision {
  const material = publicMaterial(key, value)
  if (material) return {action: 'copy', group: 'copied', key, reason: `public material (${material})`}
  const kind = secretKind(key, value, secretLooking)
  if (!kind) return {action: 'copy', group: 'copied', key, reason: 'copied from production'}
  const what = kind.what
  const described = {kind: kind.what, ...(kind.live ? {live: true} : {})}
  if (copyAsked) return {action: 'copy', group: 'copied', key, reason: `copied on purpose (--copy-config): a ${what}, identical to production's`, ...described}
  const fix = `--set ${key}=VALUE`
  if (kind.class === 'regenerate') {
    return {action: 'regenerate', group: 'regenerated', key, reason: 'app-local signing key: staging gets its own', ...described}
  }

  if (kind.class === 'decrypts') {
    return {
      action: 'withhold',
      fix,
      group: 'per-environment',
      key,
      reason: 'decrypts files committed for production (a new value breaks them, a copy shares them): commit per-environment credentials for staging (e.g. config/credentials/staging.yml.enc) and set their key',
      ...described,
    }
  }

  return {action: 'withhold', fix, group: 'withheld', key, reason: `${what}: not copied; give staging its own`, ...described}
}

function planConfig(
  production: AppSnapshot,
  options: ForkOptions,
  addons: readonly AddonPlanItem[],
  target: AppSnapshot | undefined,
  others: readonly AppSnapshot[],
  warnings: string[],
  problems: PlanProblem[],
): ConfigDecision[] {
  const prodExposed = new Map<string, AttachmentRef>()
  for (const attachment of production.attachments) for (const key of attachment.configVarNames) prodExposed.set(key, attachment)

  // What the fork's own attachments will expose: the same names as production's, plus DATABASE_URL.
  const forkExposed = new Map<string, string>()
  for (const item of addons) {
    if (item.action === 'skip') continue
    for (const name of item.attachments) {
      const mirror = production.attachments.find(a => a.addon.id === item.source.id && a.name === name)
      const keys = mirror && name !== 'DATABASE' ? mirror.configVarNames : [`${name}_URL`]
      for (const key of keys) forkExposed.set(key, `exposed on the fork by its own attachment ${name}`)
    }
  }

  for (const attachment of target?.attachments ?? []) {
    for (const key of attachment.configVarNames) forkExposed.set(key, attachmentReason(attachment, target?.app.name ?? options.to))
  }

  const services: Array<Credential & {app?: string}> = productionServices(production, new Set(prodExposed.keys()))
  // The account's other production apps: a value reaching one of their services is not copied either.
  for (const other of others) {
    if (other.app.id === production.app.id) continue
    const exposed = new Set(other.attachments.flatMap(a => a.configVarNames))
    for (const service of productionServices(other, exposed)) services.push({...service, app: other.app.name})
  }

  const exclude = new Set(options.excludeConfig)
  const copyAsked = new Set(options.copyConfig)
  const decisions: ConfigDecision[] = []
  for (const key of Object.keys(production.configVars)) {
    if (key in options.set) continue
    let reason: string | undefined
    const prodAttachment = prodExposed.get(key)
    if (key === FORK_MARKER) reason = 'the fork marker of production itself: the fork sets its own'
    else if (prodAttachment) reason = attachmentReason(prodAttachment, production.app.name)
    else if (forkExposed.has(key)) reason = forkExposed.get(key)
    else {
      // The first production credential (in name order) reaching what this var's credentials reach.
      // This var's credentials: production's own (split variables grouped), and its value's as written.
      const mine = [...services.filter(service => service.app === undefined && service.vars.includes(key)), ...credentialsIn(production.configVars[key] ?? '')]
      const reached = services.find(service => mine.some(own => credentialsMatch(own, service)))
      if (reached) {
        if (reached.app) reason = `reaches the same ${describeFamily(reached.family)} as production app ${reached.app}'s ${reached.vars.join('+')}`
        else reason = reached.vars.includes(key)
          ? serviceReason(reached, key)
          : `reaches the same ${describeFamily(reached.family)} as production's ${reached.vars.join('+')}`
      }
    }

    if (reason !== undefined) {
      if (copyAsked.has(key)) {
        problems.push({
          fix: `Remove --copy-config ${key}: the fork gets its own add-on and service credentials.`,
          message: `--copy-config ${key}: it ${reason.startsWith('exposed') || reason.startsWith('the fork') ? `is ${reason}` : reason}, and such a value is never copied.`,
        })
      }

      decisions.push({action: 'exclude', group: 'production', key, reason})
      continue
    }

    if (exclude.has(key)) {
      decisions.push({action: 'exclude', group: 'production', key, reason: '--exclude-config'})
      continue
    }

    decisions.push(configDecision(key, production.configVars[key] ?? '', copyAsked.has(key)))
  }

  for (const key of options.copyConfig) {
    if (!(key in production.configVars)) warnings.push(`--copy-config ${key}: production has no such config var.`)
    else if (key in options.set) warnings.push(`--copy-config ${key}: --set ${key} wins, nothing is copied.`)
  }

  for (const [key, value] of Object.entries(options.set)) {
    if (key === FORK_MARKER) {
      problems.push({fix: `Remove --set ${FORK_MARKER}=…`, message: `--set ${FORK_MARKER}: that config var is the fork's marker and is set by staging:fork.`})
      continue
    }

    if (forkExposed.has(key)) {
      problems.push({
        fix: `Remove --set ${key}=…: the fork's own add-on sets it.`,
        message: `--set ${key}: ${forkExposed.get(key)}, and Heroku refuses to overwrite attachment values.`,
      })
      continue
    }

    const reached = services.find(service => credentialsIn(value).some(c => credentialsMatch(c, service)))
    if (reached) warnings.push(`--set ${key} reaches the same ${describeFamily(reached.family)} as ${reached.app ? `production app ${reached.app}` : 'production'}'s ${reached.vars.join('+')}: the final audit will flag it.`)
    decisions.push({action: 'override', group: 'set', key, reason: key in production.configVars ? '--set' : '--set (not in production)'})
  }

  for (const key of options.excludeConfig) {
    if (!(key in production.configVars)) warnings.push(`--exclude-config ${key}: production has no such config var.`)
  }

  return decisions.sort((a, b) => a.key.localeCompare(b.key))
}

/**
 * The config the fork should hold, from the plan's decisions and the fork's `current` config:
 * production's values for copied keys, `--set` values for overridden ones, the marker, a fresh value
 * for each regenerated key (the fork's own is kept on a re-run: only a missing value or production's
 * is replaced), and null (unset) for a withheld or regenerated key still holding production's value.
 * The only place values are read.
 */
export function desiredConfig(plan: ForkPlan, production: AppSnapshot, set: Readonly<Record<string, string>>, current: Readonly<Record<string, string>> = {}): Record<string, null | string> {
  const values: Record<string, null | string> = {[FORK_MARKER]: plan.source.id}
  for (const decision of plan.config) {
    const {key} = decision
    const productionValue = production.configVars[key]
    if (decision.action === 'copy') {
      if (productionValue !== undefined) values[key] = productionValue
    } else if (decision.action === 'override') {
      const value = set[key]
      if (value !== undefined) values[key] = value
    } else if (decision.action === 'regenerate') {
      const own = current[key]
      values[key] = own !== undefined && own !== productionValue ? own : regenerate(productionValue ?? '')
    } else if (decision.action === 'withhold' && productionValue !== undefined && current[key] === productionValue) {
      values[key] = null
    }
  }

  return values
}

// ---------------------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------------------

export interface PlanContext {
  /** every production app of the account (the production registry's): the config filter excludes values reaching any */
  production?: readonly AppSnapshot[]
  /** the existing `--to` app on a resumed run */
  target?: AppSnapshot
}

function planFormation(production: AppSnapshot, options: ForkOptions, problems: PlanProblem[]): FormationPlanItem[] {
  const items = production.formation.map(entry => ({
    productionQuantity: entry.quantity,
    quantity: options.scale[entry.type] ?? (entry.type === 'web' ? 1 : 0),
    size: entry.size,
    type: entry.type,
  }))
  for (const type of Object.keys(options.scale)) {
    if (!items.some(item => item.type === type)) {
      problems.push({
        fix: `Remove --scale ${type}=…; production's process types: ${items.map(i => i.type).join(', ') || 'none'}.`,
        message: `--scale ${type}: production has no process type ${type}.`,
      })
    }
  }

  return items.sort((a, b) => a.type.localeCompare(b.type))
}

/** The whole fork, decided from production's snapshot, the options and the plan catalogue. */
export function planFork(production: AppSnapshot, options: ForkOptions, catalogue: PlanCatalogue, context: PlanContext = {}): ForkPlan {
  const warnings: string[] = []
  const problems: PlanProblem[] = []
  if (!APP_NAME.test(options.to)) {
    problems.push({
      fix: 'Name the fork with --to NAME (lowercase letters, digits and dashes, 3 to 30 characters, starting with a letter).',
      message: `${options.to} is not a valid Heroku app name.`,
    })
  }

  if (options.to === production.app.name) {
    problems.push({fix: 'Name the fork with --to NAME.', message: `--to ${options.to} is the production app itself.`})
  }

  const region = options.region ?? production.app.region
  if (options.region && production.app.region && options.region !== production.app.region) {
    warnings.push(`--region ${options.region}: production runs in ${production.app.region}; the data copy crosses regions.`)
  }

  const addons = planAddons(production, options, catalogue, warnings, problems)
  const config = planConfig(production, options, addons, context.target, context.production ?? [], warnings, problems)
  const identicalSecrets = config.filter(d => d.action === 'copy' && d.kind !== undefined).map(d => d.key)
  if (identicalSecrets.length > 0) {
    warnings.push(`Copied on purpose and identical to production (--copy-config): ${identicalSecrets.join(', ')}. Staging then holds production's secret${identicalSecrets.length > 1 ? 's' : ''}.`)
  }

  const formation = planFormation(production, options, problems)
  const fir = production.app.generation === 'fir'
  const current = production.release
  const code = current?.ociImageId ? {ociImageId: current.ociImageId} : current?.slugId ? {slugId: current.slugId} : undefined
  const release = code && current ? {description: `Forked from ${production.app.name} v${current.version}`, ...code, version: current.version} : undefined
  if (current?.status === 'expired') {
    // Heroku expires artifacts older than 30 days and 20 releases: such a release can never be released again.
    problems.push({
      fix: `Deploy a fresh release to ${production.app.name} (git push, or promote it through its pipeline), then run heroku staging:fork --from ${production.app.name} again.`,
      message: `${production.app.name}'s current release v${current.version} has expired: Heroku no longer keeps its ${fir ? 'OCI image' : 'slug'}, so the fork cannot release the same code.`,
    })
  } else if (!release) {
    warnings.push(`${production.app.name} has no release with ${fir ? 'an OCI image' : 'a slug'}: the fork gets no release and no formation.`)
  }

  const space = fir ? options.space ?? production.app.space : options.space
  if (fir && !space) problems.push({fix: 'Name the space with --space SPACE (heroku spaces lists them).', message: `${production.app.name} is a Fir app in no known space, and a Fir app must be created in one.`})
  // A Shield database lives only on an app in a Shield space; a Cedar fork is made in none unless asked,
  // since sharing production's space would share its network.
  const shield = addons.find(item => item.action === 'provision' && isShieldPlan(item.plan ?? ''))
  if (shield && !space) {
    problems.push({
      fix: `Name a Shield space with --space SPACE (a staging one, or production's${production.app.space ? `: ${production.app.space}` : ''}), or start with an empty Common Runtime database: --data none --plan heroku-postgresql=standard-0.`,
      message: `${shield.source.name} is on ${shield.source.plan}: a Shield database can only be made on an app in a Shield space, and the fork would be in none.`,
    })
  }

  for (const item of addons) if (item.manualReview) warnings.push(item.manualReview)
  const monthlyCents = addons.reduce((sum, item) => sum + (item.action === 'provision' ? item.priceCents ?? 0 : 0), 0)
  return {
    addons,
    // Fir apps build with Cloud Native Buildpacks from project.toml: buildpacks and stack cannot be set.
    buildpacks: fir ? [] : [...production.app.buildpacks],
    config,
    formation,
    identicalSecrets,
    monthlyCents,
    pipeline: production.pipeline ? {id: production.pipeline.id, name: production.pipeline.name, stage: FORK_STAGE} : undefined,
    problems,
    release,
    resume: context.target !== undefined,
    source: {id: production.app.id, name: production.app.name, region: production.app.region, stack: production.app.stack, team: production.app.team},
    target: {
      ...(production.app.generation ? {generation: production.app.generation} : {}),
      name: options.to,
      region: space ? undefined : region,
      ...(space ? {space} : {}),
      stack: fir ? undefined : production.app.stack,
      team: options.team ?? production.app.team,
    },
    warnings,
  }
}
