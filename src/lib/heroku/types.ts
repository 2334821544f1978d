import type * as Heroku from '@heroku-cli/schema'

/**
 * Response shapes as the plugin reads them. Platform types come from @heroku-cli/schema, whose
 * fields are all optional; `Need<>` narrows the fields we rely on once, here, at the boundary.
 * Data API shapes are not in any published schema, so they are written out by hand.
 */

type Need<T, K extends keyof T> = Required<Pick<T, K>> & T

export type App = Need<Heroku.App, 'id' | 'name'> & {
  /** `cedar` or `fir` (Heroku's generations; absent on older answers, which are Cedar) */
  generation?: {id?: string; name?: string}
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
export type PipelineCoupling = Need<Heroku.PipelineCoupling, 'app' | 'id' | 'pipeline' | 'stage'> & {
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

/** Data API: `GET /client/v11/databases/:addon_id` */
export interface DataDatabase {
  addon_id?: string
  database_name?: string
  following?: null | string
  info?: Array<{name: string; values: Array<number | string>}>
  /** on a follower, its leader (the stock CLI types it as a string and prints it as a datastore name) */
  leader?: null | string
  name?: string
  num_bytes?: number
  num_tables?: number
  plan?: string
  resource_url?: string
  'waiting?'?: boolean
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
