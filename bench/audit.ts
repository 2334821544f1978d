/**
 * Audit cost benchmark: `heroku staging:audit --pipeline` over 50 staging apps + 1 production app.
 *
 *   npx tsx bench/audit.ts [--apps 50] [--latency 50] [--rounds 3]
 *
 * Runs the local Heroku emulator (emulator/index.ts) with `setLatency(50)`: every Platform and Data
 * API request waits 50 ms. Seeds a pipeline `bench` with one production app (standard-0 Postgres,
 * Redis, secrets) and N staging apps (each with its own essential-0 Postgres and config), then runs the
 * audit's real code path (`runAudit` through `HerokuClient`) side by side in one run, alternating:
 *   (a) concurrent: the client's default bound (8 requests in flight);
 *   (b) sequential: the same client with concurrency 1.
 * Prints the machine and date, the request count of each (from `client.records`, checked against the
 * emulator's journal), the median wall time, and the ratio sequential / concurrent.
 */
import {APIClient} from '@heroku-cli/command'
import {Config} from '@oclif/core'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {startEmulator} from '../emulator/index.js'
import type {SeedFixture} from '../emulator/types.js'
import {runAudit} from '../src/lib/audit/run.js'
import {HerokuClient} from '../src/lib/heroku/client.js'

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  const value = index === -1 ? undefined : Number(process.argv[index + 1])
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback
}

const APPS = arg('apps', 50)
const LATENCY_MS = arg('latency', 50)
const ROUNDS = Math.max(1, arg('rounds', 3))
const PIPELINE = 'bench'

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function fixture(): SeedFixture {
  const staging = Array.from({length: APPS}, (_, index) => `bench-staging-${String(index + 1).padStart(2, '0')}`)
  const apps: NonNullable<SeedFixture['apps']> = [
    {
      config: {RACK_ENV: 'production', SECRET_KEY_BASE: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'},
      formation: [{quantity: 2, type: 'web'}, {quantity: 1, type: 'worker'}],
      name: 'bench-production',
    },
    ...staging.map((name, index) => ({
      // every fifth staging app carries production's secret, so the audit has findings to report
      config: {RACK_ENV: 'staging', SECRET_KEY_BASE: index % 5 === 0 ? 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90' : `f${index}e${index}d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9`},
      formation: [{quantity: 1, type: 'web'}, {quantity: 0, type: 'worker'}],
      name,
    })),
  ]
  return {
    addons: [
      {app: 'bench-production', plan: 'heroku-postgresql:standard-0', version: '16'},
      {app: 'bench-production', plan: 'heroku-redis:premium-0'},
      ...staging.map(app => ({app, plan: 'heroku-postgresql:essential-0', version: '16'})),
    ],
    apps,
    pipelines: [{apps: Object.fromEntries([['bench-production', 'production'], ...staging.map(app => [app, 'staging'])]), name: PIPELINE}],
  }
}

interface Sample {
  findings: number
  journal: number
  ms: number
  requests: number
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const emulator = await startEmulator({port: 0})
  try {
    const seedStart = Date.now()
    await emulator.seed(fixture())
    const seedMs = Date.now() - seedStart
    Object.assign(process.env, emulator.env, {HEROKU_API_KEY: emulator.accounts[0]!.token})
    const config = await Config.load({root})
    emulator.setLatency(LATENCY_MS)

    const run = async (concurrency: number): Promise<Sample> => {
      const client = new HerokuClient(new APIClient(config), {concurrency})
      emulator.clearJournal()
      const start = process.hrtime.bigint()
      const result = await runAudit(client, {pipeline: PIPELINE, production: []})
      const ms = Number(process.hrtime.bigint() - start) / 1e6
      if (result.apps.length !== APPS) throw new Error(`audited ${result.apps.length} apps, expected ${APPS}`)
      const journal = emulator.journal().filter(entry => entry.api !== 'control').length
      return {findings: result.findings.length, journal, ms, requests: client.records.length}
    }

    // One warm-up pass each (module caches, TLS-free keep-alive), then alternate.
    await run(8)
    await run(1)
    const concurrent: Sample[] = []
    const sequential: Sample[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
      concurrent.push(await run(8))
      // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
      sequential.push(await run(1))
    }

    const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
    const c = median(concurrent.map(sample => sample.ms))
    const s = median(sequential.map(sample => sample.ms))
    const line = (label: string, samples: Sample[], ms: number): string =>
      `${label.padEnd(26)} requests ${String(samples[0]!.requests).padStart(4)} (journal ${samples[0]!.journal})  wall ${ms.toFixed(0).padStart(6)} ms  (runs: ${samples.map(x => x.ms.toFixed(0)).join(', ')})  findings ${samples[0]!.findings}`
    console.log(`staging:audit --pipeline benchmark, ${new Date().toISOString()}`)
    console.log(`machine: ${os.hostname()}, ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`)
    console.log(`emulator: ${APPS} staging apps + 1 production app in pipeline ${PIPELINE}, ${LATENCY_MS} ms per request, seeded in ${seedMs} ms; median of ${ROUNDS} rounds after one warm-up`)
    console.log(line('concurrent (bound 8)', concurrent, c))
    console.log(line('sequential (concurrency 1)', sequential, s))
    console.log(`ratio sequential / concurrent: ${(s / c).toFixed(2)}×; requests per audited app: ${(concurrent[0]!.requests / APPS).toFixed(2)}`)
    const counts = new Set([...concurrent, ...sequential].map(sample => sample.requests))
    if (counts.size > 1) console.log(`note: request counts differed between runs: ${[...counts].join(', ')}`)
  } finally {
    await emulator.stop()
  }
}

await main()
