import {expect} from 'chai'

import {UsageError} from '../../../src/lib/errors.js'
import {forkOptions, resumeCommand} from '../../../src/lib/fork/options.js'

describe('fork options', function () {
  it('defaults --to to <from>-staging and parses repeatable KEY=VALUE flags', function () {
    const options = forkOptions({
      'exclude-config': ['A', 'A'],
      from: 'acme',
      plan: ['heroku-postgresql=essential-1'],
      scale: ['worker=2'],
      set: ['SECRET=a=b', 'EMPTY='],
      'share-addon': ['REDIS'],
    })
    expect(options).to.deep.include({excludeConfig: ['A'], from: 'acme', to: 'acme-staging'})
    expect(options.plans).to.deep.equal({'heroku-postgresql': 'essential-1'})
    expect(options.set).to.deep.equal({EMPTY: '', SECRET: 'a=b'})
    expect(options.scale).to.deep.equal({worker: 2})
    expect(options.shareAddons).to.deep.equal(['REDIS'])
  })

  it('rejects malformed flags with the way to write them', function () {
    for (const flags of [{plan: ['heroku-postgresql']}, {set: ['=x']}, {set: ['BAD-KEY=x']}, {scale: ['web=two']}, {'exclude-config': ['A B']}]) {
      expect(() => forkOptions({from: 'acme', ...flags}), JSON.stringify(flags)).to.throw(UsageError)
    }
  })

  it('builds the resume command without --set values', function () {
    const command = resumeCommand({from: 'acme', plan: ['heroku-redis=mini'], set: ['SECRET_KEY_BASE=very-secret'], 'skip-data': true, to: 'acme-qa'})
    expect(command).to.equal('heroku staging:fork --from acme --to acme-qa --plan heroku-redis=mini --set SECRET_KEY_BASE=… --data none')
    expect(command).not.to.contain('very-secret')
  })

  it('reads --data, with --skip-data as the alias of --data none', function () {
    expect(forkOptions({from: 'acme'}).data).to.equal(undefined)
    expect(forkOptions({data: 'fork', from: 'acme'}).data).to.equal('fork')
    expect(forkOptions({from: 'acme', 'skip-data': true}).data).to.equal('none')
    expect(forkOptions({data: 'none', from: 'acme', 'skip-data': true}).data).to.equal('none')
    expect(() => forkOptions({data: 'fork', from: 'acme', 'skip-data': true})).to.throw(UsageError, 'contradict')
    expect(() => forkOptions({data: 'clone', from: 'acme'})).to.throw(UsageError, 'expected one of copy, fork, none')
  })
})
