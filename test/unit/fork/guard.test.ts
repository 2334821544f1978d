import {expect} from 'chai'

import {GuardedClient, ProductionGuard, ProductionMutationError} from '../../../src/lib/production/guarded-client.js'
import type {HerokuClient} from '../../../src/lib/heroku/client.js'
import {ADDONS, PROD_ID, production} from './fixtures.js'

describe('fork production guard', function () {
  const guard = new ProductionGuard(production())
  const refused = (method: 'DELETE' | 'PATCH' | 'POST' | 'PUT', path: string, body?: unknown) => {
    expect(() => guard.assert(method, path, body), `${method} ${path}`).to.throw(ProductionMutationError)
  }

  const allowed = (method: 'DELETE' | 'GET' | 'PATCH' | 'POST' | 'PUT', path: string, body?: unknown) => {
    expect(() => guard.assert(method, path, body), `${method} ${path}`).not.to.throw()
  }

  it('refuses a mutating request whose path names the production app, by name or id', function () {
    refused('PATCH', '/apps/acme-production/config-vars', {FOO: 'bar'})
    refused('POST', `/apps/${PROD_ID}/releases`, {slug: 'x'})
    refused('DELETE', '/apps/acme-production')
    refused('PATCH', `/teams/apps/${PROD_ID}`, {locked: true})
    refused('POST', '/client/v11/apps/acme-production/transfers')
  })

  it('refuses a mutating request on one of production\'s add-ons or attachments, by path', function () {
    refused('POST', `/client/v11/databases/${ADDONS.pg.id}/transfers`, {from_url: 'x', to_url: 'y'})
    refused('PUT', `/client/v11/databases/${ADDONS.pg.name}/reset`)
    refused('DELETE', `/apps/acme-production-staging/addons/${ADDONS.redis.id}`)
    refused('DELETE', '/addon-attachments/bbbb0000-0000-4000-8000-000000000003')
    refused('PATCH', `/addons/${ADDONS.memcachier.name}`, {plan: 'x'})
  })

  it('lets a Heroku Postgres fork of production\'s database be created on staging (config.fork is a read of production)', function () {
    const body = {attachment: {name: 'DATABASE'}, config: {fork: ADDONS.pg.id}, plan: {name: 'heroku-postgresql:standard-0'}}
    allowed('POST', '/apps/acme-production-staging/addons', body)
    allowed('POST', '/apps/acme-production-staging/addons', {...body, config: {fork: `acme-production::DATABASE`}})
    const strict = new ProductionGuard(production(), {command: 'staging:refresh', refuseAttachedInBody: true})
    expect(() => strict.assert('POST', '/apps/acme-staging/addons', body)).not.to.throw()
  })

  it('refuses a fork created on production itself, or any write naming production\'s database next to config.fork', function () {
    const body = {config: {fork: ADDONS.pg.id}, plan: {name: 'heroku-postgresql:standard-0'}}
    refused('POST', '/apps/acme-production/addons', body)
    refused('POST', `/apps/${PROD_ID}/addons`, body)
    refused('POST', '/addon-attachments', {addon: {id: ADDONS.pg.id}, app: {id: 'staging'}, config: {fork: ADDONS.pg.id}, name: 'DATABASE'})
  })

  it('refuses a body that names the production app or an add-on it owns', function () {
    refused('POST', '/addon-attachments', {addon: {id: ADDONS.pg.id}, app: {id: 'fork'}, name: 'DATABASE'})
    refused('POST', '/addon-attachments', {addon: ADDONS.redis.name, app: 'fork'})
    refused('POST', '/pipeline-couplings', {app: PROD_ID, pipeline: 'p', stage: 'staging'})
  })

  it('lets through reads and every request to the fork, including sharing an add-on owned by another app', function () {
    allowed('GET', '/apps/acme-production/config-vars')
    allowed('GET', `/client/v11/databases/${ADDONS.pg.id}`)
    allowed('POST', '/apps', {name: 'acme-production-staging', region: 'us'})
    allowed('PATCH', '/apps/acme-production-staging/config-vars', {app: 'acme-production', HEROKU_STAGING_FORKED_FROM: PROD_ID})
    allowed('POST', '/client/v11/databases/ffff0000-0000-4000-8000-000000000001/transfers', {from_url: 'postgres://prod', to_url: 'postgres://fork'})
    allowed('POST', '/addon-attachments', {addon: {id: ADDONS.memcachier.id}, app: {id: 'fork'}, name: 'MEMCACHIER'})
    allowed('POST', '/pipeline-couplings', {app: 'fork-id', pipeline: 'p', stage: 'staging'})
  })

  it('does not mistake a route word for an app of the same name', function () {
    const prod = production()
    prod.app.name = 'releases'
    const routeWord = new ProductionGuard(prod)
    expect(() => routeWord.assert('POST', '/apps/acme-production-staging/releases', {slug: 'x'})).not.to.throw()
    expect(() => routeWord.assert('PATCH', '/apps/releases/config-vars', {})).to.throw(ProductionMutationError)
  })

  it('refuses in the client, before any request leaves the process', async function () {
    const sent: string[] = []
    const fake = {
      delete: async (path: string) => sent.push(`DELETE ${path}`),
      get: async (path: string) => sent.push(`GET ${path}`),
      patch: async (path: string) => sent.push(`PATCH ${path}`),
      post: async (path: string) => sent.push(`POST ${path}`),
      put: async (path: string) => sent.push(`PUT ${path}`),
    } as unknown as HerokuClient
    const client = new GuardedClient(fake, new ProductionGuard(production()))
    let refusal: unknown
    try {
      await client.patch('/apps/acme-production/config-vars', {body: {A: 'b'}})
    } catch (error) {
      refusal = error
    }

    expect(refusal).to.be.instanceOf(ProductionMutationError)
    await client.get('/apps/acme-production/config-vars')
    await client.post('/apps', {body: {name: 'acme-production-staging'}})
    expect(sent).to.deep.equal(['GET /apps/acme-production/config-vars', 'POST /apps'])
  })
})
