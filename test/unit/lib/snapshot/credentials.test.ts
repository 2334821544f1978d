import {expect} from 'chai'

import {parseKeyValue} from '../../../../src/lib/snapshot/credentials.js'
import {endpointsOf, sameEndpoint} from '../../../../src/lib/snapshot/identity.js'

const HOST = 'ec2-52-1-2-3.compute-1.amazonaws.com'
const PW = 'p4ssw0rdPRODdb9f8e7d6c5b4a'
/** Production's database, as Heroku writes it. */
const PROD = `postgres://uprod:${PW}@${HOST}:5432/dprod01`

/**
 * Every form a credential is written in, each twice: reaching production's database (same), and
 * the same form with one thing changed so it reaches another database (different). Nothing may
 * over-match: the same host with another database name is another database.
 */
const FORMS: Array<{different: string; name: string; same: string}> = [
  {different: `postgres://uprod:x@${HOST}:5432/dstaging`, name: 'plain URL', same: `postgresql://other:x@${HOST.toUpperCase()}/dprod01?sslmode=require`},
  {different: `jdbc:postgresql://${HOST}:5432/dother?user=uprod&password=${PW}`, name: 'JDBC URL', same: `jdbc:postgresql://${HOST}:5432/dprod01?user=uprod&password=${PW}&sslmode=require`},
  {different: `host=${HOST} port=5432 dbname=dother user=uprod password=${PW}`, name: 'libpq key/value', same: `host=${HOST} port=5432 dbname=dprod01 user=uprod password=${PW} sslmode=require`},
  {different: `host = '${HOST}' dbname = 'd prod'`, name: 'libpq key/value, quoted values', same: `host = '${HOST}' dbname = 'dprod01' password = 'a \\' b'`},
  {different: `postgresql+psycopg2://uprod:${PW}@${HOST}/dother`, name: 'SQLAlchemy postgresql+psycopg2', same: `postgresql+psycopg2://uprod:${PW}@${HOST}/dprod01`},
  {different: `postgresql+asyncpg://uprod:${PW}@${HOST}/dother`, name: 'SQLAlchemy postgresql+asyncpg', same: `postgresql+asyncpg://uprod:${PW}@${HOST}:5432/dprod01`},
  {different: `ecto://uprod:${PW}@${HOST}/dother`, name: 'Ecto ecto://', same: `ecto://uprod:${PW}@${HOST}/dprod01`},
  {different: `postgres://u:p@h1.example.com:5432,h2.example.com:5432/dprod01`, name: 'multi-host URL', same: `postgres://u:p@h1.example.com:5432,${HOST}:5433/dprod01`},
  {different: `postgres://u:p@${HOST}:5432/dprod01?host=other.example.com`, name: '?host= overrides the authority', same: `postgres://u:p@other.example.com:5432/dprod01?host=${HOST}`},
  {different: `postgres://u:p@${HOST}:5432/dprod01?hostaddr=10.9.9.9`, name: '?hostaddr= is where libpq connects', same: `postgres://u:p@other.example.com/dprod01?hostaddr=10.1.2.3`},
  {different: `postgres://u:p@${HOST}:5432/dprod01?dbname=dother`, name: '?dbname= overrides the path', same: `postgres://u:p@${HOST}:5432/dstaging?dbname=dprod01`},
  {different: `postgres://u:p@${HOST}:5432/dother?port=6000`, name: '?port= (a pooler port) still the same database', same: `postgres://u:p@${HOST}/dprod01?port=6000`},
  {different: `postgres://u:p@127.0.0.2:5432/dprod01`, name: 'IP written another way (127.1, decimal, mapped IPv6)', same: 'postgres://u:p@2130706433:5432/dprod01'},
  {different: `{"primary": {"url": "postgres://u:p@${HOST}/dother"}}`, name: 'URL inside a JSON value', same: `{"primary": {"url": "postgres://u:p@${HOST}/dprod01"}, "pool": 5}`},
  {different: `{"host": "${HOST}", "port": 5432, "database": "dother"}`, name: 'JSON object with host and database', same: `{"host": "${HOST}", "port": 5432, "database": "dprod01", "password": "x"}`},
]

describe('credentials: every form, both outcomes', function () {
  for (const form of FORMS) {
    const production = form.name.startsWith('IP') ? 'postgres://u:p@127.1/dprod01' : form.name.startsWith('?hostaddr') ? 'postgres://u:p@10.1.2.3/dprod01' : PROD
    it(`${form.name}: the same database`, function () {
      expect(sameEndpoint(form.same, production), form.same).to.equal(true)
      expect(sameEndpoint(production, form.same), 'symmetric').to.equal(true)
    })

    it(`${form.name}: another database`, function () {
      expect(sameEndpoint(form.different, production), form.different).to.equal(false)
      expect(sameEndpoint(production, form.different), 'symmetric').to.equal(false)
    })
  }

  it('gives every host of a multi-host URL (and of ?host= lists) as an endpoint', function () {
    expect(endpointsOf('postgres://u:p@h1:5432,h2:5433/db').map(e => `${e.host}:${e.port}`)).to.deep.equal(['h1:5432', 'h2:5433'])
    expect(endpointsOf('postgres://u:p@x/db?host=h1,h2&port=5432,5433').map(e => `${e.host}:${e.port}`)).to.deep.equal(['h1:5432', 'h2:5433'])
    expect(endpointsOf('host=h1,h2 port=5432 dbname=db').map(e => `${e.host}:${e.port}`)).to.deep.equal(['h1:5432', 'h2:5432'])
  })

  it('takes the database from the user when none is named, as libpq does', function () {
    expect(endpointsOf(`postgres://dprod01:x@${HOST}`)[0]?.path).to.equal('dprod01')
    expect(sameEndpoint(`postgres://dprod01:x@${HOST}`, PROD)).to.equal(true)
    expect(sameEndpoint(`postgres://someone:x@${HOST}`, PROD)).to.equal(false)
  })

  it('reads no file and prints no warning for ssl parameters (only identity keys reach pg-connection-string)', async function () {
    const warnings: string[] = []
    const onWarning = (warning: Error): void => {
      warnings.push(warning.message)
    }

    process.on('warning', onWarning)
    try {
      expect(sameEndpoint(`postgres://u:p@${HOST}/dprod01?sslmode=require&sslrootcert=/nonexistent/ca.pem&sslcert=/nonexistent/c.pem`, PROD)).to.equal(true)
      // process.emitWarning reports on a later tick.
      await new Promise(resolve => {
        setImmediate(resolve)
      })
    } finally {
      process.off('warning', onWarning)
    }

    expect(warnings).to.deep.equal([])
  })

  it('is not fooled by things that are not credentials', function () {
    for (const value of ['host=', 'hello world', 'foo=bar baz=qux', '{"host": "x"}', '[1, 2]', 'not json {', 'https://example.com/path']) {
      expect(sameEndpoint(value, PROD), value).to.equal(false)
    }

    expect(parseKeyValue('foo=bar')).to.equal(undefined)
    expect(parseKeyValue("host=h password='a \\'b' dbname=d")?.get('password')).to.equal("a 'b")
  })
})
