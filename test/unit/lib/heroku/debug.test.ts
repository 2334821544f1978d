import {expect} from 'chai'

import {debugBody} from '../../../../src/lib/heroku/debug.js'

describe('heroku: the client\'s own debug lines (src/lib/heroku/debug.ts)', function () {
  it('hides every config var value, whatever its name or case, and masks URLs', function () {
    const body = {DATABASE_URL: 'postgres://u:p@ss/w@db.example.com:5432/d1', SHORT: 'pin1', api_secret: 'x\'y"z', MixedName: '-----BEGIN KEY-----\nabc\n-----END KEY-----'}
    expect(debugBody('/apps/123/config-vars', body)).to.deep.equal({DATABASE_URL: 'postgres://u***:****@db.example.com:5432/d1', SHORT: '<hidden>', api_secret: '<hidden>', MixedName: '<hidden>'})
  })

  it('shows names, ids and states of other bodies, and hides any other string', function () {
    const body = [{addon: {id: 'a1', name: 'acme-db'}, command: 'bin/start --key=abc123', config_vars: ['DATABASE_URL'], name: 'DATABASE', password: 'hunter22', state: 'provisioned'}]
    expect(debugBody('/apps/123/addon-attachments', body)).to.deep.equal([{addon: {id: 'a1', name: 'acme-db'}, command: '<hidden>', config_vars: ['DATABASE_URL'], name: 'DATABASE', password: '<hidden>', state: 'provisioned'}])
  })
})
