/**
 * The audit's public contract. Finding codes, severities and these JSON fields are documented in
 * the README; change them only on purpose.
 */

export type Severity = 'critical' | 'info' | 'warning'

export interface Finding {
  /** stable code, e.g. `SHARED_DATABASE` */
  code: string
  severity: Severity
  /** the audited app */
  app: string
  /** the production app(s) involved, if any */
  production: string[]
  /** config var names involved (never values) */
  configVars: string[]
  /** add-on or attachment names involved */
  addons: string[]
  /** one line saying what is wrong */
  message: string
  /** one line naming the exact command to run */
  remedy: string
  /** masked values or fingerprints that help a human see the match, never a raw value */
  evidence?: string[]
}

export const SEVERITY_ORDER: Record<Severity, number> = {critical: 0, info: 2, warning: 1}

/**
 * What one finding is about, in structured form, so a fixer (a later `--fix`) can act on it
 * without parsing `message` or `remedy`. Names and ids only, never a value.
 */
export interface FindingSubject {
  /** what the remedy does, structured; `remedy` is this action written as a command */
  action: FindingAction
  /** the add-on involved, with its owning (billing) app */
  addon?: {id: string; name: string; owner: string; plan: string; service: string}
  /** the attachment on the audited app the finding is about (exposing the problem, or the database to promote) */
  attachment?: {id: string; name: string}
  /** the config var on the audited app the finding is about */
  configVar?: string
  /** Postgres facts compared by the drift rules */
  database?: {
    production: {addon: string; majorVersion?: string; plan: string}
    staging: {addon: string; majorVersion?: string; plan: string}
  }
  /** the production app(s) and config var(s) this one matches */
  matches?: Array<{app: string; configVar: string}>
  /** for a pipeline stage's config var (STAGE_CONFIG_VAR): the apps of that stage that have its value now */
  apps?: string[]
  /** for STAGE_CONFIG_VAR: the rule the stage's config var matched (SHARED_DATABASE, SHARED_SECRET, …) */
  rule?: FindingCode
  /** a process type scaled above zero */
  process?: {quantity: number; size: string; type: string}
  /** the pipeline and stage of the audited app, for the stage rules; `protected` when marked with staging:protect */
  stage?: {pipeline: null | string; protected?: boolean; stage: null | string}
}

/**
 * The fix of a finding as data. `remedy` is always `remedyCommand(action)`, so a fixer can run the
 * action without parsing the text. `<…>` in a remedy marks a value the user must choose.
 */
export type FindingAction =
  /** `heroku addons:create PLAN -a APP -- --version VERSION`: a new database at production's version */
  | {app: string; kind: 'create-database'; plan: string; version: string}
  /** `heroku addons:destroy ADDON -a APP` */
  | {addon: string; app: string; kind: 'destroy-addon'}
  /** `heroku addons:detach ATTACHMENT -a APP` */
  | {app: string; attachment: string; kind: 'detach'}
  /** production depends on an add-on the staging app owns: give production its own, then detach */
  | {addon: string; app: string; kind: 'move-addon'; plan: string}
  /** `heroku addons:open ADDON -a APP`: review what it does (schedulers) */
  | {addon: string; app: string; kind: 'open-addon'}
  /** `heroku pipelines:add PIPELINE --stage staging -a APP` */
  | {app: string; kind: 'pipeline-add'; pipeline: string}
  /** `heroku pg:promote CONFIG_VAR -a APP` */
  | {app: string; configVar: string; kind: 'promote'}
  /** `heroku config:unset DATABASE_URL -a APP && heroku addons:create PLAN -a APP` */
  | {app: string; kind: 'replace-database'; plan: string}
  /** `heroku config:set CONFIG_VAR=<a staging-only URL> -a APP` */
  | {app: string; configVar: string; kind: 'replace-url'}
  /** `heroku staging:audit -a APP --production PRODUCTION_APP`: the app was named as production */
  | {app: string; kind: 'rerun-audit'}
  /** `heroku config:set CONFIG_VAR=<new value> -a APP` */
  | {app: string; configVar: string; kind: 'rotate-secret'}
  /**
   * a pipeline stage's config var: `heroku ci:config:set CONFIG_VAR=<a test-only value> -p PIPELINE` for `test`;
   * for `review` the CLI cannot set it: `heroku pipelines:open PIPELINE`, Settings → Review Apps (or PATCH /pipelines/{id}/stage/review/config-vars)
   */
  | {app: string; configVar: string; kind: 'stage-config'; pipeline: string; stage: string}
  /** `heroku ps:scale TYPE=0 -a APP` */
  | {app: string; kind: 'scale-down'; processType: string}
  /** `heroku pipelines:update --stage staging -a APP` */
  | {app: string; kind: 'set-stage'; stage: 'staging'}
  /** `heroku staging:unprotect -a APP`: the app was marked production with staging:protect */
  | {app: string; kind: 'unprotect'}
  /** `heroku pg:unfollow CONFIG_VAR -a APP` */
  | {app: string; configVar: string; kind: 'unfollow'}
  /** `heroku config:unset CONFIG_VAR -a APP`; `configVars` when a credential is split over several (`PGHOST`, `PGDATABASE`, …) */
  | {app: string; configVar: string; configVars?: string[]; kind: 'unset-config'}
  /** a host did not resolve: check it, then audit again (`heroku staging:audit -a APP`) */
  | {app: string; configVar: string; host: string; kind: 'check-host'}
  /** `heroku addons:upgrade ADDON PLAN -a APP` */
  | {addon: string; app: string; kind: 'change-plan'; plan: string}
  /** `heroku pg:info ADDON -a APP`: see what the Data API says about a database */
  | {addon: string; app: string; kind: 'pg-info'}
  /** `heroku pg:upgrade:run ADDON --version VERSION -a APP` */
  | {addon: string; app: string; kind: 'upgrade-version'; version: string}

export type FindingCode =
  | 'ACTIVE_WORKER'
  | 'FOLLOWS_PRODUCTION'
  | 'IDENTITY_UNKNOWN'
  | 'NO_PIPELINE'
  | 'POSTGRES_PLAN_DRIFT'
  | 'POSTGRES_VERSION_DRIFT'
  | 'POSTGRES_VERSION_UNKNOWN'
  | 'PRODUCTION_ADDON'
  | 'PRODUCTION_STAGE'
  | 'SHARED_DATABASE'
  | 'SHARED_SECRET'
  | 'SHARED_SERVICE'
  | 'SIDE_EFFECT_ADDON'
  | 'STAGE_CONFIG_VAR'
  | 'UNATTACHED_DATABASE_URL'

/** A finding as the audit rules produce it: `code` narrowed to the known codes, `subject` always set. */
export interface AuditFinding extends Finding {
  code: FindingCode
  subject: FindingSubject
}

/** One row of the finding-code table the README is generated from. */
export interface FindingCodeInfo {
  code: FindingCode
  /** the usual severity; `severityNote` says when it differs */
  severity: Severity
  severityNote?: string
  /** one line: what the finding means */
  explanation: string
  /** one line: the command that fixes it, as a template */
  remedy: string
}

/** An app as the audit's JSON result names it. */
export interface AuditedApp {
  id: string
  name: string
  /** the pipeline the app is coupled to, if any */
  pipeline: null | string
  /** its stage in that pipeline (`staging`, `production`, …), if any */
  stage: null | string
  /** for a production app: why it is one (`pipeline`, `protected`, `production` for --production, …) */
  via?: string[]
}

/**
 * The result of `heroku staging:audit --json` (and of the command's `run()`).
 * Values of config vars never appear in it: only names, masked URLs and fingerprints.
 */
export interface AuditResult {
  /** the apps audited, in the order given (or pipeline order with `--pipeline`) */
  apps: AuditedApp[]
  /** the pipeline audited with `--pipeline`, else null */
  pipeline: null | string
  /** the production apps they were compared with */
  production: AuditedApp[]
  /**
   * where those came from: `flag` (--production), `pipeline` (the audited app's pipeline, stage production),
   * or `account` (an app in no pipeline with a production stage: every production app of the account)
   */
  productionFrom: 'account' | 'flag' | 'pipeline'
  /**
   * with `--pipeline`: the review and test stages, as audited: the names (never values) of the config vars
   * the pipeline gives every review app or Heroku CI run, and the apps at that stage (review apps)
   */
  stages?: Array<{apps: string[]; configVars: string[]; stage: string}>
  /** every finding, sorted by severity (critical first), then code, app and names */
  findings: AuditFinding[]
  /** how many findings of each severity; the exit code is 1 when `critical` > 0 */
  summary: {critical: number; info: number; warning: number}
}
