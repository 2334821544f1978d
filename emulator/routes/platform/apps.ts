/**
 * Platform routes about an app itself: account, apps, config vars, releases, slugs, formation,
 * buildpacks, features, log drains and collaborators.
 */

import type {Core} from '../../core.js'
import {forbidden, invalidParams, notFound, page, type Router} from '../../http.js'
import {deleteApp} from '../../provision.js'
import {
  accountJson,
  appJson,
  buildpackJson,
  collaboratorJson,
  drainJson,
  featureJson,
  formationJson,
  ociImageJson,
  regionJson,
  releaseJson,
  slugJson,
  spaceJson,
} from '../../serialize.js'
import {KNOWN_FEATURES} from '../../store.js'
import {actor, bodyObject, optionalString, rangeOf, refOf, requiredString} from '../common.js'

export function appRoutes(router: Router, core: Core): void {
  const {store} = core

  router.add('GET', '/account', ctx => ({body: accountJson(actor(ctx))}))
  router.add('GET', '/users/~', ctx => ({body: accountJson(actor(ctx))}))
  router.add('GET', '/account/features', ctx => {
    actor(ctx)
    return {body: []}
  })
  router.add('GET', '/regions', () => ({body: ['eu', 'us'].map(name => regionJson(name))}))
  router.add('GET', '/regions/:region', ctx => {
    if (!['eu', 'us'].includes(ctx.params.region!)) throw notFound('region')
    return {body: regionJson(ctx.params.region!)}
  })
  router.add('GET', '/stacks', () => ({body: ['heroku-22', 'heroku-24', 'container'].map(name => ({
    created_at: '2022-01-01T00:00:00Z', default: name === 'heroku-24', id: name, name, state: 'public', updated_at: '2024-01-01T00:00:00Z',
  }))}))

  // ------------------------------------------------------------------ apps
  router.add('GET', '/apps', ctx => page(store.visibleApps(actor(ctx)).map(app => appJson(store, app)), rangeOf(ctx), 'id', ['id', 'name', 'updated_at']))
  router.add('GET', '/users/~/apps', ctx => page(store.visibleApps(actor(ctx)).map(app => appJson(store, app)), rangeOf(ctx), 'id', ['id', 'name', 'updated_at']))

  const create = (team: boolean) => (ctx: Parameters<Parameters<Router['add']>[2]>[0]) => {
    const body = bodyObject(ctx)
    const app = store.createApp(actor(ctx), {
      name: optionalString(body, 'name'),
      region: refOf(body.region, 'region'),
      // `apps:create --space X` posts to /teams/apps with `space`: the app takes the space's generation
      space: team ? refOf(body.space, 'space') : undefined,
      stack: refOf(body.stack, 'stack'),
      team: team ? refOf(body.team, 'team') ?? refOf(body.organization, 'organization') ?? null : null,
    })
    ctx.noted.app = app.name
    return {body: appJson(store, app), status: 201}
  }

  router.add('POST', '/apps', create(false))
  router.add('POST', '/teams/apps', create(true))
  router.add('POST', '/organizations/apps', create(true))
  router.add('GET', '/apps/:app', ctx => ({body: appJson(store, store.app(actor(ctx), ctx.params.app!))}))
  router.add('PATCH', '/apps/:app', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const body = bodyObject(ctx)
    if (body.maintenance !== undefined && typeof body.maintenance !== 'boolean') throw invalidParams('maintenance must be a boolean.')
    store.updateApp(app, {
      buildStack: refOf(body.build_stack, 'build_stack'),
      maintenance: body.maintenance as boolean | undefined,
      name: optionalString(body, 'name'),
    })
    return {body: appJson(store, app)}
  })
  router.add('DELETE', '/apps/:app', async ctx => {
    const account = actor(ctx)
    const app = store.app(account, ctx.params.app!)
    if (app.ownerId !== account.id) throw forbidden(`Only the owner of ${app.name} can delete it.`)
    const json = appJson(store, app)
    await deleteApp(core, account, app)
    return {body: json}
  })
  router.add('GET', '/apps/:app/dynos', ctx => {
    store.app(actor(ctx), ctx.params.app!)
    return {body: []}
  })
  router.add('GET', '/apps/:app/domains', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return {body: [{acm_status: null, app: {id: app.id, name: app.name}, cname: null, created_at: app.createdAt, hostname: `${app.name}.herokuapp.com`,
      id: app.id, kind: 'heroku', status: 'none', updated_at: app.updatedAt}]}
  })

  // ------------------------------------------------------------------ collaborators
  router.add('GET', '/apps/:app/collaborators', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const members = [app.ownerId, ...app.collaborators].map(id => store.account(id)).filter(a => a !== undefined)
    return page(members.map(a => collaboratorJson(app, a)), rangeOf(ctx), 'id', ['id', 'email'])
  })
  router.add('POST', '/apps/:app/collaborators', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const user = store.accountOrThrow(refOf(bodyObject(ctx).user, 'user') ?? '')
    store.addCollaborator(app, user)
    return {body: collaboratorJson(app, user), status: 201}
  })

  // ------------------------------------------------------------------ config vars
  router.add('GET', '/apps/:app/config-vars', ctx => ({body: store.configOf(store.app(actor(ctx), ctx.params.app!))}))
  router.add('PATCH', '/apps/:app/config-vars', ctx => {
    const account = actor(ctx)
    const app = store.app(account, ctx.params.app!)
    return {body: store.patchConfig(account, app, bodyObject(ctx))}
  })

  // ------------------------------------------------------------------ releases and slugs
  router.add('GET', '/apps/:app/releases', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return page(store.releasesOf(app).map(r => releaseJson(store, r)), rangeOf(ctx), 'version', ['id', 'version'])
  })
  router.add('GET', '/apps/:app/releases/:release', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return {body: releaseJson(store, store.release(app, ctx.params.release!))}
  })
  router.add('GET', '/apps/:app/releases/:release/config-vars', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return {body: store.release(app, ctx.params.release!).config ?? {}}
  })
  router.add('POST', '/apps/:app/releases', ctx => {
    const account = actor(ctx)
    const app = store.app(account, ctx.params.app!)
    const body = bodyObject(ctx)
    const description = optionalString(body, 'description')
    const slug = refOf(body.slug, 'slug')
    const ociImage = refOf(body.oci_image, 'oci_image')
    const rollback = refOf(body.release, 'release')
    if (slug && ociImage) throw invalidParams('A release takes a slug or an oci_image, not both.')
    if (slug) return {body: releaseJson(store, store.releaseSlug(account, app, slug, description)), status: 201}
    if (ociImage) return {body: releaseJson(store, store.releaseOciImage(account, app, ociImage, description)), status: 201}
    if (rollback) return {body: releaseJson(store, store.rollback(account, app, rollback)), status: 201}
    throw invalidParams('A release needs a slug (or a release to roll back to).')
  })
  router.add('GET', '/apps/:app/slugs/:slug', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const slug = store.slugOnApp(app, ctx.params.slug!)
    if (!slug) throw notFound('slug')
    return {body: slugJson(slug)}
  })
  // "Info for the OCI images of an app, filtered by identifier": an array, as the CLI reads it (`ociImages[0]`)
  router.add('GET', '/apps/:app/oci-images/:image', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return {body: store.ociImagesOf(app, ctx.params.image!).map(i => ociImageJson(i))}
  })
  router.add('POST', '/apps/:app/oci-images', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const body = bodyObject(ctx)
    const processTypes = body.process_types
    if (processTypes !== undefined && (typeof processTypes !== 'object' || processTypes === null)) throw invalidParams('process_types must be an object.')
    const image = store.createOciImage(app, {
      commit: optionalString(body, 'commit') ?? null,
      commitDescription: optionalString(body, 'commit_description') ?? null,
      digest: optionalString(body, 'digest'),
      processTypes: processTypes === undefined ? undefined : Object.fromEntries(Object.entries(processTypes).map(([name, value]) => [
        name, typeof value === 'string' ? value : String((value as {command?: unknown}).command ?? ''),
      ])),
    })
    return {body: ociImageJson(image), status: 201}
  })

  // ------------------------------------------------------------------ spaces
  router.add('GET', '/spaces', ctx => {
    const account = actor(ctx)
    const spaces = store.state.spaces.filter(s => {
      try {
        return Boolean(store.space(account, s.id))
      } catch {
        return false
      }
    })
    return page(spaces.map(s => spaceJson(s)), rangeOf(ctx), 'id', ['id', 'name'])
  })
  router.add('GET', '/spaces/:space', ctx => ({body: spaceJson(store.space(actor(ctx), ctx.params.space!))}))
  router.add('POST', '/spaces', ctx => {
    const body = bodyObject(ctx)
    const generation = refOf(body.generation, 'generation')
    if (body.shield !== undefined && typeof body.shield !== 'boolean') throw invalidParams('shield must be a boolean.')
    const space = store.createSpace(actor(ctx), {
      generation,
      name: requiredString(body, 'name'),
      region: refOf(body.region, 'region'),
      shield: body.shield as boolean | undefined,
      team: refOf(body.team, 'team') ?? null,
    })
    return {body: spaceJson(space), status: 201}
  })
  router.add('POST', '/apps/:app/slugs', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const body = bodyObject(ctx)
    const processTypes = body.process_types
    if (!processTypes || typeof processTypes !== 'object') throw invalidParams('process_types is required.')
    const slug = store.createSlug(app, {
      checksum: optionalString(body, 'checksum'),
      commit: optionalString(body, 'commit') ?? null,
      commitDescription: optionalString(body, 'commit_description') ?? null,
      processTypes: processTypes as Record<string, string>,
      stack: refOf(body.stack, 'stack'),
    })
    return {body: slugJson(slug), status: 201}
  })

  // ------------------------------------------------------------------ formation
  router.add('GET', '/apps/:app/formation', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return page(store.formationOf(app).map(f => formationJson(store, f)), rangeOf(ctx), 'type', ['id', 'type'])
  })
  router.add('GET', '/apps/:app/formation/:type', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const formation = store.formationOf(app).find(f => f.type === ctx.params.type || f.id === ctx.params.type)
    if (!formation) throw notFound('formation')
    return {body: formationJson(store, formation)}
  })
  router.add('PATCH', '/apps/:app/formation', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const {updates} = bodyObject(ctx)
    if (!Array.isArray(updates)) throw invalidParams('updates is required.')
    return {body: store.scale(app, updates as Array<Record<string, unknown>>).map(f => formationJson(store, f))}
  })
  router.add('PATCH', '/apps/:app/formation/:type', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const body = bodyObject(ctx)
    const [formation] = store.scale(app, [{quantity: body.quantity, size: body.size ?? body.dyno_size, type: ctx.params.type}])
    return {body: formationJson(store, formation!)}
  })

  // ------------------------------------------------------------------ buildpacks
  router.add('GET', '/apps/:app/buildpack-installations', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return {body: app.buildpacks.map((url, index) => buildpackJson(url, index + 1))}
  })
  router.add('PUT', '/apps/:app/buildpack-installations', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const {updates} = bodyObject(ctx)
    if (!Array.isArray(updates)) throw invalidParams('updates is required.')
    const urls = updates.map((u: unknown) => {
      const buildpack = (u as {buildpack?: unknown})?.buildpack
      if (typeof buildpack !== 'string' || !buildpack) throw invalidParams('Each update needs a buildpack.')
      // `urn:buildpack:heroku/ruby` (what GET answers) and `heroku/ruby` name one buildpack.
      return buildpack.replace(/^urn:buildpack:/, '')
    })
    store.setBuildpacks(app, urls)
    return {body: app.buildpacks.map((url, index) => buildpackJson(url, index + 1))}
  })

  // ------------------------------------------------------------------ features
  router.add('GET', '/apps/:app/features', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return {body: KNOWN_FEATURES.map(f => featureJson(app, f))}
  })
  router.add('GET', '/apps/:app/features/:feature', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const feature = KNOWN_FEATURES.find(f => f.name === ctx.params.feature)
    if (!feature) throw notFound('feature')
    return {body: featureJson(app, feature)}
  })
  router.add('PATCH', '/apps/:app/features/:feature', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const {enabled} = bodyObject(ctx)
    if (typeof enabled !== 'boolean') throw invalidParams('enabled is required.')
    store.setFeature(app, ctx.params.feature!, enabled)
    return {body: featureJson(app, KNOWN_FEATURES.find(f => f.name === ctx.params.feature)!)}
  })

  // ------------------------------------------------------------------ log drains
  const findDrain = (appId: string, key: string) => store.state.drains.find(d => d.appId === appId && (d.id === key || d.url === key || d.token === key))
  router.add('GET', '/apps/:app/log-drains', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return {body: store.state.drains.filter(d => d.appId === app.id).map(d => drainJson(store, d))}
  })
  router.add('POST', '/apps/:app/log-drains', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return {body: drainJson(store, store.addDrain(app, requiredString(bodyObject(ctx), 'url'))), status: 201}
  })
  router.add('GET', '/apps/:app/log-drains/:drain', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const drain = findDrain(app.id, ctx.params.drain!)
    if (!drain) throw notFound('log_drain')
    return {body: drainJson(store, drain)}
  })
  router.add('DELETE', '/apps/:app/log-drains/:drain', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const drain = findDrain(app.id, ctx.params.drain!)
    if (!drain) throw notFound('log_drain')
    return {body: drainJson(store, store.removeDrain(drain))}
  })
}
