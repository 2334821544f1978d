import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import Refresh, {type RefreshResult} from '../../src/commands/staging/refresh.js'
import {ATTACHMENT_HEADERS} from '../../src/lib/heroku/types.js'
import {apiClient, apiGet as api} from '../helpers/api.js'
import {checksum, count, query} from '../helpers/db.js'
import {type Emulator, isolateCommandEnv, mutating, productionWrites, seedCleanPair, type Topology, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {type RunResult, runCommand} from '../helpers/run.js'

interface Attachment {
  addon: {app: {name: string}; id: string; name: string}
  name: string
}

async function refresh(emu: Emulator, argv: string[]): Promise<RunResult<RefreshResult>> {
  return withEmulatorEnv(emu, () => runCommand<RefreshResult>(Refresh, argv))
}

function sqlFile(sql: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'refresh-fork-e2e-')), 'sanitize.sql')
  writeFileSync(file, sql)
  return file
}

async function attachmentsOf(emu: Emulator, app: string): Promise<Attachment[]> {
  return api<Attachment[]>(emu, `/apps/${app}/addon-attachments`, ATTACHMENT_HEADERS)
}

/** `staging:refresh --data fork`: blue-green, the fork promoted in place of staging's database, the old one destroyed last. */
describe('staging:refresh --data fork (blue-green) against the emulator', function () {
  this.timeout(180_000)
  const fixture = useEmulator({emulator: {provisionDelayMs: 300}})
  isolateCommandEnv()
  let emu: Emulator
  let topology: Topology
  let productionId: string
  let productionBefore: string

  beforeEach(async function () {
    emu = fixture.emu
    topology = await fixture.reseed(seedCleanPair)
    await query(topology.staging.databaseUrl, 'CREATE TABLE leftovers (id int); INSERT INTO leftovers VALUES (1), (2)')
    productionId = (await api<{id: string}>(emu, `/apps/${topology.production.app}`)).id
    productionBefore = await checksum(topology.production.databaseUrl)
    emu.clearJournal()
  })

  it('forks, sanitizes while the old database serves, promotes, audits, then destroys the old database', async function () {
    const sanitize = sqlFile("UPDATE users SET email = 'user' || id || '@example.test';")
    const run = await refresh(emu, ['-a', topology.staging.app, '--data', 'fork', '--sanitize', sanitize, '--confirm', topology.staging.app, '--json'])
    expect(run.error, run.stderr).to.equal(undefined)
    const result = JSON.parse(run.stdout) as RefreshResult
    expect(result.method).to.equal('fork')
    expect(result.transfer).to.equal(null)
    expect(result.fork).to.deep.include({oldAddon: topology.staging.database, oldDestroyed: true, plan: 'heroku-postgresql:standard-0', promoted: true})
    expect(result.findings.filter(f => f.severity === 'critical')).to.deep.equal([])
    expect(result.maintenance.durationMs).to.be.a('number')

    const database = (await attachmentsOf(emu, topology.staging.app)).find(a => a.name === 'DATABASE')
    expect(database?.addon.name).to.equal(result.fork?.addon)
    expect(database?.addon.app.name).to.equal(topology.staging.app)
    const names = (await attachmentsOf(emu, topology.staging.app)).map(a => a.name)
    expect(names).not.to.include('STAGING_REFRESH')
    expect(names).not.to.include('STAGING_REFRESH_OLD')
    const info = await api<{forked_from: null | string}>(emu, `/client/v11/databases/${database?.addon.id}`)
    expect(info.forked_from).to.equal(topology.production.databaseUrl.replace(/\/\/[^@/]*@/, '//'), 'the source without its credentials, as Heroku gives it')
    const url = emu.databaseUrl(database?.addon.name ?? '')
    expect(await count(url, 'users')).to.equal(topology.rows.users)
    const emails = await query<{email: string}>(url, 'SELECT email FROM users LIMIT 5')
    for (const row of emails) expect(row.email).to.match(/@example\.test$/)
    // the old database is gone, and only after the audit
    const old = await apiClient(emu)('GET', `/addons/${topology.staging.database}`)
    expect(old.status).to.equal(404)
    const writes = mutating(emu)
    const destroyAt = writes.findIndex(e => e.method === 'DELETE' && e.path.includes('/addons/'))
    const promoteAt = writes.findIndex(e => e.method === 'POST' && e.path === '/addon-attachments')
    expect(promoteAt).to.be.greaterThan(-1)
    expect(destroyAt).to.be.greaterThan(promoteAt)
    expect(writes.filter(e => e.path.includes('/transfers')), 'no transfer').to.deep.equal([])
    // the old database was backed up (--backup, the default) after the promote and before it was destroyed
    const backupAt = writes.findIndex(e => e.method === 'POST' && e.path.endsWith('/backups'))
    expect(backupAt).to.be.greaterThan(promoteAt)
    expect(destroyAt).to.be.greaterThan(backupAt)
    expect(result.backups.target?.bytes).to.be.greaterThan(0)
    const backups = await api<Array<{num: number; succeeded: boolean}>>(emu, `/client/v11/apps/${topology.staging.app}/transfers`)
    expect(backups.filter(b => b.succeeded).map(b => `b${String(b.num).padStart(3, '0')}`)).to.include(result.backups.target?.name)
    // production: read, never written
    expect(productionWrites(emu, topology, productionId)).to.deep.equal([])
    expect(await checksum(topology.production.databaseUrl)).to.equal(productionBefore)
  })

  it('a failure between the fork and the promote leaves the old database serving and destroys the unsanitized fork', async function () {
    const broken = sqlFile('UPDATE users SET no_such_column = 1;')
    const run = await refresh(emu, ['-a', topology.staging.app, '--data', 'fork', '--sanitize', broken, '--confirm', topology.staging.app])
    expect(run.error?.oclif?.exit, run.stderr).to.equal(5)
    const message = run.error?.message ?? ''
    expect(message).to.contain(`keeps its DATABASE (${topology.staging.database}), which still serves; nothing was destroyed`)
    expect(message).to.match(/The unsanitized fork \S+ was destroyed, never served/)
    const attachments = await attachmentsOf(emu, topology.staging.app)
    expect(attachments.find(a => a.name === 'STAGING_REFRESH'), 'the new fork is gone').to.equal(undefined)

    const database = attachments.find(a => a.name === 'DATABASE')
    expect(database?.addon.name).to.equal(topology.staging.database)
    expect(await count(topology.staging.databaseUrl, 'leftovers')).to.equal(2)
    const app = await api<{maintenance: boolean}>(emu, `/apps/${topology.staging.app}`)
    expect(app.maintenance).to.equal(false)
    const writes = mutating(emu)
    expect(writes.filter(e => e.method === 'DELETE').map(e => e.addon), 'only the new fork is destroyed').to.have.length(1).and.not.include(topology.staging.database)
    expect(writes.filter(e => e.path === '/addon-attachments'), 'no promote').to.deep.equal([])
    expect(productionWrites(emu, topology, productionId)).to.deep.equal([])
  })

  it('refuses to fork an Essential production database, with the fix (exit 2, as staging:fork), changing nothing', async function () {
    await emu.seed({
      addons: [
        {app: 'tiny-production', as: 'DATABASE', name: 'tiny-production-db', plan: 'heroku-postgresql:essential-1'},
        {app: 'tiny-staging', as: 'DATABASE', name: 'tiny-staging-db', plan: 'heroku-postgresql:essential-0'},
      ],
      apps: [{name: 'tiny-production'}, {name: 'tiny-staging'}],
      pipelines: [{apps: {'tiny-production': 'production', 'tiny-staging': 'staging'}, name: 'tiny'}],
    })
    emu.clearJournal()
    const run = await refresh(emu, ['-a', 'tiny-staging', '--data', 'fork', '--confirm', 'tiny-staging'])
    expect(run.error?.oclif?.exit).to.equal(2)
    expect(run.error?.message).to.contain('Essential databases cannot be forked')
    expect(run.error?.message).to.contain('--data copy')
    expect(mutating(emu)).to.deep.equal([])
  })
})
