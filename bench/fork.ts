/**
 * Fork wall-time benchmark: does `heroku staging:fork` overlap its independent steps?
 *
 *   npx tsx bench/fork.ts [--delay 3000] [--rows 200000] [--rounds 2] [--quick-poll MS]
 *
 * Runs the local Heroku emulator (emulator/index.ts) with a provisioning delay (default 3 s: every
 * add-on stays `provisioning` that long). Seeds the seed incident's production (Postgres with
 * `--rows` extra rows, Redis, scheduler, Mailgun, pipeline, release) and forks it through the real
 * code path (load, plan, executor, verification, then the release and scale it allows, through
 * `HerokuClient`), side by side in one run:
 *   (a) the executor as shipped: independent steps overlap;
 *   (b) the same executor with `sequential: true`: one step at a time.
 * The unavoidable waits are the database's provisioning delay followed by the data copy (the copy
 * needs the database; everything else can run beside them). Prints the machine and date, the wall
 * times, the unavoidable waits, and the sum of every wait a one-at-a-time fork pays. Heroku reports
 * provisioning and transfers only when polled, so the fork overshoots each wait by up to one polling
 * interval: `--quick-poll MS` caps the interval of the first 30 s (FORK_POLL: 250) to measure that.
 */
import {APIClient} from '@heroku-cli/command'
import {Config} from '@oclif/core'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import pg from 'pg'

import {startEmulator} from '../emulator/index.js'
import {executeFork, FORK_POLL, releaseFork} from '../src/lib/fork/execute.js'
import {MemoryLedger} from '../src/lib/fork/ledger.js'
import {loadCatalogue, PRODUCTION_LOAD, servicesToPrice} from '../src/lib/fork/load.js'
import {forkOptions} from '../src/lib/fork/options.js'
import {planFork} from '../src/lib/fork/plan/index.js'
import type {ForwardStepReport as StepReport} from '../src/lib/execute/steps.js'
import {verifyFork} from '../src/lib/fork/verify.js'
import {HerokuClient} from '../src/lib/heroku/client.js'
import {loadApp} from '../src/lib/snapshot/load.js'
import {PRODUCTION_SECRETS, seedIncident} from '../test/helpers/emulator.js'

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  const value = index === -1 ? undefined : Number(process.argv[index + 1])
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback
}

const DELAY_MS = arg('delay', 3000)
const ROWS = arg('rows', 200_000)
const ROUNDS = Math.max(1, arg('rounds', 2))
const QUICK_POLL_MS = arg('quick-poll', 0)
const POLL = QUICK_POLL_MS > 0 ? {...FORK_POLL, quick: {forMs: 30_000, maxMs: QUICK_POLL_MS}} : FORK_POLL

interface Sample {
  /** the copy step: from the database being ready to the transfer finishing */
  copyMs: number
  /** the database's provision step: create, wait for `provisioned`, Data API ready */
  databaseMs: number
  /** executor only */
  executeMs: number
  /** sum of every add-on's provision step */
  provisionSumMs: number
  requests: number
  steps: StepReport[]
  /** load + plan + execute + verify, as the command runs them */
  totalMs: number
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const emulator = await startEmulator({port: 0})
  try {
    Object.assign(process.env, emulator.env, {HEROKU_API_KEY: emulator.accounts[0]!.token})
    const config = await Config.load({root})
    let databaseBytes = 0

    const run = async (sequential: boolean): Promise<Sample> => {
      await emulator.reset()
      emulator.setProvisionDelay(0)
      const topology = await seedIncident(emulator)
      const db = new pg.Client({connectionString: topology.production.databaseUrl})
      await db.connect()
      await db.query(`CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, payload text NOT NULL);
        INSERT INTO events SELECT g, 'kind-' || (g % 17), md5(g::text) || md5((g * 7)::text) FROM generate_series(1, ${ROWS}) g`)
      databaseBytes = Number((await db.query<{size: string}>('SELECT pg_database_size(current_database()) AS size')).rows[0]?.size)
      await db.end()
      emulator.setProvisionDelay(DELAY_MS)
      emulator.clearJournal()

      const client = new HerokuClient(new APIClient(config))
      const options = forkOptions({from: topology.production.app, set: Object.keys(PRODUCTION_SECRETS).map(key => `${key}=bench-only-${key}`)})
      const start = process.hrtime.bigint()
      const production = await loadApp(client, options.from, PRODUCTION_LOAD)
      const catalogue = await loadCatalogue(client, servicesToPrice(production, options.plans))
      const plan = planFork(production, options, catalogue)
      if (plan.problems.length > 0) throw new Error(plan.problems.map(p => p.message).join('\n'))
      const executeStart = process.hrtime.bigint()
      const execute = {client, ledger: new MemoryLedger(), plan, poll: POLL, production, sequential, set: options.set}
      const result = await executeFork(execute)
      const executeMs = ms(executeStart)
      const {verification} = await verifyFork(client, production, options.to)
      if (verification.critical > 0) throw new Error(`the fork has ${verification.critical} critical findings`)
      // Production's slug is released, and the dynos scaled, only once the audit passed (issue 26).
      result.steps.push(...await releaseFork(execute, true, result))
      const totalMs = ms(start)
      const step = (id: string) => result.steps.find(s => s.id === id)?.ms ?? 0
      return {
        copyMs: step('data:DATABASE'),
        databaseMs: step('addon:DATABASE'),
        executeMs,
        provisionSumMs: result.steps.filter(s => s.id.startsWith('addon:')).reduce((sum, s) => sum + (s.ms ?? 0), 0),
        requests: client.records.length,
        steps: result.steps,
        totalMs,
      }
    }

    const overlapped: Sample[] = []
    const sequential: Sample[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
      overlapped.push(await run(false))
      // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
      sequential.push(await run(true))
    }

    const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
    const m = (samples: Sample[], pick: (s: Sample) => number) => median(samples.map(pick))
    const unavoidable = m(overlapped, s => DELAY_MS + s.copyMs)
    const waitSum = m(sequential, s => s.provisionSumMs + s.copyMs)
    const line = (label: string, samples: Sample[]): string =>
      `${label.padEnd(30)} execute ${m(samples, s => s.executeMs).toFixed(0).padStart(6)} ms   total ${m(samples, s => s.totalMs).toFixed(0).padStart(6)} ms   ` +
      `(runs: ${samples.map(s => s.executeMs.toFixed(0)).join(', ')})   database step ${m(samples, s => s.databaseMs).toFixed(0)} ms, copy ${m(samples, s => s.copyMs).toFixed(0)} ms, requests ${samples[0]!.requests}`
    console.log(`staging:fork wall-time benchmark, ${new Date().toISOString()}`)
    console.log(`machine: ${os.hostname()}, ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`)
    console.log(`emulator: seed incident's production (Postgres ${(databaseBytes / 2 ** 20).toFixed(1)} MB with ${ROWS} extra rows, Redis, scheduler, Mailgun), provisioning delay ${DELAY_MS} ms per add-on; polling ${JSON.stringify(POLL.quick)} in the first 30 s; median of ${ROUNDS} rounds`)
    console.log(line('overlapped (as shipped)', overlapped))
    console.log(line('one step at a time', sequential))
    const exec = m(overlapped, s => s.executeMs)
    console.log(`unavoidable waits (database provisioning ${DELAY_MS} ms + copy ${m(overlapped, s => s.copyMs).toFixed(0)} ms): ${unavoidable.toFixed(0)} ms; executor wall time / unavoidable: ${(exec / unavoidable).toFixed(2)}×`)
    const total = m(overlapped, s => s.totalMs)
    console.log(`overhead over the unavoidable waits: executor +${(exec - unavoidable).toFixed(0)} ms (${(exec / unavoidable).toFixed(2)}×); whole fork (load, plan, execute, verify, release, scale) ${total.toFixed(0)} ms, +${(total - unavoidable).toFixed(0)} ms (${(total / unavoidable).toFixed(2)}×); goal ≤ 1.1×`)
    console.log(`sum of every wait a one-at-a-time fork pays (4 add-ons' provisioning + copy): ${waitSum.toFixed(0)} ms; one-at-a-time / overlapped: ${(m(sequential, s => s.executeMs) / exec).toFixed(2)}×`)
    console.log('steps of the last overlapped run:')
    for (const s of overlapped.at(-1)!.steps) console.log(`  ${s.id.padEnd(18)} ${s.status.padEnd(12)} ${String(s.ms ?? 0).padStart(6)} ms`)
  } finally {
    await emulator.stop()
  }
}

await main()
