import {expect} from 'chai'

import {garbledRuns} from '../helpers/heroku-cli.js'
import {mochaHooks} from '../helpers/init.js'

describe('test harness: a heroku run that printed [object Object] fails its test', function () {
  it('fails, naming the run', function () {
    garbledRuns.push('heroku addons -a acme-staging')
    expect(() => mochaHooks.afterEach()).to.throw('printed [object Object]: heroku addons -a acme-staging')
    expect(garbledRuns).to.deep.equal([])
  })

  it('stays silent when no run printed one', function () {
    expect(() => mochaHooks.afterEach()).not.to.throw()
  })
})
