import {expect} from 'chai'

import {databaseNames, resolveDatabase, splitAppPrefix} from '../../../src/lib/classify/resolve.js'
import {attachment, PROD, PROD_DB_URL, STAGING, STAGING_DB_URL, staging} from './fixtures.js'

const ROSE_URL = 'postgres://urose:rosesecretpassword@ec2-3-3-3-3.compute-1.amazonaws.com:5432/drose'

function withRose() {
  return staging({
    attachments: [
      attachment({addon: 'postgresql-staging-1', addonId: 'addon-staging-db', app: STAGING, name: 'DATABASE'}),
      attachment({addon: 'postgresql-rose-1', addonId: 'addon-rose', app: STAGING, name: 'HEROKU_POSTGRESQL_ROSE'}),
      attachment({addon: 'redis-1', addonId: 'addon-redis', app: STAGING, name: 'REDIS', service: 'heroku-redis'}),
    ],
    configVars: {DATABASE_URL: STAGING_DB_URL, HEROKU_POSTGRESQL_ROSE_URL: ROSE_URL, REDIS_URL: 'redis://h:p@r:6379'},
  })
}

describe('guard: resolveDatabase', function () {
  const cases: Array<[string, string | undefined, string | undefined]> = [
    ['DATABASE', 'DATABASE', 'DATABASE_URL'],
    ['DATABASE_URL', 'DATABASE', 'DATABASE_URL'],
    ['database_url', 'DATABASE', 'DATABASE_URL'],
    ['HEROKU_POSTGRESQL_ROSE', 'HEROKU_POSTGRESQL_ROSE', 'HEROKU_POSTGRESQL_ROSE_URL'],
    ['HEROKU_POSTGRESQL_ROSE_URL', 'HEROKU_POSTGRESQL_ROSE', 'HEROKU_POSTGRESQL_ROSE_URL'],
    ['ROSE', 'HEROKU_POSTGRESQL_ROSE', 'HEROKU_POSTGRESQL_ROSE_URL'],
    ['postgresql-rose-1', 'HEROKU_POSTGRESQL_ROSE', 'HEROKU_POSTGRESQL_ROSE_URL'],
    ['REDIS', 'REDIS', 'REDIS_URL'],
  ]
  for (const [name, wantAttachment, wantVar] of cases) {
    it(`resolves ${name}`, function () {
      const target = resolveDatabase(withRose(), name)
      expect(target?.attachment).to.equal(wantAttachment)
      expect(target?.configVar).to.equal(wantVar)
      expect(target?.app?.name).to.equal(STAGING.name)
    })
  }

  it('returns undefined for an unknown name', function () {
    expect(resolveDatabase(withRose(), 'NOPE')).to.equal(undefined)
  })

  it('resolves a plain config var copying an attachment URL to that attachment, by physical identity', function () {
    const snap = staging({
      attachments: [attachment({addon: 'postgresql-rose-1', addonId: 'addon-rose', app: STAGING, name: 'HEROKU_POSTGRESQL_ROSE'})],
      configVars: {DATABASE_URL: ROSE_URL.replace('rosesecretpassword', 'other'), HEROKU_POSTGRESQL_ROSE_URL: ROSE_URL},
    })
    const target = resolveDatabase(snap, 'DATABASE')
    expect(target?.addon?.id).to.equal('addon-rose')
    expect(target?.configVar).to.equal('DATABASE_URL')
  })

  it('resolves a plain config var reaching nothing attached to a bare URL target', function () {
    const snap = staging({attachments: [], configVars: {DATABASE_URL: PROD_DB_URL}})
    const target = resolveDatabase(snap, 'DATABASE')
    expect(target?.addon).to.equal(undefined)
    expect(target?.url).to.equal(PROD_DB_URL)
    expect(target?.configVar).to.equal('DATABASE_URL')
  })

  it('resolves a postgres:// URL to the attachment reaching it, or to a bare URL', function () {
    expect(resolveDatabase(withRose(), ROSE_URL)?.addon?.id).to.equal('addon-rose')
    expect(resolveDatabase(withRose(), 'postgres://x:y@elsewhere:5432/db')?.addon).to.equal(undefined)
  })

  it('lists the database names', function () {
    expect(databaseNames(withRose())).to.deep.equal(['DATABASE', 'HEROKU_POSTGRESQL_ROSE'])
  })

  it('splits APP::NAME but not URLs', function () {
    expect(splitAppPrefix(`${PROD.name}::DATABASE`)).to.deep.equal({app: PROD.name, name: 'DATABASE'})
    expect(splitAppPrefix('DATABASE')).to.deep.equal({name: 'DATABASE'})
    expect(splitAppPrefix('postgres://a::b@h/d')).to.deep.equal({name: 'postgres://a::b@h/d'})
  })
})
