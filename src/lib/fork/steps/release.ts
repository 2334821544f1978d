import type {PipelineCoupling, Release} from '../../heroku/types.js'
import {poll} from '../../heroku/wait.js'
import type {StepOutcome} from '../../execute/steps.js'
import {FORK_STAGE, type FormationPlanItem} from '../types.js'
import type {ForkRun} from './context.js'

/**
 * The fork's release, formation and pipeline steps. Production's slug (or OCI image) is released
 * only after the fork's audit has passed, then the formation is scaled: a first release starts
 * web=1 on Heroku, so releasing earlier would run a dyno before anything checked the fork. The
 * pipeline coupling at the staging stage comes before the audit.
 */

/**
 * The fork's current release when it runs production's slug: the same slug id, or the slug of the
 * release this command made (a platform may give a released copy of a slug its own id), still current.
 */
async function releasedSlug(fork: ForkRun): Promise<Release | undefined> {
  const wanted = fork.plan.release
  if (!wanted) return undefined
  const list = await fork.api.releases(fork.appId, 10)
  const current = list.find(r => r.current) ?? list[0]
  if (wanted.ociImageId) {
    // Fir: the same OCI image, by id.
    return current && current.status !== 'failed' && current.oci_image?.id === wanted.ociImageId ? current : undefined
  }

  const ours = list.find(r => r.description === wanted.description && r.slug?.id && r.status !== 'failed')
  const slug = current?.slug?.id
  return current && current.status !== 'failed' && slug && (slug === wanted.slugId || slug === ours?.slug?.id) ? current : undefined
}

export async function ensureRelease(fork: ForkRun): Promise<StepOutcome> {
  const wanted = fork.plan.release
  const target = fork.plan.target.name
  if (!wanted) return {detail: 'production has no slug', status: 'skipped'}
  const current = await releasedSlug(fork)
  if (current) return {detail: `v${current.version}`, status: 'already-done'}
  const release = await fork.mutate(
    async () => fork.api.createRelease(fork.appId, wanted.ociImageId ? {description: wanted.description, oci_image: wanted.ociImageId} : {description: wanted.description, slug: wanted.slugId ?? ''}),
    async () => releasedSlug(fork),
  )
  const done = await poll(`release v${release.version}`, async () => {
    if (release.status !== 'pending') return release
    const now = await fork.api.release(fork.appId, release.id)
    return now.status === 'pending' ? undefined : now
  }, fork.polling)
  if (done.status === 'failed') throw new Error(`Release v${done.version} of ${target} failed: see heroku releases:output ${done.version} -a ${target}`)
  return {detail: `v${done.version}`, status: 'done'}
}

/** The updates that bring the fork's formation to `quantity(type)` dynos of the plan's sizes. */
async function formationUpdates(fork: ForkRun, quantity: (want: FormationPlanItem) => number): Promise<Array<{quantity: number; size: string; type: string}>> {
  const current = await fork.api.formation(fork.appId)
  return fork.plan.formation
    .filter(want => {
      const have = current.find(f => f.type === want.type)
      return !have || have.quantity !== quantity(want) || (have.size ?? '').toLowerCase() !== want.size.toLowerCase()
    })
    .map(want => ({quantity: quantity(want), size: want.size, type: want.type}))
}

async function scaleTo(fork: ForkRun, quantity: (want: FormationPlanItem) => number, summary: string): Promise<StepOutcome> {
  const updates = await formationUpdates(fork, quantity)
  if (updates.length === 0) return {detail: summary, status: 'already-done'}
  await fork.mutate<unknown>(
    async () => fork.api.updateFormation(fork.appId, updates),
    async () => ((await formationUpdates(fork, quantity)).length === 0 ? true : undefined),
  )
  return {detail: summary, status: 'done'}
}

/** After a passing audit (and the release): the plan's formation. */
export async function ensureScaled(fork: ForkRun): Promise<StepOutcome> {
  const {formation, release} = fork.plan
  if (!release || formation.length === 0) return {detail: 'nothing released', status: 'skipped'}
  return scaleTo(fork, want => want.quantity, formation.map(f => `${f.type} ${f.quantity}×${f.size}`).join(', '))
}

/** The fork's process types running dynos, as updates that stop them. */
async function runningTypes(fork: ForkRun): Promise<{known: boolean; updates: Array<{quantity: number; type: string}>}> {
  const current = await fork.api.formation(fork.appId)
  return {known: current.length > 0, updates: current.filter(f => f.quantity > 0).map(f => ({quantity: 0, type: f.type}))}
}

/**
 * After a failing audit: nothing is released (the release step does not run), and a fork an earlier
 * run released and scaled (its audit passed then) has every process type brought back to 0.
 */
export async function ensureHeld(fork: ForkRun): Promise<StepOutcome> {
  const {known, updates} = await runningTypes(fork)
  if (!known) return {detail: 'nothing is released, so no dyno runs', status: 'skipped'}
  if (updates.length === 0) return {detail: 'every process type at 0', status: 'already-done'}
  await fork.mutate<unknown>(
    async () => fork.api.updateFormation(fork.appId, updates),
    async () => ((await runningTypes(fork)).updates.length === 0 ? true : undefined),
  )
  return {detail: `released by an earlier run: ${updates.map(u => u.type).join(', ')} back to 0`, status: 'done'}
}

export async function ensurePipeline(fork: ForkRun): Promise<StepOutcome> {
  const wanted = fork.plan.pipeline
  const target = fork.plan.target.name
  if (!wanted) return {detail: 'production is in no pipeline', status: 'skipped'}
  const matches = (coupling: PipelineCoupling | undefined) => coupling?.pipeline.id === wanted.id && coupling.stage === FORK_STAGE
  const coupling = await fork.api.findCoupling(fork.appId)
  if (coupling) {
    if (matches(coupling)) return {status: 'already-done'}
    throw new Error(`${target} is already coupled to a pipeline at stage ${coupling.stage}: remove it with heroku pipelines:remove -a ${target}, then re-run.`)
  }

  await fork.mutate<unknown>(
    async () => fork.api.createCoupling({app: fork.appId, pipeline: wanted.id, stage: FORK_STAGE}),
    async () => (matches(await fork.api.findCoupling(fork.appId)) ? true : undefined),
  )
  return {status: 'done'}
}
