import {expect} from 'chai'
import pg from 'pg'

import {apiClient, waitFor} from '../helpers/api.js'
import {count, query as sql} from '../helpers/db.js'
import {type Emulator, seedCleanPair, type Topology, useEmulator} from '../helpers/emulator.js'
import {type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

type Json = Record<string, unknown>
interface Database {
  following: null | string
  info: Array<{name: string; resolve_db_name?: boolean; values: unknown[]}>
  leader: unknown
  name: string
}

interface Transfer {
  finished_at: null | string
  logs?: Array<{message: string}>
  succeeded: boolean | null
  uuid: string
}

/** The SQLSTATE of `sql` over `url`, or undefined when it succeeds. */
async function failureCode(url: string, statement: string): Promise<string | undefined> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    await client.query(statement)
    return undefined
  } catch (error) {
    return (error as {code?: string}).code ?? (error as Error).message
  } finally {
    await client.end()
  }
}

const READ_ONLY = '25006' // read_only_sql_transaction

describe('emulator followers (config.follow, following, unfollow)', function () {
  this.timeout(180_000)
  const fixture = useEmulator({seed: async emu => seedCleanPair(emu)})
  const {api} = fixture
  let emu: Emulator
  let topo: Topology

  const addonId = async (name: string): Promise<string> => ((await api('GET', `/addons/${name}`)).body as Json).id as string
  const databaseInfo = async (name: string): Promise<Database> => {
    const response = await api<Database>('GET', `/client/v11/databases/${await addonId(name)}`)
    expect(response.status, JSON.stringify(response.body)).to.equal(200)
    return response.body
  }

  const addonCount = async (): Promise<number> => ((await api('GET', '/addons')).body as unknown[]).length
  const follow = async (app: string, ref: unknown, extra: Json = {}) =>
    api<Json>('POST', `/apps/${app}/addons`, {config: {follow: ref}, plan: {name: 'heroku-postgresql:standard-0'}, ...extra})

  before(() => {
    emu = fixture.emu
    topo = fixture.seeded
  })

  describe('a follower created with config.follow', function () {
    let name: string
    let url: string

    before(async () => {
      const created = await follow('acme-production', 'DATABASE_URL', {attachment: {name: 'REPLICA'}})
      expect(created.status, JSON.stringify(created.body)).to.equal(201)
      expect(created.body.state).to.equal('provisioned')
      name = created.body.name as string
      url = emu.databaseUrl(name)
    })

    it("holds the leader's rows, in its own database", async () => {
      expect(url).to.not.equal(topo.production.databaseUrl)
      expect(await count(url, 'users')).to.equal(topo.rows.users)
      expect(await count(url, 'orders')).to.equal(topo.rows.orders)
      // the app sees it under the attachment name asked for
      const config = (await api<Record<string, string>>('GET', '/apps/acme-production/config-vars')).body
      expect(config.REPLICA_URL).to.equal(url)
    })

    it('refuses a real write over its URL, while the leader still takes writes', async () => {
      expect(await failureCode(url, "INSERT INTO users (email, name, created_at) VALUES ('x@example.com', 'X', now())")).to.equal(READ_ONLY)
      expect(await failureCode(url, 'CREATE TABLE scratch (id int)')).to.equal(READ_ONLY)
      expect(await count(url, 'users')).to.equal(topo.rows.users)
      expect(await failureCode(topo.production.databaseUrl, 'CREATE TABLE leader_scratch (id int); DROP TABLE leader_scratch')).to.equal(undefined)
    })

    it("reports following (the leader's URL without credentials, as Heroku), leader ({addon_id, name}) and a Following info row; the leader's own answer is unchanged", async () => {
      const db = await databaseInfo(name)
      const leaderUrl = new URL(topo.production.databaseUrl)
      const bare = `${leaderUrl.protocol}//${leaderUrl.host}${leaderUrl.pathname}`
      expect(db.following).to.equal(bare)
      expect(db.following).to.not.contain('@')
      expect(db.leader).to.deep.equal({addon_id: await addonId(topo.production.database), name: topo.production.database})
      expect(db.info.find(row => row.name === 'Following')).to.deep.equal({name: 'Following', resolve_db_name: true, values: [bare]})
      expect(db.info.find(row => row.name === 'Tables')?.values).to.deep.equal(['2'])
      const leader = await databaseInfo(topo.production.database)
      expect(leader.following).to.equal(null)
      expect(leader.leader).to.equal(null)
      expect(leader.info.map(row => row.name)).to.not.include('Following')
    })

    it('refuses a reset, and fails a transfer into it, while it follows', async () => {
      const id = await addonId(name)
      const reset = await api<Json>('PUT', `/client/v11/databases/${id}/reset`)
      expect(reset.status).to.equal(422)
      expect(reset.body.id).to.equal('invalid_params')
      const posted = await api<Transfer>('POST', `/client/v11/databases/${id}/transfers`, {from_url: topo.staging.databaseUrl, to_url: url})
      expect(posted.status).to.equal(201)
      const transfer = await waitFor('the transfer', async () => {
        const t = (await api<Transfer>('GET', `/client/v11/apps/acme-production/transfers/${posted.body.uuid}?verbose=true`)).body
        return t.finished_at ? t : undefined
      })
      expect(transfer.succeeded).to.equal(false)
      expect(transfer.logs?.map(l => l.message).join('\n')).to.contain('read-only follower')
      expect(await count(url, 'users')).to.equal(topo.rows.users)
    })

    it('unfollow clears following and makes it writable; a second unfollow answers 422', async () => {
      const id = await addonId(name)
      const response = await api<Json>('PUT', `/client/v11/databases/${id}/unfollow`)
      expect(response.status, JSON.stringify(response.body)).to.equal(200)
      expect(response.body.message).to.be.a('string').and.contain(name)
      const db = await databaseInfo(name)
      expect(db.following).to.equal(null)
      expect(db.info.map(row => row.name)).to.not.include('Following')
      expect(await failureCode(url, "INSERT INTO users (email, name, created_at) VALUES ('x@example.com', 'X', now())")).to.equal(undefined)
      expect(await count(url, 'users')).to.equal(topo.rows.users + 1)
      const again = await api<Json>('PUT', `/client/v11/databases/${id}/unfollow`)
      expect(again.status).to.equal(422)
      expect(again.body).to.include({id: 'invalid_params'})
      expect(again.body.message).to.contain('is not a follower')
    })
  })

  it("answers 422 on unfollow of a database that never followed (the leader's)", async () => {
    const response = await api<Json>('PUT', `/client/v11/databases/${await addonId(topo.production.database)}/unfollow`)
    expect(response.status).to.equal(422)
    expect(response.body.id).to.equal('invalid_params')
  })

  it('resolves the leader by add-on id, add-on name, attachment name and APP::NAME from another app', async () => {
    const id = await addonId(topo.production.database)
    const refs: Array<[string, unknown]> = [
      ['acme-production', id],
      ['acme-production', topo.production.database],
      ['acme-production', 'DATABASE'],
      ['acme-staging', 'acme-production::DATABASE_URL'],
    ]
    for (const [app, ref] of refs) {
      const created = await follow(app, ref)
      expect(created.status, `${String(ref)}: ${JSON.stringify(created.body)}`).to.equal(201)
      expect((await databaseInfo(created.body.name as string)).leader, String(ref)).to.deep.include({name: topo.production.database})
      expect((await api('DELETE', `/apps/${app}/addons/${created.body.name as string}`)).status).to.equal(200)
    }
  })

  describe('refusals (422 invalid_params, nothing created)', function () {
    const refused = async (app: string, ref: unknown, message: RegExp, extra: Json = {}, account = emu.accounts[0]!): Promise<void> => {
      const before = await addonCount()
      const response = await apiClient(emu, account)<Json>('POST', `/apps/${app}/addons`, {config: {follow: ref}, plan: {name: 'heroku-postgresql:standard-0'}, ...extra})
      expect(response.status, JSON.stringify(response.body)).to.equal(422)
      expect(response.body.id).to.equal('invalid_params')
      expect(response.body.message).to.match(message)
      expect(await addonCount()).to.equal(before)
    }

    it('an unknown leader', async () => {
      await refused('acme-staging', 'no-such-database', /Couldn't find the database to follow: no-such-database/)
      await refused('acme-staging', 'HEROKU_POSTGRESQL_NOPE_URL', /Couldn't find/)
      await refused('acme-staging', 'no-such-app::DATABASE', /Couldn't find/)
    })

    it('a leader on an essential plan (Fork/Follow Unsupported)', async () => {
      // staging's own database in the clean pair is essential-0
      await refused('acme-staging', 'DATABASE_URL', /essential-0.*Fork\/Follow: Unsupported/)
      const info = await databaseInfo(topo.staging.database)
      expect(info.info.find(row => row.name === 'Fork/Follow')?.values).to.deep.equal(['Unsupported'])
    })

    it('a leader that is not heroku-postgresql', async () => {
      await refused('acme-staging', topo.staging.redis!, /heroku-redis add-on, not a Heroku Postgres database/)
    })

    it('a follower on an essential plan, a version other than the leader\'s, a non-Postgres follower, a bare --follow', async () => {
      await refused('acme-production', 'DATABASE', /not available on heroku-postgresql:essential-0/, {plan: {name: 'heroku-postgresql:essential-0'}})
      await refused('acme-production', 'DATABASE', /Postgres version/, {config: {follow: 'DATABASE', version: '14'}})
      await refused('acme-production', 'DATABASE', /Only heroku-postgresql/, {plan: {name: 'heroku-redis:mini'}})
      await refused('acme-production', true, /config.follow must name/)
    })

    it("a leader the caller cannot see (a stranger following production's database)", async () => {
      await emu.seed({apps: [{name: 'stranger-app', owner: emu.accounts[1]!.email}]})
      await refused('stranger-app', topo.production.database, /Couldn't find/, {}, emu.accounts[1]!)
    })
  })

  it('seeds a follower with `follow`', async () => {
    await emu.seed({addons: [{app: 'acme-production', as: 'SEEDED_FOLLOWER', follow: topo.production.database, name: 'acme-seeded-follower', plan: 'heroku-postgresql:standard-0'}]})
    const db = await databaseInfo('acme-seeded-follower')
    const leaderUrl = new URL(topo.production.databaseUrl)
    expect(db.following).to.equal(`${leaderUrl.protocol}//${leaderUrl.host}${leaderUrl.pathname}`)
    expect(await count(emu.databaseUrl('acme-seeded-follower'), 'orders')).to.equal(topo.rows.orders)
    expect(await failureCode(emu.databaseUrl('acme-seeded-follower'), 'DELETE FROM orders')).to.equal(READ_ONLY)
  })

  it('provisions a follower asynchronously with a provisioning delay', async () => {
    emu.setProvisionDelay(300)
    try {
      const created = await follow('acme-production', 'DATABASE')
      expect(created.status).to.equal(201)
      expect(created.body.state).to.equal('provisioning')
      const name = created.body.name as string
      await waitFor('the follower', async () => ((await api<Json>('GET', `/addons/${name}`)).body.state === 'provisioned' ? true : undefined))
      expect((await databaseInfo(name)).leader).to.deep.include({name: topo.production.database})
      expect(await count(emu.databaseUrl(name), 'users')).to.equal(topo.rows.users)
      expect(await failureCode(emu.databaseUrl(name), 'DELETE FROM users')).to.equal(READ_ONLY)
    } finally {
      emu.setProvisionDelay(0)
    }
  })

  it('keeps a follower read-only for sessions of its own role too (checked with SHOW)', async () => {
    const created = await follow('acme-production', 'DATABASE')
    const [row] = await sql<{default_transaction_read_only: string}>(emu.databaseUrl(created.body.name as string), 'SHOW default_transaction_read_only')
    expect(row?.default_transaction_read_only).to.equal('on')
    const [leader] = await sql<{default_transaction_read_only: string}>(topo.production.databaseUrl, 'SHOW default_transaction_read_only')
    expect(leader?.default_transaction_read_only).to.equal('off')
  })
})

/** The unmodified `heroku` CLI: `addons:create … -- --follow`, pg:info, pg:unfollow. */
describe('stock heroku CLI: a follower made with addons:create -- --follow', function () {
  this.timeout(300_000)
  const fixture = useEmulator({cli: 'none', seed: async emu => seedCleanPair(emu)})
  const heroku = async (...args: string[]): Promise<HerokuRun> => fixture.cli.run(args)

  it('creates it, pg:info shows Following, pg:unfollow makes it writable', async () => {
    const {emu} = fixture
    const topo = fixture.seeded
    const create = await heroku('addons:create', 'heroku-postgresql:standard-0', '-a', 'acme-production', '--as', 'REPLICA', '--name', 'acme-replica', '--', '--follow', 'DATABASE_URL')
    expect(create.status, create.stderr).to.equal(0)
    const url = emu.databaseUrl('acme-replica')
    expect(await count(url, 'users')).to.equal(topo.rows.users)
    expect(await failureCode(url, 'DELETE FROM users')).to.equal(READ_ONLY)
    const info = await heroku('pg:info', 'REPLICA', '-a', 'acme-production')
    expect(info.status, info.stderr).to.equal(0)
    // The stock CLI resolves the leader's URL to its config var on the app, as on Heroku.
    expect(info.stdout).to.match(/Following:\s+DATABASE\n/)
    const unfollow = await heroku('pg:unfollow', 'REPLICA', '-a', 'acme-production', '--confirm', 'acme-production')
    expect(unfollow.status, unwrap(unfollow.stderr)).to.equal(0)
    expect(await failureCode(url, 'DELETE FROM orders WHERE id = 1')).to.equal(undefined)
    const after = await heroku('pg:info', 'REPLICA', '-a', 'acme-production')
    expect(after.stdout).to.not.contain('Following')
    const again = await heroku('pg:unfollow', 'REPLICA', '-a', 'acme-production', '--confirm', 'acme-production')
    expect(again.status).to.not.equal(0)
    expect(unwrap(again.stderr)).to.contain('acme-replica is not a follower')
  })
})
