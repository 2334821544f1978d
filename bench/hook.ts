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
 * `pg:reset` of a staging database (allowed after the lookups), and how long a refused one takes.
 */
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {seedCleanPair, startTestEmulator} from '../test/helpers/emulator.js'
import {compilePlugin, HerokuCli, type HerokuRun} from '../test/helpers/heroku-cli.js'

const N = Number(process.argv[2] ?? 21)
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

function check(run: HerokuRun, label: string): HerokuRun {
  if (run.status !== 0) throw new Error(`heroku ${label} exited ${run.status}:\n${run.stdout}${run.stderr}`)
  return run
}

const clis: Record<Side, HerokuCli> = Object.fromEntries(await Promise.all([
  HerokuCli.create({plugin: 'none'}).then(cli => ['without', cli] as const),
  HerokuCli.create({plugin: 'link'}).then(cli => ['linked', cli] as const),
  HerokuCli.create({plugin: 'installed'}).then(cli => ['installed', cli] as const),
])) as Record<Side, HerokuCli>

try {
  const version = (await clis.without.run(['--version'])).stdout.trim()
  const samples = new Map<string, Record<Side, number[]>>()
  for (const args of COMMANDS) samples.set(args.join(' '), {installed: [], linked: [], without: []})

  for (let i = 0; i < WARMUP + N; i++) {
    for (const args of COMMANDS) {
      const label = args.join(' ')
      const bucket = samples.get(label) as Record<Side, number[]>
      // Rotate which side goes first, so none always gets the warmest cache.
      const order = SIDES.map((_, k) => SIDES[(i + k) % SIDES.length] as Side)
      for (const side of order) {
        // eslint-disable-next-line no-await-in-loop -- runs are timed one at a time on purpose
        const run = check(await clis[side].run(args), label)
        if (i >= WARMUP) bucket[side].push(run.durationMs)
      }
    }
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
  console.log('heroku-staging: cost of the plugin (and its prerun hook) in the real heroku CLI')
  console.log(`date:    ${new Date().toISOString()}`)
  console.log(`machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`)
  console.log(`cli:     ${version}`)
  console.log(`runs:    ${N} per command and side (after ${WARMUP} warm-up), interleaved; median wall time of the whole process`)
  console.log('')
  const ms = (value: number) => `${value.toFixed(1)} ms`
  const added = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)} ms${value < GOAL_MS ? '' : ' (over goal)'}`
  const header = ['command', 'without plugin', 'linked', 'added (linked)', 'installed', `added (installed), goal < ${GOAL_MS} ms`]
  const rows = COMMANDS.map(args => {
    const label = args.join(' ')
    const bucket = samples.get(label) as Record<Side, number[]>
    const [a, l, n] = [median(bucket.without), median(bucket.linked), median(bucket.installed)]
    return [`heroku ${label}`, ms(a), ms(l), added(l - a), ms(n), added(n - a)]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] as string).length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd()
  console.log(line(header))
  console.log(line(widths.map(w => '-'.repeat(w))))
  for (const row of rows) console.log(line(row))

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
    await hook.call({}, {Command: {id: 'apps:info'}, argv: ['-a', 'example']})
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
      const allowed = ['pg:reset', 'DATABASE', '-a', 'acme-staging', '--confirm', 'acme-staging']
      const refused = ['pg:reset', 'DATABASE', '-a', 'acme-production', '--confirm', 'acme-production']
      const runs = Math.max(3, Math.ceil(N / 3))
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
    } finally {
      await Promise.all(Object.values(guarded).map(cli => cli.cleanup()))
    }
  } finally {
    await emu.stop()
  }
} finally {
  await Promise.all(Object.values(clis).map(cli => cli.cleanup()))
}
