import {expect} from 'chai'

import {buildClassifyContext, classifyTarget, RefusalCode} from '../../../src/lib/classify/classify.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {PROD_DB_HOST, productionSnapshot} from '../../fixtures/snapshots.js'

/** The guard (staging:refresh and the prerun hook) decides with the same credential model as the audit. */
function codesFor(url: string, production: AppSnapshot = productionSnapshot(), hosts?: Record<string, string[]>): string[] {
  const context = buildClassifyContext({production: [production], targets: hosts ? [{hosts}] : []})
  return classifyTarget({following: null, url}, context).refusals.map(r => r.code)
}

describe('guard: physical identity in every form', function () {
  it('refuses a target URL spelled with ?dbname= (or ?host=) that reaches production', function () {
    expect(codesFor(`postgres://u:p@${PROD_DB_HOST}:5432/other?dbname=dprod01`)).to.include(RefusalCode.SameDatabaseAsProduction)
    expect(codesFor(`postgres://u:p@elsewhere.example.com:5432/dprod01?host=${PROD_DB_HOST}`)).to.include(RefusalCode.SameDatabaseAsProduction)
    expect(codesFor(`postgres://u:p@${PROD_DB_HOST}:6000/dprod01`)).to.include(RefusalCode.SameDatabaseAsProduction)
  })

  it('lets another database on the same host through (as far as production goes)', function () {
    expect(codesFor(`postgres://u:p@${PROD_DB_HOST}:5432/dprod01?dbname=dstaging`)).to.not.include(RefusalCode.SameDatabaseAsProduction)
  })

  it('compares against production credentials in every form: JDBC, key/value, split variables', function () {
    const base = productionSnapshot()
    const {DATABASE_URL: _, ...rest} = base.configVars
    const forms: Array<Record<string, string>> = [
      {JDBC_DATABASE_URL: 'jdbc:postgresql://pg9.example.com:5432/dnine?user=u&password=p'},
      {DATABASE_DSN: 'host=pg9.example.com dbname=dnine'},
      {PGDATABASE: 'dnine', PGHOST: 'pg9.example.com'},
    ]
    for (const vars of forms) {
      const production: AppSnapshot = {...base, configVars: {...rest, ...vars}}
      expect(codesFor('postgres://u:p@pg9.example.com/dnine', production), JSON.stringify(vars)).to.include(RefusalCode.SameDatabaseAsProduction)
      expect(codesFor('postgres://u:p@pg9.example.com/dother', production), JSON.stringify(vars)).to.not.include(RefusalCode.SameDatabaseAsProduction)
    }
  })

  it('refuses a DNS alias of production\'s host, and an unresolvable host naming production\'s database as unverifiable', function () {
    const production = {...productionSnapshot(), hosts: {[PROD_DB_HOST]: ['52.1.2.3']}}
    expect(codesFor('postgres://u:p@alias.example.com/dprod01', production, {'alias.example.com': ['52.1.2.3']})).to.include(RefusalCode.SameDatabaseAsProduction)
    expect(codesFor('postgres://u:p@alias.example.com/dprod01', production, {'alias.example.com': []})).to.include(RefusalCode.Unverifiable)
    expect(codesFor('postgres://u:p@alias.example.com/dprod01', production, {'alias.example.com': ['10.9.9.9']})).to.deep.equal([RefusalCode.NotHerokuPostgres])
  })
})

describe('identity: ADO.NET connection strings (Npgsql, SqlClient)', function () {
  it('reads Npgsql strings to production\'s database, whoever logs in, in any key case', function () {
    for (const value of [
      `Host=${PROD_DB_HOST};Port=5432;Database=dprod01;Username=analyst;Password=OtherRolePw0123456`,
      `host=${PROD_DB_HOST};database=dprod01;user id=u;pwd=p;SSL Mode=Require`,
      `Server=${PROD_DB_HOST}:5432;Database="dprod01";User=u;Password=p`,
    ]) expect(codesFor(value), value).to.include(RefusalCode.SameDatabaseAsProduction)
  })

  it('stays silent for another database, and for a SQL Server catalog of the same name', function () {
    expect(codesFor(`Host=${PROD_DB_HOST};Database=dstaging;Username=u;Password=p`)).to.not.include(RefusalCode.SameDatabaseAsProduction)
    expect(codesFor(`Server=tcp:${PROD_DB_HOST},1433;Initial Catalog=dprod01;User ID=u;Password=p`)).to.not.include(RefusalCode.SameDatabaseAsProduction)
  })
})
