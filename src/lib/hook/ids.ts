/**
 * The stock commands the prerun hook guards. This module is imported by the hook for EVERY command the
 * CLI runs, so it must stay dependency-free: no imports, no work at load time beyond these lists.
 */

/** Commands that overwrite a database: checked by `check.ts` (target resolution and the full guard). */
export const GUARDED_COMMANDS = ['pg:copy', 'pg:reset', 'pg:backups:restore', 'pg:push', 'addons:destroy'] as const

export type GuardedCommandId = (typeof GUARDED_COMMANDS)[number]

/**
 * Commands that destroy, cut off or re-point production: checked by `destructive.ts` against the
 * production registry. oclif hands the hook the canonical `Command.id`, so aliases (`config:remove`,
 * `addons:remove`) arrive as these ids.
 */
export const DESTRUCTIVE_COMMANDS = [
  'addons:detach',
  'apps:destroy',
  'config:set',
  'config:unset',
  'data:pg:credentials:destroy',
  'data:pg:destroy',
  'data:pg:migrate',
  'data:pg:upgrade:run',
  'pg:credentials:rotate',
  'pg:promote',
  'pg:unfollow',
  'pg:upgrade:run',
] as const

export type DestructiveCommandId = (typeof DESTRUCTIVE_COMMANDS)[number]

/** Hidden aliases the stock CLI accepts for a guarded command (for callers that only have what was typed). */
const ALIASES: Readonly<Record<string, GuardedCommandId>> = {'addons:remove': 'addons:destroy'}

/** The guarded command an id names (aliases included), or undefined when the hook must stay out of the way. */
export function guardedCommand(id: string | undefined): GuardedCommandId | undefined {
  if (!id) return undefined
  if ((GUARDED_COMMANDS as readonly string[]).includes(id)) return id as GuardedCommandId
  return ALIASES[id]
}

/** The destructive command an id names, or undefined. */
export function destructiveCommand(id: string | undefined): DestructiveCommandId | undefined {
  if (!id) return undefined
  return (DESTRUCTIVE_COMMANDS as readonly string[]).includes(id) ? id as DestructiveCommandId : undefined
}

/** True when the prerun hook has work to do for this command id. */
export function hookedCommand(id: string | undefined): boolean {
  return guardedCommand(id) !== undefined || destructiveCommand(id) !== undefined
}
