import {expect} from 'chai'

import {useEmulator} from '../helpers/emulator.js'
import {type HerokuRun} from '../helpers/heroku-cli.js'

interface Release {
  current: boolean
  id: string
  oci_image: null | {id: string}
  slug: null | {id: string}
  status: string
  version: number
}

/** The unmodified `heroku` 11.10 binary on Fir and Cedar apps: apps:info, releases, pipelines:promote. */
describe('stock heroku CLI: Fir apps (apps:info, releases, pipelines:promote)', function () {
  this.timeout(300_000)
  const fixture = useEmulator({
    cli: 'none',
    seed: async emu => emu.seed({
      apps: [{name: 'fir-production', space: 'fir-space'}, {name: 'fir-staging', space: 'fir-space'}, {name: 'cedar-app'}],
      pipelines: [{apps: {'fir-production': 'production', 'fir-staging': 'staging'}, name: 'fir-pipe'}],
      spaces: [{generation: 'fir', name: 'fir-space'}],
    }),
  })
  const {api} = fixture
  const heroku = async (...args: string[]): Promise<HerokuRun> => fixture.cli.run(args)
  const current = async (app: string): Promise<Release> => (await api<Release[]>('GET', `/apps/${app}/releases`)).body.find(r => r.current)!

  it('apps:info shows a Fir app in its space, with its generation', async () => {
    const result = await heroku('apps:info', '-a', 'fir-production', '--json')
    expect(result.status, result.stderr).to.equal(0)
    const info = JSON.parse(result.stdout) as {app: {generation: {name: string}; space: {name: string}}}
    expect(info.app.generation.name).to.equal('fir')
    expect(info.app.space.name).to.equal('fir-space')
    const human = await heroku('apps:info', '-a', 'fir-production')
    expect(human.status, human.stderr).to.equal(0)
    expect(human.stdout).to.contain('=== fir-production')
    expect(human.stdout).to.match(/Space:\s+fir-space/)
    expect(human.stdout).to.not.match(/Slug Size/)
  })

  it('releases lists Fir releases (no slug) and an expired one as expired', async () => {
    const image = (await api<{id: string}>('POST', '/apps/fir-staging/oci-images', {commit: 'f00d'})).body
    await api('POST', '/apps/fir-staging/releases', {description: 'Deploy f00d', oci_image: image.id})
    const result = await heroku('releases', '-a', 'fir-staging')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('=== fir-staging Releases')
    expect(result.stdout).to.match(/v3\s+Deploy f00d/)
    const first = (await api<Release[]>('GET', '/apps/fir-staging/releases')).body.find(r => r.version === 2)!
    expect(first.slug).to.equal(null)
    await fixture.emu.expireArtifacts({now: new Date(Date.now() + (31 * 86_400_000)).toISOString(), releases: 1})
    const after = await heroku('releases', '-a', 'fir-staging', '--json')
    const listed = JSON.parse(after.stdout) as Release[]
    expect(listed.find(r => r.version === 2)?.status).to.equal('expired')
    expect(listed.find(r => r.version === 3)?.status).to.equal('succeeded')
  })

  it('pipelines:promote releases staging\'s OCI image on production', async () => {
    const staged = await current('fir-staging')
    const result = await heroku('pipelines:promote', '-a', 'fir-staging')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('Starting promotion to production...')
    expect(result.stdout).to.contain('Promotion successful')
    expect(result.stdout).to.match(/fir-production:\s+succeeded/)
    const promoted = await current('fir-production')
    expect(promoted.oci_image).to.deep.equal(staged.oci_image)
    expect(promoted.slug).to.equal(null)
  })
})
