/**
 * What `--fix` plans from: the staging app's snapshot (with its latest release, for the undo
 * commands), the production snapshots, and the audit's findings over those very snapshots, so the
 * report and the plan never disagree. Production is found like the audit finds it.
 */
import {ExitCode} from '../exit-codes.js'
import {AUDIT_LOAD, auditedApp, AuditUsageError, summarize} from '../audit/run.js'
import {auditStaging, compareFindings, protectedStage} from '../audit/rules.js'
import type {AuditResult} from '../audit/types.js'
import {ApiError, type HerokuClient} from '../heroku/client.js'
import {loadApps} from '../snapshot/load.js'
import {findProductionApps, ProductionUnknownError} from '../snapshot/production.js'
import type {AppSnapshot} from '../snapshot/types.js'

export interface FixRequest {
  app: string
  /** production apps named with `--production`; empty: the pipeline's production apps */
  production: readonly string[]
  /** names and ids of apps marked with `heroku staging:protect` */
  protectedApps: readonly string[]
}

export interface FixInputs {
  audit: AuditResult
  /** production snapshots; with `--production` naming the app itself, it is among them (and the plan refuses) */
  production: AppSnapshot[]
  staging: AppSnapshot
}

async function naming<T>(names: readonly string[], load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 404 ? names.find(name => error.path === `/apps/${encodeURIComponent(name)}`) : undefined
    if (missing) throw new AuditUsageError(`Couldn't find app ${missing}, or you have no access to it.`, 'Check the name with heroku apps --all, then pass it with -a APP or --production APP.', ExitCode.Api)
    throw error
  }
}

function uniqueById(snapshots: readonly AppSnapshot[]): AppSnapshot[] {
  return [...new Map(snapshots.map(snapshot => [snapshot.app.id, snapshot])).values()]
}

/** Loads the staging app and its production apps, and audits them. */
export async function loadFixInputs(client: HerokuClient, request: FixRequest): Promise<FixInputs> {
  const options = {...AUDIT_LOAD, release: true}
  let staging: AppSnapshot
  let production: AppSnapshot[]
  if (request.production.length > 0) {
    const loaded = await naming([request.app, ...request.production], async () => loadApps(client, [request.app, ...request.production], options))
    staging = loaded[0] as AppSnapshot
    production = uniqueById(loaded.slice(1))
  } else {
    staging = (await naming([request.app], async () => loadApps(client, [request.app], options)))[0] as AppSnapshot
    let ids: string[]
    try {
      ids = await findProductionApps(client, staging)
    } catch (error) {
      if (error instanceof ProductionUnknownError) {
        const [message, ...fix] = error.message.split('\n')
        throw new AuditUsageError(message ?? error.message, fix.join(' ') || 'Name it with --production PRODUCTION_APP.')
      }

      throw error
    }

    // An app coupled as production is reported by PRODUCTION_STAGE; it is not compared with itself.
    const others = ids.filter(id => id !== staging.app.id)
    production = others.length > 0 ? uniqueById(await loadApps(client, others, AUDIT_LOAD)) : []
  }

  const findings = [...auditStaging(staging, production), ...protectedStage(staging, request.protectedApps)].sort(compareFindings)
  return {
    audit: {
      apps: [auditedApp(staging)],
      findings,
      pipeline: null,
      production: production.map(snapshot => auditedApp(snapshot)),
      summary: summarize(findings),
    },
    production,
    staging,
  }
}
