/**
 * Loads a pipeline's review and test stages: its review apps (`GET /pipelines/{id}/review-apps`) and
 * the config vars the pipeline gives every review app and every Heroku CI run
 * (`GET /pipelines/{id}/stage/{review,test}/config-vars`). Each stage's vars become a snapshot of
 * their own, so the audit's rules read them like an app's. Every request here is a read.
 */
import {type HerokuClient, isNotFound} from '../heroku/client.js'
import {apiOf} from '../heroku/api.js'
import {currentSecrets} from '../secrets/index.js'
import {credentialHosts} from './identity.js'
import {type HostResolver, resolveHosts} from './resolve.js'
import type {AppSnapshot} from './types.js'

/** The stages whose config vars the pipeline holds: Heroku CI's and review apps'. */
export const CONFIG_STAGES = ['review', 'test'] as const
export type ConfigStage = typeof CONFIG_STAGES[number]

export interface PipelineStages {
  /** the pipeline's review apps that have an app (made, not being deleted) */
  reviewApps: Array<{appId: string; branch: string; id: string; prNumber: null | number; status: string}>
  /** one snapshot per stage with config vars: no app, no add-ons, the stage's vars as `configVars` */
  stages: AppSnapshot[]
}

/** How a stage is named where an app's name would be (findings, tables): `shop (review stage)`. */
export function stageLabel(pipeline: string, stage: string): string {
  return `${pipeline} (${stage} stage)`
}

/** A 404 means there is nothing there (review apps or CI never enabled); anything else stops the load. */
async function orEmpty<T>(request: Promise<T>, empty: T): Promise<T> {
  try {
    return await request
  } catch (error) {
    if (isNotFound(error)) return empty
    throw error
  }
}

export async function loadPipelineStages(
  client: HerokuClient,
  pipeline: {id: string; name: string},
  options: {hosts?: false | HostResolver} = {},
): Promise<PipelineStages> {
  const api = apiOf(client)
  const [reviewApps, ...configs] = await Promise.all([
    orEmpty(api.reviewApps(pipeline.id), []),
    ...CONFIG_STAGES.map(async stage => orEmpty(api.stageConfigVars(pipeline.id, stage), {})),
  ])
  const stages = await Promise.all(CONFIG_STAGES.map(async (stage, index): Promise<AppSnapshot | undefined> => {
    const configVars = Object.fromEntries(Object.entries(configs[index] ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
    if (Object.keys(configVars).length === 0) return undefined
    currentSecrets().registerConfig(configVars)
    const hosts = options.hosts === false ? undefined : await resolveHosts(credentialHosts(configVars), options.hosts)
    return {
      app: {buildpacks: [], id: `${pipeline.id}/stage/${stage}`, maintenance: false, name: stageLabel(pipeline.name, stage)},
      attachments: [],
      configVars,
      databases: {},
      formation: [],
      ...(hosts ? {hosts} : {}),
      ownedAddons: [],
      pipeline: {id: pipeline.id, name: pipeline.name, stage},
    }
  }))
  return {
    reviewApps: (Array.isArray(reviewApps) ? reviewApps : [])
      .filter(review => review.app?.id && !['deleted', 'deleting'].includes(review.status))
      .map(review => ({appId: review.app?.id as string, branch: review.branch, id: review.id, prNumber: review.pr_number ?? null, status: review.status})),
    stages: stages.filter((snapshot): snapshot is AppSnapshot => snapshot !== undefined),
  }
}
