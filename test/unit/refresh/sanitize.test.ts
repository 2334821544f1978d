import {expect} from 'chai'

import {connectionSettings, runSanitize, SanitizeError} from '../../../src/lib/refresh/sanitize.js'

describe('refresh: sanitize connection', function () {
  it('uses TLS to a remote host, with the URL parts decoded and its query ignored', function () {
    expect(connectionSettings('postgres://u%40x:p%2Fw@ec2-1-2-3-4.compute-1.amazonaws.com:5433/d%20b?sslmode=disable')).to.deep.equal({
      database: 'd b',
      host: 'ec2-1-2-3-4.compute-1.amazonaws.com',
      password: 'p/w',
      port: 5433,
      ssl: {rejectUnauthorized: false},
      user: 'u@x',
    })
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
