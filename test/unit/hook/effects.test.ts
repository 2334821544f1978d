import {expect} from 'chai'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {classifyRequest} from '../../../src/lib/heroku/routes.js'
import {agentRun, forAgent, grantConsent, hasConsent, parseDuration} from '../../../src/lib/hook/consent.js'
import {applyConfig, changedEndpoints} from '../../../src/lib/hook/effects.js'
import {overrideCovers} from '../../../src/lib/hook/effect-guard.js'

/** PURE: a request's effect from its method, path and body; the endpoint comparison; the override and agent rules. */

describe('effects: what a request does', function () {
  const effects: Array<[string, string, unknown, string]> = [
    ['DELETE', '/apps/acme-production', undefined, 'app-destroy'],
    ['DELETE', '/apps/acme-production/addons/postgresql-prod', undefined, 'addon-destroy'],
    ['DELETE', '/addons/8c2f0b2a-0000-4000-8000-000000000001', undefined, 'addon-destroy'],
    ['DELETE', '/addon-attachments/8c2f0b2a-0000-4000-8000-000000000002', undefined, 'attachment-delete'],
    ['POST', '/addon-attachments', JSON.stringify({addon: {name: 'postgresql-staging'}, app: {name: 'acme-production'}, name: 'DATABASE'}), 'attachment-create'],
    ['POST', '/client/v11/databases/postgresql-prod/connection-pooling', {app: 'acme-staging', name: 'DATABASE_CONNECTION_POOL'}, 'attachment-create'],
    ['POST', '/apps/acme-production/addons', {attachment: {name: 'DATABASE'}, plan: 'heroku-postgresql:standard-0'}, 'addon-create'],
    ['PATCH', '/apps/acme-production/config-vars', {DATABASE_URL: null}, 'config-write'],
    ['POST', '/apps/acme-production/releases', {release: '12'}, 'rollback'],
    ['PUT', '/client/v11/databases/x/reset', undefined, 'database-write'],
    ['POST', '/client/v11/databases/x/restores', {}, 'database-write'],
    ['PUT', '/client/v11/databases/x/unfollow', undefined, 'database-write'],
    ['POST', '/client/v11/databases/x/upgrade/run', {}, 'database-write'],
    ['POST', '/data/postgres/v1/x/upgrade/run', {}, 'database-write'],
    ['POST', '/data/postgres/v1/x/migrations', {}, 'database-write'],
    ['POST', '/client/v11/databases/x/transfers', {to_url: 'postgres://h/db'}, 'transfer'],
    ['POST', '/postgres/v0/databases/x/credentials_rotation', {}, 'credentials'],
    ['POST', '/postgres/v0/databases/x/credentials/default/credentials_rotation', {}, 'credentials'],
    ['DELETE', '/postgres/v0/databases/x/credentials/analyst', undefined, 'credentials'],
    ['POST', '/data/postgres/v1/x/credentials/analyst/rotate', {}, 'credentials'],
    ['POST', '/data/postgres/v1/x/rotate_credentials', {}, 'credentials'],
    ['DELETE', '/data/postgres/v1/x/credentials/analyst', undefined, 'credentials'],
    ['POST', '/redis/v0/databases/redis-prod/credentials_rotation', {}, 'credentials'],
    ['POST', '/redis/v0/databases/redis-prod/upgrade', {version: '7.2'}, 'database-write'],
    ['PATCH', '/pipeline-couplings/c1', {stage: 'development'}, 'coupling'],
    ['DELETE', '/pipeline-couplings/c1', undefined, 'coupling'],
    ['DELETE', '/pipelines/p1', undefined, 'pipeline-delete'],
  ]
  for (const [method, path, body, kind] of effects) {
    it(`${method} ${path} is ${kind}`, function () {
      expect(classifyRequest({body, method, path})?.kind).to.equal(kind)
    })
  }

  const benign: Array<[string, string, unknown]> = [
    ['GET', '/apps/acme-production', undefined],
    ['PATCH', '/apps/acme-production/formation', {updates: [{quantity: 2, type: 'web'}]}],
    ['PATCH', '/apps/acme-production', {maintenance: true}],
    ['POST', '/apps/acme-production/releases', {slug: 's1'}],
    ['POST', '/client/v11/databases/x/backups', {}],
    ['POST', '/actions/addon-attachments/resolve', {addon_attachment: 'DATABASE'}],
    ['POST', '/apps/acme-production/dynos', {command: 'bash'}],
    ['POST', '/postgres/v0/databases/x/credentials', {name: 'analyst'}],
    ['PATCH', '/redis/v0/databases/redis-prod/config', {maxmemory_policy: 'noeviction'}],
  ]
  for (const [method, path, body] of benign) {
    it(`${method} ${path} has no effect the guard covers`, function () {
      expect(classifyRequest({body, method, path})).to.equal(undefined)
    })
  }

  it('reads the attachment name and the plan from the body, and decodes path segments', function () {
    expect(classifyRequest({body: {attachment: {name: 'database'}, plan: 'heroku-redis:mini'}, method: 'post', path: '/apps/acme%2Dproduction/addons?x=1'})).to.deep.equal({app: 'acme-production', kind: 'addon-create', name: 'database', plan: 'heroku-redis:mini'})
  })
})

describe('effects: credential endpoints', function () {
  const before = {DATABASE_URL: 'postgres://u:p@db1.example.com:5432/d1', FEATURE_X: '0', REDIS_URL: 'redis://:pw@r1.example.com:6379'}

  it('a flag, or a new password for the same database, changes no endpoint', function () {
    expect(changedEndpoints(before, applyConfig(before, {FEATURE_X: '1'}))).to.deep.equal([])
    expect(changedEndpoints(before, applyConfig(before, {DATABASE_URL: 'postgres://u2:p2@DB1.example.com:5432/d1'}))).to.deep.equal([])
  })

  it('re-pointing, unsetting or adding a credential var does', function () {
    expect(changedEndpoints(before, applyConfig(before, {DATABASE_URL: 'postgres://u:p@db2.example.com:5432/d1'}))).to.deep.equal(['DATABASE_URL'])
    expect(changedEndpoints(before, applyConfig(before, {REDIS_URL: null}))).to.deep.equal(['REDIS_URL'])
    expect(changedEndpoints(before, applyConfig(before, {OTHER_DB: 'mysql://u:p@m.example.com:3306/x'}))).to.deep.equal(['OTHER_DB'])
  })

  it('an HTTP URL without credentials is no credential', function () {
    expect(changedEndpoints(before, applyConfig(before, {API_BASE: 'https://api.example.com/v1'}))).to.deep.equal([])
  })
})

describe('effects: the override and coding agents', function () {
  const finding = {apps: ['acme-production'], what: 'x', why: []}

  it('the override covers exactly the one production app it names', function () {
    expect(overrideCovers([finding], 'acme-production')).to.equal('acme-production')
    for (const given of [undefined, 'acme-staging', '1', 'true', '*']) expect(overrideCovers([finding], given), String(given)).to.equal(undefined)
    expect(overrideCovers([finding, {...finding, apps: ['acme-eu']}], 'acme-production')).to.equal(undefined)
  })

  it('an agent is a known agent variable without a terminal', function () {
    expect(agentRun({CLAUDECODE: '1'}, false)).to.equal('CLAUDECODE')
    expect(agentRun({CLAUDECODE: '1'}, true)).to.equal(undefined)
    expect(agentRun({GEMINI_CLI: '1'}, undefined)).to.equal('GEMINI_CLI')
    expect(agentRun({CURSOR_AGENT: '0'}, false)).to.equal(undefined)
    expect(agentRun({}, false)).to.equal(undefined)
  })

  it('an agent sees no override to paste', function () {
    const text = 'refused\nTo proceed:\n  - To do this on purpose, allow that one app for this one command: HEROKU_STAGING_ALLOW_PRODUCTION=acme-production heroku pg:reset -a acme-production'
    const shown = forAgent(text, 'CLAUDECODE')
    expect(shown).to.not.contain('HEROKU_STAGING_ALLOW_PRODUCTION=')
    expect(shown).to.contain('heroku staging:allow acme-production --for 15m')
  })

  it('a consent covers its one app until it expires', async function () {
    const dir = await mkdtemp(path.join(tmpdir(), 'consent-'))
    try {
      const now = new Date('2026-12-07T12:00:00Z')
      await grantConsent(dir, 'acme-production', 15 * 60_000, now)
      expect(await hasConsent(dir, 'acme-production', new Date('2026-12-07T12:14:00Z'))).to.equal(true)
      expect(await hasConsent(dir, 'acme-production', new Date('2026-12-07T12:16:00Z'))).to.equal(false)
      expect(await hasConsent(dir, 'acme-staging', now)).to.equal(false)
      expect(await hasConsent(path.join(dir, 'none'), 'acme-production', now)).to.equal(false)
    } finally {
      await rm(dir, {force: true, recursive: true})
    }
  })

  it('parses consent durations', function () {
    expect(parseDuration('15m')).to.equal(900_000)
    expect(parseDuration('1h30m')).to.equal(5_400_000)
    for (const bad of ['', '0m', 'forever', '15']) expect(parseDuration(bad), bad).to.equal(undefined)
  })
})
