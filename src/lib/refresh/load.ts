/**
 * Loads what `staging:refresh` decides on: the staging app, the production apps the guard compares
 * against (pipeline stage production, --from, protected), and production's backup history. Every
 * request here is a read.
 */
import {readFile} from 'node:fs/promises'

import {auditStaging} from '../audit/rules/index.js'
import type {AuditFinding} from '../audit/types.js'
import {ActionableError, UsageError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {ApiError, type HerokuClient, isNotFound} from '../heroku/client.js'
import {apiOf} from '../heroku/api.js'
import type {ClassifyContext} from '../classify/classify.js'
import {registryContext} from '../classify/context.js'
import {ProductionRegistry} from '../production/registry.js'
import {appCoupling, loadApp, loadApps} from '../snapshot/load.js'
import type {AppSnapshot} from '../snapshot/types.js'
import {checkSanitizeSql, latestBackup, type ProcessQuantity, type RefreshPlan, runningBackground} from './plan.js'

export interface RefreshInputs {
  /** the guard's view of the account's production (the registry's), without the source */
  guard: Omit<ClassifyContext, 'source'>
  /** every production app of the account, loaded for the guard and the audit (staging too, if it is one) */
  production: AppSnapshot[]
  sourceApp: AppSnapshot
  staging: AppSnapshot
  /** things the user should know, e.g. a protected app that could not be loaded */
  warnings: string[]
}

const LOAD = {databases: true, formation: true} as const

/**
 * The pipeline of a review app, by its review-app record (`GET /apps/{id}/review-app`): Heroku couples
 * review apps at stage review, so this is asked only for an app in no pipeline. undefined: no review app.
 */
async function reviewAppPipeline(client: HerokuClient, staging: AppSnapshot): Promise<string | undefined> {
  try {
    const review = await apiOf(client).reviewAppOf(staging.app.id)
    return review.pipeline?.id
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

export async function loadRefreshInputs(
  client: HerokuClient,
  options: {app: string; from?: string; protectedApps: readonly {id?: string; name: string}[]},
): Promise<RefreshInputs> {
  const registry = new ProductionRegistry(client, {
    from: options.from ? [options.from] : [],
    namingFlag: '--from PRODUCTION_APP',
    protectedApps: options.protectedApps,
  })
  // Staging, its coupling and the account's couplings at once; the source loads as soon as they name it.
  // First, so staging's load shares this request; only without --from, where something awaits it.
  const stagingCoupling = options.from ? undefined : appCoupling(client, options.app)
  const stagingLoad = loadApp(client, options.app, LOAD)
  const sourceLoad = (async (): Promise<{others: string[]; pipeline: string[]; source?: AppSnapshot}> => {
    if (options.from) return {others: [], pipeline: [], source: await loadApp(client, options.from, LOAD)}
    const [coupling, couplings] = await Promise.all([stagingCoupling, registry.couplings()])
    // A review app's source is its pipeline's production, like any other app of the pipeline; one that
    // lost its coupling is found through its review-app record.
    const pipelineId = coupling?.pipeline.id ?? await reviewAppPipeline(client, await stagingLoad)
    const pipeline = couplings
      .filter(c => pipelineId !== undefined && c.pipeline.id === pipelineId && c.stage === 'production' && c.app.id)
      .map(c => c.app.id as string)
    const others = pipeline.filter(key => key !== coupling?.app.id && key !== options.app)
    return {others, pipeline, source: others.length === 1 ? await loadApp(client, others[0] as string, LOAD) : undefined}
  })()
  const [stagingSettled, sourceSettled] = await Promise.allSettled([stagingLoad, sourceLoad])
  if (stagingSettled.status === 'rejected') throw stagingSettled.reason
  if (sourceSettled.status === 'rejected') throw sourceSettled.reason
  const staging = stagingSettled.value
  const {others, pipeline} = sourceSettled.value
  const isStaging = (key: string): boolean => key === staging.app.name || key === staging.app.id
  if (!options.from) {
    if (others.length === 0 && pipeline.some(key => isStaging(key))) {
      throw new ActionableError(
        `Refusing to refresh ${staging.app.name}: it is a production app (pipeline stage production), and staging:refresh never writes production.`,
        'Name the staging app to overwrite: heroku staging:refresh -a STAGING_APP.',
        ExitCode.Refused,
      )
    }

    if (others.length === 0) {
      throw new UsageError(
        `Cannot tell which app is production for ${staging.app.name}: it is in no pipeline with a production stage.`,
        `Name the app to copy from with --from PRODUCTION_APP.`,
      )
    }

    if (others.length > 1) {
      const names = await loadApps(client, others)
      throw new UsageError(
        `${staging.app.name}'s pipeline has several production apps: ${[...names.values()].map(n => n.app.name).join(', ')}.`,
        `Name the one to copy from with --from PRODUCTION_APP.`,
      )
    }
  }

  // The source with everything the plan shows; the other production apps only as the guard needs them.
  const sourceApp = sourceSettled.value.source as AppSnapshot
  registry.know(staging, sourceApp)
  const [guard, production] = await Promise.all([registryContext(registry), registry.snapshots()])
  return {guard, production, sourceApp, staging, warnings: [...registry.warnings]}
}

/** Production's latest successful backup, read from the source add-on's billing app. */
export async function loadLatestBackup(client: HerokuClient, plan: RefreshPlan, now = new Date()): Promise<{
  latest: NonNullable<ReturnType<typeof latestBackup>> | null
  warning?: string
}> {
  const owner = plan.source.addon?.owner
  if (!owner) return {latest: null, warning: `The source ${plan.source.configVar ?? ''} is not a Heroku add-on: no backup history to report.`}
  try {
    const transfers = await apiOf(client).transfers(owner)
    return {latest: latestBackup(transfers, now) ?? null}
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    return {latest: null, warning: `Could not read ${owner}'s backups (${error.message}): run heroku pg:backups -a ${owner}.`}
  }
}

/** Reads and checks a sanitize file before anything else happens. */
export async function readSanitizeFile(file: string): Promise<{file: string; sql: string}> {
  let sql: string
  try {
    sql = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(`Cannot read the sanitize file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'Pass a readable SQL file: --sanitize path/to/sanitize.sql.')
  }

  const problem = checkSanitizeSql(sql)
  if (problem) throw new UsageError(`The sanitize file ${file} cannot run in one transaction: ${problem}.`, `Edit ${file} and pass it again with --sanitize ${file}.`)
  return {file, sql}
}

export interface Verification {
  findings: AuditFinding[]
  /** the background processes as they are now, compared with before the refresh */
  formation: {after: ProcessQuantity[]; before: ProcessQuantity[]; same: boolean}
  maintenance: boolean
}

/** Reloads staging and production after the refresh and audits staging again. */
export async function verifyRefresh(client: HerokuClient, inputs: RefreshInputs): Promise<Verification> {
  const productionIds = inputs.production.map(p => p.app.id)
  const loaded = await loadApps(client, [inputs.staging.app.id, ...productionIds], LOAD)
  const staging = loaded.of(inputs.staging.app.id)
  const production = loaded.ofAll(productionIds)
  const after = runningBackground(staging.formation)
  const before = runningBackground(inputs.staging.formation)
  const key = (list: ProcessQuantity[]) => JSON.stringify(list.map(p => [p.type, p.quantity, p.size]))
  return {
    findings: auditStaging(staging, production),
    formation: {after, before, same: key(after) === key(before)},
    maintenance: staging.app.maintenance,
  }
}
