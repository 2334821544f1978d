import {ownsAddon} from '../../snapshot/query.js'
import {type AuditFinding, type FindingAction, type FindingSubject} from '../types.js'
import {describeAddon, finding, type Rule, unique} from './context.js'

/** The add-on rules: a production add-on attached to staging, and add-ons that act on the outside world. */

/** PRODUCTION_ADDON: an attachment on staging of an add-on a production app owns or attaches. */
export const productionAddon: Rule = context => {
  const app = context.staging.app.name
  const findings: AuditFinding[] = []
  const attachments = [...context.staging.attachments].sort((a, b) => a.name.localeCompare(b.name))
  for (const attachment of attachments) {
    const {addon} = attachment
    const owner = context.production.find(p => ownsAddon(p, addon))
    const attachedBy = context.productionAddons.get(addon.id) ?? []
    if (!owner && attachedBy.length === 0) continue
    const stagingOwns = ownsAddon(context.staging, addon)
    const production = unique([...(owner ? [owner.app.name] : []), ...attachedBy])
    const subject: Omit<FindingSubject, 'action'> = {
      addon: describeAddon(attachment),
      attachment: {id: attachment.id, name: attachment.name},
    }
    if (stagingOwns) {
      // Production depends on an add-on the staging app bills: detaching it from staging is impossible.
      findings.push(finding(context, 'PRODUCTION_ADDON', {
        addons: [attachment.name, addon.name],
        configVars: attachment.configVarNames,
        message: `add-on ${addon.name} (${addon.plan}) is owned by ${app} and also attached to ${production.join(', ')}`,
        production,
        subject: {...subject, action: {addon: addon.name, app: production[0] ?? app, kind: 'move-addon', plan: addon.plan}},
      }))
      continue
    }

    const why = owner ? `owned by production app ${owner.app.name}` : `also attached to ${attachedBy.join(', ')}`
    findings.push(finding(context, 'PRODUCTION_ADDON', {
      addons: [attachment.name, addon.name],
      configVars: attachment.configVarNames,
      message: `attachment ${attachment.name} exposes add-on ${addon.name} (${addon.plan}), ${why}`,
      production,
      subject: {...subject, action: {app, attachment: attachment.name, kind: 'detach'}},
    }))
  }

  return findings
}

/** Add-on services that act on the outside world, by category. */
const SIDE_EFFECT_SERVICES: ReadonlyArray<{category: string; pattern: RegExp}> = [
  {category: 'scheduler', pattern: /scheduler|cron|temporize|crontogo/i},
  {category: 'mail', pattern: /mail|sendgrid|postmark|sparkpost|mandrill|sendinblue|brevo|smtp|cloudmailin|mailtrap/i},
  {category: 'SMS', pattern: /sms|twilio|nexmo|vonage|plivo|sinch|textmagic|messagebird|telnyx/i},
  {category: 'payments', pattern: /stripe|payment|braintree|paypal|recurly|chargebee|chargify|paddle|adyen/i},
]

/** The side-effect category of an add-on service, if it has one. */
export function sideEffectCategory(service: string): string | undefined {
  return SIDE_EFFECT_SERVICES.find(entry => entry.pattern.test(service))?.category
}

/** SIDE_EFFECT_ADDON: scheduler, mail, SMS or payments add-ons attached to the staging app. */
export const sideEffectAddon: Rule = context => {
  const app = context.staging.app.name
  const seen = new Set<string>()
  const findings: AuditFinding[] = []
  for (const attachment of [...context.staging.attachments].sort((a, b) => a.name.localeCompare(b.name))) {
    const category = sideEffectCategory(attachment.addon.service)
    if (!category || seen.has(attachment.addon.id)) continue
    seen.add(attachment.addon.id)
    const stagingOwns = ownsAddon(context.staging, attachment.addon)
    let action: FindingAction = {app, attachment: attachment.name, kind: 'detach'}
    if (stagingOwns) {
      action = category === 'scheduler'
        ? {addon: attachment.addon.name, app, kind: 'open-addon'}
        : {addon: attachment.addon.name, app, kind: 'destroy-addon'}
    }

    const effect = category === 'scheduler' ? 'runs jobs on a schedule' : `sends real ${category === 'payments' ? 'payments' : category}`
    findings.push(finding(context, 'SIDE_EFFECT_ADDON', {
      addons: [attachment.name, attachment.addon.name],
      configVars: attachment.configVarNames,
      message: `${category} add-on ${attachment.addon.name} (${attachment.addon.service}) ${effect} from staging`,
      subject: {action, addon: describeAddon(attachment), attachment: {id: attachment.id, name: attachment.name}},
    }))
  }

  return findings
}

