import {type AppSnapshot, type AttachmentRef, POSTGRES_SERVICE} from './types.js'

/** An app as an owner check needs it: the API's `app` object, or a snapshot's. */
interface AppKey {
  id?: string
  name?: string
}

/**
 * Is `owner` this app? By id whenever the owner carries one, since a name can pass to another app
 * after a rename or a delete; by name only when no id is known (hand-built snapshots, old shapes).
 */
export function isOwner(app: AppKey, owner: AppKey | undefined): boolean {
  if (!owner) return false
  if (owner.id) return owner.id === app.id
  return owner.name !== undefined && owner.name === app.name
}

/** Does this app own (bill) the add-on? The one rule every flow asks. */
export function ownsAddon(snapshot: Pick<AppSnapshot, 'app'>, addon: {owner?: AppKey}): boolean {
  return isOwner(snapshot.app, addon.owner)
}

/** Is this a Heroku Postgres attachment? */
export function isPostgresAttachment(attachment: AttachmentRef): boolean {
  return attachment.addon.service === POSTGRES_SERVICE
}

/** Orders an app's Postgres attachments leaders first (followers last), then by name: the follower ordering. */
export function leadersFirst(snapshot: Pick<AppSnapshot, 'databases'>): (a: AttachmentRef, b: AttachmentRef) => number {
  const follower = (attachment: AttachmentRef) => (snapshot.databases[attachment.addon.id]?.following ? 1 : 0)
  return (a, b) => follower(a) - follower(b) || a.name.localeCompare(b.name)
}

/** An app's main database: the attachment named DATABASE, else its first leader Postgres attachment. */
export function primaryPostgres(snapshot: Pick<AppSnapshot, 'attachments' | 'databases'>): AttachmentRef | undefined {
  const postgres = snapshot.attachments.filter(attachment => isPostgresAttachment(attachment))
  return postgres.find(attachment => attachment.name === 'DATABASE') ?? [...postgres].sort(leadersFirst(snapshot))[0]
}

/** The attachment of `snapshot` that exposes config var `name`, if an add-on owns it. */
export function attachmentExposing(snapshot: AppSnapshot, name: string): AttachmentRef | undefined {
  return snapshot.attachments.find(attachment => attachment.configVarNames.includes(name))
}
