import {expect} from 'chai'

import {credentialsOf} from '../../../../src/lib/snapshot/config-credentials.js'
import {maskCredential} from '../../../../src/lib/snapshot/mask-credential.js'

const HOST = 'ec2-52-1-2-3.compute-1.amazonaws.com'
const PW = 'p4ssw0rdPRODdb9f8e7d6c5b4a'

describe('credentials: masked evidence', function () {
  const values = [
    `jdbc:postgresql://${HOST}:5432/dprod01?user=uprod&password=${PW}`,
    `host=${HOST} port=5432 dbname=dprod01 user=uprod password=${PW}`,
    `postgresql+asyncpg://uprod:${PW}@${HOST}/dprod01`,
    `postgres://uprod:${PW}@h1:5432,${HOST}:5432/dprod01`,
    `{"url": "postgres://uprod:${PW}@${HOST}/dprod01"}`,
  ]
  for (const value of values) {
    it(`shows host and database but no password or user: ${value.slice(0, 24)}…`, function () {
      const masked = credentialsOf({X: value}).map(c => maskCredential(c)).join(' ')
      expect(masked).to.contain(HOST).and.to.contain('dprod01')
      expect(masked).to.not.contain(PW)
      expect(masked).to.not.contain('uprod')
    })
  }

  it('masks split variables the same way', function () {
    const masked = credentialsOf({PGDATABASE: 'dprod01', PGHOST: HOST, PGPASSWORD: PW, PGUSER: 'uprod'}).map(c => maskCredential(c)).join('')
    expect(masked).to.equal(`PGHOST+PGDATABASE+PGUSER+PGPASSWORD: postgres://u***:****@${HOST}:5432/dprod01`)
  })
})
