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

describe('fork options: errors never echo a value that may be secret (review item 8)', function () {
  /** Values typed in the wrong place: vendor keys, URLs with credentials or tokens, random tokens, short passwords, text with spaces. */
  const values = [
    'sk_live_51HcQz8AbCdEfGhIjKlMnOpQr',
    'postgres://u:Pw0rdSecret99@db.example.com:5432/d8prod',
    'https://hooks.slack.com/services/T024BE7LD/B08A1FZLK/abc',
    'Zx81kLmq0PpR2sTuVw3y',
    'hunter2x',
    'my secret phrase',
    'key with=equals',
  ]
  const flagSets: Array<(value: string) => Record<string, string[]>> = [
    value => ({set: [value]}),
    value => ({set: [`${value}=x`]}),
    value => ({'copy-config': [value]}),
    value => ({'exclude-config': [value]}),
    value => ({plan: [value]}),
    value => ({scale: [value]}),
    value => ({scale: [`web=${value}`]}),
  ]
  for (const value of values) {
    it(`hides ${value.slice(0, 24)}… in every malformed flag`, function () {
      for (const flags of flagSets) {
        let error: unknown
        try {
          forkOptions({from: 'acme', ...flags(value)})
        } catch (caught) {
          error = caught
        }

        // A value that happens to parse (e.g. `key with=equals` under --set) raises nothing to echo.
        if (error === undefined) continue
        expect(error, JSON.stringify(flags(value))).to.be.instanceOf(UsageError)
        const {fix, message} = error as UsageError
        for (const part of value.split(/[\s=]/).filter(piece => piece.length >= 5)) expect(`${message} ${fix}`, JSON.stringify(flags(value))).to.not.contain(part)
      }
    })
  }

  it('says what was wrong: --set needs KEY=VALUE and the value is hidden', function () {
    expect(() => forkOptions({from: 'acme', set: ['sk_live_51HcQz8AbCdEfGhIjKlMnOpQr']})).to.throw(UsageError, '--set needs KEY=VALUE; the value you gave is hidden.')
    expect(() => forkOptions({'copy-config': ['postgres://u:p@h/d'], from: 'acme'})).to.throw(UsageError, '--copy-config needs a config var name (letters, digits and underscores); the value you gave is hidden.')
  })

  it('still names a plain mistake that is no secret', function () {
    expect(() => forkOptions({'exclude-config': ['FOO-BAR'], from: 'acme'})).to.throw(UsageError, 'FOO-BAR is not one')
    expect(() => forkOptions({from: 'acme', scale: ['worker=lots']})).to.throw(UsageError, '--scale worker=…: the quantity must be a whole number.')
  })

  it('never echoes a --data or --copy-config value that is not a config var name or an enum word (second review, item 9)', function () {
    for (const value of ['Xk9mQ2vL7pR4', 'hunter2hunter2', 'Tr0ub4dor&3']) {
      expect(() => forkOptions({data: value, from: 'acme'}), value).to.throw(UsageError, '--data (hidden): expected one of')
      expect(() => forkOptions({'copy-config': [`${value}-x`], from: 'acme'}), value).to.throw(UsageError, 'the value you gave is hidden')
    }
  })

  it('echoes a plain enum word or config var name (second review, item 9)', function () {
    expect(() => forkOptions({data: 'coppy', from: 'acme'})).to.throw(UsageError, '--data coppy: expected one of')
    expect(() => forkOptions({'copy-config': ['NOT-THERE'], from: 'acme'})).to.throw(UsageError, 'NOT-THERE is not one')
  })
})
