/**
 * Loads what `staging:refresh` decides on: the staging app, the production apps the guard compares
 * against (pipeline stage production, --from, protected), and production's backup history. Every
 * request here is a read.
 */
import {readFile} from 'node:fs/promises'

import {auditStaging} from '../audit/rules.js'
import type {AuditFinding} from '../audit/types.js'
import {ActionableError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {ApiError, type HerokuClient} from '../heroku/client.js'
import type {DataTransfer} from '../heroku/types.js'
import {loadApp, loadApps} from '../snapshot/load.js'
import {findProductionApps, ProductionUnknownError} from '../snapshot/production.js'
import type {AppSnapshot} from '../snapshot/types.js'
import {checkSanitizeSql, latestBackup, type ProcessQuantity, type RefreshPlan, runningBackground} from './plan.js'

/** A problem the user fixes with a flag: message, fix, exit code. */
export class RefreshInputError extends ActionableError {
  constructor(message: string, fix: string, exit: ExitCodeValue = ExitCode.Usage) {
    super(message, fix, exit)
    this.name = 'RefreshInputError'
  }
}

export interface RefreshInputs {
  /** every production app loaded for the guard and the audit, staging excluded */
  production: AppSnapshot[]
  sourceApp: AppSnapshot
  staging: AppSnapshot
  /** things the user should know, e.g. a protected app that could not be loaded */
  warnings: string[]
}

const LOAD = {databases: true, formation: true} as const

function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404
}

/** The production apps of the staging app's pipeline, or [] when it has none. */
async function pipelineProduction(client: HerokuClient, staging: AppSnapshot): Promise<string[]> {
  if (!staging.pipeline) return []
  try {
    return await findProductionApps(client, staging)
  } catch (error) {
    if (error instanceof ProductionUnknownError) return []
    throw error
  }
}

export async function loadRefreshInputs(
  client: HerokuClient,
  options: {app: string; from?: string; protectedApps: readonly {id?: string; name: string}[]},
): Promise<RefreshInputs> {
  const staging = await loadApp(client, options.app, LOAD)
  const isStaging = (key: string): boolean => key === staging.app.name || key === staging.app.id
  const pipeline = await pipelineProduction(client, staging)
  const others = pipeline.filter(key => !isStaging(key))
  if (!options.from) {
    if (others.length === 0 && pipeline.some(key => isStaging(key))) {
      throw new RefreshInputError(
        `Refusing to refresh ${staging.app.name}: it is a production app (pipeline stage production), and staging:refresh never writes production.`,
        'Name the staging app to overwrite: heroku staging:refresh -a STAGING_APP.',
        ExitCode.Refused,
      )
    }

    if (others.length === 0) {
      throw new RefreshInputError(
        `Cannot tell which app is production for ${staging.app.name}: it is in no pipeline with a production stage.`,
        `Name the app to copy from with --from PRODUCTION_APP.`,
      )
    }

    if (others.length > 1) {
      const names = await loadApps(client, others)
      throw new RefreshInputError(
        `${staging.app.name}'s pipeline has several production apps: ${names.map(n => n.app.name).join(', ')}.`,
        `Name the one to copy from with --from PRODUCTION_APP.`,
      )
    }
  }

  // The source first; the rest of the pipeline's production apps (staging too, if its stage is production) for the guard.
  const sourceKey = options.from ?? (others[0] as string)
  const production = await loadApps(client, [...new Set([sourceKey, ...pipeline])], LOAD)
  const sourceApp = production[0] as AppSnapshot
  const warnings: string[] = []

  const loaded = new Set(production.flatMap(p => [p.app.id, p.app.name]))
  const protectedToLoad = options.protectedApps
    .filter(entry => !loaded.has(entry.name) && !(entry.id && loaded.has(entry.id)) && !isStaging(entry.name) && !(entry.id && isStaging(entry.id)))
    .map(entry => entry.id ?? entry.name)
  const protectedSnapshots = await Promise.all(protectedToLoad.map(async key => {
    try {
      return await loadApp(client, key, LOAD)
    } catch (error) {
      if (!isNotFound(error)) throw error
      warnings.push(`Protected app ${key} could not be loaded (not found): only its name is guarded.`)
      return undefined
    }
  }))

  const all = [...production, ...protectedSnapshots.filter((s): s is AppSnapshot => s !== undefined)]
  const unique = [...new Map(all.map(snapshot => [snapshot.app.id, snapshot])).values()]
  return {production: unique, sourceApp, staging, warnings}
}

/** Production's latest successful backup, read from the source add-on's billing app. */
export async function loadLatestBackup(client: HerokuClient, plan: RefreshPlan, now = new Date()): Promise<{
  latest: NonNullable<ReturnType<typeof latestBackup>> | null
  warning?: string
}> {
  const owner = plan.source.addon?.owner
  if (!owner) return {latest: null, warning: `The source ${plan.source.configVar ?? ''} is not a Heroku add-on: no backup history to report.`}
  try {
    const transfers = await client.list<DataTransfer>(`/client/v11/apps/${encodeURIComponent(owner)}/transfers`, {host: 'data'})
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
    throw new RefreshInputError(`Cannot read the sanitize file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'Pass a readable SQL file: --sanitize path/to/sanitize.sql.')
  }

  const problem = checkSanitizeSql(sql)
  if (problem) throw new RefreshInputError(`The sanitize file ${file} cannot run in one transaction: ${problem}.`, `Edit ${file} and pass it again with --sanitize ${file}.`)
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
  const [staging, ...production] = await loadApps(client, [inputs.staging.app.id, ...inputs.production.map(p => p.app.id)], LOAD)
  const after = runningBackground((staging as AppSnapshot).formation)
  const before = runningBackground(inputs.staging.formation)
  const key = (list: ProcessQuantity[]) => JSON.stringify(list.map(p => [p.type, p.quantity, p.size]))
  return {
    findings: auditStaging(staging as AppSnapshot, production),
    formation: {after, before, same: key(after) === key(before)},
    maintenance: (staging as AppSnapshot).app.maintenance,
  }
}
