import {type Classification, describeTarget, type ClassifyTarget, type Refusal, RefusalCode} from '../classify/classify.js'
import {type AddonEvidence, viaText} from '../production/registry.js'

/**
 * PURE: `addons:destroy` of an add-on that is not Postgres (Redis, Kafka, a logging add-on…). The full
 * guard only classifies databases; any add-on a production app owns or has attached is production's
 * all the same: destroying it cuts production off. `evidence` is the production registry's answer.
 */
export function ownershipClassification(target: ClassifyTarget, evidence: readonly AddonEvidence[]): Classification | undefined {
  // An app that owns it is reported once, as owner, not again for its own attachment.
  const owners = new Set(evidence.filter(e => e.how === 'owned').map(e => e.app.id))
  const relevant = evidence.filter(e => e.how === 'owned' || !owners.has(e.app.id))
  if (relevant.length === 0) return undefined
  const description = describeTarget(target)
  const refusals: Refusal[] = relevant.map(e => {
    const why = `${viaText(e.app.via)}${e.app.pipeline ? `, pipeline ${e.app.pipeline}` : ''}`
    const reason = e.how === 'owned'
      ? `the add-on is owned by production app ${e.app.name} (${why}).`
      : `it is attached to production app ${e.app.name} as ${e.attachment ?? 'an attachment'} (${why}).`
    return {
      code: e.how === 'owned' ? RefusalCode.OwnedByProduction : RefusalCode.AttachedToProduction,
      fix: e.how === 'owned'
        ? `If you meant a staging add-on, name it on the staging app: heroku addons:destroy ADDON -a STAGING_APP.`
        : `To stop production using it, detach it on purpose first: heroku addons:detach ${e.attachment ?? 'ATTACHMENT'} -a ${e.app.name}.`,
      message: `Refusing to destroy ${description}: ${reason}`,
      production: [e.app.name],
      reason,
      target: description,
    }
  })
  return {production: true, refusals}
}
