import type {ForwardStepReport} from '../execute/steps.js'
import type {AuditFinding} from '../audit/types.js'

/**
 * The public shapes of `heroku staging:fork`: its options, its plan and its `--json` result.
 * Field names are a public contract (documented in the README); change them only on purpose.
 * Nothing here ever holds a config var value: the plan names keys, the executor reads values.
 */

/** The config var that marks an app as a fork, readable back through the API: the source app's id. */
export const FORK_MARKER = 'HEROKU_STAGING_FORKED_FROM'

/** The pipeline stage a fork is coupled at. */
export const FORK_STAGE = 'staging'

export interface ForkOptions {
  /** the production app, by name */
  from: string
  /** the fork's name; the command defaults it to `<from>-staging` */
  to: string
  region?: string
  /** `--space`: the space a Fir fork is created in (default: production's) */
  space?: string
  team?: string
  /** `service → full plan name` from `--plan SERVICE=PLAN` */
  plans: Record<string, string>
  /** `--exclude-config KEY` */
  excludeConfig: string[]
  /** `--copy-config KEY`: a secret copied from production on purpose */
  copyConfig: string[]
  /** `--set KEY=VALUE`: the values never enter the plan, only the keys */
  set: Record<string, string>
  /** `--share-addon NAME`: add-on or attachment names of add-ons owned by another app */
  shareAddons: string[]
  /** `--scale TYPE=QUANTITY`: dynos for a process type other than web's default 1 / others' 0 */
  scale: Record<string, number>
  /** `--data`: how production's database reaches the fork's; undefined lets the plan decide (fork above the transfer limit) */
  data?: DataMethod
}

/**
 * How the fork's database gets production's data: `copy` (a Data API transfer, pg:copy's), `fork` (a
 * Heroku Postgres fork, `config.fork`: the same major, no transfer), or `none` (left empty).
 */
export type DataMethod = 'copy' | 'fork' | 'none'

export const DATA_METHODS: readonly DataMethod[] = ['copy', 'fork', 'none']

/** One plan of an add-on service, as the plan API (`GET /addon-services/:service/plans`) reports it. */
export interface CataloguePlan {
  /** full name, `heroku-postgresql:essential-0` */
  name: string
  /** monthly price in cents, when the API reports a monthly price */
  priceCents?: number
  /** storage the plan holds (heroku-postgresql), when known */
  storageBytes?: number
  /** false for plans the API marks as shut down */
  installable: boolean
}

/** Plans per service name. A service missing here was not asked about; an empty list means the API offers none. */
export type PlanCatalogue = Record<string, CataloguePlan[]>

export type AddonAction =
  /** the add-on is owned by production: a new one is provisioned for the fork */
  | 'provision'
  /** owned by another app and opted in with --share-addon: the same add-on is attached to the fork */
  | 'share'
  /** not recreated (owned by another app, or a follower): the reason says why */
  | 'skip'

export interface AddonPlanItem {
  action: AddonAction
  /** production's add-on */
  source: {id: string; name: string; owner: string; plan: string; service: string}
  /** attachment names on the fork; the first is the one the add-on is created with */
  attachments: string[]
  /** the plan provisioned on the fork (provision only) */
  plan?: string
  /** its monthly price in cents, from the plan API */
  priceCents?: number
  /** why this plan (or why skipped / shared) */
  reason: string
  /** heroku-postgresql: the major version the new database is pinned to */
  version?: string
  /** heroku-postgresql: production's data is copied into it (a transfer: data.method copy) */
  copyData: boolean
  /** heroku-postgresql: how production's data reaches it, and why that method */
  data?: {method: DataMethod; reason: string}
  /** something a human must do by hand (e.g. scheduler jobs are not copied) */
  manualReview?: string
}

/**
 * What the fork does with one of production's config vars:
 * `copy` (plain settings, public material, `--copy-config`), `exclude` (an add-on's, or reaching a
 * production service, or `--exclude-config`), `regenerate` (an app-local signing key: a fresh random
 * value of the same shape), `withhold` (a credential or other secret: not copied, staging needs its
 * own), `override` (`--set`).
 */
export type ConfigAction = 'copy' | 'exclude' | 'override' | 'regenerate' | 'withhold'

/** The plan's groups of config vars, in the order it shows them. */
export type ConfigGroup =
  /** add-on-owned or reaching production: never copied */
  | 'production'
  /** app-local signing keys: a fresh value */
  | 'regenerated'
  /** keys that decrypt committed files: neither copied nor regenerated */
  | 'per-environment'
  /** third-party credentials and other secrets: not copied */
  | 'withheld'
  /** `--set` */
  | 'set'
  /** copied: plain settings, public material, and secrets copied on purpose (`--copy-config`) */
  | 'copied'

export interface ConfigDecision {
  action: ConfigAction
  group: ConfigGroup
  key: string
  /** why: one short phrase, never a value */
  reason: string
  /** what secret the value is (`Stripe live secret key`), when it is one */
  kind?: string
  /** a vendor's live-mode credential */
  live?: boolean
  /** the flag that gives the fork its own value (`--set KEY=VALUE`) */
  fix?: string
}

export interface FormationPlanItem {
  productionQuantity: number
  quantity: number
  size: string
  type: string
}

/** A reason the plan cannot run, with the flag or command that fixes it. */
export interface PlanProblem {
  fix: string
  message: string
}

export interface ForkPlan {
  source: {id: string; name: string; region?: string; stack?: string; team?: string}
  /** the fork: on Fir (`generation`), in production's space or --space, with no stack or buildpacks */
  target: {generation?: string; name: string; region?: string; space?: string; stack?: string; team?: string}
  /** true when `--to` already exists and is this command's fork of the same source (a resumed run) */
  resume: boolean
  buildpacks: string[]
  addons: AddonPlanItem[]
  config: ConfigDecision[]
  /** secret keys copied on purpose (`--copy-config`): they stay identical to production's values */
  identicalSecrets: string[]
  formation: FormationPlanItem[]
  /** production's current slug, released to the fork */
  /** production's current code, released to the fork: its slug (Cedar) or the same OCI image (Fir) */
  release?: {description: string; ociImageId?: string; slugId?: string; version: number}
  /** production's pipeline; the fork is coupled at stage `staging` */
  pipeline?: {id: string; name: string; stage: typeof FORK_STAGE}
  /** sum of the known monthly prices of the add-ons provisioned */
  monthlyCents: number
  warnings: string[]
  /** blocking: the fork does not start while any remains */
  problems: PlanProblem[]
}

/** What the final verification shows about the fork's DATABASE_URL. */
export interface DatabaseSummary {
  /** the attachment exposing DATABASE_URL on the fork, if any */
  attachment?: string
  addon?: string
  /** the add-on's owning app */
  owner?: string
  ownedByFork: boolean
  /** the fork's DATABASE_URL reaches the same database as one of production's credentials */
  reachesProduction: boolean
  version?: string
  productionVersion?: string
}

export interface ForkVerification {
  findings: AuditFinding[]
  critical: number
  database: DatabaseSummary
}

/** The typed `--json` result of `heroku staging:fork`. */
export interface ForkResult {
  dryRun: boolean
  plan: ForkPlan
  app?: {id: string; name: string; webUrl?: string}
  steps: ForwardStepReport[]
  verification?: ForkVerification
  /**
   * The dynos: `held` at 0 while the verification has a critical finding (production's code is not
   * released, or a release an earlier run made is scaled back to 0); `scaled` once it has none
   * (released, then scaled to the plan's formation).
   */
  dynos?: 'held' | 'scaled'
  /** wall time of the execution, without loading and planning */
  elapsedMs?: number
}
