import {expect} from 'chai'

import {normalizeHost, sameHost} from '../../../../src/lib/snapshot/hosts.js'
import {credentialHosts, sameEndpoint} from '../../../../src/lib/snapshot/identity.js'

const HOST = 'ec2-52-1-2-3.compute-1.amazonaws.com'
const PW = 'p4ssw0rdPRODdb9f8e7d6c5b4a'
/** Production's database, as Heroku writes it. */
const PROD = `postgres://uprod:${PW}@${HOST}:5432/dprod01`

describe('hosts: one spelling, and equality by resolution', function () {
  it('normalises the ways an address is written', function () {
    for (const spelling of ['127.0.0.1', '127.1', '2130706433', '0x7f000001', '[::ffff:127.0.0.1]', '::ffff:7f00:1', 'LOCALHOST', '[::1]']) {
      expect(normalizeHost(spelling), spelling).to.equal('loopback')
    }

    expect(normalizeHost('10.1')).to.equal('10.0.0.1')
    expect(normalizeHost('::ffff:10.0.0.1')).to.equal('10.0.0.1')
    expect(normalizeHost('DB.Example.COM.')).to.equal('db.example.com')
  })

  it('treats a DNS alias as the same host, and names with no address in common as different', function () {
    const table = new Map([['alias.example.com', ['10.1.2.3']], ['db.example.com', ['10.1.2.3', '10.1.2.4']], ['other.example.com', ['10.9.9.9']]])
    expect(sameHost('alias.example.com', 'db.example.com', table)).to.equal(true)
    expect(sameHost('alias.example.com', '10.1.2.3', table)).to.equal(true)
    expect(sameHost('other.example.com', 'db.example.com', table)).to.equal(false)
    expect(sameHost('alias.example.com', 'db.example.com')).to.equal(false)
    expect(sameEndpoint('postgres://u@alias.example.com/d1', 'postgres://u@db.example.com:6000/d1', table)).to.equal(true)
    expect(sameEndpoint('postgres://u@alias.example.com/d2', 'postgres://u@db.example.com/d1', table)).to.equal(false)
  })

  it('lists the host names a load step resolves, never addresses or loopback', function () {
    expect(credentialHosts({A: PROD, B: 'postgres://u@127.1/d', C: 'redis://h:6379', D: 'postgres://u@10.0.0.1/d', PGDATABASE: 'x', PGHOST: 'pg.example.com'}))
      .to.deep.equal([HOST, 'h', 'pg.example.com'])
  })
})
