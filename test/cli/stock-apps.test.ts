import {expect} from 'chai'

import {useEmulator} from '../helpers/emulator.js'
import {type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

type Json = Record<string, unknown>

/**
 * The unmodified `heroku` CLI (npm heroku@11) against the emulator: apps, maintenance,
 * ps:scale and releases. Each test asserts the CLI's output and the emulator's resulting state.
 */
describe('stock heroku CLI: apps:create, apps:info, apps:destroy, maintenance, ps:scale, releases', function () {
  this.timeout(180_000)
  const fixture = useEmulator({cli: 'none'})
  const heroku = async (...args: string[]): Promise<HerokuRun> => fixture.cli.run(args)
  const api = fixture.api

  it('apps:create creates the app (and refuses a taken name)', async () => {
    const created = await heroku('apps:create', 'stock-app', '--region', 'eu')
    expect(created.status, created.stderr).to.equal(0)
    expect(created.stdout).to.contain('https://stock-app.herokuapp.com/')
    expect(created.stderr).to.contain('Creating stock-app... done')
    const app = (await api('GET', '/apps/stock-app')).body as {owner: Json; region: Json}
    expect(app.region.name).to.equal('eu')
    expect(app.owner.email).to.equal(fixture.emu.accounts[0]!.email)
    expect(fixture.emu.journal().some(e => e.method === 'POST' && e.path === '/apps' && e.status === 201)).to.equal(true)

    const taken = await heroku('apps:create', 'stock-app')
    expect(taken.status).to.not.equal(0)
    expect(unwrap(taken.stderr)).to.contain('Name is already taken')
  })

  it('apps:info shows the app as the API describes it', async () => {
    await fixture.emu.seed({addons: [{app: 'info-app', name: 'info-redis', plan: 'heroku-redis:mini'}], apps: [{name: 'info-app', stack: 'heroku-22'}]})
    const info = await heroku('apps:info', '-a', 'info-app')
    expect(info.status, info.stderr).to.equal(0)
    expect(info.stdout).to.contain('=== info-app')
    expect(info.stdout).to.match(/Owner:\s+dev@example\.com/)
    expect(info.stdout).to.match(/Stack:\s+heroku-22/)
    expect(info.stdout).to.match(/Addons:\s+heroku-redis:mini/)
    const json = await heroku('apps:info', '-a', 'info-app', '--json')
    expect((JSON.parse(json.stdout) as {app: Json}).app.name).to.equal('info-app')
  })

  it('apps:info of another account\'s app fails with the API\'s message', async () => {
    await fixture.emu.seed({apps: [{name: 'their-app', owner: fixture.emu.accounts[1]!.email}]})
    const result = await heroku('apps:info', '-a', 'their-app')
    expect(result.status).to.not.equal(0)
    expect(unwrap(result.stderr)).to.contain('You do not have access to the app their-app.')
  })

  it('maintenance:on and maintenance:off flip the app\'s maintenance flag', async () => {
    await fixture.emu.seed({apps: [{name: 'maint-app'}]})
    const on = await heroku('maintenance:on', '-a', 'maint-app')
    expect(on.status, on.stderr).to.equal(0)
    expect(on.stderr).to.contain('Enabling maintenance mode for maint-app... done')
    expect(((await api('GET', '/apps/maint-app')).body as Json).maintenance).to.equal(true)
    expect((await heroku('maintenance', '-a', 'maint-app')).stdout.trim()).to.equal('on')
    const off = await heroku('maintenance:off', '-a', 'maint-app')
    expect(off.stderr).to.contain('Disabling maintenance mode for maint-app... done')
    expect(((await api('GET', '/apps/maint-app')).body as Json).maintenance).to.equal(false)
  })

  it('ps:scale changes the formation and reports it', async () => {
    await fixture.emu.seed({apps: [{formation: [{quantity: 1, size: 'Standard-1X', type: 'web'}, {quantity: 0, size: 'Standard-1X', type: 'worker'}], name: 'scale-app'}]})
    const scaled = await heroku('ps:scale', 'web=3', 'worker=2:Standard-2X', '-a', 'scale-app')
    expect(scaled.status, scaled.stderr).to.equal(0)
    expect(scaled.stderr).to.match(/now running .*web at 3:Standard-1X/)
    expect(scaled.stderr).to.contain('worker at 2:Standard-2X')
    const formation = (await api('GET', '/apps/scale-app/formation')).body as Array<{quantity: number; size: string; type: string}>
    expect(formation.map(f => `${f.type}=${f.quantity}:${f.size}`).sort()).to.deep.equal(['web=3:Standard-1X', 'worker=2:Standard-2X'])
    const listed = await heroku('ps:scale', '-a', 'scale-app')
    expect(listed.stdout).to.contain('web=3:Standard-1X')
    const unknown = await heroku('ps:scale', 'clock=1', '-a', 'scale-app')
    expect(unknown.status).to.not.equal(0)
  })

  it('releases lists the app\'s releases with Heroku\'s descriptions, newest first', async () => {
    await fixture.emu.seed({apps: [{name: 'rel-app'}]})
    await heroku('config:set', 'FOO=1', '-a', 'rel-app')
    await heroku('config:unset', 'FOO', '-a', 'rel-app')
    const releases = await heroku('releases', '-a', 'rel-app')
    expect(releases.status, releases.stderr).to.equal(0)
    expect(releases.stdout).to.contain('rel-app Releases - Current: v4')
    const lines = releases.stdout.split('\n').filter(line => /^\s+v\d+/.test(line))
    expect(lines).to.have.length(4)
    expect(lines[0]).to.match(/v4\s+Remove FOO config vars/)
    expect(lines[1]).to.match(/v3\s+Set FOO config vars/)
    expect(lines[2]).to.match(/v2\s+Deploy [0-9a-f]{8}/)
    expect(lines[3]).to.match(/v1\s+Initial release/)
    const json = JSON.parse((await heroku('releases', '-a', 'rel-app', '--json')).stdout) as Json[]
    expect(json.map(r => r.version)).to.deep.equal([4, 3, 2, 1])
  })

  it('apps:destroy deletes the app and drops the databases it owns', async () => {
    await fixture.emu.seed({addons: [{app: 'doomed-app', name: 'doomed-db', plan: 'heroku-postgresql:essential-0'}], apps: [{name: 'doomed-app'}]})
    const wrong = await heroku('apps:destroy', '-a', 'doomed-app', '--confirm', 'other-app')
    expect(wrong.status).to.not.equal(0)
    expect((await api('GET', '/apps/doomed-app')).status).to.equal(200)
    const destroyed = await heroku('apps:destroy', '-a', 'doomed-app', '--confirm', 'doomed-app')
    expect(destroyed.status, destroyed.stderr).to.equal(0)
    expect(destroyed.stderr).to.contain('Destroying doomed-app (including all add-ons)... done')
    expect((await api('GET', '/apps/doomed-app')).status).to.equal(404)
    expect((await api('GET', '/addons/doomed-db')).status).to.equal(404)
    expect(fixture.emu.journal().some(e => e.method === 'DELETE' && e.app === 'doomed-app' && e.status === 200)).to.equal(true)
  })
})
