import {expect} from 'chai'

import {renderVerification} from '../../../src/lib/fork/render.js'
import {summarizeDatabase, verifyForkSnapshot} from '../../../src/lib/fork/verify.js'
import {ADDONS, attachment, fork, PROD_DB_URL, production} from './fixtures.js'

describe('fork verification', function () {
  it('names the add-on DATABASE_URL belongs to, its owner and both Postgres versions', function () {
    const target = fork()
    const own = target.attachments[0]?.addon
    target.databases[own?.id ?? ''] = {addonId: own?.id ?? '', addonName: own?.name ?? '', following: null, majorVersion: '16'}
    expect(summarizeDatabase(target, production())).to.deep.equal({
      addon: 'postgresql-new-99999',
      attachment: 'DATABASE',
      ownedByFork: true,
      owner: 'acme-production-staging',
      productionVersion: '16',
      reachesProduction: false,
      version: '16',
    })
  })

  it('is critical when DATABASE_URL reaches production (the seed incident), silent when it does not', function () {
    const incident = fork()
    incident.attachments = [attachment('x', 'HEROKU_POSTGRESQL_ROSE', incident.attachments[0]!.addon)]
    incident.configVars.DATABASE_URL = PROD_DB_URL.replace('prodDbPassw0rd1', 'another-password')
    const bad = verifyForkSnapshot(incident, production())
    expect(bad.database).to.deep.include({attachment: undefined, reachesProduction: true})
    expect(bad.critical).to.be.greaterThan(0)
    expect(bad.findings.map(f => f.code)).to.include('SHARED_DATABASE')
    expect(verifyForkSnapshot(fork(), production()).critical).to.equal(0)
  })

  it('is critical when DATABASE_URL belongs to an add-on the fork does not own', function () {
    const shared = fork()
    shared.attachments = [attachment('y', 'DATABASE', ADDONS.pg)]
    shared.configVars.DATABASE_URL = 'postgres://other:pw@ec2-7-7-7-7.compute-1.amazonaws.com:5432/elsewhere'
    const verification = verifyForkSnapshot(shared, production())
    expect(verification.database).to.deep.include({owner: 'acme-production', ownedByFork: false})
    expect(verification.critical).to.be.greaterThan(0)
    expect(renderVerification('acme-production-staging', verification).join('\n')).to.contain('(NOT the fork)')
  })
})

describe('fork verification: every production app of the account', function () {
  const BILLING_DB_URL = 'postgres://ubill:billPassw0rd9@ec2-9-8-7-6.compute-1.amazonaws.com:5432/d8billing'
  function billing(): ReturnType<typeof production> {
    const app = production()
    return {...app, app: {...app.app, id: 'ffff0000-0000-4000-8000-00000000b111', name: 'billing-production'}, attachments: [], configVars: {DATABASE_URL: BILLING_DB_URL}}
  }

  it('is critical when the fork reaches another production app\'s database, naming it; silent without that app', function () {
    const target = fork()
    target.configVars.BILLING_DATABASE_URL = BILLING_DB_URL
    const account = [production(), billing()]
    const verification = verifyForkSnapshot(target, production(), account)
    expect(verification.critical).to.be.greaterThan(0)
    expect(verification.findings.filter(f => f.severity === 'critical').map(f => [f.code, f.configVars, f.production])).to.deep.include(['SHARED_DATABASE', ['BILLING_DATABASE_URL'], ['billing-production']])
    expect(verifyForkSnapshot(target, production(), [production()]).critical).to.equal(0)
  })

  it('is critical when DATABASE_URL itself reaches another production app\'s database', function () {
    const target = fork()
    target.configVars.DATABASE_URL = BILLING_DB_URL.replace('billPassw0rd9', 'rotated')
    expect(summarizeDatabase(target, production(), [billing()]).reachesProduction).to.equal(true)
    expect(summarizeDatabase(target, production(), []).reachesProduction).to.equal(false)
  })
})
