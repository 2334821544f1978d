import {expect} from 'chai'
import {createHash, createHmac} from 'node:crypto'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import Refresh, {type RefreshDryRun, type RefreshResult} from '../../src/commands/staging/refresh.js'
import {ATTACHMENT_HEADERS} from '../../src/lib/heroku/types.js'
import {KEY_ENV} from '../../src/lib/refresh/key.js'
import {apiGet as api} from '../helpers/api.js'
import {checksum, query} from '../helpers/db.js'
import {type Emulator, isolateCommandEnv, mutating, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {type RunResult, runCommand} from '../helpers/run.js'

/**
 * `staging:refresh --rules`: production's PII never lands in staging unsanitized, whatever the outcome:
 * the guard reads the source first, a failure after the copy undoes it (copy: restore or reset; fork:
 * destroy), and the pseudonyms are keyed. Small seeds: 40 production users, 3 of staging's own.
 */

const PRODUCTION = 'pii-production'
const STAGING = 'pii-staging'
const ROWS = 40

const PRODUCTION_SQL = `
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, full_name text, phone text, password_digest text, plan text);
INSERT INTO users (email, full_name, phone, password_digest, plan)
  SELECT 'person' || g || '@real.example', 'Real Person ' || g, '+44 20 7946 ' || lpad(g::text, 4, '0'), 'digest-' || g, 'pro'
  FROM generate_series(1, ${ROWS}) g;
`
const STAGING_SQL = `
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, full_name text, phone text, password_digest text, plan text);
INSERT INTO users (email, full_name, phone, plan) VALUES ('own1@staging.test', 'Own One', NULL, 'free'), ('own2@staging.test', 'Own Two', NULL, 'free'), ('own3@staging.test', 'Own Three', NULL, 'free');
`

const COMPLETE = 'tables:\n  users:\n    email: fake_email\n    full_name: fake_name\n    phone: fake_phone\n    password_digest: hash\n'

function file(name: string, text: string): string {
  const target = path.join(mkdtempSync(path.join(tmpdir(), 'refresh-pii-')), name)
  writeFileSync(target, text)
  return target
}

async function seed(emu: Emulator): Promise<void> {
  await emu.seed({
    addons: [
      {app: PRODUCTION, as: 'DATABASE', name: 'pii-production-db', plan: 'heroku-postgresql:standard-0', sql: PRODUCTION_SQL},
      {app: STAGING, as: 'DATABASE', name: 'pii-staging-db', plan: 'heroku-postgresql:standard-0', sql: STAGING_SQL},
    ],
    apps: [{config: {}, name: PRODUCTION}, {config: {}, name: STAGING}],
    pipelines: [{apps: {[PRODUCTION]: 'production', [STAGING]: 'staging'}, name: 'pii'}],
  })
}

async function refresh(emu: Emulator, argv: string[]): Promise<RunResult<RefreshDryRun | RefreshResult>> {
  return withEmulatorEnv(emu, () => runCommand<RefreshDryRun | RefreshResult>(Refresh, ['-a', STAGING, ...argv]))
}

/** Rows of production's users anywhere in `url` (any column holding a real value). */
async function productionRows(url: string): Promise<number> {
  const [tables] = await query<{n: string}>(url, "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'users'")
  if (tables?.n === '0') return 0
  const [row] = await query<{n: string}>(url, "SELECT count(*) AS n FROM users WHERE email LIKE '%@real.example' OR full_name LIKE 'Real Person%' OR phone LIKE '+44%' OR password_digest LIKE 'digest-%'")
  return Number(row?.n)
}

/** Every database add-on attached to staging, by URL. */
async function stagingDatabases(emu: Emulator): Promise<string[]> {
  const attachments = await api<Array<{addon: {name: string; plan?: {name: string}}}>>(emu, `/apps/${STAGING}/addon-attachments`, ATTACHMENT_HEADERS)
  return [...new Set(attachments.filter(a => a.addon.plan?.name.startsWith('heroku-postgresql')).map(a => emu.databaseUrl(a.addon.name)))]
}

describe('staging:refresh --rules leaves no unsanitized production row in staging (emulator)', function () {
  this.timeout(120_000)
  const fixture = useEmulator({emulator: {provisionDelayMs: 200}, fresh: 'each', seed})
  isolateCommandEnv()
  let stagingBefore: string

  beforeEach(async function () {
    stagingBefore = await checksum(fixture.emu.databaseUrl('pii-staging-db'))
    fixture.emu.clearJournal()
  })

  afterEach(function () {
    delete process.env[KEY_ENV]
  })

  it('refuses a partial rules file with exit 4 before any data moves: staging untouched, no production row, never in maintenance', async function () {
    const emu = fixture.emu
    const run = await refresh(emu, ['--confirm', STAGING, '--rules', file('partial.yml', 'tables:\n  users:\n    email: fake_email\n')])
    expect(run.error?.oclif?.exit, run.stderr).to.equal(4)
    expect(run.error?.message).to.contain('users.full_name (name)').and.contain('users.phone (phone)').and.contain('Nothing was copied')
    expect(run.error?.message).to.contain('full_name: fake_name')
    expect(mutating(emu)).to.deep.equal([])
    expect(await checksum(emu.databaseUrl('pii-staging-db'))).to.equal(stagingBefore)
    expect(await productionRows(emu.databaseUrl('pii-staging-db'))).to.equal(0)
  })

  it('strict: true fails the dry run with exit 4 on a column added since the rules were written (and passes once it has a rule)', async function () {
    const emu = fixture.emu
    await query(emu.databaseUrl('pii-production-db'), 'ALTER TABLE users ADD COLUMN referral_code text')
    const strict = `strict: true\n${COMPLETE}    id: keep\n    plan: keep\n`
    const drift = await refresh(emu, ['--rules', file('strict.yml', strict), '--dry-run', '--json'])
    expect(drift.error?.oclif?.exit ?? process.exitCode).to.equal(4)
    expect((drift.result as RefreshDryRun).unhandledPii.map(c => `${c.table}.${c.column}`)).to.deep.equal(['users.referral_code'])
    process.exitCode = undefined
    const fixed = await refresh(emu, ['--rules', file('fixed.yml', `${strict}    referral_code: null\n`), '--dry-run', '--json'])
    expect(fixed.error).to.equal(undefined)
    expect(process.exitCode ?? 0).to.equal(0)
    expect(mutating(emu)).to.deep.equal([])
  })

  it('copy: restores staging from the backup taken first when the sanitize SQL fails', async function () {
    const emu = fixture.emu
    const run = await refresh(emu, ['--confirm', STAGING, '--rules', file('rules.yml', COMPLETE), '--sanitize', file('bad.sql', 'UPDATE no_such_table SET x = 1;')])
    expect(run.error?.oclif?.exit, run.stderr).to.equal(5)
    expect(run.error?.message).to.match(/No unsanitized production data stayed: DATABASE on pii-staging was restored from backup b\d+/)
    expect(await productionRows(emu.databaseUrl('pii-staging-db'))).to.equal(0)
    expect(await checksum(emu.databaseUrl('pii-staging-db'))).to.equal(stagingBefore)
    expect((await api<{maintenance: boolean}>(emu, `/apps/${STAGING}`)).maintenance).to.equal(false)
  })

  it('copy with --no-backup: resets staging\'s database when the sanitize SQL fails', async function () {
    const emu = fixture.emu
    const run = await refresh(emu, ['--confirm', STAGING, '--no-backup', '--rules', file('rules.yml', COMPLETE), '--sanitize', file('bad.sql', 'UPDATE no_such_table SET x = 1;')])
    expect(run.error?.oclif?.exit, run.stderr).to.equal(5)
    expect(run.error?.message).to.contain('was reset (emptied)')
    for (const url of await stagingDatabases(emu)) expect(await productionRows(url), url).to.equal(0)
  })

  it('blue-green (--data fork): destroys the unsanitized fork when the sanitize SQL fails; the old database keeps serving', async function () {
    const emu = fixture.emu
    const run = await refresh(emu, ['--confirm', STAGING, '--data', 'fork', '--rules', file('rules.yml', COMPLETE), '--sanitize', file('bad.sql', 'UPDATE no_such_table SET x = 1;')])
    expect(run.error, run.stderr).to.not.equal(undefined)
    expect(run.error?.message).to.match(/The unsanitized fork \S+ was destroyed, never served/)
    const databases = await stagingDatabases(emu)
    expect(databases).to.deep.equal([emu.databaseUrl('pii-staging-db')])
    expect(await checksum(emu.databaseUrl('pii-staging-db'))).to.equal(stagingBefore)
    expect(await productionRows(emu.databaseUrl('pii-staging-db'))).to.equal(0)
  })

  it('keys the pseudonyms: none equals or contains an md5 or sha256 of its real value; the same key gives the same ones, emails stay unique', async function () {
    const emu = fixture.emu
    process.env[KEY_ENV] = 'refresh-pii-e2e-key-0123456789abcdef'
    const rules = file('rules.yml', COMPLETE)
    const first = await refresh(emu, ['--confirm', STAGING, '--rules', rules])
    expect(first.error, first.stderr).to.equal(undefined)
    const url = emu.databaseUrl('pii-staging-db')
    const rows = await query<{email: string; full_name: string; id: number; password_digest: string; phone: string}>(url, 'SELECT id, email, full_name, phone, password_digest FROM users ORDER BY id')
    expect(rows).to.have.length(ROWS)
    expect(new Set(rows.map(r => r.email)).size).to.equal(ROWS)
    expect(await productionRows(url)).to.equal(0)
    for (const row of rows) {
      const real = {email: `person${row.id}@real.example`, full_name: `Real Person ${row.id}`, password_digest: `digest-${row.id}`, phone: `+44 20 7946 ${String(row.id).padStart(4, '0')}`}
      for (const [column, value] of Object.entries(real)) {
        const pseudonym = String(row[column as keyof typeof row])
        for (const digest of [createHash('md5').update(value).digest('hex'), createHash('sha256').update(value).digest('hex')]) {
          expect(pseudonym, `${column} of ${row.id}`).not.to.contain(digest)
          expect(pseudonym, `${column} of ${row.id}`).not.to.contain(digest.slice(0, 12))
        }
      }
    }

    // `hash` is exactly HMAC-SHA-256 under the key (of the rule's domain tag and the value), computed by PostgreSQL.
    expect(rows[0]?.password_digest).to.equal(createHmac('sha256', process.env[KEY_ENV]).update('hashdigest-1').digest('hex'))
    for (const output of [first.stdout, first.stderr]) expect(output).not.to.contain(process.env[KEY_ENV])
    const pseudonyms = await checksum(url)
    const again = await refresh(emu, ['--confirm', STAGING, '--rules', rules])
    expect(again.error, again.stderr).to.equal(undefined)
    expect(await checksum(url), 'the same key gives the same pseudonyms').to.equal(pseudonyms)
    process.env[KEY_ENV] = 'another-key-for-the-same-rules-000000'
    const other = await refresh(emu, ['--confirm', STAGING, '--rules', rules])
    expect(other.error, other.stderr).to.equal(undefined)
    expect(await checksum(url), 'another key gives other pseudonyms').not.to.equal(pseudonyms)
  })
})
