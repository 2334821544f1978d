import {expect} from 'chai'

import {connects} from '../helpers/db.js'
import {useEmulator} from '../helpers/emulator.js'
import {type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

type Json = Record<string, unknown>

/** The unmodified `heroku` CLI against the emulator: addons, addons:create/attach/detach/destroy/info. */
describe('stock heroku CLI: addons, addons:create, addons:attach, addons:detach, addons:destroy, addons:info', function () {
  this.timeout(240_000)
  const fixture = useEmulator({
    cli: 'none',
    seed: async emu => emu.seed({
      addons: [{app: 'owner-app', name: 'shared-redis', plan: 'heroku-redis:premium-0'}],
      apps: [{name: 'owner-app'}, {name: 'addon-app'}],
    }),
  })
  const {api} = fixture
  const heroku = async (...args: string[]): Promise<HerokuRun> => fixture.cli.run(args)
  const config = async (app: string): Promise<Record<string, string>> => (await api('GET', `/apps/${app}/config-vars`)).body as Record<string, string>
  const attachments = async (app: string): Promise<Array<{addon: {name: string}; name: string}>> =>
    (await api('GET', `/apps/${app}/addon-attachments`)).body as Array<{addon: {name: string}; name: string}>

  it('addons:create heroku-postgresql:<plan> --as X creates a real database attached as X', async () => {
    const result = await heroku('addons:create', 'heroku-postgresql:essential-0', '--as', 'PRIMARY', '-a', 'addon-app')
    expect(result.status, result.stderr).to.equal(0)
    const name = /Created (\S+) as PRIMARY_URL/.exec(result.stdout)?.[1]
    expect(name, result.stdout).to.match(/^postgresql-[a-z]+-\d+$/)
    expect(result.stderr).to.contain('Creating heroku-postgresql:essential-0 on addon-app... ~$0.007/hour (max $5/month)')
    expect((await attachments('addon-app')).map(a => `${a.name}=${a.addon.name}`)).to.deep.equal([`PRIMARY=${name}`])
    const vars = await config('addon-app')
    expect(vars.PRIMARY_URL).to.equal(fixture.emu.databaseUrl(name!))
    expect(await connects(vars.PRIMARY_URL!)).to.equal(true)
    const addon = (await api('GET', `/addons/${name}`)).body as {plan: Json; state: string}
    expect(addon.state).to.equal('provisioned')
    expect(addon.plan.name).to.equal('heroku-postgresql:essential-0')
    const release = ((await api('GET', '/apps/addon-app/releases', undefined, {range: 'version ..; max=1, order=desc'})).body as Json[])[0]!
    expect(release.description).to.equal(`Attach PRIMARY (@ref:${name})`)
  })

  it('addons:create with a version pins the Postgres major (and takes DATABASE on an app without DATABASE_URL)', async () => {
    const result = await heroku('addons:create', 'heroku-postgresql:standard-0', '-a', 'addon-app', '--', '--version', '14')
    expect(result.status, result.stderr).to.equal(0)
    const name = /Created (\S+) as DATABASE_URL/.exec(result.stdout)?.[1]
    expect(name, result.stdout).to.be.a('string')
    const id = ((await api('GET', `/addons/${name}`)).body as Json).id
    const db = (await api('GET', `/client/v11/databases/${id}`)).body as {info: Array<{name: string; values: string[]}>}
    expect(db.info.find(row => row.name === 'PG Version')?.values[0]).to.match(/^14\./)
    const info = await heroku('pg:info', name!, '-a', 'addon-app')
    expect(info.stdout).to.match(/PG Version:\s+14\./)
  })

  it('addons:create of an unknown plan fails with the API\'s message', async () => {
    const result = await heroku('addons:create', 'heroku-postgresql:enormous-9', '-a', 'addon-app')
    expect(result.status).to.not.equal(0)
    expect(unwrap(result.stderr)).to.contain('Couldn\'t find either the add-on service or the add-on plan of "heroku-postgresql:enormous-9".')
  })

  it('addons:attach attaches another app\'s add-on and exposes its URL', async () => {
    const result = await heroku('addons:attach', 'shared-redis', '-a', 'addon-app')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stderr).to.contain('Attaching shared-redis to addon-app... done')
    expect(result.stderr).to.match(/Setting REDIS config vars and restarting addon-app\.\.\. done, v\d+/)
    expect((await config('addon-app')).REDIS_URL).to.equal((await config('owner-app')).REDIS_URL)
    const named = await heroku('addons:attach', 'shared-redis', '--as', 'CACHE', '-a', 'addon-app')
    expect(named.status, named.stderr).to.equal(0)
    expect((await config('addon-app')).CACHE_URL).to.equal((await config('owner-app')).REDIS_URL)
  })

  it('addons lists the app\'s add-ons, including those billed to another app', async () => {
    const result = await heroku('addons', '-a', 'addon-app')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stdout).to.match(/heroku-redis \(shared-redis\)\s+premium-0\s+\(billed to owner-app app\)/)
    expect(result.stdout).to.match(/[└├]─ as CACHE/)
    expect(result.stdout).to.contain('as PRIMARY')
    const json = JSON.parse((await heroku('addons', '-a', 'addon-app', '--json')).stdout) as Array<{app: Json; name: string}>
    expect(json.map(a => a.name)).to.include('shared-redis')
  })

  it('addons:info shows plan, owning app and every attachment', async () => {
    const result = await heroku('addons:info', 'shared-redis', '-a', 'addon-app')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('=== shared-redis')
    expect(result.stdout).to.match(/Plan:\s+heroku-redis:premium-0/)
    expect(result.stdout).to.match(/Owning app:\s+owner-app/)
    for (const attachment of ['owner-app::REDIS', 'addon-app::REDIS', 'addon-app::CACHE']) expect(result.stdout).to.contain(attachment)
    expect(result.stdout).to.match(/State:\s+created/)
  })

  it('addons:detach removes one attachment and its vars, leaving the add-on', async () => {
    const result = await heroku('addons:detach', 'CACHE', '-a', 'addon-app')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stderr).to.contain('Detaching CACHE to shared-redis from addon-app... done')
    expect(await config('addon-app')).to.not.have.property('CACHE_URL')
    expect((await config('addon-app')).REDIS_URL).to.be.a('string')
    expect((await api('GET', '/addons/shared-redis')).status).to.equal(200)
    const release = ((await api('GET', '/apps/addon-app/releases', undefined, {range: 'version ..; max=1, order=desc'})).body as Json[])[0]!
    expect(release.description).to.equal('Detach CACHE (@ref:shared-redis)')
  })

  it('addons:detach of the billing app\'s last attachment is refused by the API', async () => {
    const result = await heroku('addons:detach', 'REDIS', '-a', 'owner-app')
    expect(result.status).to.not.equal(0)
    expect(unwrap(result.stderr)).to.contain('Cannot destroy last attachment to billing app for resource shared-redis')
    expect((await attachments('owner-app')).map(a => a.name)).to.deep.equal(['REDIS'])
  })

  it('addons:destroy deprovisions the add-on, detaches it everywhere and drops its database', async () => {
    const primary = (await attachments('addon-app')).find(a => a.name === 'PRIMARY')!.addon.name
    const url = fixture.emu.databaseUrl(primary)
    expect(await connects(url)).to.equal(true)
    const result = await heroku('addons:destroy', primary, '-a', 'addon-app', '--confirm', 'addon-app')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stderr).to.contain(`Destroying ${primary} on addon-app... done`)
    expect((await api('GET', `/addons/${primary}`)).status).to.equal(404)
    expect(await config('addon-app')).to.not.have.property('PRIMARY_URL')
    expect(await connects(url)).to.equal(false)
    const foreign = await heroku('addons:destroy', 'shared-redis', '-a', 'addon-app', '--confirm', 'addon-app')
    expect(foreign.status).to.not.equal(0)
    expect((await api('GET', '/addons/shared-redis')).status).to.equal(200)
  })
})
