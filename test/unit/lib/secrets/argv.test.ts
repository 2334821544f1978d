import {expect} from 'chai'

import {registerArgvSecrets, SecretRegistry} from '../../../../src/lib/secrets/index.js'

describe('secrets: argv tokens that look secret are registered (src/lib/secrets/argv.ts)', function () {
  const secretTokens = [
    'sk_live_51HcQz8AbCdEfGhIjKlMnOpQr',
    'ghp_0123456789abcdefghijABCDEFGHIJ012345',
    'Zx81kLmq0PpR2sTuVw3yAb9',
    'https://hooks.slack.com/services/T024BE7LD/B08A1FZLK/abcdefgh',
    'https://api.example.com/hook?token=abcdefgh12',
    'postgres://u:Pw0rdSecret99@db.example.com:5432/d8prod',
  ]
  const placements: Array<(token: string) => string[]> = [
    token => ['--set', token],
    token => [`--set=${token}`],
    token => ['--set', `SOME_KEY=${token}`],
    token => ['--copy-config', token],
    token => ['--exclude-config', token],
    token => ['-a', token],
    token => ['--production', token],
    token => [token],
  ]
  for (const token of secretTokens) {
    it(`hides ${token.slice(0, 28)}… wherever it is typed`, function () {
      for (const place of placements) {
        const secrets = new SecretRegistry()
        registerArgvSecrets(secrets, ['staging:fork', '--from', 'acme', ...place(token)])
        expect(secrets.redact(`Error: --x ${token} was wrong`), place(token).join(' ')).to.not.contain(token)
      }
    })
  }

  it('registers the whole value of --set without KEY=, and a --copy-config value that is no name', function () {
    const secrets = new SecretRegistry()
    registerArgvSecrets(secrets, ['--set', 'pl41n-w0rds-s3cret', '--copy-config', 'not a name, secret', '--exclude-config', 'pw:hunter22'])
    expect(secrets.redact('a pl41n-w0rds-s3cret b not a name, secret c pw:hunter22')).to.not.match(/pl41n-w0rds-s3cret|not a name, secret|pw:hunter22/)
  })

  it('leaves names printable: app names, config var names, plans', function () {
    const secrets = new SecretRegistry()
    const argv = ['--from', 'acme-production', '--to', 'acme-pr-1234', '--copy-config', 'STRIPE_PUBLISHABLE_KEY', '--plan', 'heroku-postgresql=essential-1', '--scale', 'worker=2']
    registerArgvSecrets(secrets, argv)
    const text = argv.join(' ')
    expect(secrets.redact(text)).to.equal(text)
  })

  it('leaves file paths printable (a sanitize or rules file is named in its errors), and still registers a secret beside one', function () {
    const secrets = new SecretRegistry()
    const argv = ['--sanitize', '/tmp/refresh-e2e-LzHshs/sanitize.sql', '--rules', './config/PiiRules-Q3x9.json', '--set', 'API_TOKEN=Zq8vLm2pRt6yWx4n']
    registerArgvSecrets(secrets, argv)
    const text = argv.join(' ')
    expect(secrets.redact(text)).to.contain('/tmp/refresh-e2e-LzHshs/sanitize.sql').and.contain('./config/PiiRules-Q3x9.json').and.not.contain('Zq8vLm2pRt6yWx4n')
  })
})
