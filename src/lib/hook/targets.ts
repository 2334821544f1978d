import {isPostgresUrl} from '../snapshot/identity.js'
import {type AppSnapshot, POSTGRES_SERVICE} from '../snapshot/types.js'
import type {DestructiveCommandId} from './ids.js'
import type {StockParse} from './parse.js'

/**
 * PURE: what a destructive stock command (heroku 11.10) would destroy, cut off or re-point, from its
 * parsed argv (`parseStock`). Nothing is looked up here; `destructive.ts` resolves each target.
 *
 * In every pg:* and data:pg:* command `APP::DATABASE` names the app, overriding --app, as
 * DatabaseResolver.getAttachment does.
 */

/** pg:* commands without a database argument act on DATABASE_URL (DatabaseResolver's default). */
export const DEFAULT_DATABASE = 'DATABASE_URL'

export type Intent =
  /** the whole app (apps:destroy; data:pg:migrate, whose destination is one of the app's databases) */
  | {app: string; kind: 'app'}
  /**
   * one database named on an app (pg:promote, pg:unfollow, upgrades, credentials, data:pg:destroy); without
   * an app (data:pg:* accept none) the name is looked up as an add-on, account-wide, as the resolver does
   */
  | {app: string | undefined; database: string; kind: 'database'}
  /** one attachment on an app (addons:detach) */
  | {app: string; attachment: string; kind: 'attachment'}
  /** config vars set or unset on an app */
  | {app: string; kind: 'config'; names: string[]}

export interface Intents {
  /** empty when the invocation does nothing the guard covers, or stops at the stock parser (a required --app) */
  intents: Intent[]
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** `APP::DATABASE` → that app and name; otherwise the --app flag's app. */
export function scopedDatabase(value: string, app: string | undefined): {app: string | undefined; database: string} {
  const scoped = /^(.+?)::(.+)$/.exec(value)
  if (scoped?.[1] && scoped[2] && !/^[a-z][\w+.-]*:\/\//i.test(value)) return {app: scoped[1], database: scoped[2]}
  return {app, database: value}
}

/** The config var names `config:set KEY=VALUE…` sets (the stock command splits each at its first `=`). */
export function setNames(argv: readonly string[]): string[] {
  return argv.map(pair => pair.split('=')[0] ?? '').filter(name => name !== '')
}

function database(parsed: StockParse, fallback?: string): Intents {
  const given = text(parsed.args.database) ?? fallback
  if (given === undefined) return {intents: []}
  const {app, database: name} = scopedDatabase(given, text(parsed.flags.app))
  return {intents: [{app, database: name, kind: 'database'}]}
}

/** The targets of one destructive command, or none when this invocation does nothing the guard covers. */
export function destructiveIntents(command: DestructiveCommandId, parsed: StockParse): Intents {
  const app = text(parsed.flags.app)
  switch (command) {
    case 'addons:detach': {
      const attachment = text(parsed.args.attachment_name)
      if (attachment === undefined) return {intents: []}
      return app === undefined ? {intents: []} : {intents: [{app, attachment, kind: 'attachment'}]}
    }

    case 'apps:destroy': {
      // `heroku apps:destroy APP` (a hidden argument) wins over --app, as in the stock command.
      // Without one the stock command stops ("No app specified") before any request.
      const target = text(parsed.args.app) ?? app
      return target === undefined ? {intents: []} : {intents: [{app: target, kind: 'app'}]}
    }

    case 'config:set':
    case 'config:unset': {
      const names = command === 'config:set' ? setNames(parsed.argv) : parsed.argv.filter(name => name !== '')
      if (names.length === 0) return {intents: []}
      return app === undefined ? {intents: []} : {intents: [{app, kind: 'config', names}]}
    }

    case 'data:pg:credentials:destroy':
    case 'data:pg:destroy':
    case 'data:pg:upgrade:run': {
      return database(parsed)
    }

    case 'data:pg:migrate': {
      return app === undefined ? {intents: []} : {intents: [{app, kind: 'app'}]}
    }

    case 'pg:credentials:rotate': {
      // Rotating one named credential leaves the app's own credential alone; --all, --force and a rotate
      // without --name (the default credential, the one in DATABASE_URL) do not.
      const name = text(parsed.flags.name)
      if (parsed.flags.all !== true && parsed.flags.force !== true && name !== undefined && name.toLowerCase() !== 'default') return {intents: []}
      return database(parsed, DEFAULT_DATABASE)
    }

    case 'pg:promote':
    case 'pg:unfollow': {
      return database(parsed)
    }

    case 'pg:upgrade:run': {
      return database(parsed, DEFAULT_DATABASE)
    }
  }
}

/** Config var names that are database variables by name alone. */
export function isDatabaseVariableName(name: string): boolean {
  const upper = name.toUpperCase()
  return upper === 'DATABASE_URL' || upper.endsWith('_DATABASE_URL') || /^HEROKU_POSTGRESQL_\w+_URL$/.test(upper)
}

/**
 * The names among `names` that are database variables on an app: by name (DATABASE_URL, *_DATABASE_URL,
 * HEROKU_POSTGRESQL_*_URL), because the current value is a Postgres URL, or because a Postgres attachment
 * exposes that name.
 */
export function databaseVariables(names: readonly string[], app: Pick<AppSnapshot, 'attachments' | 'configVars'>): string[] {
  const exposed = new Set(app.attachments.filter(a => a.addon.service === POSTGRES_SERVICE).flatMap(a => a.configVarNames))
  return names.filter(name => isDatabaseVariableName(name) || isPostgresUrl(app.configVars[name]) || exposed.has(name))
}
