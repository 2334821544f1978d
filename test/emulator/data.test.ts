import {expect} from 'chai'

import {apiClient, waitFor} from '../helpers/api.js'
import {digest, query as sql} from '../helpers/db.js'
import {type Emulator, seedIncident, type Topology, useEmulator} from '../helpers/emulator.js'

type Json = Record<string, unknown>

interface Transfer {
  finished_at: null | string
  from_type: string
  logs?: Array<{message: string}>
  name: string
  num: number
  processed_bytes: number
  started_at: null | string
  succeeded: boolean | null
  to_type: string
  to_url: null | string
  uuid: string
}

describe('emulator Data API against the real cluster', function () {
  this.timeout(180_000)
  const fixture = useEmulator({seed: async emu => seedIncident(emu)})
  const {api} = fixture
  let emu: Emulator
  let topo: Topology
  const ids: Record<string, string> = {}

  const addonId = async (name: string): Promise<string> => ((await api('GET', `/addons/${name}`)).body as Json).id as string

  const finished = async (app: string, uuid: string): Promise<Transfer> =>
    waitFor(`transfer ${uuid}`, async () => {
      const transfer = (await api<Transfer>('GET', `/client/v11/apps/${app}/transfers/${uuid}`)).body
      return transfer.finished_at ? transfer : undefined
    })

  before(async () => {
    emu = fixture.emu
    topo = fixture.seeded
    ids.production = await addonId(topo.production.database)
    ids.staging = await addonId(topo.staging.database)
  })

  it('describes a database: plan, PG Version (the pinned major), following, size, tables, resource_url', async () => {
    const response = await api('GET', `/client/v11/databases/${ids.production}`)
    expect(response.status).to.equal(200)
    const db = response.body as {info: Array<{name: string; values: unknown[]}>} & Json
    expect(db).to.include({addon_id: ids.production, following: null, name: topo.production.database, num_tables: 2, resource_url: topo.production.databaseUrl})
    // Standard+ answers as heroku/cli's PgDatabaseService: plan {id, name}, leader null, Shogun dates
    expect(db.plan).to.deep.include({name: 'heroku-postgresql:standard-0'})
    expect(db.leader).to.equal(null)
    expect(db.created_at).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$/)
    expect(db.num_bytes).to.be.greaterThan(100_000)
    expect(db.database_name).to.equal(new URL(topo.production.databaseUrl).pathname.slice(1))
    const info = Object.fromEntries(db.info.map(row => [row.name, row.values[0]]))
    expect(String(info['PG Version']).split('.')[0]).to.equal('16')
    expect(info.Plan).to.equal('Standard 0')
    expect(info.Tables).to.equal('2')
    expect(db.info.every(row => row.values.every(value => typeof value === 'string')), 'info values are strings').to.equal(true)
    // the same database by add-on name
    expect((await api('GET', `/client/v11/databases/${topo.production.database}`)).status).to.equal(200)
  })

  it('reports the pinned major of a database created with another version', async () => {
    await emu.seed({addons: [{app: 'acme-staging', as: 'OLD', name: 'old-db', plan: 'heroku-postgresql:essential-1', version: '14'}]})
    const db = (await api('GET', `/client/v11/databases/${await addonId('old-db')}`)).body as {info: Array<{name: string; values: unknown[]}>} & Json
    expect(String(db.info.find(row => row.name === 'PG Version')?.values[0])).to.match(/^14\./)
    // Essential answers as heroku/cli's PgDatabaseTenant: plan a string, no num_tables (the Tables row holds it), no leader
    expect(db.plan).to.equal('heroku-postgresql:essential-1')
    expect(db).to.not.have.any.keys('num_tables', 'leader', 'port')
    expect(db.info.find(row => row.name === 'Tables')?.values).to.deep.equal(['0/4000'])
  })

  it('hides databases from a stranger and answers 404 for other add-ons', async () => {
    expect((await apiClient(emu, emu.accounts[1]!)('GET', `/client/v11/databases/${ids.production}`)).status).to.equal(404)
    const redis = await addonId(topo.production.redis)
    expect((await api('GET', `/client/v11/databases/${redis}`)).status).to.equal(404)
  })

  it('answers wait_status', async () => {
    expect((await api('GET', `/client/v11/databases/${ids.production}/wait_status`)).body).to.deep.equal({'error?': false, message: 'Available', 'waiting?': false})
  })

  it('provisions asynchronously with a delay: provisioning (404 on the Data API, waiting), then provisioned with its URL', async () => {
    emu.setProvisionDelay(400)
    try {
      const created = await api('POST', '/apps/acme-staging/addons', {attachment: {name: 'LATER'}, plan: {name: 'heroku-postgresql:essential-0'}})
      const addon = created.body as {id: string; name: string; state: string}
      expect(addon.state).to.equal('provisioning')
      expect((await api('GET', `/client/v11/databases/${addon.id}`)).status).to.equal(404)
      expect(((await api('GET', `/client/v11/databases/${addon.id}/wait_status`)).body as Json)['waiting?']).to.equal(true)
      expect(((await api('GET', '/apps/acme-staging/config-vars')).body as Json).LATER_URL).to.equal(undefined)
      await waitFor('provisioned', async () => (((await api('GET', `/apps/acme-staging/addons/${addon.name}`)).body as Json).state === 'provisioned' ? true : undefined))
      const url = ((await api('GET', '/apps/acme-staging/config-vars')).body as Json).LATER_URL as string
      expect(await sql(url, 'SELECT 1 AS one')).to.deep.equal([{one: 1}])
      const [release] = (await api('GET', '/apps/acme-staging/releases', undefined, {range: 'version ..; max=1, order=desc'})).body as Json[]
      expect(release!.description).to.equal(`@ref:${addon.name} completed provisioning, setting LATER_URL.`)
    } finally {
      emu.setProvisionDelay(0)
    }
  })

  it('copies a database (pg:copy transfer): async, then finished_at + succeeded, real rows moved, source unchanged', async () => {
    const before = await digest(topo.production.databaseUrl)
    const posted = await api('POST', `/client/v11/databases/${ids.staging}/transfers`, {
      from_name: 'acme-production::DATABASE', from_url: topo.production.databaseUrl, to_name: 'ROSE', to_url: topo.staging.databaseUrl,
    })
    expect(posted.status).to.equal(201)
    const transfer = posted.body as Transfer
    expect(transfer).to.include({from_type: 'pg_dump', to_type: 'pg_restore'})
    expect(transfer.finished_at).to.equal(null)
    expect(JSON.stringify(transfer)).to.not.contain(new URL(topo.production.databaseUrl).password)
    const done = await finished('acme-staging', transfer.uuid)
    expect(done.succeeded).to.equal(true)
    expect(done.processed_bytes).to.be.greaterThan(0)
    expect(done.name).to.match(/^c\d{3}$/)
    expect(await digest(topo.staging.databaseUrl)).to.equal(before)
    expect(await digest(topo.production.databaseUrl)).to.equal(before)
    // the same transfer by number, and by the app's id
    const appId = ((await api('GET', '/apps/acme-staging')).body as Json).id
    expect(((await api('GET', `/client/v11/apps/${appId}/transfers/${done.num}`)).body as Transfer).uuid).to.equal(transfer.uuid)
    const list = (await api('GET', '/client/v11/apps/acme-staging/transfers')).body as Transfer[]
    expect(list.map(t => t.uuid)).to.include(transfer.uuid)
  })

  it('reports processed_bytes while a larger copy runs', async () => {
    await emu.seed({addons: [
      {app: 'acme-production', as: 'BIG', name: 'big-db', plan: 'heroku-postgresql:standard-0', sql: "CREATE TABLE blobs AS SELECT g AS id, repeat(md5(g::text), 20) AS body FROM generate_series(1, 60000) g"},
      {app: 'acme-staging', as: 'BIG_COPY', name: 'big-copy', plan: 'heroku-postgresql:essential-0'},
    ]})
    const from = emu.databaseUrl('big-db')
    const posted = (await api('POST', `/client/v11/databases/${await addonId('big-copy')}/transfers`, {from_url: from, to_url: emu.databaseUrl('big-copy')})).body as Transfer
    const seen: Transfer[] = []
    const done = await waitFor('big copy', async () => {
      const t = (await api<Transfer>('GET', `/client/v11/apps/acme-staging/transfers/${posted.uuid}`)).body
      seen.push(t)
      return t.finished_at ? t : undefined
    }, 60_000)
    expect(done.succeeded).to.equal(true)
    // On a busy machine the first polls can see it still queued: not started, nothing processed, before any running state.
    const unfinished = seen.filter(t => !t.finished_at)
    const firstRunning = unfinished.findIndex(t => t.started_at !== null)
    const queued = firstRunning === -1 ? unfinished : unfinished.slice(0, firstRunning)
    const running = firstRunning === -1 ? [] : unfinished.slice(firstRunning)
    expect(queued.every(t => t.started_at === null && !t.processed_bytes), 'queued: not started, nothing processed').to.equal(true)
    expect(running.length, 'observed the transfer while it ran').to.be.greaterThan(0)
    expect(running.every(t => t.started_at !== null), 'once started, it stays started').to.equal(true)
    const progress = running.map(t => t.processed_bytes)
    expect(progress).to.deep.equal([...progress].sort((a, b) => a - b))
    expect(done.processed_bytes).to.be.greaterThan(1_000_000)
    const [count] = await sql<{n: string}>(emu.databaseUrl('big-copy'), 'SELECT count(*) AS n FROM blobs')
    expect(count!.n).to.equal('60000')
  })

  it('fails a transfer from an unreachable database with logs, and never leaks a password', async () => {
    const port = new URL(topo.production.databaseUrl).port
    const badUrl = `postgres://nobody:hunter2secret@127.0.0.1:${port}/no_such_database`
    const posted = (await api('POST', `/client/v11/databases/${ids.staging}/transfers`, {from_url: badUrl, to_url: topo.staging.databaseUrl})).body as Transfer
    const done = await finished('acme-staging', posted.uuid)
    expect(done.succeeded).to.equal(false)
    const verbose = (await api<Transfer>('GET', `/client/v11/apps/acme-staging/transfers/${posted.uuid}?verbose=true`)).body
    expect(verbose.logs!.length).to.be.greaterThan(0)
    expect(verbose.logs!.map(l => l.message).join('\n')).to.match(/fail/i)
    expect(JSON.stringify(verbose)).to.not.contain('hunter2secret')
  })

  it('refuses a transfer without URLs or onto itself', async () => {
    expect((await api('POST', `/client/v11/databases/${ids.staging}/transfers`, {from_url: topo.production.databaseUrl})).status).to.equal(422)
    expect((await api('POST', `/client/v11/databases/${ids.staging}/transfers`, {from_url: topo.staging.databaseUrl, to_url: topo.staging.databaseUrl})).status).to.equal(422)
  })

  it('captures a backup, lists it, issues a public URL that downloads the dump, and restores it', async () => {
    const posted = (await api('POST', `/client/v11/databases/${ids.production}/backups`)).body as Transfer
    expect(posted).to.include({from_type: 'pg_dump', to_type: 'gof3r'})
    const done = await finished('acme-production', posted.uuid)
    expect(done.succeeded).to.equal(true)
    const backups = ((await api('GET', '/client/v11/apps/acme-production/transfers')).body as Transfer[]).filter(t => t.to_type === 'gof3r')
    expect(backups.map(b => b.name)).to.include(done.name)
    expect(done.name).to.match(/^b\d{3}$/)

    const publicUrl = (await api('POST', `/client/v11/apps/acme-production/transfers/${done.num}/actions/public-url`)).body as {expires_at: string; url: string}
    expect(publicUrl.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/__emulator\/backups\//)
    const dump = Buffer.from(await (await fetch(publicUrl.url)).arrayBuffer())
    expect(dump.subarray(0, 5).toString()).to.equal('PGDMP')
    expect((await fetch(publicUrl.url.replace(/token=.*/, 'token=wrong'))).status).to.equal(404)

    await sql(topo.staging.databaseUrl, 'DROP TABLE IF EXISTS orders; DROP TABLE IF EXISTS users')
    const restore = (await api('POST', `/client/v11/databases/${ids.staging}/restores`, {backup_url: done.to_url})).body as Transfer
    expect(restore.name).to.match(/^r\d{3}$/)
    const restored = await finished('acme-staging', restore.uuid)
    expect(restored.succeeded).to.equal(true)
    expect(await digest(topo.staging.databaseUrl)).to.equal(await digest(topo.production.databaseUrl))
  })

  it('fails a restore from a URL the emulator did not issue, with logs', async () => {
    const restore = (await api('POST', `/client/v11/databases/${ids.staging}/restores`, {backup_url: 'https://example.com/backup.dump'})).body as Transfer
    const done = await finished('acme-staging', restore.uuid)
    expect(done.succeeded).to.equal(false)
    // as Heroku: a failed transfer's logs come only with ?verbose=true
    expect(done).to.not.have.property('logs')
    const verbose = (await api<Transfer>('GET', `/client/v11/apps/acme-staging/transfers/${restore.uuid}?verbose=true`)).body
    expect(verbose.logs!.map(l => l.message).join('\n')).to.contain('only restore backups it captured')
  })

  it('resets a database (PUT reset) keeping its URL working', async () => {
    await emu.seed({addons: [{app: 'acme-staging', as: 'SCRATCH', name: 'scratch-db', plan: 'heroku-postgresql:essential-0', sql: 'CREATE TABLE t (id int); INSERT INTO t VALUES (1)'}]})
    const id = await addonId('scratch-db')
    const reset = await api('PUT', `/client/v11/databases/${id}/reset`, {extensions: []})
    expect(reset.status).to.equal(200)
    const info = ((await api('GET', `/client/v11/databases/${id}`)).body as {info: Array<{name: string; values: string[]}>}).info
    expect(info.find(row => row.name === 'Tables')?.values, 'an Essential database counts its tables in the Tables row').to.deep.equal(['0/4000'])
    expect(await sql(emu.databaseUrl('scratch-db'), 'SELECT 2 AS two')).to.deep.equal([{two: 2}])
  })

  it('lists credentials (Basic auth, as pg:copy sends it) without the password', async () => {
    const basic = `Basic ${Buffer.from(`:${emu.accounts[0]!.token}`).toString('base64')}`
    const response = await api('GET', `/postgres/v0/databases/${topo.production.database}/credentials`, undefined, {authorization: basic})
    expect(response.status).to.equal(200)
    const credentials = response.body as Array<{credentials: Array<{user: string}>; name: string}>
    expect(credentials).to.have.length(1)
    expect(credentials[0]!.name).to.equal('default')
    expect(credentials[0]!.credentials[0]!.user).to.equal(new URL(topo.production.databaseUrl).username)
    expect(JSON.stringify(credentials)).to.not.contain(new URL(topo.production.databaseUrl).password)
  })

  it('drops the database when its add-on is destroyed', async () => {
    await emu.seed({addons: [{app: 'acme-staging', as: 'DOOMED', name: 'doomed-db', plan: 'heroku-postgresql:essential-0'}]})
    const url = emu.databaseUrl('doomed-db')
    await api('DELETE', '/apps/acme-staging/addons/doomed-db')
    let error: Error | undefined
    try {
      await sql(url, 'SELECT 1')
    } catch (error_) {
      error = error_ as Error
    }

    expect(error?.message).to.match(/does not exist|authentication failed/)
  })
})
