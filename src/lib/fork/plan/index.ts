import {isShieldPlan} from '../../heroku/postgres-plans.js'
import type {AppSnapshot} from '../../snapshot/types.js'
import {FORK_STAGE, type ForkOptions, type ForkPlan, type PlanCatalogue, type PlanProblem} from '../types.js'
import {planAddons} from './addons.js'
import {planConfig} from './config.js'
import {planFormation} from './formation.js'
import {APP_NAME} from './target.js'

/**
 * The fork's decisions, as pure functions of snapshots: which app it targets, what happens to
 * every add-on, which config vars are copied, excluded or overridden (and why), the formation,
 * the release and the pipeline coupling. No I/O here; the executor acts on the plan.
 *
 * One file per family (target, database, add-ons, config, formation); `planFork` is the entry point.
 */

export {configDecision, desiredConfig} from './config.js'
export {chooseDatabasePlan, chooseDataMethod, type DataMethodChoice, databaseTier, smallestPlanHolding} from './database.js'
export {APP_NAME, checkTarget, type ExistingTarget, type TargetContext, type TargetVerdict} from './target.js'

export interface PlanContext {
  /** every production app of the account (the production registry's): the config filter excludes values reaching any */
  production?: readonly AppSnapshot[]
  /** the existing `--to` app on a resumed run */
  target?: AppSnapshot
}
/** The whole fork, decided from production's snapshot, the options and the plan catalogue. */
export function planFork(production: AppSnapshot, options: ForkOptions, catalogue: PlanCatalogue, context: PlanContext = {}): ForkPlan {
  const warnings: string[] = []
  const problems: PlanProblem[] = []
  if (!APP_NAME.test(options.to)) {
    problems.push({
      fix: 'Name the fork with --to NAME (lowercase letters, digits and dashes, 3 to 30 characters, starting with a letter).',
      message: `${options.to} is not a valid Heroku app name.`,
    })
  }

  if (options.to === production.app.name) {
    problems.push({fix: 'Name the fork with --to NAME.', message: `--to ${options.to} is the production app itself.`})
  }

  const region = options.region ?? production.app.region
  if (options.region && production.app.region && options.region !== production.app.region) {
    warnings.push(`--region ${options.region}: production runs in ${production.app.region}; the data copy crosses regions.`)
  }

  const addons = planAddons(production, options, catalogue, warnings, problems)
  const config = planConfig(production, options, addons, context.target, context.production ?? [], warnings, problems)
  const identicalSecrets = config.filter(d => d.action === 'copy' && d.kind !== undefined).map(d => d.key)
  if (identicalSecrets.length > 0) {
    warnings.push(`Copied on purpose and identical to production (--copy-config): ${identicalSecrets.join(', ')}. Staging then holds production's secret${identicalSecrets.length > 1 ? 's' : ''}.`)
  }

  const formation = planFormation(production, options, problems)
  const fir = production.app.generation === 'fir'
  const current = production.release
  const code = current?.ociImageId ? {ociImageId: current.ociImageId} : current?.slugId ? {slugId: current.slugId} : undefined
  const release = code && current ? {description: `Forked from ${production.app.name} v${current.version}`, ...code, version: current.version} : undefined
  if (current?.status === 'expired') {
    // Heroku expires artifacts older than 30 days and 20 releases: such a release can never be released again.
    problems.push({
      fix: `Deploy a fresh release to ${production.app.name} (git push, or promote it through its pipeline), then run heroku staging:fork --from ${production.app.name} again.`,
      message: `${production.app.name}'s current release v${current.version} has expired: Heroku no longer keeps its ${fir ? 'OCI image' : 'slug'}, so the fork cannot release the same code.`,
    })
  } else if (!release) {
    warnings.push(`${production.app.name} has no release with ${fir ? 'an OCI image' : 'a slug'}: the fork gets no release and no formation.`)
  }

  const space = fir ? options.space ?? production.app.space : options.space
  if (fir && !space) problems.push({fix: 'Name the space with --space SPACE (heroku spaces lists them).', message: `${production.app.name} is a Fir app in no known space, and a Fir app must be created in one.`})
  // A Shield database lives only on an app in a Shield space; a Cedar fork is made in none unless asked,
  // since sharing production's space would share its network.
  const shield = addons.find(item => item.action === 'provision' && isShieldPlan(item.plan ?? ''))
  if (shield && !space) {
    problems.push({
      fix: `Name a Shield space with --space SPACE (a staging one, or production's${production.app.space ? `: ${production.app.space}` : ''}), or start with an empty Common Runtime database: --data none --plan heroku-postgresql=standard-0.`,
      message: `${shield.source.name} is on ${shield.source.plan}: a Shield database can only be made on an app in a Shield space, and the fork would be in none.`,
    })
  }

  for (const item of addons) if (item.manualReview) warnings.push(item.manualReview)
  const monthlyCents = addons.reduce((sum, item) => sum + (item.action === 'provision' ? item.priceCents ?? 0 : 0), 0)
  return {
    addons,
    // Fir apps build with Cloud Native Buildpacks from project.toml: buildpacks and stack cannot be set.
    buildpacks: fir ? [] : [...production.app.buildpacks],
    config,
    formation,
    identicalSecrets,
    monthlyCents,
    pipeline: production.pipeline ? {id: production.pipeline.id, name: production.pipeline.name, stage: FORK_STAGE} : undefined,
    problems,
    release,
    resume: context.target !== undefined,
    source: {id: production.app.id, name: production.app.name, region: production.app.region, stack: production.app.stack, team: production.app.team},
    target: {
      ...(production.app.generation ? {generation: production.app.generation} : {}),
      name: options.to,
      region: space ? undefined : region,
      ...(space ? {space} : {}),
      stack: fir ? undefined : production.app.stack,
      team: options.team ?? production.app.team,
    },
    warnings,
  }
}
