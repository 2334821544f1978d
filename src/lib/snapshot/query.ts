import type {AddonRef, AppSnapshot} from './types.js'

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
export function ownsAddon(snapshot: Pick<AppSnapshot, 'app'>, addon: Pick<AddonRef, 'owner'>): boolean {
  return isOwner(snapshot.app, addon.owner)
}
