import {type AppSnapshot} from '../../snapshot/types.js'
import {remedyCommand} from '../remedy.js'
import {type AuditFinding, type FindingAction} from '../types.js'
import {auditContext, compareFindings, finding, type Rule} from './context.js'
import {identityUnknown, sharedDatabase, sharedService} from './endpoints.js'
import {sharedSecret} from './secrets.js'

/**
 * The stage rules: the audited app is itself production (PRODUCTION_STAGE, by pipeline or by
 * staging:protect), is in no pipeline (NO_PIPELINE), and a pipeline stage's own config vars (STAGE_CONFIG_VAR).
 */

/**
 * PRODUCTION_STAGE: the audited app is itself production (coupled at stage production, or among
 * the production apps given). Uses the full production list, before the app is removed from it.
 */
export function productionStage(staging: AppSnapshot, production: readonly AppSnapshot[]): Rule {
  return context => {
    const app = staging.app.name
    const coupled = staging.pipeline?.stage === 'production'
    const named = production.some(p => p.app.id === staging.app.id)
    if (!coupled && !named) return []
    const reason = coupled
      ? `${app} is coupled at stage production in pipeline ${staging.pipeline?.name ?? ''}`
      : `${app} is one of the production apps it is audited against`
    return [finding(context, 'PRODUCTION_STAGE', {
      message: `${reason}: it is not a staging app`,
      production: [app],
      subject: {
        action: coupled ? {app, kind: 'set-stage', stage: 'staging'} : {app, kind: 'rerun-audit'},
        stage: {pipeline: staging.pipeline?.name ?? null, stage: staging.pipeline?.stage ?? null},
      },
    })]
  }
}

/**
 * PRODUCTION_STAGE for an app marked production with `heroku staging:protect` (`protectedKeys`
 * holds protected app names and ids). Silent when the pipeline stage already reports it.
 */
export function protectedStage(staging: AppSnapshot, protectedKeys: readonly string[]): AuditFinding[] {
  const app = staging.app.name
  if (staging.pipeline?.stage === 'production') return []
  if (!protectedKeys.includes(app) && !protectedKeys.includes(staging.app.id)) return []
  const context = auditContext(staging, [])
  return [finding(context, 'PRODUCTION_STAGE', {
    message: `${app} is marked production with heroku staging:protect: it is not a staging app`,
    production: [app],
    subject: {
      action: {app, kind: 'unprotect'},
      stage: {pipeline: staging.pipeline?.name ?? null, protected: true, stage: staging.pipeline?.stage ?? null},
    },
  })]
}

/** NO_PIPELINE: the audited app is in no pipeline. */
export const noPipeline: Rule = context => {
  if (context.staging.pipeline) return []
  const app = context.staging.app.name
  const pipeline = context.related.find(p => p.pipeline)?.pipeline?.name ?? 'PIPELINE'
  return [finding(context, 'NO_PIPELINE', {
    message: `${app} is in no pipeline: nothing records that it is a staging app`,
    subject: {action: {app, kind: 'pipeline-add', pipeline}, stage: {pipeline: null, stage: null}},
  })]
}

/** The rules a pipeline stage's config vars are read with: what reaches production or holds its secrets. */
const STAGE_RULES: readonly Rule[] = [sharedDatabase, sharedService, sharedSecret, identityUnknown]

/**
 * STAGE_CONFIG_VAR: the config vars a pipeline gives every review app (`review`) or every Heroku CI run
 * (`test`), read with the endpoint and secret rules. `stage` is the stage's snapshot (its vars, with
 * `pipeline.stage` set), `apps` the apps of that stage now: those holding the same value are named.
 * Pure, like `auditStaging`.
 */
export function auditStageConfig(stage: AppSnapshot, production: readonly AppSnapshot[], apps: readonly AppSnapshot[]): AuditFinding[] {
  const {pipeline} = stage
  if (!pipeline) return []
  const context = auditContext(stage, production)
  const who = pipeline.stage === 'test' ? 'every Heroku CI run' : 'every new review app'
  return STAGE_RULES.flatMap(rule => rule(context)).map(found => {
    const configVar = found.subject.configVar ?? found.configVars[0] ?? ''
    const vars = found.configVars.filter(name => name in stage.configVars)
    const having = apps
      .filter(app => app.pipeline?.id === pipeline.id && app.pipeline.stage === pipeline.stage)
      .filter(app => vars.length > 0 && vars.every(name => app.configVars[name] === stage.configVars[name]))
      .map(app => app.app.name)
      .sort()
    const action: FindingAction = {app: stage.app.name, configVar, kind: 'stage-config', pipeline: pipeline.name, stage: pipeline.stage}
    const now = having.length > 0 ? `; ${having.length === 1 ? 'it is' : 'they are'} already on ${having.join(', ')}` : ''
    return {
      ...found,
      code: 'STAGE_CONFIG_VAR' as const,
      message: `${pipeline.name}'s ${pipeline.stage} stage config var ${found.message}: ${who} of ${pipeline.name} starts with it${now}`,
      remedy: remedyCommand(action),
      subject: {...found.subject, action, apps: having, rule: found.code, stage: {pipeline: pipeline.name, stage: pipeline.stage}},
    }
  }).sort(compareFindings)
}
