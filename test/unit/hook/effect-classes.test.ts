import {expect} from 'chai'
import {Readable} from 'node:stream'

import {apiOf} from '../../../src/lib/heroku/api.js'
import {classifyRequest, normalisePath} from '../../../src/lib/heroku/routes.js'
import {EffectChecker, type EffectVerdict} from '../../../src/lib/hook/effect-check.js'
import {renderEffectRefusal} from '../../../src/lib/hook/effect-guard.js'
import type {HostResolver} from '../../../src/lib/snapshot/resolve.js'
import {cleanWorld, fakeClient, type World} from './world.js'

/**
 * The effect guard's classes (issue 25's red-team review): each decided from what the request does and
 * what Heroku says, never from a plan string as typed or a list of commands. For each class, requests that
 * fire and requests that stay silent, against an in-memory Heroku (GETs only).
 */

const NO_DNS: HostResolver = async () => []

interface Options {
  protectedApps?: Array<{id?: string; name: string}>
  resolver?: HostResolver
  world?: World
}

async function verdict(method: string, path: string, body?: unknown, options: Options = {}): Promise<EffectVerdict> {
  const {client} = fakeClient(options.world ?? cleanWorld())
  const checker = new EffectChecker(client, {couplings: async () => apiOf(client).allCouplings() as never, protectedApps: options.protectedApps ?? [], resolver: options.resolver ?? NO_DNS})
  const effect = classifyRequest({body, method, path})
  if (!effect) throw new Error(`${method} ${path} has no effect`)
  return checker.verdict(effect)
}

const apps = (v: EffectVerdict): string[] => (v.kind === 'production' ? v.findings.flatMap(f => f.apps) : [])
const what = (v: EffectVerdict): string => (v.kind === 'production' ? v.findings.map(f => f.what).join('; ') : v.kind === 'undecided' ? v.reason : '')

const CRUNCHY_URL = 'postgres://ucr:crunchypassword1234@p.crunchy.example.com:5432/dcr'
const LONE_URL = 'postgres://ul:lonepassword123456@db-lone.example.com:5432/dlone'

/** Production with a third-party Postgres (a credential in its vars) and a log add-on (no credential) beside Heroku's. */
function worldWithAddons(): World {
  const world = cleanWorld()
  const production = world.apps.find(a => a.name === 'acme-production')!
  production.config = {...production.config, CRUNCHY_URL, PAPERTRAIL_API_TOKEN: 'tok-1234567890'}
  world.addons.push(
    {id: 'addon-crunchy', name: 'crunchy-bridge-1', owner: 'acme-production', plan: 'crunchybridge:hobby'},
    {id: 'addon-papertrail', name: 'papertrail-1', owner: 'acme-production', plan: 'papertrail:choklad'},
    {id: 'addon-stg-log', name: 'papertrail-stg', owner: 'acme-staging', plan: 'papertrail:choklad'},
  )
  world.attachments.push(
    {addon: 'crunchy-bridge-1', app: 'acme-production', name: 'CRUNCHY'},
    {addon: 'papertrail-1', app: 'acme-production', name: 'PAPERTRAIL'},
    {addon: 'papertrail-stg', app: 'acme-staging', name: 'PAPERTRAIL'},
  )
  return world
}

/** lone-app: production only by its HEROKU_STAGING_PROTECTED config var, with its own database. */
function markedWorld(marked = true): World {
  const world = cleanWorld()
  const lone = world.apps.find(a => a.name === 'lone-app')!
  lone.config = {DATABASE_URL: LONE_URL, ...(marked ? {HEROKU_STAGING_PROTECTED: '1'} : {})}
  world.addons.push({id: 'addon-lone-db', name: 'postgresql-lone-1', owner: 'lone-app', plan: 'heroku-postgresql:standard-0'})
  world.attachments.push({addon: 'postgresql-lone-1', app: 'lone-app', name: 'DATABASE'})
  return world
}

describe('effect classes: attachments and add-ons on production, whatever the add-on', function () {
  it('an attachment or a new add-on taking a name production\'s config vars use fires, whatever the service, plan name or plan id', async function () {
    const world = worldWithAddons()
    for (const [method, path, body] of [
      ['POST', '/addon-attachments', {addon: 'papertrail-stg', app: 'acme-production', confirm: 'acme-production', name: 'DATABASE'}],
      ['POST', '/addon-attachments', {addon: 'papertrail-stg', app: 'acme-production', name: 'redis'}],
      ['POST', '/apps/acme-production/addons', {attachment: {name: 'DATABASE'}, confirm: 'acme-production', plan: 'mailgun:starter'}],
      ['POST', '/apps/acme-production/addons', {attachment: {name: 'DATABASE'}, plan: '062a1cc7-f79f-404c-9f91-135f70175577'}],
      ['POST', '/apps/acme-production/addons', {attachment: {name: 'crunchy'}, plan: {id: '062a1cc7-f79f-404c-9f91-135f70175577'}}],
    ] as const) {
      const result = await verdict(method, path, body, {world})
      expect(apps(result), `${path} ${JSON.stringify(body)}`).to.deep.equal(['acme-production'])
      expect(what(result)).to.match(/taking over [A-Z_]+/)
    }
  })

  it('stays silent for a fresh name on production, no name (Heroku picks a free one), and any name on staging', async function () {
    const world = worldWithAddons()
    for (const [method, path, body] of [
      ['POST', '/addon-attachments', {addon: 'papertrail-stg', app: 'acme-production', name: 'STAGING_LOGS'}],
      ['POST', '/apps/acme-production/addons', {plan: '062a1cc7-f79f-404c-9f91-135f70175577'}],
      ['POST', '/apps/acme-production/addons', {attachment: {name: 'MAILER'}, plan: 'mailgun:starter'}],
      // A name whose vars point nowhere (PAPERTRAIL_API_TOKEN is a token, not an endpoint): nothing is re-pointed.
      ['POST', '/apps/acme-production/addons', {attachment: {name: 'PAPERTRAIL'}, plan: 'papertrail:choklad'}],
      ['POST', '/apps/acme-staging/addons', {attachment: {name: 'DATABASE'}, plan: 'heroku-postgresql:essential-0'}],
      ['POST', '/addon-attachments', {addon: 'papertrail-stg', app: 'acme-staging', confirm: 'acme-staging', name: 'DATABASE'}],
    ] as const) {
      expect((await verdict(method, path, body, {world})).kind, `${path} ${JSON.stringify(body)}`).to.equal('clear')
    }
  })

  it('detach or destroy on production fires for a data store: Heroku\'s service, or any add-on whose vars hold a credential', async function () {
    const world = worldWithAddons()
    const detach = await verdict('DELETE', '/addon-attachments/att-acme-production-CRUNCHY', undefined, {world})
    expect(apps(detach)).to.deep.equal(['acme-production'])
    expect(what(detach)).to.contain('its config var CRUNCHY_URL on acme-production holds a credential')
    expect(apps(await verdict('DELETE', '/apps/acme-production/addons/addon-crunchy', undefined, {world}))).to.deep.equal(['acme-production'])
    expect(apps(await verdict('DELETE', '/addons/crunchy-bridge-1', undefined, {world}))).to.deep.equal(['acme-production'])
    expect(what(await verdict('DELETE', '/addons/redis-prod-1', undefined, {world}))).to.contain('a heroku-redis add-on')
  })

  it('detach or destroy stays silent for an add-on without a credential on production, and for a staging data store', async function () {
    const world = worldWithAddons()
    expect((await verdict('DELETE', '/addon-attachments/att-acme-production-PAPERTRAIL', undefined, {world})).kind).to.equal('clear')
    expect((await verdict('DELETE', '/apps/acme-production/addons/addon-papertrail', undefined, {world})).kind).to.equal('clear')
    expect((await verdict('DELETE', '/addons/postgresql-stg-1', undefined, {world})).kind).to.equal('clear')
  })

  it('a plan change of production\'s data store fires, by plan name or id; of a log add-on or a staging database, silent', async function () {
    const world = worldWithAddons()
    const upgrade = await verdict('PATCH', '/apps/acme-production/addons/addon-prod-db', {plan: {name: 'heroku-postgresql:essential-0'}}, {world})
    expect(apps(upgrade)).to.deep.equal(['acme-production'])
    expect(what(upgrade)).to.contain('move add-on postgresql-prod-1 (a heroku-postgresql add-on) to plan heroku-postgresql:essential-0')
    expect(apps(await verdict('PATCH', '/apps/acme-production/addons/crunchy-bridge-1', {plan: '7f0d2e3c-0000-4000-8000-000000000009'}, {world}))).to.deep.equal(['acme-production'])
    expect((await verdict('PATCH', '/apps/acme-production/addons/addon-papertrail', {plan: 'papertrail:fixa'}, {world})).kind).to.equal('clear')
    expect((await verdict('PATCH', '/apps/acme-staging/addons/addon-stg-db', {plan: 'heroku-postgresql:standard-0'}, {world})).kind).to.equal('clear')
    expect(classifyRequest({body: {}, method: 'PATCH', path: '/apps/acme-production/addons/addon-prod-db'}), 'no plan, no plan change').to.equal(undefined)
  })
})

describe('effect classes: the HEROKU_STAGING_PROTECTED marker wherever production is asked', function () {
  const requests: Array<[string, string, unknown?]> = [
    ['DELETE', '/apps/lone-app'],
    ['PUT', '/client/v11/databases/addon-lone-db/reset'],
    ['POST', '/client/v11/databases/addon-lone-db/restores', {}],
    ['POST', '/postgres/v0/databases/postgresql-lone-1/credentials_rotation', {}],
    ['DELETE', '/apps/lone-app/addons/addon-lone-db'],
    ['DELETE', '/addon-attachments/att-lone-app-DATABASE'],
    ['PATCH', '/apps/lone-app/addons/addon-lone-db', {plan: 'heroku-postgresql:essential-0'}],
  ]

  it('an app marked only by the config var is production for destroy, reset, restore, rotate, detach and plan changes', async function () {
    for (const [method, path, body] of requests) {
      const result = await verdict(method, path, body, {world: markedWorld()})
      expect(apps(result), `${method} ${path}`).to.deep.equal(['lone-app'])
      expect(JSON.stringify(result)).to.contain('config var HEROKU_STAGING_PROTECTED set on it')
    }
  })

  it('the same app without the marker stays silent', async function () {
    for (const [method, path, body] of requests) expect((await verdict(method, path, body, {world: markedWorld(false)})).kind, `${method} ${path}`).to.equal('clear')
  })

  it('fail closed: its config vars unreadable refuses, naming the read', async function () {
    const world = markedWorld()
    world.failures = {'/apps/lone-app/config-vars': 403}
    const result = await verdict('PUT', '/client/v11/databases/addon-lone-db/reset', undefined, {world})
    expect(result.kind).to.equal('undecided')
    expect(what(result)).to.contain('GET /apps/lone-app/config-vars answered 403')
  })
})

describe('effect classes: a rename that would demote production', function () {
  it('renaming an app protected by name alone fires, and the refusal names staging:protect to record its id', async function () {
    const result = await verdict('PATCH', '/apps/lone-app', {name: 'lone-app-renamed'}, {protectedApps: [{name: 'LONE-APP'}]})
    expect(apps(result)).to.deep.equal(['lone-app'])
    const effect = classifyRequest({body: {name: 'lone-app-renamed'}, method: 'PATCH', path: '/apps/lone-app'})!
    const text = renderEffectRefusal({command: 'heroku apps:rename lone-app-renamed -a lone-app', effect, findings: result.kind === 'production' ? result.findings : [], request: {method: 'PATCH', path: '/apps/lone-app'}})
    expect(text).to.contain('would demote production')
    expect(text).to.contain('heroku staging:protect -a lone-app')
  })

  it('stays silent when a mark survives the rename (its id recorded, a pipeline, the marker), and for a plain app or a maintenance toggle', async function () {
    expect((await verdict('PATCH', '/apps/lone-app', {name: 'x'}, {protectedApps: [{id: 'app-lone', name: 'lone-app'}]})).kind).to.equal('clear')
    expect((await verdict('PATCH', '/apps/acme-production', {name: 'acme-production-old'})).kind).to.equal('clear')
    expect((await verdict('PATCH', '/apps/lone-app', {name: 'x'}, {protectedApps: [{name: 'lone-app'}], world: markedWorld()})).kind).to.equal('clear')
    expect((await verdict('PATCH', '/apps/lone-app', {name: 'x'})).kind).to.equal('clear')
    expect(classifyRequest({body: {maintenance: true}, method: 'PATCH', path: '/apps/acme-production'})).to.equal(undefined)
  })
})

describe('effect classes: Data API writes that change a database', function () {
  it('pg:upgrade:prepare, data:maintenances:run, data:pg:update, pg:links and an unknown Data API write fire on production\'s database', async function () {
    for (const [method, path, body] of [
      ['POST', '/client/v11/databases/addon-prod-db/upgrade/prepare', {}],
      ['POST', '/data/maintenances/v1/addon-prod-db/run', {}],
      ['PATCH', '/data/postgres/v1/addon-prod-db/pools/pool-1', {level: '4G-Performance'}],
      ['POST', '/client/v11/databases/addon-prod-db/links', {target: 'x'}],
      ['POST', '/client/v11/databases/addon-prod-db/something-new', {}],
      ['PATCH', '/redis/v0/databases/redis-prod-1/config', {maxmemory_policy: 'allkeys-lru'}],
    ] as const) {
      expect(apps(await verdict(method, path, body)), path).to.deep.equal(['acme-production'])
    }
  })

  it('the same on staging\'s database stays silent; a maintenance schedule, a backup and a credential creation have no effect', async function () {
    expect((await verdict('POST', '/client/v11/databases/addon-stg-db/upgrade/prepare', {})).kind).to.equal('clear')
    expect((await verdict('POST', '/data/maintenances/v1/addon-stg-db/run', {})).kind).to.equal('clear')
    for (const [method, path] of [['POST', '/data/maintenances/v1/addon-prod-db/schedule'], ['POST', '/client/v11/databases/addon-prod-db/backups'], ['POST', '/postgres/v0/databases/addon-prod-db/credentials']] as const) {
      expect(classifyRequest({body: {}, method, path}), path).to.equal(undefined)
    }
  })

  it('an unknown Data API write naming no database is refused (undecided)', async function () {
    const result = await verdict('POST', '/client/v11/apps/acme-production/transfers/7/actions/new-thing', {})
    expect(result.kind).to.equal('undecided')
    expect(what(result)).to.contain('a Data API write the guard does not know')
  })
})

describe('effect classes: what the request says, read as the server reads it', function () {
  it('paths are normalised before classification (//, /./, .., %-encoding, trailing slash)', function () {
    for (const raw of ['//apps/acme-production', '/./apps/acme-production', '/apps/x/../acme-production', '/apps/%61cme-production/', '/apps//acme-production?x=1']) {
      expect(normalisePath(raw), raw).to.equal('/apps/acme-production')
      expect(classifyRequest({method: 'DELETE', path: raw}), raw).to.deep.equal({app: 'acme-production', kind: 'app-destroy'})
    }

    expect(classifyRequest({body: {DATABASE_URL: null}, method: 'PATCH', path: '/apps/acme-production//config-vars'})?.kind).to.equal('config-write')
    expect(classifyRequest({method: 'DELETE', path: '/apps/acme-production/./..'}), 'resolves to /apps: nothing').to.equal(undefined)
  })

  it('a body the guard cannot read (a stream, not JSON) on a route decided by its body is refused; on other routes it does not matter', async function () {
    for (const [method, path] of [['PATCH', '/apps/acme-production/config-vars'], ['POST', '/apps/acme-production/releases'], ['POST', '/addon-attachments'], ['PATCH', '/apps/acme-production']] as const) {
      const stream = Readable.from([JSON.stringify({release: '3'})])
      expect(classifyRequest({body: stream, method, path})?.kind, path).to.equal('unknown')
      expect(classifyRequest({body: '{not json', method, path})?.kind, path).to.equal('unknown')
    }

    const result = await verdict('PATCH', '/apps/acme-production/config-vars', Readable.from(['{"DATABASE_URL":null}']))
    expect(result.kind).to.equal('undecided')
    expect(classifyRequest({body: Readable.from(['{}']), method: 'PUT', path: '/client/v11/databases/x/reset'})?.kind).to.equal('database-write')
    expect(classifyRequest({body: Buffer.from('{"release":"3"}'), method: 'POST', path: '/apps/acme-production/releases'})?.kind).to.equal('rollback')
    expect(classifyRequest({body: Readable.from(['{}']), method: 'PATCH', path: '/apps/acme-production/formation'})).to.equal(undefined)
  })

  it('a transfer onto production\'s host by address fires when DNS says it is the same server; another server is silent; an unresolved host refuses', async function () {
    const world = cleanWorld()
    const production = world.apps.find(a => a.name === 'acme-production')!
    production.config = {...production.config, DATABASE_URL: 'postgres://uprod:prodpassword12345@ec2-54-1-2-3.compute-1.example.com:5432/dprod'}
    const onto = async (host: string, resolver: HostResolver): Promise<EffectVerdict> => verdict('POST', '/client/v11/databases/addon-stg-db/transfers', {to_name: 'x', to_url: `postgres://u:otherpassword123@${host}:5432/dprod`}, {resolver, world})
    const dns: HostResolver = async host => (host.startsWith('ec2-54-1-2-3') ? ['54.1.2.3'] : [])
    expect(apps(await onto('54.1.2.3', dns))).to.deep.equal(['acme-production'])
    expect((await onto('54.9.9.9', dns)).kind).to.equal('clear')
    const unresolved = await onto('54.1.2.3', NO_DNS)
    expect(unresolved.kind).to.equal('undecided')
    expect(what(unresolved)).to.contain('a host did not resolve')
  })
})

describe('effect classes: destroying an app destroys what it owns', function () {
  /** lone-app owns a Postgres; production has it attached (as REPORTING) when `attached`. */
  function world(attached: boolean): World {
    const base = cleanWorld()
    base.addons.push({id: 'addon-lone-db', name: 'postgresql-lone-1', owner: 'lone-app', plan: 'heroku-postgresql:standard-0'})
    base.attachments.push({addon: 'postgresql-lone-1', app: 'lone-app', name: 'DATABASE'})
    base.apps.find(a => a.name === 'lone-app')!.config = {DATABASE_URL: LONE_URL}
    if (attached) {
      base.attachments.push({addon: 'postgresql-lone-1', app: 'acme-production', name: 'REPORTING'})
      const production = base.apps.find(a => a.name === 'acme-production')!
      production.config = {...production.config, REPORTING_URL: LONE_URL}
    }

    return base
  }

  it('fires when the app owns a data store production has attached, whatever the app itself is', async function () {
    const result = await verdict('DELETE', '/apps/lone-app', undefined, {world: world(true)})
    expect(apps(result)).to.deep.equal(['acme-production'])
    expect(what(result)).to.contain('postgresql-lone-1, which production uses')
  })

  it('stays silent when nothing it owns is production\'s', async function () {
    expect((await verdict('DELETE', '/apps/lone-app', undefined, {world: world(false)})).kind).to.equal('clear')
  })
})
