import {ActionableError, UsageError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {apiOf, HerokuApi} from '../heroku/api.js'
import {type HerokuClient, isNotFound, mapBounded} from '../heroku/client.js'
import {type ProductionAppRef, ProductionRegistry, type ProductionVia} from '../production/registry.js'
import {loadProtected} from '../protect/policy.js'
import {
  appCoupling,
  LoadedApps,
  loadApps,
  type LoadOptions,
  loadPipelineCouplings,
  rememberCouplings,
  rememberPipelines,
  withDatabases,
} from '../snapshot/load.js'
import {CONFIG_STAGES, loadPipelineStages, type PipelineStages} from '../snapshot/stages.js'
import type {PipelineCoupling} from '../heroku/types.js'
import type {AppSnapshot} from '../snapshot/types.js'
import {relatedProduction} from '../audit/related.js'
import {auditStageConfig, auditStaging, compareFindings, protectedStage} from '../audit/rules/index.js'
import type {AuditedApp, AuditFinding, AuditResult} from '../audit/types.js'

/** What to audit: one app (`app`) or every non-production app of a pipeline (`pipeline`). */
export interface AuditRequest {
  app?: string
  pipeline?: string
  /** production apps named with `--production`; empty means "find them in the pipeline" */
  production: readonly string[]
  /** names and ids of apps marked production with `heroku staging:protect` */
  protectedApps?: readonly string[]
}

/** Apps marked production with staging:protect (names and ids); an unreadable list stops the audit (exit 4). */
export async function auditProtectedApps(configDir: string): Promise<string[]> {
  return (await loadProtected(configDir)).keys
}

/** What the audit loads per app: everything the rules read. */
export const AUDIT_LOAD: LoadOptions = {databases: true, formation: true}

/** An audit with the snapshots it was made from, for a caller that goes on deciding (--fix). */
export interface AuditRun {
  /** the snapshots of `result.apps`, in the same order */
  audited: AppSnapshot[]
  /** the snapshots of `result.production`, in the same order */
  production: AppSnapshot[]
  result: AuditResult
}

export function auditedApp(snapshot: AppSnapshot): AuditedApp {
  return {
    id: snapshot.app.id,
    name: snapshot.app.name,
    pipeline: snapshot.pipeline?.name ?? null,
    stage: snapshot.pipeline?.stage ?? null,
  }
}

export function summarize(findings: readonly AuditFinding[]): AuditResult['summary'] {
  const summary = {critical: 0, info: 0, warning: 0}
  for (const finding of findings) summary[finding.severity]++
  return summary
}

/** Turns "the app named on the command line does not exist" into a one-line error naming the fix. */
async function namingApps<T>(names: readonly string[], load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if (isNotFound(error)) {
      const missing = HerokuApi.missingApp(error, names)
      if (missing) {
        throw new ActionableError(`Couldn't find app ${missing}, or you have no access to it.`, 'Check the name with heroku apps --all, then pass it with -a APP or --production APP.', ExitCode.Api)
      }
    }

    throw error
  }
}

type ProductionFrom = AuditResult['productionFrom']

interface RunInput {
  audited: AppSnapshot[]
  /** the related production apps: compared, named by drift and NO_PIPELINE, listed */
  production: AppSnapshot[]
  /** the account's other production apps: compared, listed when a finding names them */
  elsewhere?: readonly AppSnapshot[]
  from: ProductionFrom
  /** listed instead of `production` and the named `elsewhere` (account mode lists every app compared) */
  listed?: readonly AppSnapshot[]
  pipeline: null | string
  protectedApps: readonly string[]
  stages?: {findings: AuditFinding[]; stages: NonNullable<AuditResult['stages']>}
  /** why each production app is one, by id (an app of `elsewhere` without an entry: 'listed') */
  via?: ReadonlyMap<string, ProductionVia[]>
}

function run(input: RunInput): AuditRun {
  const {audited, elsewhere = [], production, protectedApps, stages, via = new Map()} = input
  const findings = audited
    .flatMap(staging => [...auditStaging(staging, production, elsewhere), ...protectedStage(staging, protectedApps)])
    .concat(stages?.findings ?? [])
    .sort(compareFindings)
  const listedApp = (snapshot: AppSnapshot) => ({...auditedApp(snapshot), ...(via.has(snapshot.app.id) ? {via: via.get(snapshot.app.id)} : {})})
  // The account's other production apps are listed when a finding names them (findings name apps by
  // name); PRODUCTION_STAGE names the audited app itself, compared with nothing.
  const named = new Set(findings.filter(finding => finding.code !== 'PRODUCTION_STAGE').flatMap(finding => finding.production))
  const productionIds = new Set(production.map(snapshot => snapshot.app.id))
  const shown = elsewhere.filter(snapshot => named.has(snapshot.app.name) && !productionIds.has(snapshot.app.id))
  const listed = input.listed
    ? input.listed.map(snapshot => listedApp(snapshot))
    : [...production.map(snapshot => listedApp(snapshot)), ...shown.map(snapshot => ({...auditedApp(snapshot), via: via.get(snapshot.app.id) ?? ['listed' as const]}))]
  const result = {
    apps: audited.map(snapshot => auditedApp(snapshot)),
    findings,
    pipeline: input.pipeline,
    production: listed,
    productionFrom: input.from,
    ...(stages ? {stages: stages.stages} : {}),
    summary: summarize(findings),
  }
  return {audited, production: uniqueById([...production, ...elsewhere]), result}
}

/** What the audit loads of a production app: lists and add-ons, no formation; databases come after, for the related ones. */
const PRODUCTION_LOAD: LoadOptions = {databases: false, formation: false}
/** What it loads of the account's other production apps, only compared: their config vars and attachments. */
const ELSEWHERE_LOAD: LoadOptions = {addons: false, databases: false, formation: false}

/** The production registry's view of the account, read in every audit mode's first round. */
interface AccountReads {
  /** every pipeline coupling of the account */
  couplings: PipelineCoupling[]
  /** every production app of the account, with why: ids from the couplings, names or ids from the protected list */
  refs: ProductionAppRef[]
}

/**
 * Every production app of the account as the registry sees it (its couplings and candidates), with the
 * account's pipelines listed beside them to name the pipelines without asking for each. Started in
 * each mode's first round, beside the mode's own loads; the couplings are remembered so that no app
 * loaded after asks for its own. Fails closed (exit 3): an audit that cannot list the account's
 * production apps cannot say that nothing reaches them, so naming production with --production is no
 * way around it and the fix line does not offer it.
 */
function accountReads(client: HerokuClient, protectedApps: readonly string[]): Promise<AccountReads> {
  const registry = new ProductionRegistry(client, {
    failExit: ExitCode.Api,
    namingFlag: null,
    protectedApps: protectedApps.map(name => ({name})),
  })
  const pipelines = apiOf(client).pipelines()
  rememberPipelines(client, pipelines)
  const reads = (async () => {
    const [couplings, refs] = await Promise.all([registry.couplings(), registry.candidates(), pipelines.catch(() => [])])
    rememberCouplings(client, couplings)
    return {couplings, refs}
  })()
  // Awaited by every path (settled first when the mode's own loads fail): never an unhandled rejection.
  reads.catch(() => {})
  return reads
}

/**
 * The account's production apps other than `skip` (names or ids of apps the mode loads itself), loaded
 * to be compared: the one load of "every other production app of the account" that each mode calls.
 */
async function productionElsewhere(client: HerokuClient, reads: AccountReads, skip: ReadonlySet<string>): Promise<AppSnapshot[]> {
  const keys = [...new Set(reads.refs.map(ref => ref.id))].filter(key => !skip.has(key))
  return (await loadProductionElsewhere(client, keys)).filter(snapshot => !skip.has(snapshot.app.id) && !skip.has(snapshot.app.name))
}

/** Is this loaded app one the registry counts as production (by id, or the name the protected list holds)? */
function isProductionRef(reads: AccountReads, snapshot: AppSnapshot): boolean {
  return reads.refs.some(ref => ref.id === snapshot.app.id || ref.id === snapshot.app.name)
}

/** Settles every promise, then returns the values or throws the first rejection in argument order: no request outlives the audit. */
async function allSettled<T extends readonly unknown[]>(...pending: {[K in keyof T]: Promise<T[K]>}): Promise<T> {
  const results = await Promise.allSettled(pending)
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
  return results.map(result => (result as PromiseFulfilledResult<unknown>).value) as unknown as T
}

async function auditApp(client: HerokuClient, app: string, given: readonly string[], protectedApps: readonly string[], load: LoadOptions): Promise<AuditRun> {
  if (given.length > 0) return auditAppAgainst(client, app, given, protectedApps, load)
  // Three round trips on the critical path:
  // 1. staging's app and lists with its coupling, beside the account's couplings and pipelines (the
  //    production registry's view: every production app of the account, and which pipeline each is in);
  // 2. every production app's lists (the pipeline's production fully, the others' config vars and
  //    attachments), beside staging's databases;
  // 3. the related production apps' databases (drift).
  // Asked first, so that staging's load shares this request (appCoupling) rather than sending its own.
  const stagingCoupling = appCoupling(client, app)
  const stagingLoad = namingApps([app], async () => loadApps(client, [app], load))
  const account = accountReads(client, protectedApps)
  const productionLoad = (async () => {
    const [coupling, reads] = await Promise.all([stagingCoupling, account])
    const self = new Set([app, ...(coupling ? [coupling.app.id ?? ''] : [])])
    // The app's own pipeline decides, when it has a production stage; an app coupled as production is
    // reported by PRODUCTION_STAGE and not compared with itself.
    const inPipeline = coupling
      ? reads.couplings.filter(c => c.pipeline.id === coupling.pipeline.id && c.stage === 'production' && c.app.id).map(c => c.app.id as string)
      : []
    const relatedIds = inPipeline.filter(id => !self.has(id))
    const [related, others] = await Promise.all([
      loadApps(client, relatedIds, PRODUCTION_LOAD).then(async loaded => mapBounded(loaded.ofAll(relatedIds), 8, async s => withDatabases(client, s))),
      productionElsewhere(client, reads, new Set([...self, ...relatedIds])),
    ])
    return {inPipeline: inPipeline.length > 0, others, reads, related}
  })()
  const [loaded, {inPipeline, others, reads, related}] = await allSettled(stagingLoad, productionLoad)
  const staging = loaded.of(app)
  const elsewhere = others.filter(s => s.app.id !== staging.app.id)
  const via = productionVia(reads.refs, elsewhere)
  if (inPipeline) return run({audited: [staging], elsewhere, from: 'pipeline', pipeline: null, production: related, protectedApps, via})

  // In no pipeline with a production stage (e.g. just forked): every production app of the account,
  // the related one(s) named by drift and NO_PIPELINE, with their databases (the third round trip).
  if (elsewhere.length === 0) {
    throw new UsageError(
      `Cannot tell which app is production for ${staging.app.name}: it is in no pipeline with a production stage, and no app of the account is at stage production or protected.`,
      'Name it with --production PRODUCTION_APP (repeatable).',
    )
  }

  const relatedIds = new Set(relatedProduction(staging, elsewhere).map(s => s.app.id))
  const withDbs = await mapBounded(elsewhere.filter(s => relatedIds.has(s.app.id)), 8, async s => withDatabases(client, s))
  const production = [...withDbs, ...elsewhere.filter(s => !relatedIds.has(s.app.id))]
  return run({audited: [staging], elsewhere: production, from: 'account', listed: production, pipeline: null, production: withDbs, protectedApps, via})
}

/**
 * `-a APP --production PROD…`: production is named, and the account's other production apps are
 * compared too. Two round trips, as before the account comparison: 1. the named apps and their lists
 * (not yet their databases) beside the registry's reads; 2. their databases beside the account's other
 * production apps, which are known by id only once the named apps are loaded (a coupling names its app
 * by id, the flag by name), so none is loaded twice.
 */
async function auditAppAgainst(client: HerokuClient, app: string, given: readonly string[], protectedApps: readonly string[], load: LoadOptions): Promise<AuditRun> {
  const account = accountReads(client, protectedApps)
  const names = [app, ...given]
  const [loaded, reads] = await allSettled(namingApps(names, async () => loadApps(client, names, {...load, databases: false})), account)
  const skip = new Set([...loaded.values()].flatMap(snapshot => [snapshot.app.id, snapshot.app.name]))
  const [complete, elsewhere] = await allSettled(
    load.databases ? mapBounded([...loaded.entries()], 8, async ([ref, s]) => [ref, await withDatabases(client, s)] as const) : Promise.resolve([...loaded.entries()]),
    productionElsewhere(client, reads, skip),
  )
  const snapshots = new LoadedApps(complete)
  return run({
    audited: [snapshots.of(app)],
    elsewhere,
    from: 'flag',
    pipeline: null,
    production: uniqueById(snapshots.ofAll(given)),
    protectedApps,
    via: productionVia(reads.refs, elsewhere),
  })
}

/**
 * The account's other production apps, compared with the staging app: their config vars and
 * attachments, by id (one `POST /filters/apps` for many) or by the name the protected list holds. An
 * app that no longer exists (a stale protected entry) is skipped.
 */
async function loadProductionElsewhere(client: HerokuClient, keys: readonly string[]): Promise<AppSnapshot[]> {
  const loaded = await loadApps(client, keys, ELSEWHERE_LOAD).catch(async error => {
    if (!isNotFound(error)) throw error
    // One app is gone: load them one by one, keeping those that answer.
    const each = await mapBounded(keys, 8, async key => loadApps(client, [key], ELSEWHERE_LOAD).then(found => found.of(key), error_ => {
      if (isNotFound(error_)) return undefined
      throw error_
    }))
    return new LoadedApps(each.flatMap((snapshot, index) => (snapshot ? [[keys[index]!, snapshot] as const] : [])))
  })
  return uniqueById([...loaded.values()])
}

/** Why each loaded production app is one, by id, from the registry's refs (by id, or the name the protected list holds). */
function productionVia(refs: readonly ProductionAppRef[], snapshots: readonly AppSnapshot[]): Map<string, ProductionVia[]> {
  const via = new Map<string, ProductionVia[]>()
  for (const snapshot of snapshots) {
    const reasons = refs.filter(ref => ref.id === snapshot.app.id || ref.id === snapshot.app.name).flatMap(ref => ref.via)
    via.set(snapshot.app.id, [...new Set(reasons)])
  }

  return via
}

function uniqueById(snapshots: readonly AppSnapshot[]): AppSnapshot[] {
  return [...new Map(snapshots.map(snapshot => [snapshot.app.id, snapshot])).values()]
}

/** The review and test stages as the result lists them: config var names (never values) and the stage's apps. */
function stageSummary(stages: PipelineStages, audited: readonly AppSnapshot[]): NonNullable<AuditResult['stages']> {
  return CONFIG_STAGES.map(stage => ({
    apps: audited.filter(app => app.pipeline?.stage === stage).map(app => app.app.name),
    configVars: Object.keys(stages.stages.find(s => s.pipeline?.stage === stage)?.configVars ?? {}).sort(),
    stage,
  }))
}

async function auditPipeline(client: HerokuClient, name: string, given: readonly string[], protectedApps: readonly string[], load: LoadOptions): Promise<AuditRun> {
  // The registry's reads start in the first round, beside the pipeline's; the account's other
  // production apps load beside the pipeline's apps once both are in (no round trip added).
  const account = accountReads(client, protectedApps)
  let coupled: Awaited<ReturnType<typeof pipelineCouplings>>
  try {
    coupled = await pipelineCouplings(client, name)
  } catch (error) {
    await account.catch(() => {})
    throw error
  }

  const productionIds = coupled.apps.filter(app => app.stage === 'production').map(app => app.id)
  if (given.length === 0 && productionIds.length === 0) {
    await account.catch(() => {})
    throw new UsageError(`Pipeline ${coupled.pipeline.name} has no app at stage production.`, 'Name production with --production PRODUCTION_APP (repeatable).')
  }

  // The review and test stages (review apps, the config vars every review app and CI run gets) load beside the apps.
  const stagesLoad = loadPipelineStages(client, {id: coupled.pipeline.id, name: coupled.pipeline.name}, {hosts: load.hosts})
  const productionRefs = given.length > 0 ? [...given] : productionIds
  const candidates = coupled.apps.filter(app => given.length > 0 || app.stage !== 'production').map(app => app.id)
  const names = [...new Set([...candidates, ...productionRefs])]
  const skip = new Set([...coupled.apps.map(app => app.id), ...given])
  const [loaded, stages, {others, reads}] = await allSettled(
    namingApps(given, async () => loadApps(client, names, load)),
    stagesLoad,
    account.then(async reads => ({others: await productionElsewhere(client, reads, skip), reads})),
  )
  // A review app not (yet) coupled is audited all the same.
  const uncoupled = [...new Set(stages.reviewApps.map(review => review.appId))].filter(id => !loaded.has(id))
  if (uncoupled.length > 0) for (const [ref, snapshot] of await loadApps(client, uncoupled, load)) loaded.set(ref, snapshot)
  const production = uniqueById(loaded.ofAll(productionRefs))
  const productionSet = new Set(production.map(snapshot => snapshot.app.id))
  const audited = uniqueById(loaded.ofAll([...candidates, ...uncoupled])).filter(snapshot => !productionSet.has(snapshot.app.id))
  if (audited.length === 0 && stages.stages.length === 0) {
    throw new UsageError(`Pipeline ${coupled.pipeline.name} has no app outside production to audit.`, `Add one with heroku pipelines:add ${coupled.pipeline.name} --stage staging -a STAGING_APP.`)
  }

  // Every other production app of the account is compared too: those loaded here (a production-stage
  // app audited because --production named another, a protected app of the pipeline) and the others.
  const loadedIds = new Set([...loaded.values()].flatMap(snapshot => [snapshot.app.id, snapshot.app.name]))
  const elsewhere = uniqueById([
    ...[...loaded.values()].filter(snapshot => isProductionRef(reads, snapshot)),
    ...others.filter(snapshot => !loadedIds.has(snapshot.app.id) && !loadedIds.has(snapshot.app.name)),
  ]).filter(snapshot => !productionSet.has(snapshot.app.id))
  // A stage's config vars are compared with the pipeline's production first, then the account's others.
  const stageFindings = stages.stages.flatMap(stage => auditStageConfig(stage, [...production, ...elsewhere], audited))
  return run({
    audited,
    elsewhere,
    from: given.length > 0 ? 'flag' : 'pipeline',
    pipeline: coupled.pipeline.name,
    production,
    protectedApps,
    stages: {findings: stageFindings, stages: stageSummary(stages, audited)},
    via: productionVia(reads.refs, elsewhere),
  })
}

/** The pipeline's couplings, or a one-line error naming the fix when there is no such pipeline. */
async function pipelineCouplings(client: HerokuClient, name: string): Promise<Awaited<ReturnType<typeof loadPipelineCouplings>>> {
  try {
    return await loadPipelineCouplings(client, name)
  } catch (error) {
    if (isNotFound(error)) {
      throw new ActionableError(`Couldn't find pipeline ${name}, or you have no access to it.`, 'Check the name with heroku pipelines, then pass it with --pipeline NAME.', ExitCode.Api)
    }

    throw error
  }
}

/**
 * Loads what the audit needs and runs the rules, and returns the snapshots with the result. With
 * `app`: that app against `production`, else against its pipeline's production-stage apps. With
 * `pipeline`: every non-production app of the pipeline in one report. `load` says what to load of
 * the audited apps (default AUDIT_LOAD; --fix adds the release), and of the apps loaded in the same
 * call (`--production` apps, a pipeline's apps). Requests run concurrently through the client;
 * nothing is printed.
 */
export async function auditApps(client: HerokuClient, request: AuditRequest, load: LoadOptions = AUDIT_LOAD): Promise<AuditRun> {
  const protectedApps = request.protectedApps ?? []
  if (request.pipeline) return auditPipeline(client, request.pipeline, request.production, protectedApps, load)
  if (!request.app) throw new UsageError('No app to audit.', 'Pass the staging app with -a STAGING_APP, or a whole pipeline with --pipeline NAME.')
  return auditApp(client, request.app, request.production, protectedApps, load)
}

/** `auditApps` without the snapshots: the report `heroku staging:audit` prints. */
export async function runAudit(client: HerokuClient, request: AuditRequest): Promise<AuditResult> {
  return (await auditApps(client, request)).result
}

/** Flags that cannot go together, refused before any request (exit 2). */
export function checkAuditFlags(flags: {fix?: boolean; format?: string}, json: boolean): void {
  // Checked here, not with oclif's `exclusive`: --json is a global flag, and `exclusive` garbles the usage line.
  if (flags.format === 'github' && json) throw new UsageError('--format github and --json both choose what is printed.', 'Pass one: --format github for annotations, --json for the result.')
  if (flags.format === 'github' && flags.fix) throw new UsageError('--format github prints an audit, and --fix repairs.', 'Audit with --format github, or repair with --fix (without --format).')
}

/** The audit's result → its exit code: 1 while a critical finding remains. */
export function auditExitCode(result: AuditResult): ExitCodeValue {
  return result.summary.critical > 0 ? ExitCode.Critical : ExitCode.Ok
}
