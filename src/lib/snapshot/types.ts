/**
 * A snapshot is everything the pure rules (audit, guard, fork plan, refresh plan) may look at.
 * It is plain data: tests build it by hand, and nothing in it performs I/O.
 */

export interface AddonRef {
  /** heroku-postgresql, heroku-redis, scheduler, … */
  service: string
  id: string
  name: string
  /** the owning (billing) app */
  owner: {id: string; name: string}
  /** full plan name, `heroku-postgresql:essential-0` */
  plan: string
  state?: string
  /** monthly price in cents, when the plan API told us */
  priceCents?: number
}

export interface AttachmentRef {
  addon: AddonRef
  /** config var names this attachment exposes on the attaching app, e.g. `DATABASE_URL` */
  configVarNames: string[]
  id: string
  name: string
  namespace: null | string
}

export interface DatabaseInfo {
  addonId: string
  addonName: string
  /** when this database is a follower: its leader's add-on name (the Data API's `leader`), else the leader's masked URL */
  following: null | string
  /** when this database is a follower: the leader's URL as the Data API gives it (`following`), to match by physical identity */
  followingUrl?: string
  /** Postgres major version, e.g. `16` */
  majorVersion?: string
  numBytes?: number
  numTables?: number
  plan?: string
}

export interface FormationEntry {
  quantity: number
  size: string
  type: string
}

export interface PipelineRef {
  id: string
  name: string
  stage: string
}

export interface AppSnapshot {
  app: {
    buildpacks: string[]
    id: string
    maintenance: boolean
    name: string
    /** `cedar` or `fir` */
    generation?: string
    region?: string
    /** the space the app runs in (every Fir app has one) */
    space?: string
    stack?: string
    team?: string
  }
  /** every attachment on this app, including add-ons owned by other apps */
  attachments: AttachmentRef[]
  configVars: Record<string, string>
  /** Data API info per Postgres add-on attached to the app, keyed by add-on id */
  databases: Record<string, DatabaseInfo>
  formation: FormationEntry[]
  /** add-ons this app owns (bills), attached here or not; absent in snapshots built by hand */
  ownedAddons?: AddonRef[]
  /** the addresses each credential host in `configVars` resolved to at load (`[]`: it did not resolve); absent when no lookup was made */
  hosts?: Record<string, string[]>
  pipeline?: PipelineRef
  release?: {description?: string; id: string; ociImageId?: string; slugId?: string; status?: string; version: number}
}

export const POSTGRES_SERVICE = 'heroku-postgresql'

/** Heroku documents pg:copy and transfers for databases under this size; above it, a Heroku Postgres fork. */
export const TRANSFER_LIMIT_BYTES = 10 * 1000 ** 3

export function serviceOfPlan(plan: string): string {
  return plan.split(':')[0] ?? plan
}
