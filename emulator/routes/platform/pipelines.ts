/**
 * Platform routes for pipelines, pipeline couplings and the app filter the CLI pages pipelines with.
 */

import type {Core} from '../../core.js'
import {invalidParams, notFound, page, type RequestContext, type Router} from '../../http.js'
import {appJson, couplingJson, pipelineJson, promotionJson, promotionTargetsJson, releaseJson} from '../../serialize.js'
import type {CouplingRec, Generation, PromotionRec} from '../../store.js'
import type {Account} from '../../types.js'
import {actor, bodyObject, optionalString, rangeOf, refOf, requiredRef, requiredString} from '../common.js'

export function pipelineRoutes(router: Router, core: Core): void {
  const {store} = core

  const visibleCouplings = (account: Account): CouplingRec[] =>
    store.state.couplings.filter(c => store.canSee(account, store.appById(c.appId)))
  const coupling = (ctx: RequestContext): CouplingRec => {
    const found = visibleCouplings(actor(ctx)).find(c => c.id === ctx.params.coupling)
    if (!found) throw notFound('pipeline_coupling')
    ctx.noted.app = store.appById(found.appId).name
    return found
  }

  router.add('GET', '/pipelines', ctx => {
    const account = actor(ctx)
    const name = ctx.query.get('eq[name]')
    const pipelines = store.state.pipelines.filter(p => store.canSeePipeline(account, p) && (name === null || p.name === name))
    return page(pipelines.map(p => pipelineJson(p)), rangeOf(ctx), 'id', ['id', 'name'])
  })
  router.add('POST', '/pipelines', ctx => {
    const account = actor(ctx)
    const body = bodyObject(ctx)
    const owner = body.owner as undefined | {id?: unknown; type?: unknown}
    const ownerAccount = owner && typeof owner.id === 'string' ? store.accountOrThrow(owner.id) : account
    // the CLI sends `generation: {name}` (pipelines:create); a pipeline's apps share its generation
    const generation = refOf(body.generation, 'generation') ?? 'cedar'
    if (generation !== 'cedar' && generation !== 'fir') throw invalidParams(`Generation must be cedar or fir, not ${generation}.`)
    return {body: pipelineJson(store.createPipeline(ownerAccount, requiredString(body, 'name'), generation as Generation)), status: 201}
  })
  router.add('GET', '/pipelines/:pipeline', ctx => ({body: pipelineJson(store.pipeline(actor(ctx), ctx.params.pipeline!))}))
  router.add('PATCH', '/pipelines/:pipeline', ctx => {
    const pipeline = store.pipeline(actor(ctx), ctx.params.pipeline!)
    const name = optionalString(bodyObject(ctx), 'name')
    if (name !== undefined && name !== pipeline.name) {
      if (store.findPipeline(name)) throw invalidParams('Name is already taken')
      pipeline.name = name
      store.changed()
    }

    return {body: pipelineJson(pipeline)}
  })
  router.add('DELETE', '/pipelines/:pipeline', ctx => ({body: pipelineJson(store.deletePipeline(store.pipeline(actor(ctx), ctx.params.pipeline!)))}))
  router.add('GET', '/pipelines/:pipeline/pipeline-couplings', ctx => {
    const account = actor(ctx)
    const pipeline = store.pipeline(account, ctx.params.pipeline!)
    const couplings = visibleCouplings(account).filter(c => c.pipelineId === pipeline.id)
    return page(couplings.map(c => couplingJson(store, c)), rangeOf(ctx), 'id', ['id'])
  })
  router.add('GET', '/pipelines/:pipeline/latest-releases', ctx => {
    const account = actor(ctx)
    const pipeline = store.pipeline(account, ctx.params.pipeline!)
    const releases = visibleCouplings(account)
      .filter(c => c.pipelineId === pipeline.id)
      .map(c => store.latestRelease(store.appById(c.appId)))
      .filter(r => r !== undefined)
    return {body: releases.map(r => releaseJson(store, r))}
  })

  router.add('GET', '/pipeline-couplings', ctx => page(visibleCouplings(actor(ctx)).map(c => couplingJson(store, c)), rangeOf(ctx), 'id', ['id']))
  router.add('POST', '/pipeline-couplings', ctx => {
    const account = actor(ctx)
    const body = bodyObject(ctx)
    const app = store.app(account, requiredRef(body, 'app'))
    ctx.noted.app = app.name
    const pipeline = store.pipeline(account, requiredRef(body, 'pipeline'))
    return {body: couplingJson(store, store.couple(app, pipeline, requiredString(body, 'stage'))), status: 201}
  })
  router.add('GET', '/pipeline-couplings/:coupling', ctx => ({body: couplingJson(store, coupling(ctx))}))
  router.add('PATCH', '/pipeline-couplings/:coupling', ctx => {
    const found = coupling(ctx)
    return {body: couplingJson(store, store.updateCoupling(found, requiredString(bodyObject(ctx), 'stage')))}
  })
  router.add('DELETE', '/pipeline-couplings/:coupling', ctx => ({body: couplingJson(store, store.uncouple(coupling(ctx)))}))
  router.add('GET', '/apps/:app/pipeline-couplings', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const found = store.state.couplings.find(c => c.appId === app.id)
    if (!found) throw notFound('pipeline_coupling', "Couldn't find that pipeline coupling.")
    return {body: couplingJson(store, found, {pipelineName: true})}
  })

  router.add('POST', '/filters/apps', ctx => {
    const account = actor(ctx)
    const filter = bodyObject(ctx).in as undefined | {id?: unknown}
    const ids = filter?.id
    if (!Array.isArray(ids)) throw invalidParams('in.id must be a list of app ids.')
    const wanted = new Set(ids.map(id => refOf(id, 'id')))
    const apps = store.visibleApps(account).filter(app => wanted.has(app.id) || wanted.has(app.name))
    // As heroku/cli's fixtures of this list: `generation` is the bare string (`fir`), not the app resource's {id, name}.
    return page(apps.map(app => ({...appJson(store, app), generation: app.generation ?? 'cedar'})), rangeOf(ctx), 'id', ['id', 'name'])
  })

  // ------------------------------------------------------------------ promotions
  router.add('POST', '/pipeline-promotions', ctx => {
    const account = actor(ctx)
    const body = bodyObject(ctx)
    const pipeline = store.pipeline(account, requiredRef(body, 'pipeline'))
    const source = body.source as undefined | {app?: unknown; release?: unknown}
    if (!source || typeof source !== 'object') throw invalidParams('source is required.')
    const sourceApp = store.app(account, refOf(source.app, 'source.app') ?? '')
    ctx.noted.app = sourceApp.name
    if (!Array.isArray(body.targets)) throw invalidParams('targets must be an array.')
    const targets = body.targets.map(t => store.app(account, refOf((t as {app?: unknown}).app, 'targets[].app') ?? ''))
    // Since 2025-09-25 a specific unexpired release can be promoted with source.release.id
    const promotion = store.promote(account, pipeline, sourceApp, targets, refOf(source.release, 'source.release'))
    return {body: promotionJson(store, promotion), status: 201}
  })
  const promotionOf = (ctx: RequestContext): PromotionRec => {
    const account = actor(ctx)
    const found = store.state.promotions.find(p => p.id === ctx.params.promotion)
    const source = found && store.state.apps.find(a => a.id === found.sourceAppId)
    if (!found || !source || !store.canSee(account, source)) throw notFound('pipeline_promotion')
    return found
  }

  router.add('GET', '/pipeline-promotions/:promotion', ctx => ({body: promotionJson(store, promotionOf(ctx))}))
  router.add('GET', '/pipeline-promotions/:promotion/promotion-targets', ctx => ({body: promotionTargetsJson(promotionOf(ctx))}))
}
