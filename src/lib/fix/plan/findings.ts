import type {AuditFinding} from '../../audit/types.js'
import {credentialsReaching, hostTableOf} from '../../snapshot/identity.js'
import {attachmentExposing, ownsAddon} from '../../snapshot/query.js'
import {type AppSnapshot, type AttachmentRef, POSTGRES_SERVICE} from '../../snapshot/types.js'
import type {FixedFinding, FixStep, ManualFix, UnsetVar} from '../types.js'

/**
 * Reading the audit's findings into the plan's parts: what to detach, what to unset, what is left
 * to a human, and which findings ask for DATABASE_URL to get the app's own database (database.ts).
 */

export interface Production {
  /** add-on id → production apps that own or attach it */
  addons: Map<string, string[]>
  apps: AppSnapshot[]
  vars: Array<{app: string; name: string; value: string}>
}

export function productionOf(staging: AppSnapshot, production: readonly AppSnapshot[]): Production {
  const apps = [...new Map(production.filter(p => p.app.id !== staging.app.id).map(p => [p.app.id, p])).values()]
  const addons = new Map<string, string[]>()
  const note = (id: string, app: string): void => {
    const list = addons.get(id) ?? []
    if (!list.includes(app)) addons.set(id, [...list, app])
  }

  for (const p of apps) for (const attachment of p.attachments) note(attachment.addon.id, p.app.name)
  // An add-on a production app owns counts even when production itself does not attach it.
  for (const p of apps) {
    for (const attachment of staging.attachments) {
      if (ownsAddon(p, attachment.addon)) note(attachment.addon.id, p.app.name)
    }
  }

  const vars = apps.flatMap(p => Object.entries(p.configVars)
    .filter(([, value]) => typeof value === 'string')
    .map(([name, value]) => ({app: p.app.name, name, value})))
  return {addons, apps, vars}
}

/** `acme-production's DATABASE_URL` for every production credential (any form) reaching the same endpoint as `value`. */
export function reaches(prod: Production, value: string | undefined): string[] {
  if (!value) return []
  const hosts = hostTableOf(prod.apps)
  return prod.apps.flatMap(p => credentialsReaching(p.configVars, value, hosts).map(c => `${p.app.name}'s ${c.vars.join('+')}`))
}

export function isProductionAddon(prod: Production, attachment: AttachmentRef): boolean {
  return prod.addons.has(attachment.addon.id)
}

export function isPostgres(attachment: AttachmentRef): boolean {
  return attachment.addon.service === POSTGRES_SERVICE
}

/** Collects the plan's parts while the findings are read. */
export class Builder {
  readonly detach: Map<string, Extract<FixStep, {kind: 'detach'}>> = new Map()
  readonly manual: ManualFix[] = []
  readonly unset = new Map<string, UnsetVar & {fixes: FixedFinding[]}>()
  /** findings repaired by giving DATABASE_URL the app's own database */
  readonly database: FixedFinding[] = []
  readonly databaseFindings: AuditFinding[] = []

  constructor(readonly staging: AppSnapshot, readonly prod: Production) {}

  get app(): string {
    return this.staging.app.name
  }

  addDetach(attachment: AttachmentRef, fixed: FixedFinding): void {
    const existing = this.detach.get(attachment.id)
    if (existing) {
      if (!existing.fixes.some(f => f.code === fixed.code && f.name === fixed.name)) existing.fixes.push(fixed)
      return
    }

    const {addon} = attachment
    const owners = this.prod.addons.get(addon.id) ?? [addon.owner.name]
    const vars = attachment.configVarNames
    this.detach.set(attachment.id, {
      addon: {id: addon.id, name: addon.name, owner: addon.owner.name},
      app: this.app,
      attachment: {id: attachment.id, name: attachment.name},
      change: `detach ${attachment.name} (add-on ${addon.name}, ${addon.plan}, owned by ${addon.owner.name}) from ${this.app}`,
      command: `heroku addons:detach ${attachment.name} -a ${this.app}`,
      configVars: vars,
      fixes: [fixed],
      kind: 'detach',
      loses: [
        `${vars.length > 0 ? vars.join(', ') : attachment.name}: the app no longer reaches ${addon.name}, which ${owners.join(', ')} uses`,
        `add-on ${addon.name} itself is untouched: it stays on ${addon.owner.name}`,
      ],
    })
  }

  /**
   * Why detaching this attachment cannot succeed, or undefined when it can: Heroku refuses to detach the
   * last attachment of an add-on from its billing app ("Cannot destroy last attachment to billing app").
   * When production uses an add-on the staging app owns, the way out is on production's side: the user's.
   */
  undetachable(attachment: AttachmentRef): string | undefined {
    const {addon} = attachment
    const owns = ownsAddon(this.staging, addon)
    if (!owns || this.staging.attachments.some(a => a.addon.id === addon.id && a.id !== attachment.id)) return undefined
    const users = this.prod.apps.flatMap(p => p.attachments.filter(a => a.addon.id === addon.id).map(a => ({app: p.app.name, attachment: a.name})))
    const commands = users.map(u => `heroku addons:detach ${u.attachment} -a ${u.app}`)
    const by = users.map(u => u.app).join(', ') || (this.prod.addons.get(addon.id) ?? []).join(', ') || 'production'
    return `${addon.name} is owned by ${this.app} and ${attachment.name} is its last attachment there, which Heroku refuses to detach ("Cannot destroy last attachment to billing app"); ${by} uses it, so the change is on production's side and yours to make${commands.length > 0 ? `: ${commands.join('; ')}` : ''}, then heroku staging:audit -a ${this.app} --fix`
  }

  addManual(finding: AuditFinding, reason: string): void {
    if (this.manual.some(m => m.code === finding.code && m.message === finding.message)) return
    this.manual.push({
      addons: finding.addons,
      code: finding.code,
      configVars: finding.configVars,
      message: finding.message,
      reason,
      remedy: finding.remedy,
    })
  }

  addUnset(name: string, reached: string[], fixed: FixedFinding): void {
    const existing = this.unset.get(name)
    if (existing) {
      existing.reaches = [...new Set([...existing.reaches, ...reached])]
      if (!existing.fixes.some(f => f.code === fixed.code)) existing.fixes.push(fixed)
      return
    }

    this.unset.set(name, {fixes: [fixed], name, reaches: reached})
  }

  /** A config var reaching production: detach what exposes it, or unset it when it is plain. */
  endpoint(finding: AuditFinding, name: string): void {
    const fixed = {code: finding.code, name}
    const exposing = attachmentExposing(this.staging, name)
    if (!exposing) {
      const matched = (finding.subject.matches ?? []).map(m => `${m.app}'s ${m.configVar}`)
      this.addUnset(name, matched.length > 0 ? matched : reaches(this.prod, this.staging.configVars[name]), fixed)
      return
    }

    if (isProductionAddon(this.prod, exposing)) {
      const blocked = this.undetachable(exposing)
      if (blocked) this.addManual(finding, blocked)
      else this.addDetach(exposing, fixed)
      return
    }

    this.addManual(finding, `${name} is set by ${exposing.name}, an attachment of ${this.app}'s own add-on ${exposing.addon.name}, and a production credential reaches the same place: the wiring is on production's side, which --fix never changes`)
  }

  read(finding: AuditFinding): void {
    switch (finding.code) {
      case 'SHARED_DATABASE':
      case 'SHARED_SERVICE': {
        const name = finding.subject.configVar ?? finding.configVars[0]
        if (!name) {
          this.addManual(finding, 'the finding names no config var')
        } else if (finding.configVars.length > 1) {
          // Split variables (PGHOST, PGDATABASE, …): every one of them goes.
          for (const part of finding.configVars) this.endpoint(finding, part)
        } else if (name === 'DATABASE_URL' && finding.code === 'SHARED_DATABASE') {
          this.database.push({code: finding.code, name})
          this.databaseFindings.push(finding)
        } else {
          this.endpoint(finding, name)
        }

        break
      }

      case 'UNATTACHED_DATABASE_URL': {
        if (finding.production.length > 0) {
          this.database.push({code: finding.code, name: 'DATABASE_URL'})
          this.databaseFindings.push(finding)
        } else this.addManual(finding, 'DATABASE_URL reaches no production database: --fix only removes wiring to production')
        break
      }

      case 'PRODUCTION_ADDON': {
        const {action, attachment: named} = finding.subject
        const attachment = named ? this.staging.attachments.find(a => a.id === named.id) : undefined
        const blocked = attachment && this.undetachable(attachment)
        if (action.kind === 'detach' && attachment && isProductionAddon(this.prod, attachment) && blocked) {
          this.addManual(finding, blocked)
        } else if (action.kind === 'detach' && attachment && isProductionAddon(this.prod, attachment)) {
          this.addDetach(attachment, {code: finding.code, name: attachment.name})
        } else if (action.kind === 'move-addon') {
          this.addManual(finding, `production depends on an add-on ${this.app} owns: moving it changes production, which --fix never does`)
        } else {
          this.addManual(finding, 'the attachment is not on the app any more, or its add-on is not production\'s')
        }

        break
      }

      case 'SHARED_SECRET': {
        this.addManual(finding, 'a new value must come from you (or the service that issued it): --fix never guesses one')
        break
      }

      default: {
        this.addManual(finding, 'no automatic remedy')
      }
    }
  }
}
