import {expect} from 'chai'

import {appReaching, endpointKey, endpointOf, isPostgresUrl, sameEndpoint} from '../../../../src/lib/snapshot/identity.js'

const HOST = 'ec2-52-1-2-3.compute-1.amazonaws.com'
const BASE = `postgres://u1:p1@${HOST}:5432/d1`

/** Pairs that reach the same physical database or service. */
const EQUAL: Array<[string, string, string]> = [
  ['identical', BASE, BASE],
  ['user and password differ', BASE, `postgres://reader:other@${HOST}:5432/d1`],
  ['no credentials at all', BASE, `postgres://${HOST}:5432/d1`],
  ['query differs (?pool=25)', BASE, `${BASE}?pool=25`],
  ['query differs (?sslmode=require)', `${BASE}?sslmode=prefer`, `${BASE}?sslmode=require`],
  ['postgres vs postgresql', BASE, `postgresql://u1:p1@${HOST}:5432/d1`],
  ['default port omitted', BASE, `postgres://u1:p1@${HOST}/d1`],
  ['host case', BASE, `postgres://u1:p1@${HOST.toUpperCase()}:5432/d1`],
  ['trailing dot on the host', BASE, `postgres://u1:p1@${HOST}.:5432/d1`],
  ['trailing slash on the path', BASE, `${BASE}/`],
  ['percent-encoded database name', 'postgres://u:p@h:5432/my%20db', 'postgres://u:p@h:5432/my db'],
  ['scheme case', BASE, `POSTGRES://u1:p1@${HOST}:5432/d1`],
  ['surrounding whitespace', BASE, ` ${BASE} `],
  ['redis: empty path is db 0', 'redis://:a@r.example.com:6379', 'redis://:b@r.example.com:6379/0'],
  ['redis: default port', 'redis://:a@r.example.com/2', 'redis://h:b@r.example.com:6379/2'],
  ['rediss vs redis, same port', 'rediss://:a@r.example.com:6380', 'redis://:b@r.example.com:6380'],
  ['amqp: default port and credentials', 'amqp://a:b@mq.example.com/vhost', 'amqp://c:d@mq.example.com:5672/vhost'],
  ['amqps vs amqp on 5671', 'amqps://a:b@mq.example.com/vhost', 'amqp://c:d@mq.example.com:5671/vhost'],
  ['https: default port', 'https://u:p@es.example.com/', 'https://v:q@es.example.com:443'],
  ['loopback names', 'postgres://u:p@localhost/d', 'postgres://u:p@127.0.0.1:5432/d'],
  ['mysql vs mysql2', 'mysql://u:p@m.example.com/app', 'mysql2://v:q@m.example.com:3306/app'],
  ['postgres on another port of the same host and database (the pooler)', BASE, `postgres://u1:p1@${HOST}:6000/d1`],
]

/** Pairs that reach different databases or services. */
const UNEQUAL: Array<[string, string, string]> = [
  ['different database name', BASE, `postgres://u1:p1@${HOST}:5432/d2`],
  ['different host', BASE, 'postgres://u1:p1@ec2-52-1-2-4.compute-1.amazonaws.com:5432/d1'],
  ['redis on another port of the same host', 'redis://:a@r.example.com:6379/0', 'redis://:a@r.example.com:6380/0'],
  ['redis db index', 'redis://:a@r.example.com:6379/0', 'redis://:a@r.example.com:6379/1'],
  ['rediss on another port', 'rediss://:a@r.example.com:6380', 'rediss://:a@r.example.com:6379'],
  ['amqp vhost', 'amqp://a:b@mq.example.com/v1', 'amqp://a:b@mq.example.com/v2'],
  ['http vs https (ports 80/443)', 'http://es.example.com/', 'https://es.example.com/'],
  ['https path', 'https://es.example.com/index-a', 'https://es.example.com/index-b'],
  ['postgres vs redis on the same host and port', 'postgres://u:p@h.example.com:6379/0', 'redis://:p@h.example.com:6379/0'],
  ['not a URL', 'plain-value', 'plain-value'],
  ['empty', '', ''],
  ['undefined', BASE, undefined as unknown as string],
]

describe('snapshot identity: sameEndpoint', function () {
  describe('equal pairs', function () {
    for (const [name, a, b] of EQUAL) {
      it(name, function () {
        expect(sameEndpoint(a, b), `${a} vs ${b}`).to.equal(true)
        expect(sameEndpoint(b, a), 'symmetric').to.equal(true)
        expect(endpointKey(a)).to.equal(endpointKey(b))
      })
    }
  })

  describe('unequal pairs', function () {
    for (const [name, a, b] of UNEQUAL) {
      it(name, function () {
        expect(sameEndpoint(a, b), `${a} vs ${b}`).to.equal(false)
        expect(sameEndpoint(b, a), 'symmetric').to.equal(false)
      })
    }
  })

  it('parses an endpoint without keeping the credentials', function () {
    const endpoint = endpointOf(`postgresql://user:secret-pw@${HOST.toUpperCase()}/db1?pool=25`)
    expect(endpoint).to.deep.equal({family: 'postgres', host: HOST, path: 'db1', port: 5432})
    expect(JSON.stringify(endpoint)).to.not.contain('secret-pw')
  })

  it('recognises Postgres URLs only', function () {
    expect(isPostgresUrl('postgis://u:p@h/d')).to.equal(true)
    expect(isPostgresUrl('redis://h')).to.equal(false)
    expect(isPostgresUrl(undefined)).to.equal(false)
  })
})

describe('snapshot identity: appReaching', function () {
  const apps: Array<{configVars: Record<string, string>; name: string}> = [
    {configVars: {REDIS_URL: 'redis://:pw@redis-host:6379'}, name: 'cache-app'},
    {configVars: {DATABASE_URL: 'postgres://u:pw@db-host:5432/prod'}, name: 'acme-production'},
  ]

  it('finds the app whose config reaches the same database, whatever the user, port spelling or scheme', function () {
    expect(appReaching(apps, 'postgresql://other:x@DB-HOST/prod?sslmode=require')?.name).to.equal('acme-production')
  })

  it('finds none for another database on the same host, or no URL', function () {
    expect(appReaching(apps, 'postgres://u:pw@db-host:5432/staging')).to.equal(undefined)
    expect(appReaching(apps, undefined)).to.equal(undefined)
  })
})
