import {expect} from 'chai'

import {useEmulator} from '../helpers/emulator.js'
import {type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

type Json = Record<string, unknown>

/** The unmodified `heroku` CLI against the emulator: pipelines:create, pipelines:add, pipelines:info. */
describe('stock heroku CLI: pipelines:create, pipelines:add, pipelines:info', function () {
  this.timeout(180_000)
  const fixture = useEmulator({cli: 'none', seed: async emu => emu.seed({apps: [{name: 'shop-production'}, {name: 'shop-staging'}, {name: 'shop-review'}]})})
  const {api} = fixture
  const heroku = async (...args: string[]): Promise<HerokuRun> => fixture.cli.run(args)
  const coupling = async (app: string): Promise<{pipeline: Json; stage: string} | undefined> => {
    const response = await api('GET', `/apps/${app}/pipeline-couplings`)
    return response.status === 200 ? response.body as {pipeline: Json; stage: string} : undefined
  }

  it('pipelines:create creates the pipeline and couples the app at the given stage', async () => {
    const result = await heroku('pipelines:create', 'shop', '-a', 'shop-production', '--stage', 'production')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stderr).to.contain('Creating shop pipeline... done')
    expect(result.stderr).to.contain('Adding shop-production to shop pipeline as production... done')
    const found = (await api('GET', '/pipelines?eq[name]=shop')).body as Json[]
    expect(found).to.have.length(1)
    expect(await coupling('shop-production')).to.deep.include({stage: 'production'})
    expect((await coupling('shop-production'))?.pipeline.name).to.equal('shop')
  })

  it('pipelines:add couples more apps; a second pipeline for the same app is refused', async () => {
    const staging = await heroku('pipelines:add', 'shop', '-a', 'shop-staging', '--stage', 'staging')
    expect(staging.status, staging.stderr).to.equal(0)
    expect(staging.stderr).to.contain('Adding shop-staging to shop pipeline as staging... done')
    expect((await coupling('shop-staging'))?.stage).to.equal('staging')
    const review = await heroku('pipelines:add', 'shop', '-a', 'shop-review', '--stage', 'development')
    expect(review.status, review.stderr).to.equal(0)
    const twice = await heroku('pipelines:create', 'other', '-a', 'shop-staging', '--stage', 'staging')
    expect(twice.status).to.not.equal(0)
    expect(unwrap(twice.stderr)).to.contain('shop-staging is already in a pipeline.')
    expect((await coupling('shop-staging'))?.pipeline.name).to.equal('shop')
  })

  it('pipelines:info lists the pipeline\'s apps by stage', async () => {
    const result = await heroku('pipelines:info', 'shop')
    expect(result.status, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('=== shop')
    expect(result.stdout).to.match(/owner:\s+dev@example\.com/)
    expect(result.stdout).to.match(/shop-production\s+production/)
    expect(result.stdout).to.match(/shop-staging\s+staging/)
    expect(result.stdout).to.match(/shop-review\s+development/)
    const json = JSON.parse((await heroku('pipelines:info', 'shop', '--json')).stdout) as {apps: Array<{name: string; pipelineCoupling: {stage: string}}>; pipeline: Json}
    expect(json.pipeline.name).to.equal('shop')
    expect(json.apps.map(a => `${a.name}:${a.pipelineCoupling.stage}`).sort()).to.deep.equal(['shop-production:production', 'shop-review:development', 'shop-staging:staging'])
  })

  it('pipelines:info of an unknown pipeline fails', async () => {
    const result = await heroku('pipelines:info', 'nope')
    expect(result.status).to.not.equal(0)
  })
})
