/**
 * A config-vars PATCH as Heroku applies it, shared by the emulator's store and the unit tests' scripted
 * Heroku (test/helpers/fake-heroku.ts) so the two cannot drift. Pure: changes only the `config` it is given.
 */

const CONFIG_KEY = /^\w+$/

/**
 * Applies `patch` to `config` in place: `null` unsets, a string sets. Keys an attachment owns (`owned`), bad
 * names and non-string values are refused with `refuse(message)` before anything changes. Returns the
 * release description (`Set A config vars; Remove B config vars`), or undefined when nothing changed.
 */
export function applyConfigPatch(config: Record<string, string>, patch: Record<string, unknown>, owned: ReadonlySet<string>, refuse: (message: string) => Error): string | undefined {
  const refused = Object.keys(patch).filter(key => owned.has(key))
  if (refused.length > 0) throw refuse(`Cannot overwrite attachment values ${refused.join(', ')}.`)
  for (const [key, value] of Object.entries(patch)) {
    if (!CONFIG_KEY.test(key)) throw refuse(`Invalid config var name: ${key}. Names may contain only letters, digits and underscores.`)
    if (value !== null && typeof value !== 'string') throw refuse(`Config var ${key} must be a string or null.`)
  }

  const set: string[] = []
  const removed: string[] = []
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      if (key in config) {
        delete config[key]
        removed.push(key)
      }
    } else if (config[key] !== value) {
      config[key] = value as string
      set.push(key)
    }
  }

  const parts: string[] = []
  if (set.length > 0) parts.push(`Set ${set.join(', ')} config vars`)
  if (removed.length > 0) parts.push(`Remove ${removed.join(', ')} config vars`)
  return parts.length > 0 ? parts.join('; ') : undefined
}
