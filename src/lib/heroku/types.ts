import type * as Heroku from '@heroku-cli/schema'

/**
 * Response shapes as the plugin reads them. Platform types come from @heroku-cli/schema, whose
 * fields are all optional; `Need<>` narrows the fields we rely on once, here, at the boundary.
 * Data API shapes are not in any published schema, so they are written out by hand.
 */

type Need<T, K extends keyof T> = Required<Pick<T, K>> & T

export type App = Need<Heroku.App, 'id' | 'name'> & {
  /** `cedar` or `fir`: the app resource gives `{id, name}`, other answers (`POST /filters/apps`) the bare string; absent: Cedar */
  generation?: null | string | {id?: string; name?: string}
  space?: null | {id?: string; name?: string}
}
export type ConfigVars = Record<string, string>
export type AddOn = Need<Heroku.AddOn, 'app' | 'id' | 'name' | 'plan' | 'state'> & {
  addon_service?: {id?: string; name?: string}
}
export type AddOnAttachment = Need<Heroku.AddOnAttachment, 'addon' | 'app' | 'id' | 'name'> & {
  /** present with `Accept-Inclusion: config_vars` */
  config_vars?: string[]
  namespace?: null | string
}
export type Formation = Need<Heroku.Formation, 'quantity' | 'type'>
export type Release = Need<Heroku.Release, 'id' | 'version'> & {
  /** Fir: the released OCI image (`slug` is null) */
  oci_image?: null | {id?: string}
}
export type Slug = Need<Heroku.Slug, 'id'>
export type Pipeline = Need<Heroku.Pipeline, 'id' | 'name'>
/** `app` and `pipeline` are `{id}` only in lists (the schema); the per-app answer may name the pipeline. */
export type PipelineCoupling = Need<Heroku.PipelineCoupling, 'app' | 'id' | 'pipeline' | 'stage'> & {
  app: {id?: string; name?: string}
  pipeline: {id: string; name?: string}
}
export type ReviewApp = Need<Heroku.ReviewApp, 'branch' | 'id' | 'status'> & {
  /** null while it is still being made */
  app?: null | {id?: string}
  pr_number?: null | number
}
/** `review-app` endpoints want this variant, as the stock CLI sends it */
export const REVIEW_APPS_ACCEPT = 'application/vnd.heroku+json; version=3.review-apps'
export type Plan = Need<Heroku.Plan, 'id' | 'name'>
/** A plan as `GET /addon-services/:service/plans` lists it, with the fields the fork prices by. */
export type ServicePlan = Plan & {price?: {cents?: number; unit?: string}; state?: string; storage_bytes?: number}
export type BuildpackInstallation = Heroku.BuildpackInstallations
export type Account = Need<Heroku.Account, 'email' | 'id'>

/** Headers that make add-on and attachment lists carry what the snapshot needs in one request. */
export const ATTACHMENT_HEADERS = {
  accept: 'application/vnd.heroku+json; version=3.sdk',
  'accept-inclusion': 'addon:plan,config_vars',
}
export const ADDON_HEADERS = {
  accept: 'application/vnd.heroku+json; version=3.sdk',
  'accept-expansion': 'addon_service,plan',
}

/**
 * Data API: `GET /client/v11/databases/:addon_id`, in both of its shapes (heroku/cli's `PgDatabaseService`
 * and `PgDatabaseTenant`): a Standard+ database has `plan: {id, name}`, `num_tables` and, on a follower,
 * `leader: {addon_id, name}`; an Essential one (a tenant) has `plan` as a string and its table count only in
 * the "Tables" info row. `following` is the leader's URL without credentials. Info values are strings; dates
 * look like `2016-10-01 00:42:54 +0000`.
 */
export interface DataDatabase {
  addon_id?: string
  database_name?: string
  following?: null | string
  info?: Array<{name: string; values: Array<number | string>}>
  /** on a follower, its leader: `{addon_id, name}` (older answers: the name) */
  leader?: null | string | {addon_id?: string; name?: string}
  name?: string
  num_bytes?: number
  num_tables?: number
  plan?: string | {id?: number | string; name?: string}
  resource_url?: string
  'waiting?'?: boolean
}

/** The name of a generation however it is given (`fir`, `{name: 'fir'}`), or undefined. */
export function generationName(generation: App['generation']): string | undefined {
  if (typeof generation === 'string') return generation || undefined
  return generation?.name || undefined
}

/** A database's plan name (`heroku-postgresql:standard-0`) from either shape of `plan`. */
export function dataPlanName(db: DataDatabase | undefined): string | undefined {
  const plan = db?.plan
  if (typeof plan === 'string') return plan || undefined
  return plan?.name || undefined
}

/** A follower's leader name from either shape of `leader`, or undefined. */
export function dataLeaderName(db: DataDatabase | undefined): string | undefined {
  const leader = db?.leader
  if (typeof leader === 'string') return leader || undefined
  return leader?.name || undefined
}

/** A database's table count: `num_tables`, else the leading number of its "Tables" info row (`3`, `3/4000`, `10 / 4000 (In compliance)`). */
export function dataTableCount(db: DataDatabase | undefined): number | undefined {
  if (typeof db?.num_tables === 'number') return db.num_tables
  const value = db?.info?.find(item => item.name === 'Tables')?.values[0]
  const match = value === undefined ? null : /^\s*(\d+)/.exec(String(value))
  return match ? Number(match[1]) : undefined
}

/** Data API, Postgres Advanced: `GET /data/postgres/v1/:addon_id/info` (the fields the plugin reads). */
export interface AdvancedDatabase {
  forked_from?: null | {id: string; name: string}
  plan_limits?: Array<{current: number; limit: number; name: string}>
  pools?: Array<{endpoints?: Array<{host: string; port: number}>; name: string}>
  status?: string
  tier?: string
  version?: string
}

/** An Advanced database's info in the shape the classic info has, so one reader serves both. */
export function advancedAsDataDatabase(info: AdvancedDatabase, plan: string): DataDatabase {
  const tables = info.plan_limits?.find(limit => limit.name === 'table-limit')?.current
  const storageGb = info.plan_limits?.find(limit => limit.name === 'storage-limit-in-gb')?.current
  return {
    info: info.version ? [{name: 'PG Version', values: [info.version]}] : [],
    num_bytes: storageGb === undefined ? undefined : Math.round(storageGb * 1024 ** 3),
    num_tables: tables,
    plan,
  }
}

/** Data API: `GET /client/v11/databases/:addon_id/wait_status` */
export interface DataWaitStatus {
  'error?': boolean
  message: string
  'waiting?': boolean
}

/** Data API: a pg:copy, backup or restore as `/client/v11/.../transfers` returns it. */
export interface DataTransfer {
  created_at?: string
  finished_at?: null | string
  from_name?: null | string
  from_type?: string
  logs?: Array<{created_at?: string; level?: string; message: string}>
  num?: number
  processed_bytes?: number
  source_bytes?: number
  started_at?: null | string
  succeeded?: boolean | null
  to_name?: null | string
  to_type?: string
  /** a backup's location, what `pg:backups:restore` sends as `backup_url` */
  to_url?: null | string
  uuid: string
}

/** The major version from a Data API database's `PG Version` info row, e.g. `16`. */
export function postgresMajor(db: DataDatabase | undefined): string | undefined {
  const row = db?.info?.find(item => item.name === 'PG Version')
  const value = row?.values[0]
  return value === undefined ? undefined : String(value).split('.')[0]
}

/** A transfer's name as pg:backups shows it: c003 (copy), b012 (backup), a001 (scheduled), r002 (restore). */
export function transferName(transfer: DataTransfer): string {
  let prefix = 'b'
  if (transfer.from_type === 'pg_dump' && transfer.to_type === 'pg_restore') prefix = 'c'
  else if (transfer.to_type === 'pg_restore') prefix = 'r'
  else if ((transfer as DataTransfer & {schedule?: unknown}).schedule) prefix = 'a'
  return transfer.num === undefined ? transfer.uuid : `${prefix}${String(transfer.num).padStart(3, '0')}`
}
