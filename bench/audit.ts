/**
 * What `staging:audit` costs, side by side with what a user would otherwise run.
 *
 *   npx tsx bench/audit.ts [--rounds 5] [--latency 150] [--production-apps 20] [--apps 50] [--fillers 1949]
 *                          [--loop-apps 51] [--skip-single] [--skip-pipeline] [--skip-wide] [--skip-loop]
 *
 * Runs the local emulator (real PostgreSQL) and the real `heroku` CLI (npm `heroku` 11.10.0, pinned in
 * node_modules) with the plugin as users get it: packed with `npm pack` and installed with
 * `heroku plugins:install file:…` in an isolated HOME (test/helpers/heroku-cli.ts). Whole processes are
 * timed from spawn to exit, A and B interleaved, after a warm-up; medians.
 *   (a) one app: `heroku staging:audit -a acme-staging` against `heroku config -a acme-staging`, production
 *       and staging in one pipeline, each with its own Essential Postgres as DATABASE, at 0 ms and at
 *       LATENCY ms added to every request; the audit's requests and round trips, from the emulator's journal;
 *   (a2) the same at LATENCY ms in an account of PRODUCTION_APPS production apps (each in its own pipeline,
 *       with its own Essential Postgres), all of which the audit compares staging with;
 *   (b) a pipeline of APPS staging apps + 1 production app in an account of 2,000 apps and 6,000
 *       add-ons (fillers seeded in one pass, `seed-bulk`): requests per audited app and wall time of the
 *       audit's code path at LATENCY ms, and what the account-wide lists alone would cost instead;
 *   (c) `heroku staging:audit --pipeline bench` against the stock loop (`heroku config`, `heroku addons`,
 *       `heroku pg:info` for each of the first LOOP_APPS apps of the pipeline, scaled to all of them when
 *       fewer), ratio printed.
 * --skip-pipeline skips (b) and (c).
 */
import {APIClient} from '@heroku-cli/command'
import {Config} from '@oclif/core'
import {readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import type {JournalEntry, SeedFixture} from '../emulator/types.js'
import {runAudit} from '../src/lib/audit-flow/run.js'
import {HerokuClient} from '../src/lib/heroku/client.js'
import {emulatorEnv, startTestEmulator} from '../test/helpers/emulator.js'
import {HerokuCli, ROOT} from '../test/helpers/heroku-cli.js'

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  const value = index === -1 ? undefined : Number(process.argv[index + 1])
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback
}

const ROUNDS = Math.max(1, arg('rounds', 5))
const PRODUCTION_APPS = Math.max(1, arg('production-apps', 20))
const LATENCY_MS = arg('latency', 150)
const APPS = arg('apps', 50)
const FILLERS = arg('fillers', 1949)
const LOOP_APPS = arg('loop-apps', APPS + 1)
const SKIP_LOOP = process.argv.includes('--skip-loop')
/** (a) and the account-wide lists of (b) take minutes on a loaded machine; these run (c) on its own */
const SKIP_SINGLE = process.argv.includes('--skip-single')
const SKIP_WIDE = process.argv.includes('--skip-wide')
const SKIP_PIPELINE = process.argv.includes('--skip-pipeline')
const PIPELINE = 'bench'

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const fmt = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`)

const CPU_FILE = path.join(os.tmpdir(), `bench-audit-cpu-${process.pid}`)
const CPU_ENV = {BENCH_CPU_FILE: CPU_FILE, NODE_OPTIONS: `--require ${path.join(path.dirname(fileURLToPath(import.meta.url)), 'cpu-usage.cjs')}`}

/** The CPU time (user + system) of the last process timed with `cpu`, from bench/cpu-usage.cjs. */
function lastCpuMs(): number {
  const lines = readFileSync(CPU_FILE, 'utf8').trim().split('\n')
  return Number(lines.at(-1))
}

async function timed(cli: HerokuCli, args: string[], ok: number[] = [0], cpu = false): Promise<number> {
  if (cpu) writeFileSync(CPU_FILE, '')
  const run = await cli.run(args, {env: cpu ? CPU_ENV : {}, timeoutMs: 300_000})
  if (!ok.includes(run.status ?? -1)) throw new Error(`heroku ${args.join(' ')} exited ${run.status}:\n${run.stdout}${run.stderr}`)
  return run.durationMs
}

/** The pipeline of (b) and (c): production with Postgres and Redis; staging apps with their own Postgres. */
function pipelineFixture(): {fixture: SeedFixture; names: string[]} {
  const staging = Array.from({length: APPS}, (_, index) => `bench-staging-${String(index + 1).padStart(2, '0')}`)
  const secret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'
  return {
    fixture: {
      addons: [
        {app: 'bench-production', plan: 'heroku-postgresql:standard-0', version: '16'},
        {app: 'bench-production', plan: 'heroku-redis:premium-0'},
        {app: 'bench-production', plan: 'scheduler:standard'},
        {app: 'bench-production', plan: 'mailgun:starter'},
        ...staging.flatMap((app, index) => [
          {app, plan: 'heroku-postgresql:essential-0', version: '16'},
          {app, plan: 'heroku-redis:mini'},
          ...(index < 49 ? [{app, plan: 'mailgun:starter'}] : []),
        ]),
      ],
      apps: [
        {config: {RACK_ENV: 'production', SECRET_KEY_BASE: secret}, formation: [{quantity: 2, type: 'web'}, {quantity: 1, type: 'worker'}], name: 'bench-production'},
        ...staging.map((name, index) => ({
          // every fifth staging app carries production's secret, so the audit has findings to report
          config: {RACK_ENV: 'staging', SECRET_KEY_BASE: index % 5 === 0 ? secret : `f${index}e${index}d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9`},
          formation: [{quantity: 1, type: 'web'}, {quantity: 0, type: 'worker'}],
          name,
        })),
      ],
      pipelines: [{apps: Object.fromEntries([['bench-production', 'production'], ...staging.map(app => [app, 'staging'])]), name: PIPELINE}],
    },
    names: ['bench-production', ...staging],
  }
}

/**
 * The round trips on the critical path, from the emulator's journal: a request's round is one more than
 * the latest round of any request that had finished when it arrived (a request may wait on any of them).
 */
function roundTrips(entries: readonly JournalEntry[]): Array<Array<{line: string}>> {
  const timed = entries.filter(entry => entry.api !== 'control').map(entry => ({entry, start: Date.parse(entry.time), end: Date.parse(entry.time) + entry.durationMs}))
    .sort((a, b) => a.start - b.start)
  const rounds: number[] = []
  for (const [index, request] of timed.entries()) {
    let round = 1
    for (let before = 0; before < index; before++) if (timed[before]!.end <= request.start) round = Math.max(round, rounds[before]! + 1)
    rounds.push(round)
  }

  const byRound: Array<Array<{line: string}>> = []
  for (const [index, request] of timed.entries()) (byRound[rounds[index]! - 1] ??= []).push({line: `${request.entry.method} ${request.entry.path.replaceAll(/[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}/g, '<id>')}`})
  return byRound
}

/** The pair the issue describes: production and staging in one pipeline, each with its own Essential Postgres as DATABASE. */
function pairFixture(prefix: string, pipeline: string): SeedFixture {
  return {
    addons: [
      {app: `${prefix}-production`, as: 'DATABASE', plan: 'heroku-postgresql:essential-0', version: '16'},
      {app: `${prefix}-staging`, as: 'DATABASE', plan: 'heroku-postgresql:essential-0', version: '16'},
    ],
    apps: [
      {config: {NODE_ENV: 'production', SECRET_KEY_BASE: `${prefix}0production0secret0key0base0000000000000000000000000000000000`}, name: `${prefix}-production`},
      {config: {NODE_ENV: 'staging', SECRET_KEY_BASE: `${prefix}0staging0only0secret0key0base00000000000000000000000000000000`}, name: `${prefix}-staging`},
    ],
    pipelines: [{apps: {[`${prefix}-production`]: 'production', [`${prefix}-staging`]: 'staging'}, name: pipeline}],
  }
}

/** Times `heroku staging:audit -a APP` against `heroku config -a APP`: ROUNDS interleaved pairs after a warm-up, medians. */
async function single(cli: HerokuCli, app: string, latency: number, label: string): Promise<void> {
  emulator.setLatency(latency)
  const auditArgs = ['staging:audit', '-a', app]
  const configArgs = ['config', '-a', app]
  const audit: number[] = []
  const stock: number[] = []
  const ratios: number[] = []
  const auditCpu: number[] = []
  const stockCpu: number[] = []
  for (let round = 0; round <= ROUNDS; round++) {
    // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
    const a = await timed(cli, auditArgs, [0, 1], true)
    const aCpu = lastCpuMs()
    // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
    const b = await timed(cli, configArgs, [0], true)
    const bCpu = lastCpuMs()
    if (round === 0) continue
    audit.push(a)
    stock.push(b)
    ratios.push(a / b)
    auditCpu.push(aCpu)
    stockCpu.push(bCpu)
  }

  // One more audit, alone in the journal: its requests and round trips.
  emulator.clearJournal()
  await timed(cli, auditArgs, [0, 1])
  const trips = roundTrips(emulator.journal())
  const requests = trips.reduce((sum, round) => sum + round.length, 0)
  emulator.clearJournal()
  await timed(cli, configArgs)
  const configTrips = roundTrips(emulator.journal())
  console.log(`  ${label}, latency ${String(latency).padStart(3)} ms: audit ${fmt(median(audit))}  config ${fmt(median(stock))}  ratio ${(median(audit) / median(stock)).toFixed(2)}×`
    + ` (median of pair ratios ${median(ratios).toFixed(2)}×), gap ${fmt(median(audit) - median(stock))} | ${requests} requests${latency > 0 ? ` in ${trips.length} round trips` : ' (round trips need latency to tell apart)'}`)
  console.log(`    runs audit: ${audit.map(x => x.toFixed(0)).join(', ')}; config: ${stock.map(x => x.toFixed(0)).join(', ')}; load average ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`)
  // On a loaded machine a process mostly waits for a core; its CPU time does not. What a quiet machine would
  // show is about CPU time + round trips × latency (config's own round trips, from the journal too); printed as such, an estimate.
  const estimate = (cpu: number, trips: number): number => cpu + trips * latency
  console.log(`    CPU time (user+sys, medians): audit ${fmt(median(auditCpu))}, config ${fmt(median(stockCpu))}, ratio ${(median(auditCpu) / median(stockCpu)).toFixed(2)}×;`
    + ` estimate CPU + round trips × latency: ${fmt(estimate(median(auditCpu), trips.length))} vs ${fmt(estimate(median(stockCpu), configTrips.length))} = ${(estimate(median(auditCpu), trips.length) / estimate(median(stockCpu), configTrips.length)).toFixed(2)}×`
    + ` (config: ${configTrips.flat().length} requests in ${configTrips.length} round trips)`)
  if (latency > 0) for (const [index, round] of trips.entries()) console.log(`    round ${index + 1}: ${round.map(r => r.line).join(', ')}`)
}

const emulator = await startTestEmulator()
try {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
  console.log('staging:audit cost, side by side with the stock CLI')
  console.log(`date:    ${new Date().toISOString()}`)
  console.log(`machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}, load average ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`)

  // ------------------------------------------------------------------ (a) one app, as users run it
  await emulator.seed(pairFixture('acme', 'acme'))
  // The plugin packed with `npm pack` and installed with `heroku plugins:install file:…` (a minute or more).
  const installStart = performance.now()
  const cli = await HerokuCli.create({env: emulatorEnv(emulator), plugin: SKIP_SINGLE && (SKIP_LOOP || SKIP_PIPELINE) ? 'none' : 'packed'})
  Object.assign(process.env, emulatorEnv(emulator))
  const config = await Config.load({root: ROOT})
  console.log(`cli:     ${(await cli.run(['--version'])).stdout.trim()}, plugin packed and installed with plugins:install file:… in ${fmt(performance.now() - installStart)}`)
  console.log('')
  if (!SKIP_SINGLE) {
    console.log(`(a) one app: heroku staging:audit -a acme-staging vs heroku config -a acme-staging; Essential Postgres on both; whole processes, ${ROUNDS} interleaved pairs after 1 warm-up, medians`)
    for (const latency of [0, LATENCY_MS]) {
      // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
      await single(cli, 'acme-staging', latency, 'pipeline acme')
    }

    // The same audit in an account of PRODUCTION_APPS production apps, each in its own pipeline with its own database.
    emulator.setLatency(0)
    const more = Array.from({length: PRODUCTION_APPS - 1}, (_, index) => pairFixture(`shop${String(index + 1).padStart(2, '0')}`, `shop${String(index + 1).padStart(2, '0')}`))
    await emulator.seed({
      addons: more.flatMap(fixture => fixture.addons ?? []).filter(addon => addon.app.endsWith('-production')),
      apps: more.flatMap(fixture => fixture.apps ?? []).filter(app => app.name.endsWith('-production')),
      pipelines: more.flatMap(fixture => fixture.pipelines ?? []).map(p => ({...p, apps: Object.fromEntries(Object.entries(p.apps).filter(([app]) => app.endsWith('-production')))})),
    })
    console.log(`(a2) the same, in an account of ${PRODUCTION_APPS} production apps (each in its own pipeline, with its own Essential Postgres)`)
    await single(cli, 'acme-staging', LATENCY_MS, `${PRODUCTION_APPS} production apps`)
  }

  if (SKIP_PIPELINE) console.log('(b), (c) skipped (--skip-pipeline)')
  else await pipelineBenches(cli, config)
} finally {
  await emulator.stop()
}

/** (b) and (c): a pipeline of APPS staging apps in a large account, in-process and through the CLI. */
async function pipelineBenches(cli: HerokuCli, config: Config): Promise<void> {
  // ------------------------------------------------------------------ (b) a pipeline in a large account
  emulator.setLatency(0)
  const {fixture, names} = pipelineFixture()
  let seedStart = performance.now()
  await emulator.seed(fixture)
  const pipelineSeedMs = performance.now() - seedStart
  seedStart = performance.now()
  emulator.seedBulk({config: {RACK_ENV: 'production'}, count: FILLERS, plans: ['heroku-redis:mini', 'scheduler:standard', 'mailgun:starter'], prefix: 'filler'})
  const bulkSeedMs = performance.now() - seedStart
  const client0 = new HerokuClient(new APIClient(config))
  const [apps, addons, attachments, couplings] = await Promise.all(['/apps', '/addons', '/addon-attachments', '/pipeline-couplings'].map(async list => client0.list<unknown>(list)))
  console.log('')
  console.log(`(b) ${APPS} staging apps + 1 production in pipeline ${PIPELINE}, in an account of ${apps!.length} apps, ${addons!.length} add-ons, ${attachments!.length} attachments, ${couplings!.length} couplings`)
  console.log(`    seeded: the pipeline (real databases) in ${fmt(pipelineSeedMs)}, ${FILLERS} filler apps with ${FILLERS * 3} add-ons in one pass (seed-bulk) in ${fmt(bulkSeedMs)}`)
  emulator.setLatency(LATENCY_MS)
  const runs: Array<{journal: number; ms: number; requests: number}> = []
  for (let round = 0; round <= Math.min(ROUNDS, 3); round++) {
    const client = new HerokuClient(new APIClient(config))
    emulator.clearJournal()
    const started = performance.now()
    // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
    const result = await runAudit(client, {pipeline: PIPELINE, production: []})
    const ms = performance.now() - started
    if (result.apps.length !== APPS) throw new Error(`audited ${result.apps.length} apps, expected ${APPS}`)
    if (round > 0) runs.push({journal: emulator.journal().filter(entry => entry.api !== 'control').length, ms, requests: client.records.length})
  }

  const requests = runs[0]!.requests
  console.log(`    staging:audit --pipeline (in-process, ${LATENCY_MS} ms latency): ${requests} requests (journal ${runs[0]!.journal}) = ${(requests / APPS).toFixed(2)} per audited app, wall ${fmt(median(runs.map(r => r.ms)))} (runs ${runs.map(r => r.ms.toFixed(0)).join(', ')})`)
  // What the account-wide lists the loader used before would cost in this account, alone.
  if (!SKIP_WIDE) {
  const wide = new HerokuClient(new APIClient(config))
  const wideStart = performance.now()
  await Promise.all(['/apps', '/addon-attachments', '/addons', '/pipeline-couplings'].map(async list => wide.list<unknown>(list)))
  const wideMs = performance.now() - wideStart
  const perAppLists = 2 * (APPS + 1) // attachments and add-ons per loaded app: what the account-wide lists replaced
  console.log(`    the 4 account-wide lists alone: ${wide.records.length} requests (200 a page), ${fmt(wideMs)}; they would replace ${perAppLists} per-app list requests and ${APPS + 1} app requests that POST /filters/apps makes 1,`
    + ` so they pay off from about ${Math.ceil(wide.records.length / 2)} loaded apps in this account (2 per-app lists per app vs ${wide.records.length} pages)`)
  }

  // ------------------------------------------------------------------ (c) --pipeline vs the stock loop
  if (SKIP_LOOP) {
    console.log('(c) skipped (--skip-loop)')
  } else {
    console.log('')
    const pipelineArgs = ['staging:audit', '--pipeline', PIPELINE]
    const audits: number[] = []
    for (let round = 0; round <= 3; round++) {
      // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
      const ms = await timed(cli, pipelineArgs, [0, 1])
      if (round > 0) audits.push(ms)
    }

    const loopApps = names.slice(0, LOOP_APPS)
    const loopStart = performance.now()
    let processes = 0
    for (const app of loopApps) {
      for (const args of [['config', '-a', app], ['addons', '-a', app], ['pg:info', '-a', app]]) {
        // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
        await timed(cli, args)
        processes++
      }
    }

    const loopMs = performance.now() - loopStart
    const audit = median(audits)
    console.log(`(c) at ${LATENCY_MS} ms latency: heroku ${pipelineArgs.join(' ')} ${fmt(audit)} (median of 3: ${audits.map(x => x.toFixed(0)).join(', ')})`)
    console.log(`    stock loop (heroku config, addons, pg:info for ${loopApps.length} apps, ${processes} processes, one after another) ${fmt(loopMs)}`)
    // The loop is the same three commands per app, so its time scales with the apps; a shorter loop (--loop-apps) is scaled up.
    const wholeLoop = loopMs * (names.length / loopApps.length)
    if (loopApps.length < names.length) console.log(`    scaled to the pipeline's ${names.length} apps: ${fmt(wholeLoop)}`)
    console.log(`    ratio stock loop / staging:audit --pipeline (${names.length} apps each): ${(wholeLoop / audit).toFixed(1)}×`)
  }
}
