/**
 * Platform routes for add-on services, plans, add-ons, attachments and the two resolvers.
 */

import {resolvePlan, SERVICES, serviceByName} from '../../catalog.js'
import type {Core} from '../../core.js'
import {invalidParams, notFound, page, type RequestContext, type Router} from '../../http.js'
import {deprovisionAddon, provisionAddon} from '../../provision.js'
import {addonJson, attachmentJson, drainJson, planJson, serviceJson, shapeOf} from '../../serialize.js'
import type {AddonRec, AppRec, AttachmentRec} from '../../store.js'
import type {Account} from '../../types.js'
import {actor, bodyObject, optionalString, rangeOf, refOf, requiredRef} from '../common.js'

const ADDON_NOT_FOUND = "Couldn't find that add on."
const ATTACHMENT_NOT_FOUND = "Couldn't find that add on attachment."

export function addonRoutes(router: Router, core: Core): void {
  const {store} = core

  const visibleAttachments = (account: Account): AttachmentRec[] =>
    store.state.attachments.filter(att => store.canSee(account, store.appById(att.appId)))
  const visibleAddons = (account: Account): AddonRec[] => store.state.addons.filter(addon => store.canSeeAddon(account, addon))
  /** An app's add-ons: those it owns and those attached to it from other apps. */
  const addonsOfApp = (app: AppRec): AddonRec[] => {
    const ids = new Set(store.attachmentsOfApp(app).map(a => a.addonId))
    return store.state.addons.filter(addon => addon.appId === app.id || ids.has(addon.id))
  }

  const addonOnApp = (ctx: RequestContext, app: AppRec): AddonRec => {
    const key = ctx.params.addon!
    const byAttachment = store.attachmentsOfApp(app).find(a => a.name === key)
    const addon = addonsOfApp(app).find(a => a.id === key || a.name === key) ?? (byAttachment && store.addonById(byAttachment.addonId))
    if (!addon) throw notFound('add_on', ADDON_NOT_FOUND)
    ctx.noted.addon = addon.name
    return addon
  }

  const noteAddon = (ctx: RequestContext, addon: AddonRec): void => {
    ctx.noted.addon = addon.name
    ctx.noted.app ??= store.state.apps.find(a => a.id === addon.appId)?.name
  }

  // ------------------------------------------------------------------ services and plans
  router.add('GET', '/addon-services', ctx => page(SERVICES.map(s => serviceJson(s)), rangeOf(ctx), 'name', ['id', 'name']))
  router.add('GET', '/addon-services/:service', ctx => {
    const service = serviceByName(ctx.params.service!)
    if (!service) throw notFound('add_on_service', "Couldn't find that add on service.")
    return {body: serviceJson(service)}
  })
  router.add('GET', '/addon-services/:service/plans', ctx => {
    const service = serviceByName(ctx.params.service!)
    if (!service) throw notFound('add_on_service', "Couldn't find that add on service.")
    return page(service.plans.map(p => planJson(service, p)), rangeOf(ctx), 'name', ['id', 'name'])
  })
  const onePlan = (ctx: RequestContext) => {
    const service = serviceByName(ctx.params.service!)
    const key = ctx.params.plan!
    const resolved = resolvePlan(key.includes(':') ? key : `${service?.name ?? ''}:${key}`) ?? resolvePlan(key)
    if (!service || !resolved || resolved.service !== service) throw notFound('plan', "Couldn't find that plan.")
    return {body: planJson(resolved.service, resolved.plan)}
  }

  router.add('GET', '/addon-services/:service/plans/:plan', onePlan)
  router.add('GET', '/plans/:plan', ctx => {
    const resolved = resolvePlan(ctx.params.plan!)
    if (!resolved) throw notFound('plan', "Couldn't find that plan.")
    return {body: planJson(resolved.service, resolved.plan)}
  })

  // ------------------------------------------------------------------ add-ons
  router.add('GET', '/addons', ctx => page(visibleAddons(actor(ctx)).map(a => addonJson(store, a, shapeOf(ctx.headers))), rangeOf(ctx), 'id', ['id', 'name']))
  router.add('GET', '/addons/:addon', ctx => {
    const addon = store.addon(actor(ctx), ctx.params.addon!)
    noteAddon(ctx, addon)
    return {body: addonJson(store, addon, shapeOf(ctx.headers))}
  })
  router.add('GET', '/apps/:app/addons', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return page(addonsOfApp(app).map(a => addonJson(store, a, shapeOf(ctx.headers))), rangeOf(ctx), 'id', ['id', 'name'])
  })
  router.add('GET', '/apps/:app/addons/:addon', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return {body: addonJson(store, addonOnApp(ctx, app), shapeOf(ctx.headers))}
  })
  router.add('POST', '/apps/:app/addons', async ctx => {
    const account = actor(ctx)
    const app = store.app(account, ctx.params.app!)
    const body = bodyObject(ctx)
    const plan = requiredRef(body, 'plan')
    const attachment = body.attachment as undefined | {name?: unknown}
    if (attachment !== undefined && (typeof attachment !== 'object' || attachment === null)) throw invalidParams('attachment must be an object.')
    const config = body.config as Record<string, unknown> | undefined
    if (config !== undefined && (typeof config !== 'object' || config === null)) throw invalidParams('config must be an object.')
    const version = config?.version
    if (version !== undefined && typeof version !== 'string' && typeof version !== 'number') throw invalidParams('config.version must be a string.')
    // `-- --follow REF` arrives as config.follow; a bare `--follow` as `true`.
    const follow = config?.follow
    if (follow !== undefined && (typeof follow !== 'string' || follow === '')) throw invalidParams('config.follow must name the database to follow.')
    const fork = config?.fork
    if (fork !== undefined && (typeof fork !== 'string' || fork === '')) throw invalidParams('config.fork must name the database to fork.')
    const level = config?.level
    if (level !== undefined && typeof level !== 'string') throw invalidParams('config.level must be a string.')
    const ha = config?.['high-availability']
    const addon = await provisionAddon(core, account, app, {
      attachmentName: typeof attachment?.name === 'string' ? attachment.name : undefined,
      confirm: optionalString(body, 'confirm'),
      follow,
      fork,
      // the CLI sends a boolean flag as `true`; `-- --high-availability true` arrives as a string
      highAvailability: ha === true || ha === 'true',
      level,
      name: optionalString(body, 'name'),
      plan,
      version: version === undefined ? undefined : String(version),
    })
    ctx.noted.addon = addon.name
    return {body: addonJson(store, addon, shapeOf(ctx.headers)), status: 201}
  })
  router.add('PATCH', '/apps/:app/addons/:addon', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const addon = addonOnApp(ctx, app)
    if (addon.appId !== app.id) throw invalidParams(`${addon.name} is billed to another app; change its plan there.`)
    const plan = refOf(bodyObject(ctx).plan, 'plan')
    if (!plan) throw invalidParams('plan is required.')
    return {body: addonJson(store, store.changePlan(addon, plan), shapeOf(ctx.headers))}
  })
  const destroy = async (ctx: RequestContext, app: AppRec | undefined) => {
    const account = actor(ctx)
    const addon = app ? addonOnApp(ctx, app) : store.addon(account, ctx.params.addon!)
    noteAddon(ctx, addon)
    const owner = store.appById(addon.appId)
    if (app && addon.appId !== app.id) throw invalidParams(`${addon.name} is billed to ${owner.name}, not ${app.name}. Destroy it from ${owner.name}.`)
    if (!store.canSee(account, owner)) throw invalidParams(`You do not have access to ${owner.name}, which owns ${addon.name}.`)
    return {body: addonJson(store, await deprovisionAddon(core, account, addon), shapeOf(ctx.headers))}
  }

  router.add('DELETE', '/apps/:app/addons/:addon', async ctx => destroy(ctx, store.app(actor(ctx), ctx.params.app!)))
  router.add('DELETE', '/addons/:addon', async ctx => destroy(ctx, undefined))
  router.add('GET', '/addons/:addon/log-drains', ctx => {
    const addon = store.addon(actor(ctx), ctx.params.addon!)
    noteAddon(ctx, addon)
    return {body: store.state.drains.filter(d => d.addonId === addon.id).map(d => drainJson(store, d))}
  })
  router.add('GET', '/addons/:addon/config', ctx => {
    const addon = store.addon(actor(ctx), ctx.params.addon!)
    noteAddon(ctx, addon)
    return {body: Object.entries(addon.config).map(([name, value]) => ({name: name.toLowerCase(), value}))}
  })

  /** `addons:attach --credential NAME` checks `config/credential:NAME`: the credential's URL, or `[]` when it does not exist. */
  router.add('GET', '/addons/:addon/config/:namespace', ctx => {
    const addon = store.addon(actor(ctx), ctx.params.addon!)
    noteAddon(ctx, addon)
    const namespace = ctx.params.namespace!
    const credential = namespace.startsWith('credential:') ? addon.credentials?.[namespace.slice('credential:'.length)] : undefined
    if (!credential || !addon.config.URL) return {body: []}
    const url = new URL(addon.config.URL)
    url.username = credential.user
    url.password = credential.password
    return {body: [{name: 'url', value: url.toString()}]}
  })

  // ------------------------------------------------------------------ attachments
  router.add('GET', '/addon-attachments', ctx =>
    page(visibleAttachments(actor(ctx)).map(a => attachmentJson(store, a, shapeOf(ctx.headers))), rangeOf(ctx), 'id', ['id', 'name']))
  router.add('GET', '/addon-attachments/:attachment', ctx => {
    const attachment = store.attachment(ctx.params.attachment!)
    if (!attachment || !store.canSee(actor(ctx), store.appById(attachment.appId))) throw notFound('add_on attachment', ATTACHMENT_NOT_FOUND)
    ctx.noted.app = store.appById(attachment.appId).name
    return {body: attachmentJson(store, attachment, shapeOf(ctx.headers))}
  })
  router.add('GET', '/apps/:app/addon-attachments', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    return page(store.attachmentsOfApp(app).map(a => attachmentJson(store, a, shapeOf(ctx.headers))), rangeOf(ctx), 'id', ['id', 'name'])
  })
  router.add('GET', '/apps/:app/addon-attachments/:attachment', ctx => {
    const app = store.app(actor(ctx), ctx.params.app!)
    const key = ctx.params.attachment!
    const attachment = store.attachmentsOfApp(app).find(a => a.id === key || a.name === key.toUpperCase())
    if (!attachment) throw notFound('add_on attachment', ATTACHMENT_NOT_FOUND)
    return {body: attachmentJson(store, attachment, shapeOf(ctx.headers))}
  })
  router.add('GET', '/addons/:addon/addon-attachments', ctx => {
    const account = actor(ctx)
    const addon = store.addon(account, ctx.params.addon!)
    noteAddon(ctx, addon)
    const attachments = store.attachmentsOfAddon(addon).filter(a => store.canSee(account, store.appById(a.appId)))
    return page(attachments.map(a => attachmentJson(store, a, shapeOf(ctx.headers))), rangeOf(ctx), 'id', ['id', 'name'])
  })
  router.add('POST', '/addon-attachments', ctx => {
    const account = actor(ctx)
    const body = bodyObject(ctx)
    const app = store.app(account, requiredRef(body, 'app'))
    ctx.noted.app = app.name
    const addon = store.addon(account, requiredRef(body, 'addon'))
    ctx.noted.addon = addon.name
    const namespace = body.namespace
    if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') throw invalidParams('namespace must be a string or null.')
    const attachment = store.createAttachment(account, app, addon, {
      confirm: optionalString(body, 'confirm'),
      name: optionalString(body, 'name'),
      namespace: namespace ?? null,
      origin: 'attach',
    })
    return {body: attachmentJson(store, attachment, shapeOf(ctx.headers)), status: 201}
  })
  router.add('DELETE', '/addon-attachments/:attachment', ctx => {
    const account = actor(ctx)
    const attachment = store.attachment(ctx.params.attachment!)
    if (!attachment || !store.canSee(account, store.appById(attachment.appId))) throw notFound('add_on attachment', ATTACHMENT_NOT_FOUND)
    ctx.noted.app = store.appById(attachment.appId).name
    ctx.noted.addon = store.addonById(attachment.addonId)?.name
    const json = attachmentJson(store, attachment, shapeOf(ctx.headers))
    store.deleteAttachment(account, attachment)
    return {body: json}
  })

  // ------------------------------------------------------------------ resolvers
  /** `app::name` in the identifier overrides `app` (the form the CLI sends with `app: null`). */
  const split = (identifier: string, app: string | undefined): {app?: string; id: string} => {
    const match = /^(.+?)::(.+)$/.exec(identifier)
    return match ? {app: match[1], id: match[2]!} : {app, id: identifier}
  }

  const attachmentMatches = (attachment: AttachmentRec, id: string): boolean => {
    const upper = id.toUpperCase()
    if (attachment.id === id || attachment.name === upper) return true
    if (upper.endsWith('_URL') && attachment.name === upper.slice(0, -4)) return true
    return store.attachmentVarNames(attachment).includes(upper)
  }

  router.add('POST', '/actions/addon-attachments/resolve', ctx => {
    const account = actor(ctx)
    const body = bodyObject(ctx)
    const raw = optionalString(body, 'addon_attachment')
    if (!raw) throw invalidParams('addon_attachment is required.')
    const {app: appRef, id} = split(raw, refOf(body.app, 'app'))
    const service = optionalString(body, 'addon_service')
    const app = appRef ? store.app(account, appRef) : undefined
    if (app) ctx.noted.app = app.name
    const candidates = app ? store.attachmentsOfApp(app) : visibleAttachments(account)
    let matches = candidates.filter(a => attachmentMatches(a, id))
    // An add-on's name or id resolves to its attachments on the app.
    if (matches.length === 0) matches = candidates.filter(a => store.addonById(a.addonId)?.name === id || a.addonId === id)
    if (service) matches = matches.filter(a => store.addonById(a.addonId)?.service === service)
    if (matches.length === 0) throw notFound('add_on attachment', ATTACHMENT_NOT_FOUND)
    if (matches.length === 1) ctx.noted.addon = store.addonById(matches[0]!.addonId)?.name
    return {body: matches.map(a => attachmentJson(store, a, shapeOf(ctx.headers)))}
  })

  router.add('POST', '/actions/addons/resolve', ctx => {
    const account = actor(ctx)
    const body = bodyObject(ctx)
    const raw = optionalString(body, 'addon')
    if (!raw) throw invalidParams('addon is required.')
    const {app: appRef, id} = split(raw, refOf(body.app, 'app'))
    const service = optionalString(body, 'addon_service')
    const app = appRef ? store.app(account, appRef) : undefined
    if (app) ctx.noted.app = app.name
    const addons = app ? addonsOfApp(app) : visibleAddons(account)
    const direct = addons.filter(a => a.id === id || a.name === id)
    const attachments = app ? store.attachmentsOfApp(app) : visibleAttachments(account)
    const viaAttachment = attachments.filter(a => attachmentMatches(a, id)).map(a => store.addonById(a.addonId)).filter(a => a !== undefined)
    let matches = [...new Map([...direct, ...viaAttachment].map(a => [a.id, a])).values()]
    if (service) matches = matches.filter(a => a.service === service)
    if (matches.length === 0) throw notFound('add_on', ADDON_NOT_FOUND)
    if (matches.length === 1) noteAddon(ctx, matches[0]!)
    return {body: matches.map(a => addonJson(store, a, shapeOf(ctx.headers)))}
  })
}
