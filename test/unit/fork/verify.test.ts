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
