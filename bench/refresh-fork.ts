/**
 * Refresh by fork (blue-green) against refresh by copy: how long is staging in maintenance?
 *
 *   npx tsx bench/refresh-fork.ts [--mb 1024] [--delay 2000]
 *
 * Runs the local emulator with a provisioning delay (default 2 s), seeds a clean pair whose production
 * database is standard-0 holding about `--mb` MB (a table of md5 payloads with an index), and refreshes
 * staging twice through the real code path (`runRefresh`: load, plan, guard, executor, audit):
 *   (a) `--data copy`: maintenance on, background dynos paused, a backup of the target, the transfer;
 *   (b) `--data fork`: the fork is created and waited for while staging serves, then promoted inside maintenance.
 * Prints the machine and date, the source's size, each refresh's wall time and its time in maintenance.
 */
import {APIClient} from '@heroku-cli/command'
import {Config} from '@oclif/core'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import pg from 'pg'

import {startEmulator} from '../emulator/index.js'
import {HerokuClient} from '../src/lib/heroku/client.js'
import {runRefresh} from '../src/lib/refresh/run.js'
import type {RefreshResult} from '../src/lib/refresh/types.js'
import {seedCleanPair} from '../test/helpers/emulator.js'

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  const value = index === -1 ? undefined : Number(process.argv[index + 1])
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback
}

const TARGET_MB = arg('mb', 1024)
const DELAY_MS = arg('delay', 2000)
const MB = 1024 * 1024

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const cpus = os.cpus()
  console.log(`refresh by fork vs by copy (time in maintenance), ${new Date().toISOString()}`)
  console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, ${Math.round(os.totalmem() / MB / 1024)} GB RAM, node ${process.version}`)
  const emulator = await startEmulator({port: 0})
  try {
    Object.assign(process.env, emulator.env, {HEROKU_API_KEY: emulator.accounts[0]!.token})
    const config = await Config.load({root})
    const topology = await seedCleanPair(emulator)
    const seedStart = performance.now()
    const db = new pg.Client({connectionString: topology.production.databaseUrl})
    await db.connect()
    // ~260 bytes a row with its index share (measured)
    const rows = Math.round((TARGET_MB * MB) / 260)
    await db.query(`CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, payload text NOT NULL);
      INSERT INTO events SELECT g, 'kind-' || (g % 17), md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 19)::text)
        FROM generate_series(1, ${rows}) g`)
    const bytes = Number((await db.query<{size: string}>('SELECT pg_database_size(current_database()) AS size')).rows[0]?.size)
    await db.end()
    console.log(`source: ${(bytes / MB).toFixed(0)} MB (pg_database_size), ${rows.toLocaleString('en-US')} rows, seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; provisioning delay ${DELAY_MS} ms`)
    emulator.setProvisionDelay(DELAY_MS)

    const refresh = async (data: 'copy' | 'fork'): Promise<{result: RefreshResult; wallMs: number}> => {
      const client = new HerokuClient(new APIClient(config))
      const start = performance.now()
      const result = await runRefresh(client, {
        app: topology.staging.app, backup: true, backupSource: false, configDir: path.join(os.tmpdir(), 'bench-refresh-fork'),
        data, maintenance: true, source: 'DATABASE', target: 'DATABASE',
      }, {confirm: async () => {}})
      return {result: result as RefreshResult, wallMs: performance.now() - start}
    }

    const rows2: string[] = []
    for (const data of ['copy', 'fork'] as const) {
      // eslint-disable-next-line no-await-in-loop -- one refresh at a time, on the same staging app
      const {result, wallMs} = await refresh(data)
      const critical = result.findings.filter(f => f.severity === 'critical').length
      rows2.push(`| ${data.padEnd(6)} | ${(wallMs / 1000).toFixed(1).padStart(8)} s | ${(result.maintenance.durationMs / 1000).toFixed(2).padStart(12)} s | ${critical} |`)
      console.log(`${data}: ${(wallMs / 1000).toFixed(1)} s in all, ${(result.maintenance.durationMs / 1000).toFixed(2)} s in maintenance${result.fork ? `, fork ready in ${(result.fork.waitMs / 1000).toFixed(1)} s, old destroyed: ${result.fork.oldDestroyed}` : ''}`)
    }

    console.log('')
    console.log('| method | wall time | in maintenance | critical findings after |')
    console.log('|---|---:|---:|---:|')
    for (const row of rows2) console.log(row)
  } finally {
    await emulator.stop()
  }
}

await main()
