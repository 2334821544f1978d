/**
 * pg:copy through the emulator's Data API against a raw `pg_dump | pg_restore` on the same server.
 *
 *   npx tsx bench/emulator-transfer.ts [--mb 100] [--rounds 3]
 *
 * Seeds a heroku-postgresql add-on of about 100 MB (two tables with indexes) and an empty target
 * add-on, then, alternating in one run, times (a) a raw shell `pg_dump -Fc | pg_restore` into the
 * emptied target and (b) a Data API transfer (`POST /client/v11/databases/:id/transfers`, as
 * `heroku pg:copy` sends it, polled every 20 ms until `finished_at`). Both start from an emptied
 * target (an untimed `PUT …/reset`); (b) also empties it again itself. Goal: (b) within 1.5x of (a).
 */
import {spawn} from 'node:child_process'
import os from 'node:os'
import pg from 'pg'

import {startEmulator} from '../emulator/index.js'
import {findBinaries} from '../emulator/postgres/binaries.js'
import {cleanEnv, parseDatabaseUrl} from '../emulator/postgres/connection.js'

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  const value = index === -1 ? undefined : Number(process.argv[index + 1])
  return value && value > 0 ? value : fallback
}

const TARGET_MB = arg('mb', 100)
const ROUNDS = arg('rounds', 3)
const MB = 1024 * 1024

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The raw baseline: one shell pipeline, each side with its own credentials in its own environment. */
async function rawPipeline(fromUrl: string, toUrl: string): Promise<void> {
  const bins = findBinaries()
  const from = parseDatabaseUrl(fromUrl)
  const to = parseDatabaseUrl(toUrl)
  const script =
    'PGPASSWORD="$SRC_PW" "$PG_DUMP" -Fc --no-owner --no-acl -h "$HOST" -p "$PORT" -U "$SRC_USER" "$SRC_DB" | ' +
    'PGPASSWORD="$DST_PW" "$PG_RESTORE" --no-owner --no-acl -h "$HOST" -p "$PORT" -U "$DST_USER" -d "$DST_DB"'
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', ['-o', 'pipefail', '-c', script], {
      env: {
        ...cleanEnv(),
        DST_DB: to.database, DST_PW: to.password, DST_USER: to.user, HOST: from.host, PG_DUMP: bins.pgDump, PG_RESTORE: bins.pgRestore,
        PORT: String(from.port), SRC_DB: from.database, SRC_PW: from.password, SRC_USER: from.user,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.once('error', reject)
    child.once('close', code => (code === 0 ? resolve() : reject(new Error(`raw pipeline failed (${code}): ${stderr}`))))
  })
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    return (await client.query(sql)).rows as T[]
  } finally {
    await client.end()
  }
}

/** An order-independent fingerprint of both tables' rows. */
async function fingerprint(url: string): Promise<string> {
  const rows = await query<{f: string}>(url, `SELECT
    (SELECT count(*) || ':' || coalesce(sum(hashtext(a::text)::bigint), 0) FROM accounts a) || '/' ||
    (SELECT count(*) || ':' || coalesce(sum(hashtext(e::text)::bigint), 0) FROM events e) AS f`)
  return rows[0]!.f
}

async function main(): Promise<void> {
  const cpus = os.cpus()
  console.log(`emulator transfer benchmark (Data API pg:copy vs raw pg_dump | pg_restore), ${new Date().toISOString()}`)
  console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, ${Math.round(os.totalmem() / MB / 1024)} GB RAM, ${os.type()} ${os.release()}, node ${process.version}`)

  const emu = await startEmulator({})
  try {
    const headers = {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${emu.accounts[0]!.token}`, 'content-type': 'application/json'}
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${emu.url}${path}`, {body: body === undefined ? undefined : JSON.stringify(body), headers, method})
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
      return response.json() as Promise<T>
    }

    const events = Math.round((Math.max(TARGET_MB - 7.5, 1) * MB) / 230)
    const accounts = Math.max(1000, Math.round(events / 20))
    const buildStart = performance.now()
    await emu.seed({
      addons: [
        {app: 'bench-production', as: 'DATABASE', name: 'bench-source', plan: 'heroku-postgresql:standard-0', sql: `
          CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, plan text NOT NULL, created_at timestamptz NOT NULL);
          INSERT INTO accounts SELECT g, 'user' || g || '@example.com', (ARRAY['free','pro','team'])[1 + g % 3], '2024-01-01'::timestamptz + g * interval '1 minute'
            FROM generate_series(1, ${accounts}) g;
          CREATE TABLE events (id bigint PRIMARY KEY, account_id int NOT NULL REFERENCES accounts(id), kind text NOT NULL,
                               payload text NOT NULL, amount numeric(12,2), created_at timestamptz NOT NULL);
          INSERT INTO events SELECT g, 1 + g % ${accounts}, (ARRAY['click','view','buy','signup'])[1 + g % 4],
                                    md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text), (g % 10000) / 100.0,
                                    '2024-01-01'::timestamptz + g * interval '1 second'
            FROM generate_series(1, ${events}) g;
          CREATE INDEX events_account ON events (account_id, created_at);
          CREATE INDEX events_kind ON events (kind);`},
        {app: 'bench-staging', as: 'DATABASE', name: 'bench-target', plan: 'heroku-postgresql:standard-0'},
      ],
      apps: [{name: 'bench-production'}, {name: 'bench-staging'}],
    })
    const sourceUrl = emu.databaseUrl('bench-source')
    const targetUrl = emu.databaseUrl('bench-target')
    await query(sourceUrl, 'VACUUM ANALYZE')
    const source = await api<{id: string}>('GET', '/addons/bench-source')
    const target = await api<{id: string}>('GET', '/addons/bench-target')
    const info = await api<{num_bytes: number; num_tables: number}>('GET', `/client/v11/databases/${source.id}`)
    const sizeMb = info.num_bytes / MB
    const sourceSum = await fingerprint(sourceUrl)
    console.log(`source: ${sizeMb.toFixed(1)} MB (num_bytes from the Data API), ${info.num_tables} tables, ${events.toLocaleString('en-US')} events + ${accounts.toLocaleString('en-US')} accounts, built in ${((performance.now() - buildStart) / 1000).toFixed(1)} s`)

    const transfer = async (): Promise<{bytes: number; seconds: number}> => {
      const start = performance.now()
      const posted = await api<{uuid: string}>('POST', `/client/v11/databases/${target.id}/transfers`, {from_name: 'bench-production::DATABASE', from_url: sourceUrl, to_name: 'DATABASE', to_url: targetUrl})
      for (;;) {
        // eslint-disable-next-line no-await-in-loop -- polling, as the CLI does
        const state = await api<{finished_at: null | string; logs?: Array<{message: string}>; processed_bytes: number; succeeded: boolean}>('GET', `/client/v11/apps/bench-staging/transfers/${posted.uuid}`)
        if (state.finished_at) {
          if (!state.succeeded) throw new Error(`transfer failed: ${state.logs?.map(l => l.message).join('; ')}`)
          return {bytes: state.processed_bytes, seconds: (performance.now() - start) / 1000}
        }

        // eslint-disable-next-line no-await-in-loop -- polling interval
        await new Promise(resolve => {
          setTimeout(resolve, 20)
        })
      }
    }

    const reset = async (): Promise<void> => {
      await api('PUT', `/client/v11/databases/${target.id}/reset`, {extensions: []})
      await query(sourceUrl, 'CHECKPOINT').catch(() => {})
    }

    // One untimed round of each warms the page cache and the programs alike.
    await reset()
    await rawPipeline(sourceUrl, targetUrl)
    await reset()
    await transfer()

    const raw: number[] = []
    const viaApi: number[] = []
    let dumpBytes = 0
    for (let round = 1; round <= ROUNDS; round++) {
      // eslint-disable-next-line no-await-in-loop -- rounds are sequential by design
      await reset()
      let start = performance.now()
      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      await rawPipeline(sourceUrl, targetUrl)
      raw.push((performance.now() - start) / 1000)
      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      const rawOk = (await fingerprint(targetUrl)) === sourceSum

      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      await reset()
      start = performance.now()
      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      const result = await transfer()
      viaApi.push(result.seconds)
      dumpBytes = result.bytes
      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      const apiOk = (await fingerprint(targetUrl)) === sourceSum
      console.log(`round ${round}: raw ${raw.at(-1)!.toFixed(2)} s${rawOk ? '' : ' (ROWS DIFFER)'}, Data API transfer ${viaApi.at(-1)!.toFixed(2)} s${apiOk ? '' : ' (ROWS DIFFER)'}`)
      if (!rawOk || !apiOk) process.exitCode = 1
    }

    const a = median(raw)
    const b = median(viaApi)
    console.log(`dump stream: ${(dumpBytes / MB).toFixed(1)} MB (processed_bytes)`)
    console.log('')
    console.log('| method                                              | median s | MB/s (database size) |')
    console.log('|-----------------------------------------------------|---------:|---------------------:|')
    console.log(`| (a) raw shell pg_dump -Fc \\| pg_restore              | ${a.toFixed(2).padStart(8)} | ${(sizeMb / a).toFixed(1).padStart(20)} |`)
    console.log(`| (b) Data API transfer (POST transfers, poll 20 ms)  | ${b.toFixed(2).padStart(8)} | ${(sizeMb / b).toFixed(1).padStart(20)} |`)
    console.log('')
    console.log(`ratio b/a: ${(b / a).toFixed(2)} (goal: within 1.5) over ${ROUNDS} rounds each`)
    if (b / a > 1.5) process.exitCode = 1
  } finally {
    await emu.stop()
  }
}

await main()
