/**
 * Resolves a database name, as a user types it, to the classification's target on a loaded snapshot.
 * Pure: the same rules the stock CLI's resolver applies (attachment name, config var name with or
 * without `_URL`, add-on name, raw `postgres://` URL), plus physical identity for config vars that
 * are plain copies of another attachment's URL.
 */
import {isPostgresUrl, sameEndpoint} from '../snapshot/identity.js'
import {type AppSnapshot, type AttachmentRef, POSTGRES_SERVICE} from '../snapshot/types.js'
import {attachmentUrl, type ClassifyTarget, targetFromAttachment} from './classify.js'

/** `otherapp::DATABASE` → {app: 'otherapp', name: 'DATABASE'}; a bare name has no app. */
export function splitAppPrefix(value: string): {app?: string; name: string} {
  const index = value.indexOf('::')
  if (index <= 0 || /^[a-z][\w+.-]*:\/\//i.test(value)) return {name: value}
  return {app: value.slice(0, index), name: value.slice(index + 2)}
}

/** Prefers the attachment named DATABASE, then the shortest name, so results are stable. */
function preferred(attachments: AttachmentRef[]): AttachmentRef | undefined {
  return [...attachments].sort((a, b) => Number(b.name === 'DATABASE') - Number(a.name === 'DATABASE') || a.name.length - b.name.length || a.name.localeCompare(b.name))[0]
}

/** The attachment on this app whose URL reaches the same physical database as `url`. */
function attachmentReaching(snapshot: AppSnapshot, url: string): AttachmentRef | undefined {
  return preferred(snapshot.attachments.filter(a => sameEndpoint(attachmentUrl(snapshot, a).url, url)))
}

function urlTarget(snapshot: AppSnapshot, url: string, configVar?: string): ClassifyTarget {
  const reaching = attachmentReaching(snapshot, url)
  if (reaching) return {...targetFromAttachment(snapshot, reaching), configVar: configVar ?? attachmentUrl(snapshot, reaching).configVar, url}
  return {app: {id: snapshot.app.id, name: snapshot.app.name}, configVar, following: null, url}
}

/**
 * The database `name` names on `snapshot`, or undefined when nothing matches. `name` may be an
 * attachment (`DATABASE`, `HEROKU_POSTGRESQL_ROSE`, or just `ROSE`), a config var (`DATABASE_URL`),
 * an add-on name, or a `postgres://` URL. A config var that no attachment owns resolves to the
 * attachment reaching the same database if there is one, else to the bare URL.
 */
export function resolveDatabase(snapshot: AppSnapshot, name: string): ClassifyTarget | undefined {
  const trimmed = name.trim()
  if (isPostgresUrl(trimmed)) return urlTarget(snapshot, trimmed)

  const upper = trimmed.toUpperCase()
  const base = upper.replace(/_URL$/, '')
  const byName = (wanted: string) => snapshot.attachments.find(a => a.name.toUpperCase() === wanted)
  const attachment = byName(base) ?? byName(`HEROKU_POSTGRESQL_${base}`)
  if (attachment) return targetFromAttachment(snapshot, attachment, upper.endsWith('_URL') ? upper : undefined)

  const byAddon = preferred(snapshot.attachments.filter(a => a.addon.name === trimmed || a.addon.id === trimmed))
  if (byAddon) return targetFromAttachment(snapshot, byAddon)

  const configVar = [`${base}_URL`, upper].find(key => snapshot.configVars[key] !== undefined)
  if (configVar === undefined) return undefined
  const owner = preferred(snapshot.attachments.filter(a => a.configVarNames.includes(configVar)))
  if (owner) return targetFromAttachment(snapshot, owner, configVar)
  return urlTarget(snapshot, snapshot.configVars[configVar] as string, configVar)
}

/** The names a user can type for the databases on this app, for "did you mean" messages. */
export function databaseNames(snapshot: AppSnapshot): string[] {
  return snapshot.attachments.filter(a => isPostgresUrl(attachmentUrl(snapshot, a).url) || a.addon.service === POSTGRES_SERVICE).map(a => a.name).sort()
}
