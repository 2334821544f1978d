import {APIClient} from '@heroku-cli/command'
import {expect} from 'chai'
import nock from 'nock'

import {AUDIT_LOAD, auditApps} from '../../../src/lib/audit-flow/run.js'
import {auditStaging, compareFindings} from '../../../src/lib/audit/rules/index.js'
import {HerokuClient} from '../../../src/lib/heroku/client.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {mockAccount, mockPipelineProduction, mockSmallLoad, type Scopes, scopes} from '../../fixtures/audit.js'
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

describe('audit: auditApps (src/lib/audit-flow/run.ts)', function () {
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
    mockAccount(s, [productionSnapshot()])
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

describe('audit: auditApps compares every production app of the account (src/lib/audit-flow/run.ts)', function () {
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

  const BILLING_ID = '44444444-4444-4444-8444-444444444444'
  const BILLING_DB_URL = 'postgres://ubill3q:b1llingPRODpw8c7d6e5f4a3b@ec2-52-9-9-9.compute-1.amazonaws.com:5432/dbill01'

  /** Pipeline billing's production app, its DATABASE_URL a plain config var. */
  function billing(): AppSnapshot {
    const production = productionSnapshot()
    return {
      ...production,
      app: {...production.app, id: BILLING_ID, name: 'billing-production'},
      attachments: [],
      configVars: {DATABASE_URL: BILLING_DB_URL},
      databases: {},
      pipeline: {id: '55555555-5555-4555-8555-555555555555', name: 'billing', stage: 'production'},
    }
  }

  it('fires: staging in pipeline acme reaching billing\'s production database; billing is named in the result', async function () {
    const staging = cleanStagingSnapshot()
    staging.configVars.BILLING_DATABASE_URL = BILLING_DB_URL
    mockSmallLoad(s, staging)
    mockPipelineProduction(s, [productionSnapshot(), staging], productionSnapshot(), [billing()])
    const run = await auditApps(await client(), {app: 'acme-staging', production: []})
    expect(run.result.findings.map(f => [f.code, f.severity, f.production])).to.deep.equal([['SHARED_DATABASE', 'critical', ['billing-production']]])
    expect(run.result.productionFrom).to.equal('pipeline')
    expect(run.result.production.map(app => [app.name, app.via])).to.deep.equal([['acme-production', undefined], ['billing-production', ['pipeline']]])
    // --fix plans from every snapshot compared.
    expect(run.production.map(snapshot => snapshot.app.name)).to.deep.equal(['acme-production', 'billing-production'])
  })

  it('stays silent: billing is loaded and compared, but named nowhere when nothing reaches it', async function () {
    mockSmallLoad(s, cleanStagingSnapshot())
    mockPipelineProduction(s, [productionSnapshot(), cleanStagingSnapshot()], productionSnapshot(), [billing()])
    const run = await auditApps(await client(), {app: 'acme-staging', production: []})
    expect(run.result.findings).to.deep.equal([])
    expect(run.result.production.map(app => app.name)).to.deep.equal(['acme-production'])
  })
})
