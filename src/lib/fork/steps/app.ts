import type {App, ConfigVars} from '../../heroku/types.js'
import {currentSecrets} from '../../secrets/index.js'
import type {StepOutcome} from '../../execute/steps.js'
import {ledgerCreated} from '../ledger.js'
import {desiredConfig} from '../plan/index.js'
import {FORK_MARKER} from '../types.js'
import {ForkRefusedError, type ForkRun} from './context.js'

/**
 * The fork's first steps: the app (created, or an interrupted run's continued), the marker that
 * says whose fork it is, then its buildpacks and config vars.
 */

/** The app at `--to` was created by this command from this source, per this machine's ledger. */
async function inLedger(fork: ForkRun, app: App): Promise<boolean> {
  const entry = await fork.options.ledger.get(fork.plan.target.name)
  return ledgerCreated(entry, fork.plan.target.name, fork.plan.source.id, {createdAt: app.created_at ?? undefined, id: app.id})
}

export async function ensureApp(fork: ForkRun): Promise<StepOutcome> {
  const {ledger} = fork.options
  const {source, target} = fork.plan
  const existing = await fork.findApp()
  if (existing) {
    fork.found(existing)
    const config = await fork.api.configVars(existing.id)
    const marker = config[FORK_MARKER]
    if (marker === source.id) return {detail: 'exists, marked as this fork', status: 'already-done'}
    if (marker !== undefined || !(await inLedger(fork, existing))) {
      throw new ForkRefusedError(
        `Refusing to continue on ${target.name}: it was not created by heroku staging:fork from ${source.name}.`,
        'Choose another name with --to NAME.',
      )
    }

    const entry = await ledger.get(target.name)
    if (entry) await ledger.put({...entry, appId: existing.id})
    return {detail: 'exists, created by the interrupted run', status: 'already-done'}
  }

  await ledger.put({sourceId: source.id, startedAt: new Date().toISOString(), target: target.name})
  const body: Record<string, unknown> = {name: target.name}
  if (target.region) body.region = target.region
  if (target.stack) body.stack = target.stack
  if (target.team) body.team = target.team
  if (target.space) body.space = target.space
  const app = await fork.mutate(
    async () => fork.api.createApp(body, {team: Boolean(target.team || target.space)}),
    async () => {
      const found = await fork.findApp()
      return found && await inLedger(fork, found) ? found : undefined
    },
  )
  fork.created = true
  fork.found(app)
  const entry = await ledger.get(target.name)
  if (entry) await ledger.put({...entry, appId: app.id})
  return {detail: [target.team && `team ${target.team}`, target.space && `space ${target.space}`, target.region, target.stack].filter(Boolean).join(', '), status: 'done'}
}

export async function ensureMarker(fork: ForkRun): Promise<StepOutcome> {
  const {source, target} = fork.plan
  const marker = (await fork.config())[FORK_MARKER]
  let status: StepOutcome['status'] = 'already-done'
  if (marker !== source.id) {
    if (marker !== undefined) {
      throw new ForkRefusedError(`Refusing to continue on ${target.name}: it is marked as a fork of another app.`, 'Choose another name with --to NAME.')
    }

    const body = {[FORK_MARKER]: source.id}
    await fork.mutate(
      async () => fork.api.updateConfigVars(fork.appId, body),
      async () => {
        const config = await fork.config()
        return config[FORK_MARKER] === source.id ? config : undefined
      },
    )
    status = 'done'
  }

  await fork.options.ledger.remove(target.name)
  return {detail: `${FORK_MARKER}=${source.id}`, status}
}

async function buildpacksInPlace(fork: ForkRun): Promise<boolean> {
  const wanted = fork.plan.buildpacks
  const current = await fork.api.buildpacks(fork.appId)
  const urls = current.map(b => b.buildpack?.url ?? b.buildpack?.name ?? '')
  return urls.length === wanted.length && urls.every((url, i) => url === wanted[i])
}

export async function ensureBuildpacks(fork: ForkRun): Promise<StepOutcome> {
  const wanted = fork.plan.buildpacks
  if (wanted.length === 0) return {detail: 'production has none', status: 'skipped'}
  if (await buildpacksInPlace(fork)) return {detail: wanted.join(', '), status: 'already-done'}
  await fork.mutate<unknown>(
    async () => fork.api.setBuildpacks(fork.appId, wanted),
    async () => (await buildpacksInPlace(fork) ? true : undefined),
  )
  return {detail: wanted.join(', '), status: 'done'}
}

export async function ensureConfig(fork: ForkRun): Promise<StepOutcome> {
  const {set} = fork.options
  currentSecrets().registerConfig(set)
  const before = await fork.config()
  const desired = desiredConfig(fork.plan, fork.production, set, before)
  // Fresh values are secrets of the fork's own: masked like every loaded value.
  currentSecrets().registerConfig(Object.fromEntries(Object.entries(desired).filter((pair): pair is [string, string] => pair[1] !== null)))
  const missing = (current: ConfigVars) => Object.fromEntries(Object.entries(desired).filter(([key, value]) => (value === null ? key in current : current[key] !== value)))
  const changes = missing(before)
  const keys = Object.keys(changes)
  const held = Object.values(desired).filter(value => value !== null).length - 1
  if (keys.length === 0) return {detail: `${held} vars in place`, status: 'already-done'}
  await fork.mutate(
    async () => fork.api.updateConfigVars(fork.appId, changes),
    async () => {
      const config = await fork.config()
      return Object.keys(missing(config)).length === 0 ? config : undefined
    },
  )
  const unset = keys.filter(key => changes[key] === null).length
  return {detail: `${keys.length - unset} set${unset > 0 ? `, ${unset} of production's removed` : ''}`, status: 'done'}
}
