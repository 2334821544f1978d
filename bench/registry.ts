/**
 * What the production registry costs: the requests and round trips it adds to a single-app audit and to
 * a guarded stock command (the prerun hook's check), as the account's production apps grow, with the
 * rest of the account held large.
 *
 *   npx tsx bench/registry.ts [--production 1,4,16] [--fillers 40] [--latency 100] [--rounds 3]
 *
 * For each count P of production apps (each at stage production of its own pipeline, with a Postgres),
 * the account also holds F filler apps in no pipeline, so a cost that followed the account would show.
 * The audited app and the hook's target is `bench-forked`, in no pipeline with its own DATABASE:
 *   (a) `staging:audit -a bench-forked`: the registry finds production (one couplings list, then each
 *       production app's own lists);
 *   (b) the same audit with `--production` naming every production app: no registry;
 *   (c) the hook's check of `heroku pg:reset DATABASE -a bench-forked` (`checkCommand`, as the prerun hook
 *       runs it): target lookups plus the registry.
 * The registry adds (a) − (b) to the audit. Requests are the client's (checked against the emulator's
 * journal); round trips are wall time / latency on the critical path, rounded.
 */
import {APIClient} from '@heroku-cli/command'
import {Config} from '@oclif/core'
import {mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {startEmulator} from '../emulator/index.js'
import type {SeedFixture} from '../emulator/types.js'
import {runAudit} from '../src/lib/audit-flow/run.js'
import {HerokuClient} from '../src/lib/heroku/client.js'
import {checkCommand} from '../src/lib/hook/check.js'

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback)
}

const COUNTS = arg('production', '1,4,16').split(',').map(Number).filter(n => Number.isInteger(n) && n > 0)
const FILLERS = Number(arg('fillers', '40'))
const LATENCY_MS = Number(arg('latency', '100'))
const ROUNDS = Math.max(1, Number(arg('rounds', '3')))

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function production(index: number): string {
  return `bench-prod-${String(index + 1).padStart(2, '0')}`
}

function fixture(count: number): SeedFixture {
  const prods = Array.from({length: count}, (_, index) => production(index))
  return {
    addons: [
      ...prods.map(app => ({app, as: 'DATABASE', plan: 'heroku-postgresql:essential-0'})),
      {app: 'bench-forked', as: 'DATABASE', plan: 'heroku-postgresql:essential-0'},
    ],
    apps: [
      ...prods.map(name => ({config: {RACK_ENV: 'production'}, name})),
      {config: {RACK_ENV: 'staging'}, name: 'bench-forked'},
      ...Array.from({length: FILLERS}, (_, index) => ({name: `bench-filler-${String(index + 1).padStart(3, '0')}`})),
    ],
    pipelines: prods.map(app => ({apps: {[app]: 'production'}, name: `${app}-pipeline`})),
  }
}

interface Sample {
  journal: number
  ms: number
  requests: number
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const emulator = await startEmulator({port: 0})
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'bench-registry-'))
  try {
    Object.assign(process.env, emulator.env, {HEROKU_API_KEY: emulator.accounts[0]!.token})
    const config = await Config.load({root})
    const measure = async (work: (client: HerokuClient) => Promise<void>): Promise<Sample> => {
      const client = new HerokuClient(new APIClient(config))
      emulator.clearJournal()
      const start = process.hrtime.bigint()
      await work(client)
      const ms = Number(process.hrtime.bigint() - start) / 1e6
      return {journal: emulator.journal().filter(entry => entry.api !== 'control').length, ms, requests: client.records.length}
    }

    console.log(`production registry benchmark, ${new Date().toISOString()}`)
    console.log(`machine: ${os.hostname()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown cpu'}, Node ${process.version}, ${os.platform()} ${os.release()}`)
    console.log(`emulator: ${LATENCY_MS} ms per request; ${FILLERS} filler apps in no pipeline; median of ${ROUNDS} rounds after one warm-up`)
    for (const count of COUNTS) {
      emulator.setLatency(0)
      // eslint-disable-next-line no-await-in-loop -- one account size at a time
      await emulator.reset()
      // eslint-disable-next-line no-await-in-loop -- one account size at a time
      await emulator.seed(fixture(count))
      emulator.setLatency(LATENCY_MS)
      const named = Array.from({length: count}, (_, index) => production(index))
      const cases: Record<string, (client: HerokuClient) => Promise<void>> = {
        'audit, registry': async client => {
          const result = await runAudit(client, {app: 'bench-forked', production: []})
          if (result.production.length !== count || result.productionFrom !== 'account') throw new Error(`registry found ${result.production.length} production apps, expected ${count}`)
        },
        'audit, --production': async client => {
          await runAudit(client, {app: 'bench-forked', production: named})
        },
        'hook pg:reset': async client => {
          const decision = await checkCommand({
            argv: ['DATABASE', '-a', 'bench-forked', '--confirm', 'bench-forked'],
            configDir,
            env: {},
            id: 'pg:reset',
            makeClient: async () => client,
            readGit: async () => ({remotes: []}),
          })
          if (!decision?.allow) throw new Error(`the hook refused bench-forked's own database: ${JSON.stringify(decision?.checked.map(c => c.undecided ?? c.classification?.refusals.map(r => r.code)))}`)
        },
      }
      const samples = new Map<string, Sample[]>()
      for (const [label, work] of Object.entries(cases)) {
        // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
        await measure(work)
        const list: Sample[] = []
        for (let round = 0; round < ROUNDS; round++) {
          // eslint-disable-next-line no-await-in-loop -- timed runs must not overlap
          list.push(await measure(work))
        }

        samples.set(label, list)
      }

      console.log(`\n${count} production app${count === 1 ? '' : 's'} (account: ${count + 1 + FILLERS} apps)`)
      const rows: Array<[string, number, number, number]> = []
      for (const [label, list] of samples) {
        const ms = median(list.map(s => s.ms))
        const trips = Math.round(ms / LATENCY_MS)
        rows.push([label, list[0]!.requests, trips, ms])
        const journal = list[0]!.journal === list[0]!.requests ? '' : ` (journal ${list[0]!.journal})`
        console.log(`  ${label.padEnd(22)} requests ${String(list[0]!.requests).padStart(4)}${journal}  round trips ~${String(trips).padStart(3)}  wall ${ms.toFixed(0).padStart(6)} ms`)
      }

      const [withRegistry, without] = [rows[0]!, rows[1]!]
      console.log(`  registry adds to the audit: ${withRegistry[1] - without[1]} requests, ~${withRegistry[2] - without[2]} round trips`)
    }
  } finally {
    await emulator.stop()
  }
}

await main()
