import {UsageError} from '../errors.js'
import {looksSecretToken} from '../secrets/index.js'
import {DATA_METHODS, type DataMethod, type ForkOptions} from './types.js'

/** Turns the command's flags into ForkOptions. Pure; a malformed flag throws UsageError. */

export interface ForkFlags {
  'copy-config'?: string[]
  data?: string
  'destroy-on-failure'?: boolean
  'dry-run'?: boolean
  'exclude-config'?: string[]
  from: string
  plan?: string[]
  region?: string
  scale?: string[]
  'set'?: string[]
  'share-addon'?: string[]
  'skip-data'?: boolean
  space?: string
  team?: string
  to?: string
}

/**
 * A flag's value as an error may echo it: a config var name (`DATABASE_URL`) or an enum/name word
 * (`worker`, `heroku-postgresql`, `copy`), else nothing. A value typed in the wrong place may be a
 * secret (`--set sk_live_…`, `--data Xk9mQ2vL7pR4`, `hunter2hunter2`), so errors never echo one.
 */
function shownName(text: string): string | undefined {
  const shaped = /^[A-Z][\dA-Z]*(?:[_-][\dA-Z]+)*$/.test(text) || /^[a-z]+(?:[-:.][a-z]+)*$/.test(text)
  return shaped && text.length <= 40 && !looksSecretToken(text) ? text : undefined
}

function split(flag: string, raw: string, example: string): [string, string] {
  const index = raw.indexOf('=')
  if (index <= 0 || index === raw.length - 1 && flag !== 'set') {
    throw new UsageError(`--${flag} needs ${example}; the value you gave is hidden.`, `Write it as --${flag} ${example}.`)
  }

  return [raw.slice(0, index), raw.slice(index + 1)]
}

/** `--copy-config` and `--exclude-config` take a config var name; anything else is not echoed. */
function checkConfigName(flag: string, key: string): void {
  if (CONFIG_KEY.test(key)) return
  const shown = shownName(key)
  const what = shown ? `${shown} is not one` : 'the value you gave is hidden'
  throw new UsageError(`--${flag} needs a config var name (letters, digits and underscores); ${what}.`, `Write it as --${flag} KEY.`)
}

const CONFIG_KEY = /^\w+$/

/** `--to` defaults to `<from>-staging`. */
export function defaultTarget(from: string): string {
  return `${from}-staging`
}

export function forkOptions(flags: ForkFlags): ForkOptions {
  const plans: Record<string, string> = {}
  for (const raw of flags.plan ?? []) {
    const [service, plan] = split('plan', raw, 'SERVICE=PLAN (e.g. heroku-postgresql=essential-1)')
    plans[service] = plan
  }

  const set: Record<string, string> = {}
  for (const raw of flags.set ?? []) {
    const [key, value] = split('set', raw, 'KEY=VALUE')
    if (!CONFIG_KEY.test(key)) {
      const what = shownName(key) ? `${key} is not one` : 'the key you gave is hidden'
      throw new UsageError(`--set needs KEY=VALUE, KEY a config var name (letters, digits and underscores); ${what}.`, 'Write it as --set KEY=VALUE.')
    }

    set[key] = value
  }

  const scale: Record<string, number> = {}
  for (const raw of flags.scale ?? []) {
    const [type, quantity] = split('scale', raw, 'TYPE=QUANTITY (e.g. worker=1)')
    const shownType = shownName(type) ?? 'TYPE'
    if (!/^\d+$/.test(quantity)) throw new UsageError(`--scale ${shownType}=…: the quantity must be a whole number.`, `Write it as --scale ${shownType}=1.`)
    scale[type] = Number(quantity)
  }

  for (const key of flags['exclude-config'] ?? []) checkConfigName('exclude-config', key)
  for (const key of flags['copy-config'] ?? []) checkConfigName('copy-config', key)

  return {
    ...dataMethod(flags),
    copyConfig: [...new Set(flags['copy-config'] ?? [])],
    excludeConfig: [...new Set(flags['exclude-config'] ?? [])],
    from: flags.from,
    plans,
    region: flags.region,
    ...(flags.space ? {space: flags.space} : {}),
    scale,
    set,
    shareAddons: [...new Set(flags['share-addon'] ?? [])],
    team: flags.team,
    to: flags.to ?? defaultTarget(flags.from),
  }
}

/** `--data`, with `--skip-data` as the deprecated alias of `--data none`; undefined: the plan decides. */
function dataMethod(flags: ForkFlags): {data?: DataMethod} {
  const asked = flags.data
  if (asked !== undefined && !DATA_METHODS.includes(asked as DataMethod)) {
    throw new UsageError(`--data ${shownName(asked) ?? '(hidden)'}: expected one of ${DATA_METHODS.join(', ')}.`, 'Write it as --data copy, --data fork or --data none.')
  }

  if (flags['skip-data'] && asked !== undefined && asked !== 'none') {
    throw new UsageError(`--skip-data and --data ${shownName(asked) ?? '(hidden)'} contradict each other.`, 'Drop --skip-data (it means --data none).')
  }

  if (flags['skip-data']) return {data: 'none'}
  return asked === undefined ? {} : {data: asked as DataMethod}
}

/**
 * The command that resumes this fork: the same flags, with `--set` values hidden (a re-run needs
 * them again, and they may be secrets).
 */
export function resumeCommand(flags: ForkFlags): string {
  const parts = ['heroku staging:fork', `--from ${flags.from}`]
  if (flags.to) parts.push(`--to ${flags.to}`)
  if (flags.region) parts.push(`--region ${flags.region}`)
  if (flags.space) parts.push(`--space ${flags.space}`)
  if (flags.team) parts.push(`--team ${flags.team}`)
  for (const plan of flags.plan ?? []) parts.push(`--plan ${plan}`)
  for (const key of flags['exclude-config'] ?? []) parts.push(`--exclude-config ${key}`)
  for (const key of flags['copy-config'] ?? []) parts.push(`--copy-config ${key}`)
  for (const raw of flags.set ?? []) parts.push(`--set ${raw.split('=')[0]}=…`)
  for (const name of flags['share-addon'] ?? []) parts.push(`--share-addon ${name}`)
  for (const scale of flags.scale ?? []) parts.push(`--scale ${scale}`)
  if (flags.data) parts.push(`--data ${flags.data}`)
  else if (flags['skip-data']) parts.push('--data none')
  if (flags['destroy-on-failure']) parts.push('--destroy-on-failure')
  return parts.join(' ')
}
