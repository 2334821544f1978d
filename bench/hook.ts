/**
 * What heroku-staging costs the real `heroku` CLI. Runs each command N times without the plugin, with it
 * linked (`heroku plugins:link`, as the brief and the CLI tests use it) and with it laid out as
 * `heroku plugins:install` leaves it (three isolated HOMEs; see test/helpers/heroku-cli.ts), interleaved so
 * drift hits every side alike, and prints the medians side by side. Goal: under 20 ms added.
 *
 *   npx tsx bench/hook.ts [N]        (default N = 21)
 *
 * `--version` and `apps --help` are answered before any command runs, so they measure loading the plugin
 * (its package.json and manifest). `which apps` is a real command: oclif runs every plugin's prerun hook
 * before it, so that row includes loading our hook and it returning at once for an unguarded command.
 * For a LINKED plugin, oclif's development mode looks for a tsconfig before loading any of its modules, and
 * that lookup require()s TypeScript (~200 ms); an installed plugin skips it. Both are measured.
 *
 * Then, against the emulator (real PostgreSQL), what a GUARDED command pays for the check: a stock
 * `pg:reset` of a staging database and a `config:set` of a plain var on production (allowed after the
 * lookups), and how long a refused `pg:reset` / `apps:destroy` of production takes.
 *
 *   npx tsx bench/hook.ts --effects [N]
 *
 * measures the effect guard alone (lib/hook/intercept.ts, effect-guard.ts): in an account of 2,000 apps of
 * which 50 are production (each at stage production of its own pipeline), with 150 ms latency on every
 * request (`PUT /__emulator/latency`), the wall time and the requests the installed plugin adds to stock
 * commands whose writes it classifies and lets through, against the same commands without the plugin.
 * Added round trips = added wall time / latency, rounded. Target: at most 2.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {seedCleanPair, startTestEmulator} from '../test/helpers/emulator.js'
import {compilePlugin, HEROKU_BIN, HerokuCli, type HerokuRun} from '../test/helpers/heroku-cli.js'

const EFFECTS = process.argv.includes('--effects')
const N = Number(process.argv.filter(a => !a.startsWith('--'))[2] ?? 21)
const WARMUP = 2
const GOAL_MS = 20
const COMMANDS: string[][] = [['--version'], ['apps', '--help'], ['which', 'apps']]
const SIDES = ['without', 'linked', 'installed'] as const
type Side = (typeof SIDES)[number]

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * One timed run: wall time, and the CPU time (user + sys) of the CLI and every process it starts, read with
 * bash's `times`. CPU time is far less disturbed than wall time by whatever else the machine is doing.
 */
function timedRun(cli: HerokuCli, args: string[]): {cpuMs: number; wallMs: number} {
  const script = '"$0" "$@" >/dev/null 2>&1; code=$?; times; exit $code'
  const started = performance.now()
  const result = spawnSync('bash', ['-c', script, HEROKU_BIN, ...args], {cwd: cli.home, encoding: 'utf8', env: cli.env})
  const wallMs = performance.now() - started
  if (result.status !== 0) throw new Error(`heroku ${args.join(' ')} exited ${result.status}`)
  // `times` prints the shell's user/sys, then its children's: "0m0.612s 0m0.104s".
  const children = result.stdout.trim().split('\n').at(-1) ?? ''
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(m => Number(m[1]) * 60 + Number(m[2]))
  return {cpuMs: ((seconds[0] ?? Number.NaN) + (seconds[1] ?? Number.NaN)) * 1000, wallMs}
}

const ms = (value: number) => `${value.toFixed(1)} ms`
const added = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)} ms${value < GOAL_MS ? '' : ' (over goal)'}`

function check(run: HerokuRun, label: string): HerokuRun {
  if (run.status !== 0) throw new Error(`heroku ${label} exited ${run.status}:\n${run.stdout}${run.stderr}`)
  return run
}

if (EFFECTS) {
  await effects()
  process.exit(0)
}

const clis: Record<Side, HerokuCli> = Object.fromEntries(await Promise.all([
  HerokuCli.create({plugin: 'none'}).then(cli => ['without', cli] as const),
  HerokuCli.create({plugin: 'link'}).then(cli => ['linked', cli] as const),
  HerokuCli.create({plugin: 'installed'}).then(cli => ['installed', cli] as const),
])) as Record<Side, HerokuCli>

try {
  const version = (await clis.without.run(['--version'])).stdout.trim()
  const samples = new Map<string, Record<Side, {cpu: number[]; wall: number[]}>>()
  for (const args of COMMANDS) samples.set(args.join(' '), {installed: {cpu: [], wall: []}, linked: {cpu: [], wall: []}, without: {cpu: [], wall: []}})

  for (let i = 0; i < WARMUP + N; i++) {
    for (const args of COMMANDS) {
      const bucket = samples.get(args.join(' ')) as Record<Side, {cpu: number[]; wall: number[]}>
      // Rotate which side goes first, so none always gets the warmest cache.
      for (const side of SIDES.map((_, k) => SIDES[(i + k) % SIDES.length] as Side)) {
        const run = timedRun(clis[side], args)
        if (i < WARMUP) continue
        bucket[side].cpu.push(run.cpuMs)
        bucket[side].wall.push(run.wallMs)
      }
    }
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
  console.log('heroku-staging: cost of the plugin (and its prerun hook) in the real heroku CLI')
  console.log(`date:    ${new Date().toISOString()}`)
  console.log(`machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, node ${process.version}, load average ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`)
  console.log(`cli:     ${version}`)
  console.log(`runs:    ${N} per command and side (after ${WARMUP} warm-up), interleaved; medians of the whole process: wall time, and CPU time (user+sys, children included)`)
  console.log('')
  const header = ['command', 'metric', 'without plugin', 'linked', 'added (linked)', 'installed', `added (installed), goal < ${GOAL_MS} ms`]
  const rows = COMMANDS.flatMap(args => {
    const label = args.join(' ')
    const bucket = samples.get(label) as Record<Side, {cpu: number[]; wall: number[]}>
    return (['wall', 'cpu'] as const).map(metric => {
      const [a, l, n] = [median(bucket.without[metric]), median(bucket.linked[metric]), median(bucket.installed[metric])]
      return [metric === 'wall' ? `heroku ${label}` : '', metric, ms(a), ms(l), added(l - a), ms(n), added(n - a)]
    })
  })
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] as string).length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd()
  console.log(line(header))
  console.log(line(widths.map(w => '-'.repeat(w))))
  for (const row of rows) console.log(line(row))

  // oclif's own timers (DEBUG=oclif:perf) isolate the plugin's share of a run from the machine's noise:
  // loading the plugin (package.json + manifest), and the prerun phase, where oclif runs every plugin's
  // prerun hook concurrently (the stock CLI's Herokulytics hook and, with the plugin, ours).
  type Perf = {hook: number[]; load: number[]; prerun: number[]}
  const perf: Record<Side, Perf> = {installed: {hook: [], load: [], prerun: []}, linked: {hook: [], load: [], prerun: []}, without: {hook: [], load: [], prerun: []}}
  for (let i = 0; i < N; i++) {
    for (const side of SIDES) {
      // eslint-disable-next-line no-await-in-loop -- runs are timed one at a time on purpose
      const run = check(await clis[side].run(['which', 'apps'], {env: {DEBUG: 'oclif:perf'}}), 'which apps')
      const prerun = /oclif:perf\s+prerun:\s*\n.*?total: ([\d.]+)ms/.exec(run.stderr)?.[1]
      if (prerun === undefined) throw new Error(`no oclif:perf prerun timing in:\n${run.stderr}`)
      perf[side].prerun.push(Number(prerun))
      if (side === 'without') continue
      const load = /oclif:perf\s+heroku-staging: ([\d.]+)ms/.exec(run.stderr)?.[1]
      const hookTime = /oclif:perf\s+heroku-staging\(\.\/dist\/hooks\/prerun\/guard\.js\): ([\d.]+)ms/.exec(run.stderr)?.[1]
      if (load === undefined || hookTime === undefined) throw new Error(`no oclif:perf timings for heroku-staging in:\n${run.stderr}`)
      perf[side].load.push(Number(load))
      perf[side].hook.push(Number(hookTime))
    }
  }

  console.log('')
  console.log(`oclif's own timers (DEBUG=oclif:perf, heroku which apps, median of ${N}):`)
  console.log(`  without    prerun phase ${ms(median(perf.without.prerun))} (the stock Herokulytics hook alone)`)
  for (const side of ['linked', 'installed'] as const) {
    console.log(`  ${side.padEnd(9)}  prerun phase ${ms(median(perf[side].prerun))} (${added(median(perf[side].prerun) - median(perf.without.prerun))});`
      + ` load the plugin ${ms(median(perf[side].load))}; our hook, start to end while running alongside the stock one, ${ms(median(perf[side].hook))}`)
  }

  // The hook alone, in a cold node process each time: import the compiled module, call it for an
  // unguarded command, and list which of the plugin's modules got loaded.
  const pluginDir = await compilePlugin()
  const hookFile = path.join(pluginDir, 'dist', 'hooks', 'prerun', 'guard.js')
  // The baseline imports a one-line module the same way: what any first import costs node's ESM loader.
  const baselineFile = path.join(pluginDir, 'bench-empty.js')
  writeFileSync(baselineFile, 'export default async function () {}\n')
  const script = (file: string) => `
    const t0 = performance.now()
    const {default: hook} = await import(${JSON.stringify(pathToFileURL(file).href)})
    const t1 = performance.now()
    await hook.call({config: {root: ${JSON.stringify(path.dirname(path.dirname(HEROKU_BIN)) + '/heroku')}}}, {Command: {id: 'apps:info'}, argv: ['-a', 'example']})
    const t2 = performance.now()
    console.log(JSON.stringify({call: t2 - t1, load: t1 - t0}))`
  const measure = (file: string) => {
    const loads: number[] = []
    const calls: number[] = []
    for (let i = 0; i < N; i++) {
      const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script(file)], {encoding: 'utf8'})) as {call: number; load: number}
      loads.push(out.load)
      calls.push(out.call)
    }

    return {call: median(calls), load: median(loads)}
  }

  const hook = measure(hookFile)
  const baseline = measure(baselineFile)
  console.log('')
  console.log(`the hook alone, cold node process, median of ${N}: import ${hook.load.toFixed(2)} ms (a one-line module: ${baseline.load.toFixed(2)} ms),`
    + ` call for an unguarded command ${(hook.call * 1000).toFixed(0)} µs, no network request`)

  // Guarded commands against the emulator: the price of the check itself.
  const emu = await startTestEmulator()
  try {
    await seedCleanPair(emu)
    const guarded: Record<Side, HerokuCli> = Object.fromEntries(await Promise.all(SIDES.map(async side => {
      const cli = await HerokuCli.create({env: emu.env, plugin: side === 'without' ? 'none' : side === 'linked' ? 'link' : 'installed'})
      return [side, cli] as const
    }))) as Record<Side, HerokuCli>
    try {
      // An overwrite (check.ts) and a destructive command (destructive.ts: stock parse, registry).
      const pairs: Array<{allowed: string[]; refused: string[]}> = [
        {allowed: ['pg:reset', 'DATABASE', '-a', 'acme-staging', '--confirm', 'acme-staging'], refused: ['pg:reset', 'DATABASE', '-a', 'acme-production', '--confirm', 'acme-production']},
        {allowed: ['config:set', 'FEATURE_FLAG=on', '-a', 'acme-production'], refused: ['apps:destroy', 'acme-production', '--confirm', 'acme-production']},
      ]
      const runs = Math.max(3, Math.ceil(N / 3))
      for (const {allowed, refused} of pairs) {
        const times: Record<Side, number[]> = {installed: [], linked: [], without: []}
        const refusals: Record<'installed' | 'linked', number[]> = {installed: [], linked: []}
        for (let i = 0; i < runs + 1; i++) {
          for (const side of SIDES.map((_, k) => SIDES[(i + k) % SIDES.length] as Side)) {
            // eslint-disable-next-line no-await-in-loop -- runs are timed one at a time on purpose
            const run = check(await guarded[side].run(allowed), allowed.join(' '))
            if (i > 0) times[side].push(run.durationMs)
            if (side === 'without') continue
            // eslint-disable-next-line no-await-in-loop -- runs are timed one at a time on purpose
            const no = await guarded[side].run(refused)
            if (no.status !== 4) throw new Error(`expected a refusal, got ${no.status}:\n${no.stderr}`)
            if (i > 0) refusals[side].push(no.durationMs)
          }
        }

        const [a, l, n] = [median(times.without), median(times.linked), median(times.installed)]
        console.log('')
        console.log(`guarded command against the emulator (median of ${runs}; the check costs one request round per lookup, all GETs):`)
        console.log(`  heroku ${allowed.join(' ')}: without ${ms(a)}, linked ${ms(l)} (${added(l - a).replace(' (over goal)', '')}), installed ${ms(n)} (${added(n - a).replace(' (over goal)', '')})`)
        console.log(`  heroku ${refused.join(' ')} refused (exit 4): linked ${ms(median(refusals.linked))}, installed ${ms(median(refusals.installed))}`)
      }
    } finally {
      await Promise.all(Object.values(guarded).map(cli => cli.cleanup()))
    }
  } finally {
    await emu.stop()
  }
} finally {
  await Promise.all(Object.values(clis).map(cli => cli.cleanup()))
}

/**
 * Round trips on the critical path, from the journal: a request that arrives after every request of the
 * current round has been answered starts a new round; requests sent together (within the latency) share one.
 * CPU load between requests does not add rounds, so the count holds on a busy machine.
 */
function roundTrips(entries: ReadonlyArray<{durationMs: number; time: string}>): number {
  let rounds = 0
  let roundEnd = Number.NEGATIVE_INFINITY
  for (const entry of [...entries].sort((a, b) => Date.parse(a.time) - Date.parse(b.time))) {
    const arrived = Date.parse(entry.time)
    const answered = arrived + entry.durationMs
    // 5 ms of slack: a request sent as the previous answer arrives belongs to the next round.
    if (arrived >= roundEnd - 5) {
      rounds++
      roundEnd = answered
    } else {
      roundEnd = Math.max(roundEnd, answered)
    }
  }

  return rounds
}

/** The effect guard at 150 ms latency in an account of 2,000 apps with 50 production apps. */
async function effects(): Promise<void> {
  const LATENCY = 150
  const PRODUCTION = 50
  const APPS = 2000
  const runs = Math.max(3, N)
  const emu = await startTestEmulator()
  try {
    await seedCleanPair(emu)
    const others = Array.from({length: PRODUCTION - 1}, (_, i) => `bench-prod-${i + 1}`)
    await emu.seed({apps: others.map(name => ({name, release: false})), pipelines: others.map(name => ({apps: {[name]: 'production'}, name: `${name}-pipeline`}))})
    emu.seedBulk({count: APPS - PRODUCTION - 1, plans: ['scheduler:standard'], prefix: 'filler'})
    const base = {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${emu.env.HEROKU_API_KEY}`}
    const apps = await (await fetch(`${emu.url}/apps`, {headers: {...base, range: 'id ..; max=1000'}})).json() as unknown[]
    const releases = await (await fetch(`${emu.url}/apps/acme-production/releases`, {headers: base})).json() as Array<{version: number}>
    const current = Math.max(...releases.map(r => r.version))
    await fetch(`${emu.url}/__emulator/latency`, {body: JSON.stringify({ms: LATENCY}), headers: {'content-type': 'application/json'}, method: 'PUT'})
    const sides = {installed: await HerokuCli.create({env: emu.env, plugin: 'installed'}), without: await HerokuCli.create({env: emu.env, plugin: 'none'})}
    try {
      const commands: Array<{args: string[]; what: string}> = [
        {args: ['ps:scale', 'web=1', '-a', 'acme-production'], what: 'a write with no effect (PATCH formation): classified, no read'},
        {args: ['maintenance:off', '-a', 'acme-production'], what: 'a write with no effect (PATCH app)'},
        {args: ['addons:attach', 'acme-staging-db', '-a', 'acme-staging', '--as', 'BENCH_COPY', '--confirm', 'acme-staging'], what: 'an attachment on staging: add-on, app, config vars and couplings read in parallel'},
        {args: ['releases:rollback', `v${current}`, '-a', 'acme-production'], what: 'a rollback: current and release config vars compared'},
      ]
      console.log('heroku-staging: the effect guard in the real heroku CLI (installed plugin vs no plugin)')
      console.log(`date:    ${new Date().toISOString()}`)
      console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, load average ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`)
      console.log(`account: ${APPS} apps (${apps.length >= 1000 ? '1000+' : apps.length} listed on the first page), ${PRODUCTION} production apps; latency ${LATENCY} ms per request; median of ${runs}`)
      for (const {args, what} of commands) {
        const times: Record<'installed' | 'without', number[]> = {installed: [], without: []}
        const requests: Record<'installed' | 'without', number[]> = {installed: [], without: []}
        const rounds: Record<'installed' | 'without', number[]> = {installed: [], without: []}
        for (let i = 0; i < runs + 1; i++) {
          for (const side of (i % 2 === 0 ? ['without', 'installed'] : ['installed', 'without']) as Array<'installed' | 'without'>) {
            emu.clearJournal()
            // eslint-disable-next-line no-await-in-loop -- runs are timed one at a time on purpose
            const run = check(await sides[side].run(args), args.join(' '))
            if (i === 0) continue
            times[side].push(run.durationMs)
            const journal = emu.journal().filter(entry => entry.api !== 'control')
            requests[side].push(journal.length)
            rounds[side].push(roundTrips(journal))
          }
        }

        const added = median(times.installed) - median(times.without)
        console.log(`  heroku ${args.join(' ')}  (${what})`)
        console.log(`    without: ${ms(median(times.without))}, ${median(requests.without)} requests in ${median(rounds.without)} round trips`)
        console.log(`    installed: ${ms(median(times.installed))}, ${median(requests.installed)} requests in ${median(rounds.installed)} round trips`)
        console.log(`    added: ${ms(added)} wall, ${median(requests.installed) - median(requests.without)} requests, ${median(rounds.installed) - median(rounds.without)} round trips (target <= 2)`)
      }

      const refused = ['addons:attach', 'acme-staging-db', '-a', 'acme-production', '--as', 'DATABASE', '--confirm', 'acme-production']
      const refusals: number[] = []
      for (let i = 0; i < runs; i++) {
        emu.clearJournal()
        // eslint-disable-next-line no-await-in-loop -- runs are timed one at a time on purpose
        const run = await sides.installed.run(refused)
        if (run.status !== 4) throw new Error(`expected a refusal, got ${run.status}:\n${run.stderr}`)
        refusals.push(run.durationMs)
      }

      console.log(`  heroku ${refused.join(' ')} refused (exit 4) in ${ms(median(refusals))}`)
    } finally {
      await Promise.all(Object.values(sides).map(cli => cli.cleanup()))
    }
  } finally {
    await emu.stop()
  }
}
