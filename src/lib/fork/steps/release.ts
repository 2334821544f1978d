import type {PipelineCoupling, Release} from '../../heroku/types.js'
import {poll} from '../../heroku/wait.js'
import type {StepOutcome} from '../../execute/steps.js'
import {FORK_STAGE, type FormationPlanItem} from '../types.js'
import type {ForkRun} from './context.js'

/**
 * The fork's last steps: production's slug (or OCI image) released, the formation held at 0 until
 * the fork's audit passes and scaled after it, and the pipeline coupling at the staging stage.
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

/**
 * Every process type at 0 (in the plan's sizes) right after the release, before the audit: a first
 * release starts web=1 on Heroku. A fork an earlier run already scaled to the plan's formation
 * (its audit passed then) is left as it is: the audit decides again before this run ends.
 */
export async function ensureHeld(fork: ForkRun): Promise<StepOutcome> {
  const {formation, release} = fork.plan
  if (!release || formation.length === 0) return {detail: 'nothing released', status: 'skipped'}
  if ((await formationUpdates(fork, want => want.quantity)).length === 0 && formation.some(f => f.quantity > 0)) {
    return {detail: 'scaled by an earlier run whose audit passed; the audit decides again', status: 'already-done'}
  }

  return scaleTo(fork, () => 0, formation.map(f => `${f.type} 0×${f.size}`).join(', '))
}

/** After the audit: the plan's formation when it has no critical finding, every type at 0 otherwise. */
export async function ensureScaled(fork: ForkRun, verified: boolean): Promise<StepOutcome> {
  const {formation, release} = fork.plan
  if (!release || formation.length === 0) return {detail: 'nothing released', status: 'skipped'}
  if (!verified) return scaleTo(fork, () => 0, 'held at 0: the audit has a critical finding')
  return scaleTo(fork, want => want.quantity, formation.map(f => `${f.type} ${f.quantity}×${f.size}`).join(', '))
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
