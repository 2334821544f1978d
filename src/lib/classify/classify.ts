/**
 * The classification every guard asks (`classifyTarget`): may a database be overwritten? It explains
 * every reason it may not.
 *
 * Pure: it looks at plain data built from snapshots and sends no request. `staging:refresh` calls
 * it before any mutating request, and the prerun hook calls it before stock `heroku pg:copy`,
 * `pg:reset`, `pg:backups:restore`, `pg:push` and `addons:destroy` run.
 */
import {type ProductionVia, viaText} from '../production/registry.js'
import {credentialsIn, credentialsOf, credentialsUnknown, endpointOf, type HostTable, hostTableOf, sameEndpoint} from '../snapshot/identity.js'
import {postgresConnection} from '../snapshot/credentials.js'
import {maskUrl} from '../secrets/index.js'
import {type AppSnapshot, type AttachmentRef, POSTGRES_SERVICE} from '../snapshot/types.js'

/** The database a command would write. Every field is optional: fill in what is known. */
export interface ClassifyTarget {
  /** the add-on, when the target is (or resolves to) an add-on */
  addon?: {
    id: string
    name: string
    /** the owning (billing) app */
    owner: {id?: string; name: string}
    /** full plan name, e.g. `heroku-postgresql:essential-0` */
    plan?: string
    /** `heroku-postgresql`, `heroku-redis`, … */
    service: string
  }
  /** the app the target is named through (the app being written) */
  app?: {id?: string; name: string}
  /** the attachment name on `app`, e.g. `DATABASE` or `HEROKU_POSTGRESQL_ROSE` */
  attachment?: string
  /** the config var on `app` that holds the URL, e.g. `DATABASE_URL` */
  configVar?: string
  /** the leader's add-on name when the target is a follower */
  following?: null | string
  /** the connection URL; used for physical identity and only ever shown masked */
  url?: string
}

/** An app that counts as production, with what `classifyTarget` compares a target against. */
export interface ProductionApp {
  /** add-ons attached to the app, whoever owns them */
  addons: Array<{attachment: string; id: string; name: string}>
  /** the app's Postgres credentials: config var names and their URLs */
  credentials: Array<{configVar: string; url: string}>
  id?: string
  name: string
  /** the app's pipeline stage, when known */
  stage?: string
  /** why it is production, when the production registry says (else worked out from stage and lists) */
  via?: ProductionVia[]
}

/** The database a refresh or copy reads from. */
export interface ClassifySource {
  addon?: {id: string; name: string}
  app?: string
  attachment?: string
  configVar?: string
  url?: string
}

export interface ClassifyContext {
  /** the app named with `--from`, if any (name or id) */
  from?: string
  /** host → addresses from the load step; undefined: names decide */
  hosts?: HostTable
  /** production apps: the production registry's (`registryContext`), or built from snapshots (`buildClassifyContext`) */
  production: ProductionApp[]
  /** apps marked with `heroku staging:protect` (names or ids) */
  protectedApps: readonly string[]
  /** the database the data comes from, when there is one */
  source?: ClassifySource
}

export const RefusalCode = {
  /** the target's add-on is owned by a production app */
  OwnedByProduction: 'TARGET_OWNED_BY_PRODUCTION',
  /** the target is attached to, or named through, a production app */
  AttachedToProduction: 'TARGET_ATTACHED_TO_PRODUCTION',
  /** the target reaches the same physical database as a production credential */
  SameDatabaseAsProduction: 'TARGET_SAME_DATABASE_AS_PRODUCTION',
  /** the target is the source add-on */
  SameAddonAsSource: 'TARGET_SAME_ADDON_AS_SOURCE',
  /** the target reaches the same physical database as the source */
  SameDatabaseAsSource: 'TARGET_SAME_DATABASE_AS_SOURCE',
  /** the target is a read-only follower */
  Follower: 'TARGET_IS_FOLLOWER',
  /** the target is not a heroku-postgresql add-on */
  NotHerokuPostgres: 'TARGET_NOT_HEROKU_POSTGRES',
  /** no connection URL is known for the target, so its physical identity cannot be checked */
  Unverifiable: 'TARGET_UNVERIFIABLE',
} as const

export type RefusalCodeValue = (typeof RefusalCode)[keyof typeof RefusalCode]

/** Codes that mean the target is, or may be, production data. The prerun hook refuses on these. */
export const PRODUCTION_CODES: ReadonlySet<RefusalCodeValue> = new Set<RefusalCodeValue>([
  RefusalCode.AttachedToProduction,
  RefusalCode.OwnedByProduction,
  RefusalCode.SameDatabaseAsProduction,
  RefusalCode.Unverifiable,
])

export type {ProductionVia} from '../production/registry.js'

export interface Refusal {
  code: RefusalCodeValue
  /** one line: the reason, naming the target (`Refusing to overwrite <target>: <reason>`) */
  message: string
  /** the reason alone, without the target, for renderers that print the target once */
  reason: string
  /** the exact command or flag that fixes it */
  fix: string
  /** the full description of the target: app, attachment, config var, add-on, masked host and database */
  target: string
  /** the production apps involved, if any */
  production: string[]
}

export interface Classification {
  /** true when the target is, or may be, production data */
  production: boolean
  /** every reason the target may not be written; empty when it is safe */
  refusals: Refusal[]
}

/** `host:port/database` of a connection URL (any form), with no credentials. */
export function hostAndDatabase(url: string): string {
  const connection = postgresConnection(url)
  if (connection) return `${connection.host}:${connection.port}/${connection.database}`
  const endpoint = endpointOf(url)
  return endpoint ? `${endpoint.host}${endpoint.port ? `:${endpoint.port}` : ''}/${endpoint.path}` : maskUrl(url)
}

/** One line naming the target fully: app, attachment and config var, add-on (plan, owner), host and database. */
export function describeTarget(target: ClassifyTarget): string {
  const parts: string[] = []
  if (target.app) {
    const named = target.attachment ? `${target.app.name}'s ${target.attachment} attachment` : `app ${target.app.name}`
    parts.push(target.configVar ? `${named} (${target.configVar})` : named)
  } else if (target.configVar) {
    parts.push(target.configVar)
  }

  if (target.addon) {
    const plan = target.addon.plan ?? target.addon.service
    parts.push(`add-on ${target.addon.name} (${plan}, owned by ${target.addon.owner.name})`)
  }

  if (target.url) parts.push(`at ${hostAndDatabase(target.url)}`)
  else parts.push('at an unknown host')
  return parts.join(', ')
}

function describeSource(source: ClassifySource): string {
  const parts: string[] = []
  if (source.app) parts.push(source.attachment ? `${source.app}'s ${source.attachment}` : source.app)
  if (source.addon) parts.push(`add-on ${source.addon.name}`)
  if (source.url) parts.push(`at ${hostAndDatabase(source.url)}`)
  return parts.join(', ') || 'the source'
}

function matches(app: {id?: string; name: string}, key: string | undefined): boolean {
  return key !== undefined && (app.name === key || app.id === key)
}

/** Why an app counts as production, or [] when it does not. */
export function productionVia(app: {id?: string; name: string}, context: ClassifyContext): ProductionVia[] {
  const via: ProductionVia[] = []
  const listed = context.production.find(p => matches(app, p.name) || matches(app, p.id))
  if (listed?.via && listed.via.length > 0) via.push(...listed.via)
  if (listed?.stage === 'production' && !via.includes('pipeline')) via.push('pipeline')
  if (context.protectedApps.some(name => matches(app, name)) && !via.includes('protected')) via.push('protected')
  if (matches(app, context.from) && !via.includes('from')) via.push('from')
  if (listed && via.length === 0) via.push('listed')
  return via
}

function stagingHint(target: ClassifyTarget): string {
  return target.app ? target.app.name : 'STAGING_APP'
}

/**
 * Classifies a database a command is about to overwrite. Sends no request; every reason it finds
 * becomes one refusal with a stable code, the target's full description and the fix.
 */
export function classifyTarget(target: ClassifyTarget, context: ClassifyContext): Classification {
  const refusals: Refusal[] = []
  const description = describeTarget(target)
  const refuse = (code: RefusalCodeValue, reason: string, fix: string, production: string[] = []): void => {
    refusals.push({code, fix, message: `Refusing to overwrite ${description}: ${reason}`, production, reason, target: description})
  }

  const staging = stagingHint(target)

  // Owned by a production app.
  if (target.addon) {
    const via = productionVia(target.addon.owner, context)
    if (via.length > 0) {
      refuse(
        RefusalCode.OwnedByProduction,
        `the add-on is owned by production app ${target.addon.owner.name} (${viaText(via)}).`,
        `Write a database the staging app owns: heroku addons:create heroku-postgresql -a ${staging}, then name it as the target.`,
        [target.addon.owner.name],
      )
    }
  }

  // Attached to (or named through) a production app.
  const attachedTo = new Map<string, ProductionVia[]>()
  if (target.app) {
    const via = productionVia(target.app, context)
    if (via.length > 0) attachedTo.set(target.app.name, via)
  }

  if (target.addon) {
    const addonId = target.addon.id
    for (const app of context.production) {
      if (app.addons.some(addon => addon.id === addonId) && !attachedTo.has(app.name)) {
        attachedTo.set(app.name, productionVia(app, context))
      }
    }

    // The owner is reported above; attached-to names the other production apps.
    if (!target.app || target.app.name !== target.addon.owner.name) attachedTo.delete(target.addon.owner.name)
  }

  if (attachedTo.size > 0) {
    const apps = [...attachedTo.keys()]
    const why = [...attachedTo.entries()].map(([name, via]) => `${name} (${viaText(via)})`).join(', ')
    refuse(
      RefusalCode.AttachedToProduction,
      `it is attached to production app ${why}.`,
      target.app && attachedTo.has(target.app.name)
        ? `Name the staging app, not production: -a STAGING_APP (production data is only ever a source).`
        : `Detach it from staging and give staging its own database: heroku addons:create heroku-postgresql -a ${staging}.`,
      apps,
    )
  }

  // The same physical database as any production credential, whatever the URL strings say.
  if (target.url) {
    const shared: string[] = []
    const apps = new Map<string, ProductionVia[]>()
    for (const app of context.production) {
      for (const credential of app.credentials) {
        if (sameEndpoint(target.url, credential.url, context.hosts)) {
          shared.push(`${app.name}'s ${credential.configVar}`)
          apps.set(app.name, productionVia(app, context))
        }
      }
    }

    const [targetCredential] = credentialsIn(target.url)
    const unknown = shared.length > 0 || !targetCredential ? [] : context.production.flatMap(app => app.credentials
      .filter(credential => credentialsIn(credential.url).some(c => credentialsUnknown(targetCredential, c, context.hosts)))
      .map(credential => `${app.name}'s ${credential.configVar}`))
    if (unknown.length > 0) {
      refuse(
        RefusalCode.Unverifiable,
        `its host did not resolve and it names the same database as ${unknown.join(', ')}: whether it is the same server is unknown.`,
        `Check the host, then try again; heroku staging:audit -a ${staging} lists the credential.`,
      )
    }

    if (shared.length > 0) {
      const why = [...apps.entries()].map(([name, via]) => `${name}: ${viaText(via)}`).join('; ')
      refuse(
        RefusalCode.SameDatabaseAsProduction,
        `it reaches the same physical database as ${shared.join(', ')} (production app ${why}).`,
        `Point ${staging} at its own database (heroku staging:audit -a ${staging} shows every shared credential; heroku pg:promote HEROKU_POSTGRESQL_<COLOR> -a ${staging} fixes DATABASE_URL).`,
        [...apps.keys()],
      )
    }
  } else {
    refuse(
      RefusalCode.Unverifiable,
      `no connection URL is known for it, so it cannot be checked against production.`,
      `Wait until the database is provisioned and its config var is set (heroku addons:wait -a ${staging}), then try again.`,
    )
  }

  // The source itself.
  const {source} = context
  if (source) {
    if (source.addon && target.addon && source.addon.id === target.addon.id) {
      refuse(
        RefusalCode.SameAddonAsSource,
        `it is the source add-on ${source.addon.name}.`,
        `Name a different target: ${staging}'s own heroku-postgresql attachment (heroku pg:info -a ${staging} lists them).`,
      )
    } else if (target.url && sameEndpoint(target.url, source.url, context.hosts)) {
      refuse(
        RefusalCode.SameDatabaseAsSource,
        `it reaches the same physical database as the source, ${describeSource(source)}.`,
        `Name a different target: ${staging}'s own heroku-postgresql attachment (heroku pg:info -a ${staging} lists them).`,
      )
    }
  }

  // A follower is read-only and follows another database.
  if (target.following) {
    refuse(
      RefusalCode.Follower,
      `it is a read-only follower of ${target.following}.`,
      `Target a leader database, or stop following first: heroku pg:unfollow ${target.addon?.name ?? 'DATABASE'} -a ${staging}.`,
    )
  }

  // Only heroku-postgresql add-ons.
  if (!target.addon || target.addon.service !== POSTGRES_SERVICE) {
    const what = target.addon ? `a ${target.addon.service} add-on` : 'not backed by any add-on attached to the app'
    refuse(
      RefusalCode.NotHerokuPostgres,
      `it is ${what}, not a heroku-postgresql database.`,
      `Target a heroku-postgresql attachment of ${staging} (heroku pg:info -a ${staging} lists them; heroku addons:create heroku-postgresql -a ${staging} adds one).`,
    )
  }

  return {production: refusals.some(r => PRODUCTION_CODES.has(r.code)), refusals}
}

// ---------------------------------------------------------------------------------------------
// Building the inputs from snapshots.

/** The URL an attachment exposes on its app: `<NAME>_URL` first, else the first of its config vars that is set. */
export function attachmentUrl(snapshot: AppSnapshot, attachment: AttachmentRef): {configVar?: string; url?: string} {
  const preferred = `${attachment.name}_URL`
  const names = [preferred, ...attachment.configVarNames.filter(name => name !== preferred)]
  for (const name of names) {
    const url = snapshot.configVars[name]
    if (url) return {configVar: name, url}
  }

  return {configVar: attachment.configVarNames[0]}
}

/** A production app as `classifyTarget` needs it, from its snapshot. */
export function productionAppFromSnapshot(snapshot: AppSnapshot): ProductionApp {
  return {
    addons: snapshot.attachments.map(a => ({attachment: a.name, id: a.addon.id, name: a.addon.name})),
    // Every Postgres credential in every form; split variables as one URL without their password.
    credentials: credentialsOf(snapshot.configVars)
      .filter(credential => credential.family === 'postgres')
      .map(credential => ({
        configVar: credential.vars.join('+'),
        url: credential.vars.length === 1
          ? snapshot.configVars[credential.vars[0] ?? ''] ?? ''
          : `postgres://${credential.endpoints.map(e => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port ?? 5432}`).join(',')}/${encodeURIComponent(credential.endpoints[0]?.path ?? '')}`,
      })),
    id: snapshot.app.id,
    name: snapshot.app.name,
    stage: snapshot.pipeline?.stage,
  }
}

/** The target as `classifyTarget` sees it, for an attachment on a loaded app. */
export function targetFromAttachment(snapshot: AppSnapshot, attachment: AttachmentRef, configVar?: string): ClassifyTarget {
  const exposed = attachmentUrl(snapshot, attachment)
  const chosen = configVar && snapshot.configVars[configVar] ? {configVar, url: snapshot.configVars[configVar]} : exposed
  return {
    addon: {
      id: attachment.addon.id,
      name: attachment.addon.name,
      owner: attachment.addon.owner,
      plan: attachment.addon.plan,
      service: attachment.addon.service,
    },
    app: {id: snapshot.app.id, name: snapshot.app.name},
    attachment: attachment.name,
    configVar: chosen.configVar,
    following: snapshot.databases[attachment.addon.id]?.following ?? null,
    url: chosen.url,
  }
}

/** The source as `classifyTarget` sees it, from a resolved database (see `resolveDatabase`). */
export function sourceFromTarget(target: ClassifyTarget): ClassifySource {
  return {
    addon: target.addon && {id: target.addon.id, name: target.addon.name},
    app: target.app?.name,
    attachment: target.attachment,
    configVar: target.configVar,
    url: target.url,
  }
}

/** The source as `classifyTarget` sees it, for an attachment on a loaded app. */
export function sourceFromAttachment(snapshot: AppSnapshot, attachment: AttachmentRef): ClassifySource {
  return sourceFromTarget(targetFromAttachment(snapshot, attachment))
}

export interface ContextInput {
  /** the app named with --from */
  from?: string
  /** loaded snapshots of the production apps; protected and --from apps may be included */
  production: readonly AppSnapshot[]
  /** from `readProtectedApps(config.configDir)` */
  protectedApps?: readonly string[]
  source?: ClassifySource
  /** the snapshot(s) the target and source come from, for their resolved hosts */
  targets?: ReadonlyArray<Pick<AppSnapshot, 'hosts'>>
}

/** Builds the classification's context from loaded snapshots. */
export function buildClassifyContext(input: ContextInput): ClassifyContext {
  const seen = new Set<string>()
  const production: ProductionApp[] = []
  for (const snapshot of input.production) {
    if (seen.has(snapshot.app.id)) continue
    seen.add(snapshot.app.id)
    production.push(productionAppFromSnapshot(snapshot))
  }

  const hosts = hostTableOf([...input.production, ...(input.targets ?? [])])
  return {from: input.from, ...(hosts ? {hosts} : {}), production, protectedApps: [...(input.protectedApps ?? [])], source: input.source}
}
