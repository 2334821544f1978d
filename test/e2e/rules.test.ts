import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import Refresh, {type RefreshDryRun, type RefreshResult} from '../../src/commands/staging/refresh.js'
import {compileRules, parseRules} from '../../src/lib/refresh/rules.js'
import {runSanitize} from '../../src/lib/refresh/sanitize.js'
import {apiGet} from '../helpers/api.js'
import {checksum, count, query} from '../helpers/db.js'
import {type Emulator, isolateCommandEnv, mutating, productionWrites, seedCleanPair, type Topology, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {type RunResult, runCommand} from '../helpers/run.js'

/**
 * `--rules`: the compiled SQL on real PostgreSQL (deterministic, unique and foreign keys intact, bounds
 * held), and `staging:refresh --rules` end to end with its PII guard, `--allow-pii` and `--dry-run`.
 */

const SCHEMA = `
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, full_name text, phone text, born date, age int, notes text);
INSERT INTO users (email, full_name, phone, born, age, notes)
  SELECT 'person' || g || '@real.example', 'Real Person ' || g, '+44 20 7946 ' || lpad(g::text, 4, '0'), date '1980-01-01' + g, 20 + g % 50, CASE WHEN g % 3 = 0 THEN NULL ELSE 'note ' || g END
  FROM generate_series(1, 500) g;
CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), total_cents int NOT NULL);
INSERT INTO orders (user_id, total_cents) SELECT 1 + g % 500, g * 7 FROM generate_series(1, 800) g;
CREATE TABLE audit_events (id serial PRIMARY KEY, user_id int REFERENCES users(id), payload text);
INSERT INTO audit_events (user_id, payload) SELECT 1 + g % 500, 'login from 10.0.0.' || g FROM generate_series(1, 300) g;
`

const RULES = `
tables:
  users:
    email: fake_email
    full_name: fake_name
    phone: fake_phone
    born: {random_date: ['1950-01-01', '2005-12-31']}
    age: {random_int: [18, 90]}
    notes: null
  audit_events: truncate
`

const KEY = Buffer.from('rules-e2e-pseudonym-key-0123456789')

function file(name: string, text: string): string {
  const target = path.join(mkdtempSync(path.join(tmpdir(), 'rules-e2e-')), name)
  writeFileSync(target, text)
  return target
}

describe('e2e: declarative sanitising rules', function () {
  this.timeout(180_000)
  const fixture = useEmulator({provisioning: 'short'})
  isolateCommandEnv()
  let emu: Emulator
  before(function () {
    emu = fixture.emu
  })

  describe('the compiled SQL on real PostgreSQL', function () {
    let first: string
    let second: string
    before(async function () {
      await fixture.reseed(async e => e.seed({
        addons: [
          {app: 'rules-a', as: 'DATABASE', name: 'rules-a-db', plan: 'heroku-postgresql:essential-0', sql: SCHEMA},
          {app: 'rules-b', as: 'DATABASE', name: 'rules-b-db', plan: 'heroku-postgresql:essential-0', sql: SCHEMA},
        ],
        apps: [{name: 'rules-a'}, {name: 'rules-b'}],
      }))
      first = emu.databaseUrl('rules-a-db')
      second = emu.databaseUrl('rules-b-db')
      const sql = compileRules(parseRules('rules.yml', RULES))
      // The same pseudonym key on both: the pseudonyms agree.
      await runSanitize(first, sql, KEY)
      await runSanitize(second, sql, KEY)
    })

    it('is deterministic: the same data, rules and key give the same result', async function () {
      expect(await checksum(first)).to.equal(await checksum(second))
    })

    it('keeps unique emails unique and foreign keys intact, and leaves no original value', async function () {
      const [row] = await query<{distinct: string; real: string; total: string}>(first, "SELECT count(DISTINCT email) AS distinct, count(*) AS total, count(*) FILTER (WHERE email LIKE '%@real.example' OR full_name LIKE 'Real Person%' OR phone LIKE '+44%') AS real FROM users")
      expect(row).to.deep.equal({distinct: '500', real: '0', total: '500'})
      const [orphans] = await query<{n: string}>(first, 'SELECT count(*) AS n FROM orders o LEFT JOIN users u ON u.id = o.user_id WHERE u.id IS NULL')
      expect(orphans?.n).to.equal('0')
      expect(await count(first, 'orders')).to.equal(800)
      expect(await count(first, 'audit_events')).to.equal(0)
    })

    it('holds the bounds and sets null where asked', async function () {
      const [row] = await query<{maxAge: number; maxBorn: string; minAge: number; minBorn: string; notes: string}>(first, "SELECT min(age) AS \"minAge\", max(age) AS \"maxAge\", to_char(min(born), 'YYYY-MM-DD') AS \"minBorn\", to_char(max(born), 'YYYY-MM-DD') AS \"maxBorn\", count(notes)::text AS notes FROM users")
      expect(row!.minAge).to.be.at.least(18)
      expect(row!.maxAge).to.be.at.most(90)
      expect(row!.minBorn >= '1950-01-01' && row!.maxBorn <= '2005-12-31', `${row!.minBorn}..${row!.maxBorn}`).to.equal(true)
      expect(row!.notes).to.equal('0')
    })
  })

  describe('staging:refresh --rules', function () {
    let topology: Topology
    let productionBefore: string
    const refresh = async (argv: string[]): Promise<RunResult<RefreshDryRun | RefreshResult>> => withEmulatorEnv(emu, () => runCommand<RefreshDryRun | RefreshResult>(Refresh, argv))
    const partial = file('partial.yml', 'tables:\n  users:\n    email: fake_email\n')
    const complete = file('complete.yml', 'tables:\n  users:\n    email: fake_email\n    name: fake_name\n')

    beforeEach(async function () {
      topology = await fixture.reseed(seedCleanPair)
      productionBefore = await checksum(topology.production.databaseUrl)
    })

    afterEach(async function () {
      expect(await checksum(topology.production.databaseUrl), 'production unchanged').to.equal(productionBefore)
      expect(productionWrites(emu, topology), 'no mutating request to production').to.deep.equal([])
    })

    it('refuses with exit 4 before any data moves when a likely-PII column has no rule: staging untouched, never in maintenance', async function () {
      const run = await refresh(['-a', 'acme-staging', '--confirm', 'acme-staging', '--rules', partial])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('users.name (name)').and.contain('Nothing was copied')
      expect(run.error?.message).to.contain('name: fake_name')
      expect(run.error?.message).to.contain('--allow-pii TABLE.COLUMN')
      const app = await apiGet<{maintenance: boolean}>(emu, '/apps/acme-staging')
      expect(app.maintenance).to.equal(false)
      expect(mutating(emu), 'no request changed anything').to.deep.equal([])
      const [tables] = await query<{n: string}>(topology.staging.databaseUrl, "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'")
      expect(tables?.n, 'staging\'s database is as it was (empty)').to.equal('0')
    })

    it('sanitizes and serves again when every PII column is handled', async function () {
      const run = await refresh(['-a', 'acme-staging', '--confirm', 'acme-staging', '--rules', complete])
      expect(run.error, run.stderr).to.equal(undefined)
      const [row] = await query<{fake: string; total: string}>(topology.staging.databaseUrl, "SELECT count(*) FILTER (WHERE email LIKE 'user-%@example.invalid') AS fake, count(*) AS total FROM users")
      expect(row).to.deep.equal({fake: String(topology.rows.users), total: String(topology.rows.users)})
      expect((await apiGet<{maintenance: boolean}>(emu, '/apps/acme-staging')).maintenance).to.equal(false)
    })

    it('lets a column through that --allow-pii accepts by name', async function () {
      const run = await refresh(['-a', 'acme-staging', '--confirm', 'acme-staging', '--rules', partial, '--allow-pii', 'users.name'])
      expect(run.error, run.stderr).to.equal(undefined)
      const [row] = await query<{real: string}>(topology.staging.databaseUrl, "SELECT count(*) FILTER (WHERE name LIKE 'User %') AS real FROM users")
      expect(row?.real).to.equal(String(topology.rows.users))
    })

    it('--dry-run prints the SQL and the unhandled columns, changes nothing, and exits 4', async function () {
      const run = await refresh(['-a', 'acme-staging', '--rules', partial, '--dry-run'])
      expect(run.error?.oclif?.exit ?? process.exitCode).to.equal(4)
      expect(run.stdout).to.contain('UPDATE "users" SET')
      expect(run.stdout).to.contain('    name: fake_name   # name')
      expect(mutating(emu)).to.deep.equal([])
      const clean = await refresh(['-a', 'acme-staging', '--rules', complete, '--dry-run', '--json'])
      expect(clean.error).to.equal(undefined)
      expect((clean.result as RefreshDryRun).unhandledPii).to.deep.equal([])
      expect(mutating(emu)).to.deep.equal([])
    })
  })
})
