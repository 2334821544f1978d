/**
 * Transfer benchmark for the emulator's PostgreSQL backend.
 *
 *   npx tsx bench/transfer.ts [--mb 100] [--rounds 3]
 *
 * Builds a database of about 100 MB (two tables with indexes, from generate_series), then, side by side
 * in one run and alternating, times (a) a raw shell `pg_dump -Fc | pg_restore` into an emptied target
 * and (b) `cluster.copy()` (which empties the target itself, checks credentials, and counts bytes
 * through the pipe). Prints the median seconds and MB/s of each and the ratio b/a.
 */
import {spawn} from 'node:child_process'
import os from 'node:os'

import {findBinaries} from '../emulator/postgres/binaries.js'
import {startCluster} from '../emulator/postgres/cluster.js'
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
function rawPipeline(fromUrl: string, toUrl: string): Promise<void> {
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
        DST_DB: to.database,
        DST_PW: to.password,
        DST_USER: to.user,
        HOST: from.host,
        PG_DUMP: bins.pgDump,
        PG_RESTORE: bins.pgRestore,
        PORT: String(from.port),
        SRC_DB: from.database,
        SRC_PW: from.password,
        SRC_USER: from.user,
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

async function main(): Promise<void> {
  const cpus = os.cpus()
  console.log(`transfer benchmark, ${new Date().toISOString()}`)
  console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, ${Math.round(os.totalmem() / MB / 1024)} GB RAM, ${os.type()} ${os.release()}, node ${process.version}`)

  const cluster = await startCluster()
  try {
    console.log(`postgres ${cluster.serverMajorVersion} on 127.0.0.1:${cluster.port} (fsync=off, synchronous_commit=off), binaries ${findBinaries().dir}`)
    const source = await cluster.createDatabase('bench_source')
    const target = await cluster.createDatabase('bench_target')

    // About 230 bytes of database per event row once indexed (accounts included), on top of ~7.5 MB of an empty database.
    const events = Math.round((Math.max(TARGET_MB - 7.5, 1) * MB) / 230)
    const accounts = Math.max(1000, Math.round(events / 20))
    const buildStart = performance.now()
    await cluster.query(
      source.database,
      `CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, plan text NOT NULL, created_at timestamptz NOT NULL);
       INSERT INTO accounts SELECT g, 'user' || g || '@example.com', (ARRAY['free','pro','team'])[1 + g % 3], '2024-01-01'::timestamptz + g * interval '1 minute'
         FROM generate_series(1, ${accounts}) g;
       CREATE TABLE events (id bigint PRIMARY KEY, account_id int NOT NULL REFERENCES accounts(id), kind text NOT NULL,
                            payload text NOT NULL, amount numeric(12,2), created_at timestamptz NOT NULL);
       INSERT INTO events SELECT g, 1 + g % ${accounts}, (ARRAY['click','view','buy','signup'])[1 + g % 4],
                                 md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text), (g % 10000) / 100.0,
                                 '2024-01-01'::timestamptz + g * interval '1 second'
         FROM generate_series(1, ${events}) g;
       CREATE INDEX events_account ON events (account_id, created_at);
       CREATE INDEX events_kind ON events (kind);`,
    )
    await cluster.query(source.database, 'VACUUM ANALYZE')
    const {numBytes, numTables} = await cluster.size(source.database)
    const sourceSum = await cluster.checksum(source.database)
    const sizeMb = numBytes / MB
    console.log(
      `source: ${sizeMb.toFixed(1)} MB (pg_database_size), ${numTables} tables, ${events.toLocaleString('en-US')} events + ` +
        `${accounts.toLocaleString('en-US')} accounts, built in ${((performance.now() - buildStart) / 1000).toFixed(1)} s`,
    )

    // One untimed round of each warms the page cache and the programs' pages alike.
    await cluster.resetDatabase(target.database)
    await rawPipeline(source.url, target.url)
    await cluster.copy(source.url, target.url)

    const raw: number[] = []
    const copy: number[] = []
    const resets: number[] = []
    let dumpBytes = 0
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate the two so drift (cache, autovacuum) hits both alike.
      const resetStart = performance.now()
      // eslint-disable-next-line no-await-in-loop -- rounds are sequential by design: they must not overlap
      await cluster.resetDatabase(target.database)
      resets.push((performance.now() - resetStart) / 1000)
      // Start each timed run from a clean checkpoint, so neither pays for the other's dirty buffers.
      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      await cluster.query('postgres', 'CHECKPOINT')
      let start = performance.now()
      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      await rawPipeline(source.url, target.url)
      raw.push((performance.now() - start) / 1000)
      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      const rawOk = (await cluster.checksum(target.database)) === sourceSum

      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      await cluster.query('postgres', 'CHECKPOINT')
      start = performance.now()
      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      const result = await cluster.copy(source.url, target.url)
      copy.push((performance.now() - start) / 1000)
      dumpBytes = result.bytes
      // eslint-disable-next-line no-await-in-loop -- sequential rounds
      const copyOk = (await cluster.checksum(target.database)) === sourceSum
      console.log(
        `round ${round}: raw ${raw.at(-1)!.toFixed(2)} s${rawOk ? '' : ' (CHECKSUM MISMATCH)'}, ` +
          `copy ${copy.at(-1)!.toFixed(2)} s${copyOk ? '' : ' (CHECKSUM MISMATCH)'}`,
      )
      if (!rawOk || !copyOk) process.exitCode = 1
    }

    const a = median(raw)
    const b = median(copy)
    console.log(`dump stream: ${(dumpBytes / MB).toFixed(1)} MB (pg_dump -Fc)`)
    console.log('')
    console.log('| method                                  | median s | MB/s (database size) |')
    console.log('|-----------------------------------------|---------:|---------------------:|')
    console.log(`| (a) raw shell pg_dump -Fc \\| pg_restore | ${a.toFixed(2).padStart(8)} | ${(sizeMb / a).toFixed(1).padStart(20)} |`)
    console.log(`| (b) cluster.copy                        | ${b.toFixed(2).padStart(8)} | ${(sizeMb / b).toFixed(1).padStart(20)} |`)
    console.log('')
    console.log(
      `(b) includes emptying the target (drop and recreate the database, median ${median(resets).toFixed(2)} s) and a credentials check; ` +
        '(a) gets an already emptied target.',
    )
    console.log(`ratio b/a: ${(b / a).toFixed(2)} (goal: within 1.5) over ${ROUNDS} rounds each`)
    if (b / a > 1.5) process.exitCode = 1
  } finally {
    await cluster.stop()
  }
}

await main()
