/**
 * The stock commands the prerun hook guards. This module is imported by the hook for EVERY command the
 * CLI runs, so it must stay dependency-free: no imports, no work at load time beyond this set.
 */

export const GUARDED_COMMANDS = ['pg:copy', 'pg:reset', 'pg:backups:restore', 'pg:push', 'addons:destroy'] as const

export type GuardedCommandId = (typeof GUARDED_COMMANDS)[number]

/** Hidden aliases the stock CLI accepts for a guarded command. */
const ALIASES: Readonly<Record<string, GuardedCommandId>> = {'addons:remove': 'addons:destroy'}

/** The guarded command an id names (aliases included), or undefined when the hook must stay out of the way. */
export function guardedCommand(id: string | undefined): GuardedCommandId | undefined {
  if (!id) return undefined
  if ((GUARDED_COMMANDS as readonly string[]).includes(id)) return id as GuardedCommandId
  return ALIASES[id]
}
