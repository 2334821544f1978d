import {APIClient} from '@heroku-cli/command'
import {expect} from 'chai'
import nock from 'nock'

import {ExitCode} from '../../../src/lib/exit-codes.js'
import {HerokuClient} from '../../../src/lib/heroku/client.js'
import {ProductionRegistry, ProductionRegistryError} from '../../../src/lib/production/registry.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {addonsBody, appBody, attachmentsBody, couplingBody, mockAccountCouplings, type Scopes, scopes} from '../../fixtures/audit.js'
import {
  addonRef,
  attachmentRef,
  cleanStagingSnapshot,
  PROD_DB_HOST,
  PROD_PG,
  PRODUCTION_ID,
  productionSnapshot,
  STAGING_DATABASE_URL,
  STAGING_ID,
  STAGING_PG,
  STAGING_REDIS,
} from '../../fixtures/snapshots.js'
import {loadConfig} from '../../helpers/run.js'

async function client(): Promise<HerokuClient> {
  return new HerokuClient(new APIClient(await loadConfig()), {maxRetries: 0, sleep: async () => {}})
}

/** What the registry loads of one production app: the app by id, its config vars, attachments, add-ons and coupling. */
function mockProductionLoad(s: Scopes, snapshot: AppSnapshot, extraOwned: ReturnType<typeof addonsBody> = []): void {
  const id = snapshot.app.id
  s.api.get(`/apps/${id}`).reply(200, appBody(snapshot))
  s.api.get(`/apps/${id}/config-vars`).reply(200, snapshot.configVars)
  s.api.get(`/apps/${id}/addon-attachments`).reply(200, attachmentsBody(snapshot))
  s.api.get(`/apps/${id}/addons`).reply(200, [...addonsBody(snapshot), ...extraOwned])
  const coupling = couplingBody(snapshot)
  if (coupling) s.api.get(`/apps/${id}/pipeline-couplings`).reply(200, coupling)
  else s.api.get(`/apps/${id}/pipeline-couplings`).reply(404, {id: 'not_found', message: 'not found'})
}

/** Production also attaches staging's database, as in "production attaches a database that staging owns". */
function productionAttachingStaging(): AppSnapshot {
  const production = productionSnapshot()
  return {...production, attachments: [...production.attachments, attachmentRef('STAGING_DB', STAGING_PG)]}
}

describe('production registry (src/lib/production/registry.ts)', function () {
  let s: Scopes

  beforeEach(function () {
    s = scopes()
  })

  afterEach(function () {
    s.api.done()
    s.data.done()
    nock.cleanAll()
  })

  describe('is this app production?', function () {
    it('says yes for an app at stage production of any pipeline, from the couplings list alone', async function () {
      mockAccountCouplings(s, [productionSnapshot(), cleanStagingSnapshot()])
      const registry = new ProductionRegistry(await client())
      const evidence = await registry.isProduction({id: PRODUCTION_ID, name: 'acme-production'})
      expect(evidence).to.deep.equal({id: PRODUCTION_ID, name: 'acme-production', pipeline: 'acme', via: ['pipeline']})
    })

    it('stays silent for a staging app (and for an app in no pipeline)', async function () {
      mockAccountCouplings(s, [productionSnapshot(), cleanStagingSnapshot()])
      mockProductionLoad(s, productionSnapshot())
      const registry = new ProductionRegistry(await client())
      expect(await registry.isProduction({id: STAGING_ID, name: 'acme-staging'})).to.equal(undefined)
      expect(await registry.isProduction({id: 'no-such-id', name: 'lonely'})).to.equal(undefined)
    })

    it('says yes for a protected app and for an app named with --from, with why', async function () {
      mockAccountCouplings(s, [])
      const registry = new ProductionRegistry(await client(), {from: ['acme-reporting'], protectedApps: [{id: STAGING_ID, name: 'acme-staging'}]})
      expect((await registry.isProduction({id: STAGING_ID, name: 'acme-staging'}))?.via).to.deep.equal(['protected'])
      expect((await registry.isProduction({id: 'r-1', name: 'acme-reporting'}))?.via).to.deep.equal(['from'])
    })
  })

  describe("is this add-on production's?", function () {
    it('names the production app that owns it and the one that has it attached', async function () {
      mockAccountCouplings(s, [productionAttachingStaging()])
      mockProductionLoad(s, productionAttachingStaging())
      const registry = new ProductionRegistry(await client())
      const own = await registry.addon(PROD_PG.id)
      expect(own.map(e => [e.app.name, e.how, e.attachment])).to.deep.equal([['acme-production', 'owned', undefined], ['acme-production', 'attached', 'DATABASE']])
      const attached = await registry.addon(STAGING_PG.id)
      expect(attached.map(e => [e.app.name, e.how, e.attachment])).to.deep.equal([['acme-production', 'attached', 'STAGING_DB']])
    })

    it('finds an add-on production owns but has not attached to itself', async function () {
      const hidden = addonRef({id: 'c0000000-0000-4000-8000-00000000pg09', name: 'postgresql-hidden', owner: {id: PRODUCTION_ID, name: 'acme-production'}, plan: 'heroku-postgresql:essential-0'})
      mockAccountCouplings(s, [productionSnapshot()])
      mockProductionLoad(s, productionSnapshot(), addonsBody({...productionSnapshot(), attachments: [attachmentRef('X', hidden)]}))
      const registry = new ProductionRegistry(await client())
      expect((await registry.addon(hidden.id)).map(e => e.how)).to.deep.equal(['owned'])
    })

    it("stays silent for an add-on only staging has", async function () {
      mockAccountCouplings(s, [productionSnapshot(), cleanStagingSnapshot()])
      mockProductionLoad(s, productionSnapshot())
      const registry = new ProductionRegistry(await client())
      expect(await registry.addon(STAGING_REDIS.id)).to.deep.equal([])
      expect(await registry.addon(STAGING_PG.id)).to.deep.equal([])
    })
  })

  describe('does this URL reach production?', function () {
    it('names the production config var reaching the same database, however the URL is written', async function () {
      mockAccountCouplings(s, [productionSnapshot()])
      mockProductionLoad(s, productionSnapshot())
      const registry = new ProductionRegistry(await client())
      const evidence = await registry.reaching(`postgresql://someone:else@${PROD_DB_HOST.toUpperCase()}/dprod01?sslmode=require`)
      expect(evidence.map(e => [e.app.name, e.configVar, e.endpoint])).to.deep.equal([['acme-production', 'DATABASE_URL', `postgres://${PROD_DB_HOST}/dprod01`]])
      expect(JSON.stringify(evidence)).to.not.contain('p4ssw0rd')
    })

    it("stays silent for staging's own database", async function () {
      mockAccountCouplings(s, [productionSnapshot()])
      mockProductionLoad(s, productionSnapshot())
      const registry = new ProductionRegistry(await client())
      expect(await registry.reaching(STAGING_DATABASE_URL)).to.deep.equal([])
      expect(await registry.reaching(undefined)).to.deep.equal([])
    })
  })

  describe('cost and failure', function () {
    it('loads each production app once however many questions are asked (every interceptor answers once)', async function () {
      mockAccountCouplings(s, [productionSnapshot()])
      mockProductionLoad(s, productionSnapshot())
      const registry = new ProductionRegistry(await client())
      await Promise.all([registry.addon(PROD_PG.id), registry.reaching(STAGING_DATABASE_URL), registry.apps(), registry.isProduction({name: 'acme-production'})])
      expect((await registry.snapshots()).map(snapshot => snapshot.app.name)).to.deep.equal(['acme-production'])
    })

    it('reuses a snapshot the caller already has instead of loading it again', async function () {
      mockAccountCouplings(s, [productionSnapshot()])
      const registry = new ProductionRegistry(await client(), {known: [productionSnapshot()]})
      expect((await registry.reaching(productionSnapshot().configVars.DATABASE_URL)).length).to.equal(1)
    })

    it('fails closed when the couplings cannot be listed: exit 4, the reason, and the flag that names production', async function () {
      s.api.get('/pipeline-couplings').reply(403, {id: 'forbidden', message: 'You do not have access.'})
      const registry = new ProductionRegistry(await client(), {namingFlag: '--from PRODUCTION_APP'})
      let caught: unknown
      try {
        await registry.reaching(STAGING_DATABASE_URL)
      } catch (error) {
        caught = error
      }

      expect(caught).to.be.instanceOf(ProductionRegistryError)
      const error = caught as ProductionRegistryError
      expect(error.exit).to.equal(ExitCode.Refused)
      expect(error.message).to.contain('GET /pipeline-couplings failed (403')
      expect(error.fix).to.contain('--from PRODUCTION_APP')
    })

    it('fails closed when a production app cannot be loaded', async function () {
      mockAccountCouplings(s, [productionSnapshot()])
      s.api.get(`/apps/${PRODUCTION_ID}`).reply(403, {id: 'forbidden', message: 'You do not have access.'})
      const registry = new ProductionRegistry(await client())
      let caught: unknown
      try {
        await registry.addon(PROD_PG.id)
      } catch (error) {
        caught = error
      }

      expect(caught).to.be.instanceOf(ProductionRegistryError)
      expect((caught as Error).message).to.contain('loading production app')
    })

    it('goes on with the apps named explicitly when the couplings cannot be listed, and says so', async function () {
      s.api.get('/pipeline-couplings').reply(403, {id: 'forbidden', message: 'You do not have access.'})
      const registry = new ProductionRegistry(await client(), {from: [PRODUCTION_ID], known: [productionSnapshot()]})
      expect((await registry.addon(PROD_PG.id)).length).to.be.greaterThan(0)
      expect(registry.warnings.join('\n')).to.contain('Only the apps named with --from/--production and protected apps are guarded')
    })
  })
})
