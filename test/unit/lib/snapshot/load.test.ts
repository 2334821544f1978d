import {APIClient} from '@heroku-cli/command'
import {expect} from 'chai'
import nock from 'nock'

import {HerokuClient} from '../../../../src/lib/heroku/client.js'
import {loadApps} from '../../../../src/lib/snapshot/load.js'
import type {AppSnapshot} from '../../../../src/lib/snapshot/types.js'
import {mockLargeLoad, mockSmallLoad, type Scopes, scopes} from '../../../fixtures/audit.js'
import {cleanStagingSnapshot, incidentStagingSnapshot, PIPELINE_ID, productionSnapshot} from '../../../fixtures/snapshots.js'
import {loadConfig} from '../../../helpers/run.js'

/** Plain JSON: absent and undefined fields compare equal. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value))
}

/** What the loader can know: the fixture without what the audit does not ask for (buildpacks, release). */
function expected(snapshot: AppSnapshot): unknown {
  // The add-ons the app owns (bills), as the add-on list gives them: here, those of its attachments it owns.
  const ownedAddons = [...new Map(snapshot.attachments.filter(a => a.addon.owner.id === snapshot.app.id).map(a => [a.addon.id, a.addon])).values()]
  return plain({...snapshot, app: {...snapshot.app, buildpacks: []}, ownedAddons})
}

function reviewApp(index: number): AppSnapshot {
  const clean = cleanStagingSnapshot()
  return {
    ...clean,
    app: {...clean.app, id: `44444444-4444-4444-8444-44444444440${index}`, name: `acme-review-${index}`},
    attachments: [],
    configVars: {LANG: 'en_US.UTF-8'},
    databases: {},
    pipeline: {id: PIPELINE_ID, name: 'acme', stage: 'review'},
  }
}

describe('snapshot loader (as the audit uses it)', function () {
  let s: Scopes
  let client: HerokuClient

  beforeEach(async function () {
    s = scopes()
    client = new HerokuClient(new APIClient(await loadConfig()), {baseDelayMs: 1})
  })

  afterEach(function () {
    s.api.done()
    s.data.done()
    nock.cleanAll()
  })

  it('loads each app with its own requests and rebuilds exactly the snapshot the rules read', async function () {
    mockSmallLoad(s, incidentStagingSnapshot())
    mockSmallLoad(s, productionSnapshot())
    const loaded = await loadApps(client, ['acme-staging', 'acme-production'], {databases: true, formation: true, hosts: false})
    expect([...loaded.keys()]).to.deep.equal(['acme-staging', 'acme-production'])
    const [staging, production] = loaded.ofAll(['acme-staging', 'acme-production'])
    expect(plain(staging)).to.deep.equal(expected(incidentStagingSnapshot()))
    expect(plain(production)).to.deep.equal(expected(productionSnapshot()))
  })

  it('resolves every credential host once per load and keeps the addresses in the snapshot (hosts that fail: [])', async function () {
    mockSmallLoad(s, productionSnapshot())
    const asked: string[] = []
    const resolver = async (host: string): Promise<string[]> => {
      asked.push(host)
      if (host.startsWith('ec2-52')) return ['52.1.2.3']
      throw new Error('ENOTFOUND')
    }

    const production = (await loadApps(client, ['acme-production'], {databases: true, formation: true, hosts: resolver})).of('acme-production')
    expect(production.hosts).to.deep.equal({'ec2-52-1-2-3.compute-1.amazonaws.com': ['52.1.2.3'], 'ec2-54-4-5-6.compute-1.amazonaws.com': []})
    expect(asked.sort()).to.deep.equal(['ec2-52-1-2-3.compute-1.amazonaws.com', 'ec2-54-4-5-6.compute-1.amazonaws.com'])
  })

  it('from four apps given by id on, asks one POST /filters/apps for their records and never an account-wide list', async function () {
    const apps = [cleanStagingSnapshot(), productionSnapshot(), reviewApp(1), reviewApp(2), reviewApp(3), reviewApp(4)]
    mockLargeLoad(s, apps, {couplingListed: false})
    const loaded = await loadApps(client, apps.map(app => app.app.id), {databases: true, formation: true, hosts: false})
    expect(loaded.ofAll(apps.map(app => app.app.id)).map(app => app.app.name)).to.deep.equal(apps.map(app => app.app.name))
    expect(plain(loaded.of(cleanStagingSnapshot().app.id))).to.deep.equal(expected(cleanStagingSnapshot()))
    const paths = client.records.map(record => record.path)
    expect(paths.filter(path => path.endsWith('/config-vars'))).to.have.length(apps.length)
    expect(paths.filter(path => ['/apps', '/addon-attachments', '/addons', '/pipeline-couplings'].includes(path))).to.deep.equal([])
    expect(paths.filter(path => path === '/filters/apps')).to.have.length(1)
    // config vars, attachments, add-ons, coupling and formation per app, and one Data API request per Postgres add-on (2 here)
    expect(client.records).to.have.length(1 + apps.length * 5 + 2)
  })

  it('asks the Data API once per database, however many of the loaded apps attach it', async function () {
    const production = productionSnapshot()
    const productionDb = production.attachments.find(attachment => attachment.addon.service === 'heroku-postgresql')!
    const sharing = [1, 2, 3].map(index => ({...reviewApp(index), attachments: [{...productionDb, id: `55555555-5555-4555-8555-55555555550${index}`, name: 'DATABASE'}]}))
    const apps = [production, ...sharing]
    mockLargeLoad(s, apps, {couplingListed: false})
    const loaded = await loadApps(client, apps.map(app => app.app.id), {databases: true, formation: true})
    const dataRequests = client.records.filter(record => record.path === `/client/v11/databases/${productionDb.addon.id}`)
    expect(dataRequests).to.have.length(1)
    for (const app of loaded.values()) expect(app.databases[productionDb.addon.id]?.majorVersion, app.app.name).to.equal(production.databases[productionDb.addon.id]?.majorVersion)
  })
})
