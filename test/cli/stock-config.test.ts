import {expect} from 'chai'

import {useEmulator} from '../helpers/emulator.js'
import {type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

type Json = Record<string, unknown>

/** The unmodified `heroku` CLI against the emulator: config, config:set, config:unset, config:get. */
describe('stock heroku CLI: config, config:set, config:unset, config:get', function () {
  this.timeout(180_000)
  const fixture = useEmulator({
    cli: 'none',
    seed: async emu => emu.seed({
      addons: [{app: 'config-app', name: 'config-db', plan: 'heroku-postgresql:essential-0'}],
      apps: [{config: {EXISTING: 'value'}, name: 'config-app'}],
    }),
  })
  const {api} = fixture
  const heroku = async (...args: string[]): Promise<HerokuRun> => fixture.cli.run(args)
  const latestRelease = async (app: string): Promise<Json> =>
    ((await api('GET', `/apps/${app}/releases`, undefined, {range: 'version ..; max=1, order=desc'})).body as Json[])[0]!

  it('config:set sets vars, writes a "Set … config vars" release and reports its version', async () => {
    const result = await heroku('config:set', 'FOO=bar', 'BAZ=two words', '-a', 'config-app')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stdout).to.match(/FOO:\s+bar/)
    expect(result.stdout).to.match(/BAZ:\s+two words/)
    const release = await latestRelease('config-app')
    expect(release.description).to.equal('Set FOO, BAZ config vars')
    expect(result.stderr).to.contain(`Setting FOO, BAZ and restarting config-app... done, v${release.version}`)
    expect((await api('GET', '/apps/config-app/config-vars')).body).to.include({BAZ: 'two words', FOO: 'bar'})
  })

  it('config:get prints one value; config lists plain and add-on vars; --json gives the map', async () => {
    const get = await heroku('config:get', 'FOO', '-a', 'config-app')
    expect(get.stdout).to.equal('bar\n')
    const listed = await heroku('config', '-a', 'config-app')
    expect(listed.status, listed.stderr).to.equal(0)
    expect(listed.stdout).to.contain('=== config-app Config Vars')
    expect(listed.stdout).to.match(/EXISTING:\s+value/)
    expect(listed.stdout).to.match(/DATABASE_URL:\s+postgres:\/\/\S+@127\.0\.0\.1:\d+\/\S+/)
    const json = JSON.parse((await heroku('config', '-a', 'config-app', '--json')).stdout) as Json
    expect(json).to.deep.equal((await api('GET', '/apps/config-app/config-vars')).body)
    expect(json.DATABASE_URL).to.equal(fixture.emu.databaseUrl('config-db'))
  })

  it('config:unset removes vars and writes a "Remove … config vars" release', async () => {
    const result = await heroku('config:unset', 'FOO', 'BAZ', '-a', 'config-app')
    expect(result.status, result.stderr).to.equal(0)
    const release = await latestRelease('config-app')
    expect(release.description).to.equal('Remove FOO, BAZ config vars')
    expect(result.stderr).to.contain(`Unsetting FOO, BAZ and restarting config-app... done, v${release.version}`)
    const config = (await api('GET', '/apps/config-app/config-vars')).body as Json
    expect(config).to.not.have.property('FOO')
    expect(config).to.not.have.property('BAZ')
    expect((await heroku('config:get', 'FOO', '-a', 'config-app')).stdout).to.equal('\n')
  })

  it('config:set of a var an add-on owns is refused with the API\'s 422 and changes nothing', async () => {
    const before = (await api('GET', '/apps/config-app/config-vars')).body as Json
    const result = await heroku('config:set', 'DATABASE_URL=postgres://elsewhere/db', '-a', 'config-app')
    expect(result.status).to.not.equal(0)
    expect(unwrap(result.stderr)).to.contain('Cannot overwrite attachment values DATABASE_URL.')
    expect((await api('GET', '/apps/config-app/config-vars')).body).to.deep.equal(before)
    const refused = fixture.emu.journal().filter(e => e.method === 'PATCH' && e.app === 'config-app').at(-1)
    expect(refused?.status).to.equal(422)
  })
})
