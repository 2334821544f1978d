import {type Credential, credentialsIn, credentialsMatch, credentialsOf} from '../../snapshot/identity.js'
import {isTrivialValue, looksSecretToken, regenerate, secretKind} from '../../secrets/index.js'
import {holds, secretVerdict} from '../../snapshot/secret-values.js'
import type {AppSnapshot, AttachmentRef} from '../../snapshot/types.js'
import {type AddonPlanItem, type ConfigDecision, FORK_MARKER, type ForkOptions, type ForkPlan, type PlanProblem} from '../types.js'

/**
 * Production's credentials in every form (URLs, JDBC, libpq strings, split variables, JSON) that
 * reach a database or service: everything but an HTTP URL with no user/password that no add-on exposes.
 */
function productionServices(production: AppSnapshot, exposed: ReadonlySet<string>): Credential[] {
  return credentialsOf(production.configVars)
    .filter(credential => credential.family !== 'http' || credential.hasUserinfo || credential.vars.some(key => exposed.has(key)))
}

/** A key a warning may name: shaped like a config var name (`NOT_THERE`), else hidden (`hunter2hunter2` typed in the wrong place). */
function missingKey(flag: string, key: string): string {
  const shown = /^[A-Z_][\dA-Z_]{0,63}$/.test(key) && !looksSecretToken(key) ? key : '(a value that is not a config var name, hidden)'
  return `--${flag} ${shown}: production has no such config var.`
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

/**
 * What happens to one of production's own config vars (not an add-on's, reaching no production
 * service): public material and plain settings are copied; an app-local signing key gets a fresh
 * value; a key decrypting committed files is neither copied nor regenerated; a credential or any
 * other value that may be secret is withheld, unless `--copy-config` asks for it. Whether a value
 * may be secret is the one decision the audit asks too (`snapshot/secret-values.ts` secretVerdict);
 * the kinds are secrets/kinds.ts. Pure.
 */
export function configDecision(key: string, value: string, copyAsked: boolean): ConfigDecision {
  const verdict = secretVerdict(key, value)
  if (!verdict.secret && verdict.why === 'public') return {action: 'copy', group: 'copied', key, reason: `public material (${verdict.what})`}
  const kind = secretKind(key, value, () => (verdict.secret ? verdict.what : undefined))
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

/**
 * A copied value that equals, or holds, the value of a var the fork does not copy (withheld,
 * regenerated, or excluded and secret) is withheld too: `LEGACY_PW` holding `DB_PASSWORD`'s value.
 * Repeated until nothing changes (a var withheld this way hides its own copies). Copies asked with
 * `--copy-config` stay.
 */
function withholdCopiesOfHidden(decisions: ConfigDecision[], values: Readonly<Record<string, string>>, copyAsked: ReadonlySet<string>): void {
  const hidden = (decision: ConfigDecision): boolean => {
    const value = (values[decision.key] ?? '').trim()
    if (value === '' || isTrivialValue(value) || decision.key === FORK_MARKER) return false
    if (decision.action === 'withhold' || decision.action === 'regenerate') return true
    return decision.action === 'exclude' && secretVerdict(decision.key, value).secret
  }

  for (let changed = true; changed;) {
    changed = false
    const secrets = decisions.filter(decision => hidden(decision))
    for (const [index, decision] of decisions.entries()) {
      if (decision.action !== 'copy' || copyAsked.has(decision.key)) continue
      const value = (values[decision.key] ?? '').trim()
      const source = secrets.find(secret => holds(value, (values[secret.key] ?? '').trim()) !== undefined)
      if (!source) continue
      const how = holds(value, (values[source.key] ?? '').trim()) === 'equal' ? 'the same value as' : 'holds the value of'
      decisions[index] = {
        action: 'withhold',
        fix: `--set ${decision.key}=VALUE`,
        group: 'withheld',
        key: decision.key,
        kind: `copy of ${source.key}`,
        reason: `${how} ${source.key}, which is not copied: not copied; give staging its own`,
      }
      changed = true
    }
  }
}

/** What the fork's own attachments will expose: the same names as production's, plus DATABASE_URL; each with its reason. */
function ownAttachmentKeys(production: AppSnapshot, addons: readonly AddonPlanItem[]): Map<string, string> {
  const exposed = new Map<string, string>()
  for (const item of addons) {
    if (item.action === 'skip') continue
    for (const name of item.attachments) {
      const mirror = production.attachments.find(a => a.addon.id === item.source.id && a.name === name)
      const keys = mirror && name !== 'DATABASE' ? mirror.configVarNames : [`${name}_URL`]
      for (const key of keys) exposed.set(key, `exposed on the fork by its own attachment ${name}`)
    }
  }

  return exposed
}

export function planConfig(
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

  const forkExposed = ownAttachmentKeys(production, addons)

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

  withholdCopiesOfHidden(decisions, production.configVars, copyAsked)

  for (const key of options.copyConfig) {
    if (!(key in production.configVars)) warnings.push(missingKey('copy-config', key))
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
    if (!(key in production.configVars)) warnings.push(missingKey('exclude-config', key))
  }

  return decisions.sort((a, b) => a.key.localeCompare(b.key))
}

/** Keys an attachment of the fork exposes: its own add-ons' (as planned), and those already on the existing target. */
function exposedOnFork(plan: ForkPlan, production: AppSnapshot): Set<string> {
  const keys = new Set(ownAttachmentKeys(production, plan.addons).keys())
  for (const decision of plan.config) {
    if (decision.reason.startsWith('exposed on the fork') || (decision.reason.startsWith('exposed by attachment') && decision.reason.endsWith(` on ${plan.target.name}`))) keys.add(decision.key)
  }

  return keys
}

/**
 * The config the fork should hold, from the plan's decisions and the fork's `current` config:
 * production's values for copied keys, `--set` values for overridden ones, the marker, a fresh value
 * for each regenerated key (the fork's own is kept on a re-run: only a missing value or production's
 * is replaced), and null (unset) for every key not copied (withheld, regenerated or excluded) that
 * still holds production's value: a resumed fork, or one made by an older version, keeps none of
 * them. A key an attachment of the fork exposes is Heroku's to set, not the fork's to unset: left to
 * the audit (it holds production's value only when the fork is attached to production's add-on).
 * The only place values are read.
 */
export function desiredConfig(plan: ForkPlan, production: AppSnapshot, set: Readonly<Record<string, string>>, current: Readonly<Record<string, string>> = {}): Record<string, null | string> {
  const values: Record<string, null | string> = {[FORK_MARKER]: plan.source.id}
  const attached = exposedOnFork(plan, production)
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
    } else if (key !== FORK_MARKER && !attached.has(key) && productionValue !== undefined && current[key] === productionValue) {
      values[key] = null
    }
  }

  return values
}
