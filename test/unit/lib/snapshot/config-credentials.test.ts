import {expect} from 'chai'

import {credentialsOf} from '../../../../src/lib/snapshot/config-credentials.js'
import {appReaching} from '../../../../src/lib/snapshot/identity.js'

const HOST = 'ec2-52-1-2-3.compute-1.amazonaws.com'
const PW = 'p4ssw0rdPRODdb9f8e7d6c5b4a'
/** Production's database, as Heroku writes it. */
const PROD = `postgres://uprod:${PW}@${HOST}:5432/dprod01`

describe('credentials: split variables', function () {
  const reaches = (vars: Record<string, string>): boolean => appReaching([{configVars: vars}], PROD) !== undefined

  const GROUPS: Array<{different: Record<string, string>; name: string; same: Record<string, string>}> = [
    {different: {PGDATABASE: 'dother', PGHOST: HOST}, name: 'PGHOST + PGDATABASE', same: {PGDATABASE: 'dprod01', PGHOST: HOST, PGPASSWORD: PW, PGPORT: '5432', PGUSER: 'uprod'}},
    {different: {PGHOST: HOST, PGUSER: 'someone'}, name: 'PGHOST + PGUSER (the database defaults to the user)', same: {PGHOST: HOST, PGUSER: 'dprod01'}},
    {different: {DB_HOST: HOST, DB_NAME: 'dother'}, name: 'DB_HOST + DB_NAME', same: {DB_HOST: HOST, DB_NAME: 'dprod01', DB_PASSWORD: PW, DB_PORT: '6000'}},
    {different: {DATABASE_HOST: 'other.example.com', DATABASE_NAME: 'dprod01'}, name: 'DATABASE_HOST + DATABASE_NAME', same: {DATABASE_HOST: HOST, DATABASE_NAME: 'dprod01'}},
    {different: {POSTGRES_DB: 'dother', POSTGRES_HOST: HOST}, name: 'POSTGRES_HOST + POSTGRES_DB', same: {POSTGRES_DB: 'dprod01', POSTGRES_HOST: HOST}},
    {different: {ANALYTICS_DB_HOST: HOST, ANALYTICS_DB_NAME: 'dother'}, name: 'ANALYTICS_DB_HOST + ANALYTICS_DB_NAME', same: {ANALYTICS_DB_HOST: HOST, ANALYTICS_DB_NAME: 'dprod01'}},
  ]
  for (const group of GROUPS) {
    it(`${group.name}: the same database`, function () {
      expect(reaches(group.same)).to.equal(true)
    })

    it(`${group.name}: another database`, function () {
      expect(reaches(group.different)).to.equal(false)
    })
  }

  it('combines one group into one credential, host first, and reaches production through appReaching', function () {
    const [credential] = credentialsOf({PGDATABASE: 'dprod01', PGHOST: HOST, PGPASSWORD: PW, PGUSER: 'uprod'})
    expect(credential?.vars).to.deep.equal(['PGHOST', 'PGDATABASE', 'PGUSER', 'PGPASSWORD'])
    expect(appReaching([{configVars: {PGDATABASE: 'dprod01', PGHOST: HOST}, name: 'p'}], PROD)?.name).to.equal('p')
  })

  it('needs a host and a database, and a database word in the prefix', function () {
    expect(credentialsOf({PGHOST: HOST})).to.deep.equal([])
    expect(credentialsOf({DB_NAME: 'dprod01'})).to.deep.equal([])
    expect(credentialsOf({APP_HOST: HOST, APP_NAME: 'dprod01'})).to.deep.equal([])
  })
})
