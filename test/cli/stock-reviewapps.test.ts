import {expect} from 'chai'

import type {AuditResult} from '../../src/lib/audit/types.js'
import {seedCleanPair, type Topology, useEmulator} from '../helpers/emulator.js'
import type {HerokuRun} from '../helpers/heroku-cli.js'

/**
 * The stock CLI's review-app and CI commands against the emulator, then `staging:audit` through the real
 * binary: `ci:config:set -p` writes the test stage's vars, `reviewapps:wait` reads a review app by its app,
 * `pipelines:info` lists review apps at stage review. The CLI has no command for the review stage's vars.
 */
describe('stock heroku CLI: ci:config, reviewapps:wait, pipelines:info, then staging:audit --pipeline', function () {
  this.timeout(240_000)
  const fixture = useEmulator<Topology>({
    cli: 'link',
    async seed(emu) {
      const topology = await seedCleanPair(emu)
      await emu.seed({pipelines: [{apps: {}, name: topology.pipeline, reviewApps: [{branch: 'checkout', name: 'acme-pr-42', prNumber: 42}]}]})
      return topology
    },
  })
  const heroku = async (...args: string[]): Promise<HerokuRun> => fixture.cli.run(args)

  it('pipelines:info lists the review app at stage review, and reviewapps:wait finds it created', async () => {
    const info = await heroku('pipelines:info', 'acme')
    expect(info.status, info.stderr).to.equal(0)
    expect(info.stdout).to.match(/acme-pr-42\s+review/)
    const wait = await heroku('reviewapps:wait', 'acme-pr-42')
    expect(wait.status, wait.stderr).to.equal(0)
  })

  it('a production secret set with ci:config:set is a STAGE_CONFIG_VAR of the test stage; ci:config:unset clears it', async () => {
    const {secrets} = fixture.seeded
    const set = await heroku('ci:config:set', '-p', 'acme', `STRIPE_API_KEY=${secrets.STRIPE_API_KEY}`)
    expect(set.status, set.stderr).to.equal(0)
    const audit = await heroku('staging:audit', '--pipeline', 'acme', '--json')
    expect(audit.status, audit.stderr).to.equal(1)
    expect(audit.stdout).to.not.contain(secrets.STRIPE_API_KEY)
    const result = JSON.parse(audit.stdout) as AuditResult
    expect(result.findings.filter(f => f.code === 'STAGE_CONFIG_VAR').map(f => [f.app, f.subject.rule, f.remedy])).to.deep.equal([
      ['acme (test stage)', 'SHARED_SECRET', 'heroku ci:config:set STRIPE_API_KEY=<a test-only value> -p acme'],
    ])
    expect(result.apps.map(app => app.name)).to.include('acme-pr-42')
    const unset = await heroku('ci:config:unset', '-p', 'acme', 'STRIPE_API_KEY')
    expect(unset.status, unset.stderr).to.equal(0)
    const clean = await heroku('staging:audit', '--pipeline', 'acme', '--json')
    expect(clean.status, clean.stderr).to.equal(0)
    expect((JSON.parse(clean.stdout) as AuditResult).stages?.find(s => s.stage === 'test')?.configVars).to.deep.equal([])
  })
})
