import {expect} from 'chai'

import {count, query as sql} from '../helpers/db.js'
import {type Emulator, mutating, seedCleanPair, type Topology, useEmulator} from '../helpers/emulator.js'
import {type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

type Json = Record<string, unknown>

/** Whether a connection to `url` works. */
async function connects(url: string): Promise<boolean> {
  try {
    await sql(url, 'SELECT 1')
    return true
  } catch {
    return false
  }
}

/**
 * The unmodified `heroku` 11.10 binary against the emulator: the data:pg:* commands (Postgres Advanced),
 * the destructive and re-pointing commands the guard covers, pooling, credentials, forks and upgrades.
 * After each command the emulator's state is read back.
 */
describe('stock heroku CLI: data:pg:*, addons:detach, apps:destroy, pooling, credentials, fork, upgrade', function () {
  this.timeout(300_000)
  const fixture = useEmulator({cli: 'none', seed: async emu => seedCleanPair(emu)})
  const {api} = fixture
  const heroku = async (...args: string[]): Promise<HerokuRun> => fixture.cli.run(args)
  let emu: Emulator
  let topo: Topology
  const addons = async (): Promise<string[]> => ((await api<Array<{name: string}>>('GET', '/addons')).body).map(a => a.name)

  before(() => {
    emu = fixture.emu
    topo = fixture.seeded
  })

  it('Advanced: data:pg:create --level provisions heroku-postgresql:advanced with that level and version', async () => {
    const result = await heroku('data:pg:create', '--level', '4G-Performance', '--version', '17', '--name', 'acme-advanced', '--as', 'ANALYTICS', '-a', 'acme-staging')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('Created acme-advanced as ANALYTICS_URL')
    const addon = (await api<Json & {plan: {name: string}}>('GET', '/addons/acme-advanced')).body
    expect(addon.plan.name).to.equal('heroku-postgresql:advanced')
    expect(addon.state).to.equal('provisioned')
    expect(await connects(emu.databaseUrl('acme-advanced'))).to.equal(true)
  })

  it('Advanced: data:pg:info shows its tier, version and leader pool', async () => {
    const result = await heroku('data:pg:info', 'ANALYTICS', '-a', 'acme-staging')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('=== acme-advanced on acme-staging')
    expect(result.stdout).to.match(/Plan:\s+Advanced/)
    expect(result.stdout).to.match(/PG Version:\s+17\.\d+/)
    expect(result.stdout).to.match(/Status:\s+Available/)
    expect(result.stdout).to.contain('Leader pool (attached as ANALYTICS)')
    expect(result.stdout).to.contain('1 instance of 4G-Performance')
  })

  it('Advanced: data:pg:info refuses a classic database; pg:info lists only the classic one', async () => {
    const refused = await heroku('data:pg:info', 'DATABASE', '-a', 'acme-staging')
    expect(refused.status).to.not.equal(0)
    expect(unwrap(refused.stderr)).to.contain('You can only use this command on Advanced-tier databases')
    const info = await heroku('pg:info', '-a', 'acme-staging')
    expect(info.status, info.stderr).to.equal(0)
    expect(info.stdout).to.contain('=== DATABASE_URL')
    expect(info.stdout).to.not.contain('ANALYTICS')
    expect(info.stdout).to.not.contain('acme-advanced')
  })

  it('Advanced: data:pg:upgrade:run refuses a version that is not newer than its own', async () => {
    const result = await heroku('data:pg:upgrade:run', 'ANALYTICS', '-a', 'acme-staging', '--confirm', 'acme-staging', '--version', '17')
    // 17 is already its version: Heroku refuses, and so does the emulator
    expect(result.status).to.not.equal(0)
    expect(unwrap(result.stderr)).to.contain('already on Postgres 17')
  })

  it('Advanced: data:pg:destroy destroys it and drops its database', async () => {
    const url = emu.databaseUrl('acme-advanced')
    const wrong = await heroku('data:pg:destroy', 'ANALYTICS', '-a', 'acme-staging', '--confirm', 'acme-production')
    expect(wrong.status).to.not.equal(0)
    expect(await addons()).to.include('acme-advanced')
    const result = await heroku('data:pg:destroy', 'ANALYTICS', '-a', 'acme-staging', '--confirm', 'acme-staging')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('We successfully destroyed your database.')
    expect(await addons()).to.not.include('acme-advanced')
    expect(await connects(url)).to.equal(false)
    const config = (await api<Record<string, string>>('GET', '/apps/acme-staging/config-vars')).body
    expect(config).to.not.have.property('ANALYTICS_URL')
  })
  it('pg:connection-pooling:attach adds DATABASE_CONNECTION_POOL_URL on another port of the same server; Essential is refused', async () => {
    const result = await heroku('pg:connection-pooling:attach', 'DATABASE', '-a', 'acme-production')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stderr).to.contain(`Enabling Connection Pooling on ${topo.production.database} to acme-production... done`)
    const config = (await api<Record<string, string>>('GET', '/apps/acme-production/config-vars')).body
    const pooled = new URL(config.DATABASE_CONNECTION_POOL_URL!)
    expect(pooled.port).to.not.equal(new URL(config.DATABASE_URL!).port)
    expect(await count(pooled.toString(), 'users')).to.equal(topo.rows.users)
    const essential = await heroku('pg:connection-pooling:attach', 'DATABASE', '-a', 'acme-staging')
    expect(essential.status).to.not.equal(0)
    expect(unwrap(essential.stderr)).to.contain("You can't perform this operation on Essential-tier databases")
  })

  it('pg:credentials:create, addons:attach --credential, pg:credentials:rotate, data:pg:credentials:destroy', async () => {
    const create = await heroku('pg:credentials:create', 'DATABASE', '--name', 'analyst', '-a', 'acme-production')
    expect(create.status, create.stderr).to.equal(0)
    const attach = await heroku('addons:attach', topo.production.database, '--credential', 'analyst', '--as', 'ANALYST', '-a', 'acme-production')
    expect(attach.status, attach.stderr).to.equal(0)
    const before = (await api<Record<string, string>>('GET', '/apps/acme-production/config-vars')).body.ANALYST_URL!
    expect(new URL(before).username).to.not.equal(new URL(topo.production.databaseUrl).username)
    const rotate = await heroku('pg:credentials:rotate', 'DATABASE', '--name', 'analyst', '-a', 'acme-production', '--confirm', 'acme-production')
    expect(rotate.status, rotate.stderr).to.equal(0)
    const after = (await api<Record<string, string>>('GET', '/apps/acme-production/config-vars')).body.ANALYST_URL!
    expect(after).to.not.equal(before)
    expect(await connects(after)).to.equal(true)
    expect(await connects(before)).to.equal(false)
    const attached = await heroku('data:pg:credentials:destroy', 'DATABASE', '--name', 'analyst', '-a', 'acme-production', '--confirm', 'acme-production')
    expect(attached.status).to.not.equal(0)
    expect(unwrap(attached.stderr)).to.contain('You must detach the credential analyst')
    expect((await heroku('addons:detach', 'ANALYST', '-a', 'acme-production')).status).to.equal(0)
    const destroy = await heroku('data:pg:credentials:destroy', 'DATABASE', '--name', 'analyst', '-a', 'acme-production', '--confirm', 'acme-production')
    expect(destroy.status, destroy.stderr).to.equal(0)
    expect(destroy.stdout).to.contain('We destroyed the credential analyst')
    const names = ((await api<Array<{name: string}>>('GET', `/postgres/v0/databases/${topo.production.database}/credentials`)).body).map(c => c.name)
    expect(names).to.deep.equal(['default'])
  })

  it('addons:create --fork APP::DATABASE makes a writable copy with Forked From; an Essential source is refused', async () => {
    emu.clearJournal()
    const result = await heroku('addons:create', 'heroku-postgresql:standard-0', '-a', 'acme-staging', '--name', 'acme-fork', '--as', 'FORK', '--fork', 'acme-production::DATABASE')
    expect(result.status, result.stderr).to.equal(0)
    expect(await count(emu.databaseUrl('acme-fork'), 'orders')).to.equal(topo.rows.orders)
    const info = await heroku('pg:info', 'FORK', '-a', 'acme-staging')
    expect(info.status, info.stderr).to.equal(0)
    expect(info.stdout).to.match(/Forked From:\s+\S+/)
    const journal = mutating(emu).filter(e => e.app === 'acme-production')
    expect(journal).to.deep.equal([])
    const refused = await heroku('addons:create', 'heroku-postgresql:standard-0', '-a', 'acme-production', '--fork', 'acme-staging::DATABASE')
    expect(refused.status).to.not.equal(0)
    expect(unwrap(refused.stderr)).to.contain('Fork/Follow: Unsupported')
  })

  it('pg:upgrade:run upgrades the reported version', async () => {
    const result = await heroku('pg:upgrade:run', 'FORK', '-a', 'acme-staging', '--confirm', 'acme-staging', '--version', '17')
    expect(result.status, result.stderr).to.equal(0)
    const info = await heroku('pg:info', 'FORK', '-a', 'acme-staging')
    expect(info.stdout).to.match(/PG Version:\s+17\.\d+/)
  })

  it('addons:detach removes the attachment and its var, the add-on stays', async () => {
    const attach = await heroku('addons:attach', topo.production.database, '--as', 'PROD_READ', '-a', 'acme-staging')
    expect(attach.status, attach.stderr).to.equal(0)
    const detach = await heroku('addons:detach', 'PROD_READ', '-a', 'acme-staging')
    expect(detach.status, detach.stderr).to.equal(0)
    expect(detach.stderr).to.contain('Detaching PROD_READ to')
    const config = (await api<Record<string, string>>('GET', '/apps/acme-staging/config-vars')).body
    expect(config).to.not.have.property('PROD_READ_URL')
    expect(await addons()).to.include(topo.production.database)
    expect(await count(topo.production.databaseUrl, 'users')).to.equal(topo.rows.users)
  })

  it("apps:destroy destroys the app, the add-ons it owns and their databases, and detaches them from other apps", async () => {
    await heroku('addons:attach', topo.staging.database, '--as', 'STAGING_DB', '-a', 'acme-production')
    const fork = emu.databaseUrl('acme-fork')
    const result = await heroku('apps:destroy', 'acme-staging', '--confirm', 'acme-staging')
    expect(result.status, result.stderr).to.equal(0)
    expect((await api('GET', '/apps/acme-staging')).status).to.equal(404)
    const left = await addons()
    expect(left).to.not.include.members([topo.staging.database, topo.staging.redis!, 'acme-fork'])
    expect(await connects(topo.staging.databaseUrl)).to.equal(false)
    expect(await connects(fork)).to.equal(false)
    const config = (await api<Record<string, string>>('GET', '/apps/acme-production/config-vars')).body
    expect(config).to.not.have.property('STAGING_DB_URL')
    // production is untouched
    expect(await count(topo.production.databaseUrl, 'users')).to.equal(topo.rows.users)
    expect(left).to.include(topo.production.database)
  })
})
