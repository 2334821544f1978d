import {expect} from 'chai'

import {ProductionGuard, ProductionMutationError} from '../../../src/lib/production/guarded-client.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {addonRef, attachmentRef, PROD_PG, PROD_REDIS, PRODUCTION_ID, productionSnapshot, STAGING_ID, STAGING_PG} from '../../fixtures/snapshots.js'
import {SHARED_CACHE, stagingAttachmentOf} from './fixtures.js'

/** A second production app (e.g. an EU region copy) with its own database. */
function secondProduction(): AppSnapshot {
  const owner = {id: '44444444-4444-4444-8444-444444444444', name: 'acme-production-eu'}
  const pg = addonRef({id: 'e0000000-0000-4000-8000-00000000pgeu', name: 'postgresql-eu-1', owner, plan: 'heroku-postgresql:standard-0'})
  return {...productionSnapshot(), app: {...productionSnapshot().app, id: owner.id, name: owner.name}, attachments: [attachmentRef('DATABASE', pg, 'eu-database')]}
}

describe('fix: the shared production guard (src/lib/heroku/guard.ts) as --fix uses it', function () {
  const production = productionSnapshot()
  production.attachments.push(attachmentRef('MEMCACHIER', SHARED_CACHE, 'prod-memcachier'))
  const guard = new ProductionGuard([production, secondProduction()], {command: 'staging:audit --fix', refuseAttachedInBody: true})

  const refused = (method: 'DELETE' | 'PATCH' | 'POST' | 'PUT', path: string, body?: unknown): ProductionMutationError => {
    try {
      guard.assert(method, path, body)
    } catch (error) {
      expect(error, `${method} ${path}`).to.be.instanceOf(ProductionMutationError)
      return error as ProductionMutationError
    }

    throw new Error(`${method} ${path} was let through`)
  }

  const allowed = (method: 'DELETE' | 'GET' | 'PATCH' | 'POST' | 'PUT', path: string, body?: unknown): void => {
    expect(() => guard.assert(method, path, body), `${method} ${path}`).not.to.throw()
  }

  it('refuses a mutating request naming any of several production apps, and says which command never does that', function () {
    const error = refused('PATCH', '/apps/acme-production/config-vars', {DATABASE_URL: null})
    expect(error.message).to.contain('the production app acme-production').and.to.contain('staging:audit --fix never sends a mutating request')
    refused('PATCH', '/apps/acme-production-eu/config-vars', {X: null})
    refused('DELETE', `/apps/${PRODUCTION_ID}/addons/${PROD_PG.id}`)
    refused('POST', `/client/v11/databases/${PROD_PG.id}/backups`, {})
    refused('DELETE', '/addon-attachments/eu-database')
    refused('POST', '/addon-attachments', {addon: {id: STAGING_PG.id}, app: {id: PRODUCTION_ID}, name: 'DATABASE'})
  })

  it('refuses a body naming an add-on production only attaches (owned by a third app)', function () {
    const error = refused('POST', '/addon-attachments', {addon: {id: SHARED_CACHE.id}, app: {id: STAGING_ID}, name: 'MEMCACHIER'})
    expect(error.message).to.contain('attached to acme-production')
    // staging:fork's default shares such add-ons on purpose: only an owned one is refused in a body.
    const forkGuard = new ProductionGuard(production)
    expect(() => forkGuard.assert('POST', '/addon-attachments', {addon: {id: SHARED_CACHE.id}, app: {id: 'fork'}})).not.to.throw()
    expect(() => forkGuard.assert('POST', '/addon-attachments', {addon: {id: PROD_REDIS.id}, app: {id: 'fork'}})).to.throw(/staging:fork never sends/)
  })

  it('lets through every request --fix makes on the staging app, and every read', function () {
    allowed('GET', '/apps/acme-production/config-vars')
    allowed('GET', `/client/v11/databases/${PROD_PG.id}`)
    allowed('PATCH', `/apps/${STAGING_ID}/config-vars`, {DATABASE_URL: null, REDIS_URL: null})
    // Detaching staging's own attachment of production's Redis: the attachment is staging's, the add-on untouched.
    allowed('DELETE', `/addon-attachments/${stagingAttachmentOf('REDIS', PROD_REDIS).id}`)
    allowed('POST', '/addon-attachments', {addon: {id: STAGING_PG.id}, app: {id: STAGING_ID}, name: 'DATABASE', namespace: null})
    allowed('POST', `/apps/${STAGING_ID}/addons`, {attachment: {name: 'DATABASE'}, config: {version: '16'}, plan: {name: 'heroku-postgresql:standard-0'}})
    allowed('POST', `/client/v11/databases/${STAGING_PG.id}/backups`, {})
  })
})
