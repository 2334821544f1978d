import {expect} from 'chai'

import {waitFor} from '../helpers/api.js'
import {count, query as sql} from '../helpers/db.js'
import {type Emulator, seedCleanPair, type Topology, useEmulator} from '../helpers/emulator.js'

type Json = Record<string, unknown>

/** Postgres tiers as Heroku has them in 2026: Shield, Essential and Advanced refusals, pooling, credentials, forks, the Data API's 403. */
describe('emulator Postgres tiers, pooling, credentials and forks', function () {
  this.timeout(180_000)
  const fixture = useEmulator({
    async seed(emu) {
      const topo = await seedCleanPair(emu)
      await emu.seed({
        addons: [
          {app: 'acme-production', as: 'SHIELD', name: 'acme-shield-db', plan: 'heroku-postgresql:shield-0', sql: 'CREATE TABLE s (id int)'},
          {app: 'acme-production', as: 'ADVANCED', level: '8G-Performance', name: 'acme-advanced-db', plan: 'heroku-postgresql:advanced', version: '17'},
          {app: 'theirs', name: 'theirs-db', plan: 'heroku-postgresql:standard-0'},
        ],
        apps: [{name: 'theirs', owner: 'stranger@example.com'}],
        attachments: [{addon: 'theirs-db', app: 'acme-staging', as: 'THEIRS'}],
      })
      return topo
    },
  })
  const {api} = fixture
  let emu: Emulator
  let topo: Topology
  const addonId = async (name: string): Promise<string> => ((await api('GET', `/addons/${name}`)).body as Json).id as string

  before(() => {
    emu = fixture.emu
    topo = fixture.seeded
  })

  it('answers 403 from the Data API for a database attached to your app whose billing app you cannot see; 200 for your own', async () => {
    const theirs = await addonId('theirs-db')
    for (const path of [`/client/v11/databases/${theirs}`, `/data/postgres/v1/${theirs}/info`, `/client/v11/databases/${theirs}/wait_status`]) {
      const response = await api<Json>('GET', path)
      expect(response.status, path).to.equal(403)
      expect(response.body.id).to.equal('forbidden')
    }

    // the Platform API still shows the add-on through the attachment
    expect((await api('GET', '/addons/theirs-db')).status).to.equal(200)
    expect((await api('GET', `/client/v11/databases/${await addonId(topo.production.database)}`)).status).to.equal(200)
  })

  it('refuses transfers, backups and restores of a Shield database (no PGBackups), not of a Standard one', async () => {
    const shield = await addonId('acme-shield-db')
    const shieldUrl = emu.databaseUrl('acme-shield-db')
    const refusals = [
      await api<Json>('POST', `/client/v11/databases/${shield}/backups`, {}),
      await api<Json>('POST', `/client/v11/databases/${shield}/restores`, {backup_url: 'https://example.com/x.dump'}),
      // a Shield database on either side of a transfer posted under a Standard one
      await api<Json>('POST', `/client/v11/databases/${await addonId(topo.staging.database)}/transfers`, {from_url: shieldUrl, to_url: topo.staging.databaseUrl}),
    ]
    for (const refused of refusals) {
      expect(refused.status).to.equal(422)
      expect(refused.body.message).to.contain('PGBackups (pg:copy, pg:backups) is not available for Shield-tier databases')
    }

    const standard = await api<Json>('POST', `/client/v11/databases/${await addonId(topo.production.database)}/backups`, {})
    expect(standard.status).to.equal(201)
  })

  it('refuses pooling and custom credentials on Essential, and forks of or into Essential', async () => {
    const essential = topo.staging.database
    const pool = await api<Json>('POST', `/client/v11/databases/${essential}/connection-pooling`, {app: 'acme-staging', credential: 'default'})
    expect(pool.status).to.equal(422)
    expect(pool.body.message).to.contain("You can't perform this operation on Essential-tier databases")
    const credential = await api<Json>('POST', `/postgres/v0/databases/${essential}/credentials`, {name: 'analyst'})
    expect(credential.status).to.equal(422)
    expect(credential.body.message).to.contain("You can't create a custom credential on Essential-tier databases")
    const before = ((await api('GET', '/addons')).body as unknown[]).length
    const ofEssential = await api<Json>('POST', '/apps/acme-staging/addons', {config: {fork: 'DATABASE'}, plan: 'heroku-postgresql:standard-0'})
    expect(ofEssential.status).to.equal(422)
    expect(ofEssential.body.message).to.contain('cannot be forked (Fork/Follow: Unsupported)')
    const intoEssential = await api<Json>('POST', '/apps/acme-staging/addons', {config: {fork: 'acme-production::DATABASE'}, plan: 'heroku-postgresql:essential-0'})
    expect(intoEssential.status).to.equal(422)
    expect(intoEssential.body.message).to.contain('Forks are not available on heroku-postgresql:essential-0')
    expect(((await api('GET', '/addons')).body as unknown[]).length).to.equal(before)
  })

  it('provisions a Shield database only on an app in a Shield space, as Heroku does; a Standard one anywhere', async () => {
    const before = ((await api('GET', '/addons')).body as unknown[]).length
    const refused = await api<Json>('POST', '/apps/acme-staging/addons', {plan: 'heroku-postgresql:shield-0'})
    expect(refused.status).to.equal(422)
    expect(refused.body.message).to.contain('only available to apps in a Shield space').and.contain('acme-staging is in the Common Runtime')
    expect(((await api('GET', '/addons')).body as unknown[]).length).to.equal(before)
    const standard = await api<Json>('POST', '/apps/acme-staging/addons', {plan: 'heroku-postgresql:standard-0'})
    expect(standard.status).to.equal(201)
  })

  it('attaches connection pooling as connection-pooling:default: same host, database and user, another port, and it connects', async () => {
    const response = await api<Json>('POST', `/client/v11/databases/${topo.production.database}/connection-pooling`, {app: 'acme-production', credential: 'default'})
    expect(response.status, JSON.stringify(response.body)).to.equal(201)
    expect(response.body).to.include({name: 'DATABASE_CONNECTION_POOL', namespace: 'connection-pooling:default'})
    const config = (await api<Record<string, string>>('GET', '/apps/acme-production/config-vars')).body
    const direct = new URL(config.DATABASE_URL!)
    const pooled = new URL(config.DATABASE_CONNECTION_POOL_URL!)
    expect([pooled.hostname, pooled.pathname, pooled.username, pooled.password]).to.deep.equal([direct.hostname, direct.pathname, direct.username, direct.password])
    expect(pooled.port).to.not.equal(direct.port)
    expect(await count(pooled.toString(), 'users')).to.equal(topo.rows.users)
    const attachments = (await api<Array<{addon: {name: string}; name: string; namespace: null | string}>>('GET', '/apps/acme-production/addon-attachments')).body
    expect(attachments.filter(a => a.addon.name === topo.production.database).map(a => [a.name, a.namespace])).to.deep.include.members([
      ['DATABASE', null], ['DATABASE_CONNECTION_POOL', 'connection-pooling:default'],
    ])
  })

  it('creates a real credential; a credential:NAME attachment differs only in user and password, and connects as that user', async () => {
    const created = await api<Json>('POST', `/postgres/v0/databases/${topo.production.database}/credentials`, {name: 'analyst'})
    expect(created.status, JSON.stringify(created.body)).to.equal(201)
    const attach = await api<Json>('POST', '/addon-attachments', {addon: topo.production.database, app: 'acme-production', name: 'ANALYST', namespace: 'credential:analyst'})
    expect(attach.status).to.equal(201)
    const config = (await api<Record<string, string>>('GET', '/apps/acme-production/config-vars')).body
    const direct = new URL(config.DATABASE_URL!)
    const other = new URL(config.ANALYST_URL!)
    expect([other.host, other.pathname]).to.deep.equal([direct.host, direct.pathname])
    expect(other.username).to.not.equal(direct.username)
    expect(other.password).to.not.equal(direct.password)
    expect(await sql<{user: string}>(other.toString(), 'SELECT current_user AS user')).to.deep.equal([{user: other.username}])
    expect(await count(other.toString(), 'users')).to.equal(topo.rows.users)
    // destroying a credential still attached is refused; detached, it goes and its role with it
    const refused = await api<Json>('DELETE', `/postgres/v0/databases/${topo.production.database}/credentials/analyst`)
    expect(refused.status).to.equal(422)
    expect(refused.body.message).to.contain('detach it before destroying it')
    await api('DELETE', `/addon-attachments/${attach.body.id as string}`)
    expect((await api('DELETE', `/postgres/v0/databases/${topo.production.database}/credentials/analyst`)).status).to.equal(200)
    const roles = await sql<{n: string}>(topo.production.databaseUrl, `SELECT count(*) AS n FROM pg_roles WHERE rolname = '${other.username}'`)
    expect(roles).to.deep.equal([{n: '0'}])
  })

  it('rotates the default credential: a new password, every attachment follows, the old URL stops working', async () => {
    const old = topo.staging.databaseUrl
    const rotated = await api<Json>('POST', `/postgres/v0/databases/${topo.staging.database}/credentials/default/credentials_rotation`, {})
    expect(rotated.status).to.equal(200)
    const config = (await api<Record<string, string>>('GET', '/apps/acme-staging/config-vars')).body
    expect(config.DATABASE_URL).to.not.equal(old)
    expect(new URL(config.DATABASE_URL!).username).to.equal(new URL(old).username)
    expect(await sql<{one: number}>(config.DATABASE_URL!, 'SELECT 1 AS one')).to.deep.equal([{one: 1}])
    let error: Error | undefined
    try {
      await sql(old, 'SELECT 1')
    } catch (error_) {
      error = error_ as Error
    }

    expect(error?.message).to.contain('password authentication failed')
  })

  it('forks with config.fork: a real, writable copy after the provisioning delay, forked_from and a Forked From row', async () => {
    emu.setProvisionDelay(300)
    try {
      const created = await api<Json>('POST', '/apps/acme-staging/addons', {attachment: {name: 'FORK'}, config: {fork: 'acme-production::DATABASE'}, name: 'acme-fork', plan: 'heroku-postgresql:standard-0'})
      expect(created.status, JSON.stringify(created.body)).to.equal(201)
      expect(created.body.state).to.equal('provisioning')
      const waiting = await api<Json>('GET', `/client/v11/databases/${created.body.id as string}/wait_status`)
      expect(waiting.body['waiting?']).to.equal(true)
      await waitFor('the fork', async () => ((await api<Json>('GET', '/addons/acme-fork')).body.state === 'provisioned' ? true : undefined))
    } finally {
      emu.setProvisionDelay(0)
    }

    const url = emu.databaseUrl('acme-fork')
    expect(url).to.not.equal(topo.production.databaseUrl)
    expect(await count(url, 'users')).to.equal(topo.rows.users)
    await sql(url, 'DELETE FROM orders')
    expect(await count(url, 'orders')).to.equal(0)
    expect(await count(topo.production.databaseUrl, 'orders')).to.equal(topo.rows.orders)
    const db = (await api<Json & {info: Array<{name: string; values: unknown[]}>}>('GET', `/client/v11/databases/${await addonId('acme-fork')}`)).body
    expect(db.forked_from).to.equal(topo.production.databaseUrl.replace(/\/\/[^@/]*@/, '//'), 'the source without its credentials, as Heroku gives it')
    expect(db.following).to.equal(null)
    expect(db.info.find(r => r.name === 'Forked From')?.values).to.deep.equal([topo.production.databaseUrl.replace(/\/\/[^@/]*@/, '//')])
    expect(db.postgres_version).to.match(/^16\./)
    // a fork runs its source's major
    const other = await api<Json>('POST', '/apps/acme-staging/addons', {config: {fork: 'acme-production::DATABASE', version: '17'}, plan: 'heroku-postgresql:standard-0'})
    expect(other.status).to.equal(422)
    expect(other.body.message).to.contain("runs its source's Postgres version")
  })

  it('answers /data/postgres/v1/{id}/info for Advanced (version, tier, pools with endpoints) and 422 for a classic database', async () => {
    const info = (await api<Json & {pools: Array<Json & {endpoints: Array<{host: string; port: number}>}>}>('GET', `/data/postgres/v1/${await addonId('acme-advanced-db')}/info`)).body
    expect(info).to.include({status: 'available', tier: 'advanced'})
    expect(info.version).to.match(/^17\.\d+$/)
    expect(info.pools.map(p => [p.name, p.expected_level, p.status])).to.deep.equal([['leader', '8G-Performance', 'available']])
    const url = new URL(emu.databaseUrl('acme-advanced-db'))
    expect(info.pools[0]!.endpoints).to.deep.equal([{host: url.hostname, port: Number(url.port), status: 'available'}])
    const classic = await api<Json>('GET', `/data/postgres/v1/${await addonId(topo.production.database)}/info`)
    expect(classic.status).to.equal(422)
    expect(classic.body.message).to.contain('not a Postgres Advanced plan')
    const level = await api<Json>('POST', '/apps/acme-staging/addons', {config: {level: '3G-Nope'}, plan: 'heroku-postgresql:advanced'})
    expect(level.status).to.equal(422)
    expect(level.body.message).to.contain('Level 3G-Nope is not available')
  })

  it('upgrades the reported major (pg:upgrade:run), never down', async () => {
    const id = await addonId(topo.production.database)
    const down = await api<Json>('POST', `/client/v11/databases/${id}/upgrade/run`, {version: '15'})
    expect(down.status).to.equal(422)
    const up = await api<Json>('POST', `/client/v11/databases/${id}/upgrade/run`, {version: '17'})
    expect(up.status).to.equal(200)
    expect(((await api<Json>('GET', `/client/v11/databases/${id}`)).body.postgres_version as string)).to.match(/^17\./)
  })
})
