import {expect} from 'chai'

import {digest, query as sql} from '../helpers/db.js'
import {type Emulator, mutating, seedCleanPair, type Topology, useEmulator} from '../helpers/emulator.js'
import {type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

type Json = Record<string, unknown>

/** The unmodified `heroku` CLI against the emulator's Data API and real PostgreSQL. */
describe('stock heroku CLI: pg:info, pg:copy, pg:promote, pg:backups:capture, pg:backups, pg:reset', function () {
  this.timeout(300_000)
  const fixture = useEmulator({cli: 'none', seed: async emu => seedCleanPair(emu)})
  const {api} = fixture
  const heroku = async (...args: string[]): Promise<HerokuRun> => fixture.cli.run(args)
  let emu: Emulator
  let topo: Topology

  before(() => {
    emu = fixture.emu
    topo = fixture.seeded
  })

  it('pg:info shows plan, version, tables and the add-on, from the real database', async () => {
    const result = await heroku('pg:info', '-a', 'acme-production')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('=== DATABASE_URL')
    expect(result.stdout).to.match(/Plan:\s+Standard 0/)
    expect(result.stdout).to.match(/PG Version:\s+16\.\d+/)
    expect(result.stdout).to.match(/Tables:\s+2/)
    expect(result.stdout).to.match(new RegExp(`Add-on:\\s+${topo.production.database}`))
    // the billing app is shown when the database belongs to another app
    await emu.seed({attachments: [{addon: topo.production.database, app: 'acme-staging', as: 'PROD_READONLY'}]})
    const foreign = await heroku('pg:info', 'PROD_READONLY', '-a', 'acme-staging')
    expect(foreign.stdout).to.match(/Billing App:\s+acme-production/)
    await api('DELETE', `/addon-attachments/${((await api('GET', '/apps/acme-staging/addon-attachments/PROD_READONLY')).body as Json).id}`)
  })

  it('pg:backups:capture takes a real backup that pg:backups then lists', async () => {
    const capture = await heroku('pg:backups:capture', '-a', 'acme-production')
    expect(capture.status, capture.stderr).to.equal(0)
    expect(capture.stderr).to.contain(`Starting backup of ${topo.production.database}... done`)
    expect(capture.stderr).to.match(/Backing up DATABASE to b001\.\.\. done/)
    const transfers = (await api('GET', '/client/v11/apps/acme-production/transfers')).body as Array<{name: string; processed_bytes: number; succeeded: boolean}>
    expect(transfers.map(t => [t.name, t.succeeded])).to.deep.equal([['b001', true]])
    expect(transfers[0]!.processed_bytes).to.be.greaterThan(10_000)
    const list = await heroku('pg:backups', '-a', 'acme-production')
    expect(list.status, list.stderr).to.equal(0)
    // Data API dates as Heroku gives them (`2016-10-01 00:42:54 +0000`), printed as they come
    expect(list.stdout).to.match(/b001\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\s+Completed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\s+[\d.]+\s*KB\s+DATABASE/)
  })

  it('pg:copy copies production\'s rows into staging (confirming the target), leaving production unchanged', async () => {
    const before = await digest(topo.production.databaseUrl)
    const wrong = await heroku('pg:copy', 'acme-production::DATABASE_URL', 'DATABASE_URL', '-a', 'acme-staging', '--confirm', 'acme-production')
    expect(wrong.status).to.not.equal(0)
    expect(unwrap(wrong.stderr)).to.contain('did not match')
    emu.clearJournal()
    const copy = await heroku('pg:copy', 'acme-production::DATABASE_URL', 'DATABASE_URL', '-a', 'acme-staging', '--confirm', 'DATABASE', '--wait-interval', '1')
    expect(copy.status, copy.stderr).to.equal(0)
    expect(copy.stderr).to.contain('Starting copy of DATABASE to DATABASE... done')
    expect(copy.stderr).to.contain('Copying... done')
    expect(await digest(topo.staging.databaseUrl)).to.equal(before)
    expect(await digest(topo.production.databaseUrl)).to.equal(before)
    // the transfer was posted against staging's database; nothing mutated production
    const posted = mutating(emu)
    expect(posted.map(e => `${e.method} ${e.app}`)).to.deep.equal(['POST acme-staging'])
    expect(posted[0]!.path).to.match(/^\/client\/v11\/databases\/[\da-f-]+\/transfers$/)
    const copies = await heroku('pg:backups', '-a', 'acme-staging')
    expect(copies.stdout).to.match(/c001\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\s+Completed/)
  })

  it('pg:copy refuses to copy a database onto itself', async () => {
    const result = await heroku('pg:copy', 'DATABASE_URL', 'DATABASE_URL', '-a', 'acme-staging', '--confirm', 'DATABASE')
    expect(result.status).to.not.equal(0)
    expect(unwrap(result.stderr)).to.contain('Cannot copy database onto itself')
  })

  it('pg:reset empties the database behind its attachment', async () => {
    expect(Number((await sql<{n: string}>(topo.staging.databaseUrl, 'SELECT count(*) AS n FROM users'))[0]!.n)).to.equal(topo.rows.users)
    const result = await heroku('pg:reset', 'DATABASE', '-a', 'acme-staging', '--confirm', 'acme-staging')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stderr).to.contain(`Resetting ${topo.staging.database}... done`)
    const tables = await sql(topo.staging.databaseUrl, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    expect(tables).to.deep.equal([])
    expect(await digest(topo.production.databaseUrl)).to.be.a('string')
  })

  it('pg:promote makes another database DATABASE_URL, keeping an alias for the old one', async () => {
    const created = await heroku('addons:create', 'heroku-postgresql:essential-0', '-a', 'acme-staging')
    const color = /as (HEROKU_POSTGRESQL_[A-Z]+)_URL/.exec(created.stdout)?.[1]
    const newDb = /Created (\S+) as/.exec(created.stdout)?.[1]
    expect(color, created.stdout).to.be.a('string')
    const result = await heroku('pg:promote', color!, '-a', 'acme-staging')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stderr).to.contain('Ensuring an alternate alias for existing DATABASE_URL...')
    expect(result.stderr).to.contain(`Promoting ${newDb} to DATABASE_URL on acme-staging... done`)
    const config = (await api('GET', '/apps/acme-staging/config-vars')).body as Record<string, string>
    expect(config.DATABASE_URL).to.equal(emu.databaseUrl(newDb!))
    const attachments = (await api('GET', '/apps/acme-staging/addon-attachments')).body as Array<{addon: {name: string}; name: string}>
    const oldAliases = attachments.filter(a => a.addon.name === topo.staging.database).map(a => a.name)
    expect(oldAliases).to.have.length(1)
    expect(oldAliases[0]).to.match(/^HEROKU_POSTGRESQL_[A-Z]+$/)
    const releases = ((await api('GET', '/apps/acme-staging/releases', undefined, {range: 'version ..; max=3, order=desc'})).body as Json[]).map(r => r.description)
    expect(releases).to.deep.equal([
      `Attach DATABASE (@ref:${newDb})`,
      `Detach DATABASE (@ref:${topo.staging.database})`,
      `Attach ${oldAliases[0]} (@ref:${topo.staging.database})`,
    ])
    const again = await heroku('pg:promote', color!, '-a', 'acme-staging')
    expect(again.status).to.not.equal(0)
    expect(unwrap(again.stderr)).to.contain('is already promoted on')
  })
})
