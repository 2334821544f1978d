import {expect} from 'chai'

import {apiOf} from '../../../src/lib/heroku/api.js'
import {classifyRequest} from '../../../src/lib/heroku/routes.js'
import {EffectChecker, type EffectVerdict} from '../../../src/lib/hook/effect-check.js'
import {cleanWorld, fakeClient, PROD_URL, ROSE_URL, STAGING_URL, type World} from './world.js'

/**
 * The effect checks against an in-memory Heroku (GETs only): for each effect, a request that touches
 * production and one that does not; every failed read refuses (undecided), naming it.
 */

async function verdict(method: string, path: string, body?: unknown, options: {protectedApps?: Array<{id?: string; name: string}>; world?: World} = {}): Promise<{requests: string[]; verdict: EffectVerdict}> {
  const {client, requests} = fakeClient(options.world ?? cleanWorld())
  const checker = new EffectChecker(client, {couplings: async () => apiOf(client).allCouplings() as never, protectedApps: options.protectedApps ?? []})
  const effect = classifyRequest({body, method, path})
  if (!effect) throw new Error(`${method} ${path} has no effect`)
  return {requests, verdict: await checker.verdict(effect)}
}

const production = (v: EffectVerdict): string[] => (v.kind === 'production' ? v.findings.flatMap(f => f.apps) : [])

describe('effect checks (fake API, GETs only)', function () {
  it('destroy: a production app or its data store fires; a plain app, a staging database stay silent', async function () {
    expect(production((await verdict('DELETE', '/apps/acme-production')).verdict)).to.deep.equal(['acme-production'])
    expect((await verdict('DELETE', '/apps/lone-app')).verdict.kind).to.equal('clear')
    expect(production((await verdict('DELETE', '/apps/app-prod/addons/addon-prod-redis')).verdict)).to.deep.equal(['acme-production'])
    expect((await verdict('DELETE', '/apps/acme-staging/addons/addon-stg-db')).verdict.kind).to.equal('clear')
  })

  it('a protected app (policy file or this machine) is production, by name in any case or by id', async function () {
    expect(production((await verdict('DELETE', '/apps/lone-app', undefined, {protectedApps: [{name: 'LONE-APP'}]})).verdict)).to.deep.equal(['lone-app'])
    expect(production((await verdict('DELETE', '/apps/lone-app', undefined, {protectedApps: [{id: 'app-lone', name: 'renamed'}]})).verdict)).to.deep.equal(['lone-app'])
  })

  it('re-wired: detaching production\'s database fires; detaching a staging one stays silent', async function () {
    expect(production((await verdict('DELETE', '/addon-attachments/att-acme-production-DATABASE')).verdict)).to.deep.equal(['acme-production'])
    expect((await verdict('DELETE', '/addon-attachments/att-acme-staging-HEROKU_POSTGRESQL_ROSE')).verdict.kind).to.equal('clear')
  })

  it('re-wired: production\'s database attached to staging as DATABASE fires; as another name, or staging\'s own, stays silent', async function () {
    const asPrimary = await verdict('POST', '/addon-attachments', {addon: 'postgresql-prod-1', app: 'acme-staging', name: 'DATABASE'})
    expect(production(asPrimary.verdict)).to.deep.equal(['acme-production'])
    expect((await verdict('POST', '/addon-attachments', {addon: 'postgresql-prod-1', app: 'acme-staging', name: 'PROD_READER'})).verdict.kind).to.equal('clear')
    expect((await verdict('POST', '/addon-attachments', {addon: 'postgresql-rose-1', app: 'acme-staging', name: 'COPY'})).verdict.kind).to.equal('clear')
  })

  it('re-wired: a config var write on production fires only when a credential var\'s endpoint changes', async function () {
    const repoint = await verdict('PATCH', '/apps/acme-production/config-vars', {DATABASE_URL: STAGING_URL})
    expect(production(repoint.verdict)).to.deep.equal(['acme-production'])
    expect(repoint.verdict.kind === 'production' && repoint.verdict.findings[0]?.what).to.contain('change the endpoint DATABASE_URL reaches')
    expect((await verdict('PATCH', '/apps/acme-production/config-vars', {FEATURE_X: '1'})).verdict.kind).to.equal('clear')
    expect((await verdict('PATCH', '/apps/acme-staging/config-vars', {DATABASE_URL: ROSE_URL})).verdict.kind).to.equal('clear')
  })

  it('re-wired: a rollback fires when the release\'s credential endpoints differ; silent when they do not', async function () {
    const world = cleanWorld()
    world.releases = {'acme-production@3': {DATABASE_URL: ROSE_URL}, 'acme-production@4': {...world.apps[0]!.config, FEATURE_X: '1'}}
    expect(production((await verdict('POST', '/apps/acme-production/releases', {release: '3'}, {world})).verdict)).to.deep.equal(['acme-production'])
    expect((await verdict('POST', '/apps/acme-production/releases', {release: '4'}, {world})).verdict.kind).to.equal('clear')
  })

  it('credentials: any rotation of production\'s database or store fires; staging\'s stays silent', async function () {
    expect(production((await verdict('POST', '/postgres/v0/databases/postgresql-prod-1/credentials/default/credentials_rotation', {})).verdict)).to.deep.equal(['acme-production'])
    expect(production((await verdict('POST', '/redis/v0/databases/redis-prod-1/credentials_rotation', {})).verdict)).to.deep.equal(['acme-production'])
    expect((await verdict('POST', '/postgres/v0/databases/postgresql-stg-1/credentials_rotation', {})).verdict.kind).to.equal('clear')
  })

  it('overwritten: a reset of production\'s database fires (it is attached there); of staging\'s, silent', async function () {
    expect(production((await verdict('PUT', '/client/v11/databases/addon-prod-db/reset')).verdict)).to.deep.equal(['acme-production'])
    expect((await verdict('PUT', '/client/v11/databases/addon-stg-db/reset')).verdict.kind).to.equal('clear')
  })

  it('overwritten: a transfer whose to_url reaches production fires, from any add-on; one into staging is silent', async function () {
    const into = await verdict('POST', '/client/v11/databases/addon-stg-rose/transfers', {from_name: 'ROSE', from_url: ROSE_URL, to_name: 'database', to_url: PROD_URL})
    expect(production(into.verdict)).to.deep.equal(['acme-production'])
    expect((await verdict('POST', '/client/v11/databases/addon-stg-db/transfers', {from_url: PROD_URL, to_name: 'DATABASE', to_url: STAGING_URL})).verdict.kind).to.equal('clear')
  })

  it('overwritten: a to_url reaching a production app that holds its database only as split PG* vars or JDBC fires; another database on that host is silent', async function () {
    const world = cleanWorld()
    world.apps.push(
      {config: {PGDATABASE: 'dwarehouse', PGHOST: 'warehouse.example.com', PGPASSWORD: 'warehousepass1234', PGPORT: '5432', PGUSER: 'uwh'}, id: 'app-wh', name: 'acme-warehouse', stage: 'production'},
      {config: {JDBC_DATABASE_URL: 'jdbc:postgresql://ledger.example.com:5432/dledger?user=uled&password=ledgerpass1234'}, id: 'app-led', name: 'acme-ledger', stage: 'production'},
    )
    const onto = async (toUrl: string): Promise<EffectVerdict> => (await verdict('POST', '/client/v11/databases/addon-stg-rose/transfers', {from_url: ROSE_URL, to_url: toUrl}, {world})).verdict
    expect(production(await onto('postgres://other:otherpass123@warehouse.example.com:5432/dwarehouse'))).to.deep.equal(['acme-warehouse'])
    expect(production(await onto('postgres://other:otherpass123@ledger.example.com/dledger'))).to.deep.equal(['acme-ledger'])
    expect((await onto('postgres://other:otherpass123@warehouse.example.com:5432/dscratch')).kind).to.equal('clear')
  })

  it('fail closed: production\'s database attached to staging by an owner the account cannot see refuses a transfer onto it', async function () {
    const world: World = {
      addons: [{id: 'addon-prod-db', name: 'postgresql-prod-1', owner: 'acme-production', plan: 'heroku-postgresql:standard-0'}, {id: 'addon-stg-rose', name: 'postgresql-rose-1', owner: 'acme-staging', plan: 'heroku-postgresql:essential-0'}],
      apps: [{config: {HEROKU_POSTGRESQL_ROSE_URL: ROSE_URL, PROD_DB_URL: PROD_URL}, id: 'app-stg', name: 'acme-staging', stage: 'staging'}],
      attachments: [{addon: 'postgresql-prod-1', app: 'acme-staging', name: 'PROD_DB'}, {addon: 'postgresql-rose-1', app: 'acme-staging', name: 'HEROKU_POSTGRESQL_ROSE'}],
    }
    const {verdict: result} = await verdict('POST', '/client/v11/databases/addon-stg-rose/transfers', {from_url: ROSE_URL, to_url: PROD_URL}, {world})
    expect(result.kind).to.equal('undecided')
    expect(result.kind === 'undecided' && result.reason).to.contain('owned by app hidden-acme-production, which this account cannot see')
  })

  it('fail closed: a transfer onto a database whose named owner the account cannot read (a collaborator of staging only) refuses', async function () {
    const world = cleanWorld()
    world.hidden = ['acme-production']
    world.apps[0]!.stage = undefined
    world.apps[1]!.config = {...world.apps[1]!.config, PROD_DB_URL: PROD_URL}
    world.attachments.push({addon: 'postgresql-prod-1', app: 'acme-staging', name: 'PROD_DB'})
    const {verdict: result} = await verdict('POST', '/client/v11/databases/addon-stg-rose/transfers', {from_url: ROSE_URL, to_url: PROD_URL}, {world})
    expect(result.kind).to.equal('undecided')
    expect(result.kind === 'undecided' && result.reason).to.contain("is owned by acme-production, which this account cannot read")
    // A reset of a database whose owner is readable and not production stays silent.
    expect((await verdict('PUT', '/client/v11/databases/addon-stg-db/reset', undefined, {world})).verdict.kind).to.equal('clear')
  })

  it('demoted: moving production off stage production or removing its coupling fires; a staging coupling is silent', async function () {
    expect(production((await verdict('PATCH', '/pipeline-couplings/coupling-app-prod', {stage: 'development'})).verdict)).to.deep.equal(['acme-production'])
    expect(production((await verdict('DELETE', '/pipeline-couplings/coupling-app-prod')).verdict)).to.deep.equal(['acme-production'])
    expect((await verdict('PATCH', '/pipeline-couplings/coupling-app-stg', {stage: 'development'})).verdict.kind).to.equal('clear')
    expect(production((await verdict('DELETE', '/pipelines/pipe-acme')).verdict)).to.deep.equal(['acme-production'])
  })

  it('fail closed: a read the answer needs (403, 404, 500) makes it undecided, naming the read', async function () {
    for (const [path, status] of [['/apps/acme-production/config-vars', 403], ['/pipeline-couplings', 500], ['/addons/postgresql-prod-1', 404]] as const) {
      const world = cleanWorld()
      world.failures = {[path]: status}
      const request = path.includes('config-vars') ? ['PATCH', '/apps/acme-production/config-vars', {DATABASE_URL: null}] as const : ['POST', '/postgres/v0/databases/postgresql-prod-1/credentials_rotation', {}] as const
      const {verdict: result} = await verdict(request[0], request[1], request[2], {world})
      expect(result.kind, path).to.equal('undecided')
      expect(result.kind === 'undecided' && result.reason, path).to.contain(`answered ${status}`)
    }
  })

  it('a write with no effect sends no read at all', async function () {
    expect(classifyRequest({body: {updates: []}, method: 'PATCH', path: '/apps/acme-production/formation'})).to.equal(undefined)
  })
})
