/**
 * Platform routes for review apps (`review-app`), their pipeline's settings (`review-app-config`) and the
 * config vars a pipeline gives its review apps and Heroku CI runs (`pipeline-config-var`, stages review and test).
 */

import type {Core} from '../../core.js'
import {invalidParams, notFound, type RequestContext, type Router} from '../../http.js'
import {reviewAppConfigJson, reviewAppJson} from '../../serialize.js'
import type {ReviewAppConfigRec, ReviewAppRec} from '../../store.js'
import {actor, bodyObject, optionalString, requiredString} from '../common.js'

function optionalBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw invalidParams(`${key} must be true or false.`)
  return value
}

function optionalInteger(body: Record<string, unknown>, key: string): null | number | undefined {
  const value = body[key]
  if (value === undefined) return undefined
  if (value === null) return null
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidParams(`${key} must be a whole number.`)
  return value
}

/** The settings a POST or PATCH of `review-app-config` may carry (unknown keys, like the CLI's `pipeline`, are ignored). */
function reviewAppSettings(body: Record<string, unknown>): Partial<Omit<ReviewAppConfigRec, 'repoId'>> {
  const target = body.deploy_target as undefined | {id?: unknown; type?: unknown}
  let deployTarget: ReviewAppConfigRec['deployTarget'] | undefined
  if (target === null) deployTarget = null
  else if (target !== undefined) {
    if (typeof target.id !== 'string' || (target.type !== 'region' && target.type !== 'space')) throw invalidParams('deploy_target needs an id and a type of region or space.')
    deployTarget = {id: target.id, type: target.type}
  }

  const settings: Partial<Omit<ReviewAppConfigRec, 'repoId'>> = {
    automaticReviewApps: optionalBoolean(body, 'automatic_review_apps'),
    baseName: body.base_name === null ? null : optionalString(body, 'base_name'),
    deployTarget,
    destroyStaleApps: optionalBoolean(body, 'destroy_stale_apps'),
    repo: optionalString(body, 'repo'),
    staleDays: optionalInteger(body, 'stale_days') ?? undefined,
    waitForCi: optionalBoolean(body, 'wait_for_ci'),
  }
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined))
}

export function reviewAppRoutes(router: Router, core: Core): void {
  const {store} = core
  const pipelineOf = (ctx: RequestContext) => store.pipeline(actor(ctx), ctx.params.pipeline!)
  const noting = (ctx: RequestContext, review: ReviewAppRec): ReviewAppRec => {
    const app = review.appId ? store.state.apps.find(a => a.id === review.appId) : undefined
    if (app) ctx.noted.app = app.name
    return review
  }

  // ------------------------------------------------------------------ pipeline config vars
  router.add('GET', '/pipelines/:pipeline/stage/:stage/config-vars', ctx => ({body: store.stageConfigOf(pipelineOf(ctx), ctx.params.stage!)}))
  router.add('PATCH', '/pipelines/:pipeline/stage/:stage/config-vars', ctx => ({body: store.patchStageConfig(pipelineOf(ctx), ctx.params.stage!, bodyObject(ctx))}))

  // ------------------------------------------------------------------ review-app-config
  router.add('GET', '/pipelines/:pipeline/review-app-config', ctx => {
    const pipeline = pipelineOf(ctx)
    if (!pipeline.reviewAppConfig) throw notFound('review_app_config', 'Review apps are not enabled for this pipeline.')
    return {body: reviewAppConfigJson(pipeline, pipeline.reviewAppConfig)}
  })
  router.add('POST', '/pipelines/:pipeline/review-app-config', ctx => {
    const pipeline = pipelineOf(ctx)
    const body = bodyObject(ctx)
    requiredString(body, 'repo')
    return {body: reviewAppConfigJson(pipeline, store.setReviewAppConfig(pipeline, reviewAppSettings(body), 'enable')), status: 201}
  })
  router.add('PATCH', '/pipelines/:pipeline/review-app-config', ctx => {
    const pipeline = pipelineOf(ctx)
    return {body: reviewAppConfigJson(pipeline, store.setReviewAppConfig(pipeline, reviewAppSettings(bodyObject(ctx)), 'update'))}
  })
  router.add('DELETE', '/pipelines/:pipeline/review-app-config', ctx => {
    const pipeline = pipelineOf(ctx)
    return {body: reviewAppConfigJson(pipeline, store.disableReviewApps(pipeline))}
  })

  // ------------------------------------------------------------------ review apps
  router.add('GET', '/pipelines/:pipeline/review-apps', ctx => ({body: store.reviewAppsOf(pipelineOf(ctx)).map(r => reviewAppJson(r))}))
  router.add('POST', '/review-apps', ctx => {
    const account = actor(ctx)
    const body = bodyObject(ctx)
    const pipeline = store.pipeline(account, requiredString(body, 'pipeline'))
    const blob = body.source_blob as undefined | {url?: unknown; version?: unknown}
    if (!blob || typeof blob !== 'object' || typeof blob.url !== 'string') throw invalidParams('source_blob.url is required.')
    const environment = body.environment
    if (environment !== undefined && environment !== null && (typeof environment !== 'object' || Array.isArray(environment))) throw invalidParams('environment must be an object.')
    const review = store.createReviewApp(account, pipeline, {
      branch: requiredString(body, 'branch'),
      environment: (environment ?? undefined) as Record<string, unknown> | undefined,
      forkRepoId: optionalInteger(body, 'fork_repo_id'),
      prNumber: optionalInteger(body, 'pr_number'),
      sourceBlob: {url: blob.url, version: typeof blob.version === 'string' ? blob.version : null},
    })
    return {body: reviewAppJson(noting(ctx, review)), status: 201}
  })
  router.add('GET', '/review-apps/:review', ctx => ({body: reviewAppJson(noting(ctx, store.reviewApp(actor(ctx), ctx.params.review!)))}))
  router.add('DELETE', '/review-apps/:review', ctx => {
    const account = actor(ctx)
    const review = noting(ctx, store.reviewApp(account, ctx.params.review!))
    return {body: reviewAppJson(store.deleteReviewApp(account, review))}
  })
  router.add('GET', '/apps/:app/review-app', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const review = store.reviewAppOfApp(app)
    if (!review) throw notFound('review_app', `${app.name} is not a review app.`)
    return {body: reviewAppJson(review)}
  })
}
