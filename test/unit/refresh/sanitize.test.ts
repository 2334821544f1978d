import {expect} from 'chai'

import {connectionSettings, runSanitize, SanitizeError} from '../../../src/lib/refresh/sanitize.js'
import {endpointOf} from '../../../src/lib/snapshot/identity.js'

describe('refresh: sanitize connection', function () {
  it('uses TLS to a remote host, with the URL parts decoded and its sslmode ignored', function () {
    expect(connectionSettings('postgres://u%40x:p%2Fw@ec2-1-2-3-4.compute-1.amazonaws.com:5433/d%20b?sslmode=disable')).to.deep.equal({
      database: 'd b',
      host: 'ec2-1-2-3-4.compute-1.amazonaws.com',
      password: 'p/w',
      port: 5433,
      ssl: {rejectUnauthorized: false},
      user: 'u@x',
    })
  })

  it('connects where the guards looked: libpq\'s query overrides win, as the identity parser reads them', function () {
    const url = 'postgres://u:p@ec2-1-2-3-4.compute-1.amazonaws.com:5432/db?host=ec2-9-9-9-9.compute-1.amazonaws.com&port=6432&dbname=other&sslmode=disable'
    const settings = connectionSettings(url)
    expect({database: settings.database, host: settings.host, port: settings.port}).to.deep.equal({database: 'other', host: 'ec2-9-9-9-9.compute-1.amazonaws.com', port: 6432})
    expect(endpointOf(url)).to.include({host: settings.host, path: settings.database})
  })

  it('reads a password holding a raw / or @ as the identity parser does', function () {
    const settings = connectionSettings('postgres://user:pa/ss@word@ec2-1-2-3-4.compute-1.amazonaws.com:5432/db')
    expect(settings).to.include({database: 'db', host: 'ec2-1-2-3-4.compute-1.amazonaws.com', password: 'pa/ss@word', user: 'user'})
  })

  it('refuses a value that is not a postgres URL, without printing it', function () {
    expect(() => connectionSettings('redis://h:secretpw@host:6379')).to.throw(SanitizeError).with.property('message').that.not.contains('secretpw')
  })

  for (const host of ['localhost', '127.0.0.1', '[::1]']) {
    it(`connects without TLS to ${host}`, function () {
      const settings = connectionSettings(`postgres://u:p@${host}/db`)
      expect(settings.ssl).to.equal(false)
      expect(settings.port).to.equal(5432)
    })
  }

  it('reports a connection failure without the password', async function () {
    // Port 9 (discard) on loopback: nothing listens there.
    const error = await runSanitize('postgres://u:supersecretpw@127.0.0.1:9/db', 'SELECT 1').then(() => undefined, (error_: unknown) => error_)
    expect(error).to.be.instanceOf(SanitizeError)
    expect((error as Error).message).to.contain('Could not connect').and.not.contain('supersecretpw')
  })
})
