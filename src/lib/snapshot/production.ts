import {ExitCode} from '../exit-codes.js'
import type {HerokuClient} from '../heroku/client.js'
import {loadPipelineCouplings} from './load.js'
import type {AppSnapshot} from './types.js'

/** Thrown when no production app can be found; the message names the flag that fixes it. */
export class ProductionUnknownError extends Error {
  readonly exit = ExitCode.Usage
  constructor(app: string) {
    super(`Cannot tell which app is production for ${app}: it is in no pipeline with a production stage.\nName it with --production PRODUCTION_APP (repeatable).`)
  }
}

/**
 * Which apps are production for `app`, by precedence: the names given (`--production`/`--from`),
 * else the apps coupled at stage `production` in the app's pipeline. Returns app ids or names.
 */
export async function findProductionApps(client: HerokuClient, app: AppSnapshot, given: readonly string[] = []): Promise<string[]> {
  if (given.length > 0) return [...given]
  if (!app.pipeline) throw new ProductionUnknownError(app.app.name)
  const {apps} = await loadPipelineCouplings(client, app.pipeline.id)
  const production = apps.filter(coupled => coupled.stage === 'production').map(coupled => coupled.id)
  if (production.length === 0) throw new ProductionUnknownError(app.app.name)
  return production
}
