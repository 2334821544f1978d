import {APIClient} from '@heroku-cli/command'
import {expect} from 'chai'
import nock from 'nock'

import {AUDIT_LOAD, auditApps} from '../../../src/lib/audit/run.js'
import {auditStaging, compareFindings} from '../../../src/lib/audit/rules.js'
import {HerokuClient} from '../../../src/lib/heroku/client.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {mockPipelineProduction, mockSmallLoad, type Scopes, scopes} from '../../fixtures/audit.js'
import {cleanStagingSnapshot, incidentStagingSnapshot, productionSnapshot, STAGING_ID} from '../../fixtures/snapshots.js'
import {loadConfig} from '../../helpers/run.js'

async function client(): Promise<HerokuClient> {
  return new HerokuClient(new APIClient(await loadConfig()), {sleep: async () => {}})
}

/** loadApps with `release: true` also reads the latest releases. */
function mockRelease(s: Scopes, snapshot: AppSnapshot, version: number): void {
  s.api.get(`/apps/${snapshot.app.name}/releases`).matchHeader('range', 'version ..; max=10, order=desc')
    .reply(200, [{current: true, id: `release-${snapshot.app.id}`, status: 'succeeded', version}])
}

describe('audit: auditApps (src/lib/audit/run.ts)', function () {
  let s: Scopes

  beforeEach(function () {
    s = scopes()
    delete process.env.HEROKU_DATA_HOST
  })

  afterEach(function () {
    s.api.done()
    s.data.done()
    nock.cleanAll()
  })

  it('returns the snapshots the report was made from, in the order of the report', async function () {
    mockSmallLoad(s, incidentStagingSnapshot())
    mockSmallLoad(s, productionSnapshot())
    const run = await auditApps(await client(), {app: 'acme-staging', production: ['acme-production']})
    expect(run.audited.map(snapshot => snapshot.app.id)).to.deep.equal(run.result.apps.map(app => app.id)).and.to.deep.equal([STAGING_ID])
    expect(run.production.map(snapshot => snapshot.app.id)).to.deep.equal(run.result.production.map(app => app.id))
    expect(run.result.summary.critical).to.be.greaterThan(0)
    const [staging] = run.audited as [AppSnapshot]
    expect(run.result.findings).to.deep.equal([...auditStaging(staging, run.production)].sort(compareFindings))
    expect(staging.release).to.equal(undefined)
  })

  it('loads what it is told of the audited app (--fix: its release), and production as the audit does', async function () {
    mockSmallLoad(s, cleanStagingSnapshot())
    mockRelease(s, cleanStagingSnapshot(), 42)
    mockPipelineProduction(s, [productionSnapshot(), cleanStagingSnapshot()], productionSnapshot())
    const run = await auditApps(await client(), {app: 'acme-staging', production: []}, {...AUDIT_LOAD, release: true})
    expect(run.audited[0]?.release?.version).to.equal(42)
    expect(run.production.map(snapshot => snapshot.app.name)).to.deep.equal(['acme-production'])
    expect(run.production[0]?.release).to.equal(undefined)
    expect(run.result.findings).to.deep.equal([])
  })
})
