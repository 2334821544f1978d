import {expect} from 'chai'

import {fingerprint, looksRandom, looksSecret, looksSecretName, isTrivialValue, registerArgvSecrets, SecretRegistry, currentSecrets, withSecrets} from '../../../../src/lib/secrets/index.js'

describe('secrets: the run registry (src/lib/secrets/registry.ts)', function () {
  it('hides a registered value in every form it can be printed in', function () {
    const secrets = new SecretRegistry()
    const value = ' pa"ss/w@rd é\n-----line two of a PEM key----- '
    secrets.register(value)
    const forms = [value, value.trim(), encodeURIComponent(value.trim()), JSON.stringify(value.trim()), JSON.stringify(value), '-----line two of a PEM key-----']
    for (const form of forms) expect(secrets.redact(`x ${form} y`), form).to.not.contain(form.trim().slice(1, -1))
  })

  it('hides a URL password and userinfo in their raw, encoded and Basic forms', function () {
    const secrets = new SecretRegistry()
    secrets.register('https://hookuser:p%40ss%2Fword99@hooks.example.com/in')
    for (const form of ['p@ss/word99', 'p%40ss%2Fword99', 'hookuser:p%40ss%2Fword99', Buffer.from('hookuser:p@ss/word99').toString('base64')]) {
      expect(secrets.redact(`sent ${form} now`), form).to.not.contain(form)
    }
  })

  it('hides the API token and the base64 of :token', function () {
    const secrets = new SecretRegistry()
    secrets.registerToken('HRKU-0123456789abcdef')
    const basic = Buffer.from(':HRKU-0123456789abcdef').toString('base64')
    expect(secrets.redact(`Bearer-less HRKU-0123456789abcdef and ${basic}`)).to.not.match(/HRKU-0123|OkhSS1Ut/)
  })

  it('labels a URL by its masked form and anything else by a keyed fingerprint', function () {
    const secrets = new SecretRegistry()
    secrets.register('postgres://u:longpassword@h:5432/d')
    secrets.register('tok-123456-extended')
    expect(secrets.redact('x postgres://u:longpassword@h:5432/d y')).to.equal('x postgres://u***:****@h:5432/d y')
    expect(secrets.redact('a tok-123456-extended b')).to.equal(`a ${secrets.fingerprint('tok-123456-extended')} b`)
  })

  it('merges overlapping values so no part of either shows', function () {
    const secrets = new SecretRegistry()
    secrets.register('abcdefgh12345678')
    secrets.register('XXXX1abcdefgh')
    expect(secrets.redact('XXXX1abcdefgh12345678')).to.equal('****')
  })

  it('never replaces short values or plain words blindly', function () {
    const secrets = new SecretRegistry()
    secrets.register('hunter2')
    secrets.register('web')
    secrets.register('production')
    secrets.register('info-level')
    expect(secrets.redact('the web dyno of production; hunter2 at info-level')).to.equal('the web dyno of production; hunter2 at info-level')
  })

  it('prints an app name as it is, even when a secret has the same value, and hides it elsewhere', function () {
    const secrets = new SecretRegistry()
    secrets.register('acme-production-7')
    secrets.addIdentifier('acme-production-7')
    expect(secrets.redact('add-on acme-production-7 is attached')).to.equal('add-on acme-production-7 is attached')
    expect(secrets.redact('token=xacme-production-7x')).to.not.contain('acme-production-7')
  })

  it('gives no fingerprint to a short value, and keys fingerprints per run', function () {
    const first = new SecretRegistry()
    const second = new SecretRegistry()
    expect(first.fingerprint('123456')).to.equal(undefined)
    const value = 'super-secret-value-123'
    expect(first.fingerprint(value)).to.match(/^hmac:[\da-f]{8}$/)
    expect(first.fingerprint(value)).to.equal(first.fingerprint(` ${value} `))
    expect(first.fingerprint(value)).to.not.equal(first.fingerprint(`${value}x`))
    expect(first.fingerprint(value)).to.not.equal(second.fingerprint(value))
  })

  it('redacts deeply', function () {
    const secrets = new SecretRegistry()
    secrets.register('deep-secret-value-1')
    const out = secrets.redactDeep({a: ['deep-secret-value-1', 1, null], b: {c: 'x postgres://u:pw1@h/d'}, d: true})
    expect(out).to.deep.equal({a: [secrets.fingerprint('deep-secret-value-1'), 1, null], b: {c: 'x postgres://u***:****@h/d'}, d: true})
  })

  it('registers config values and names: values hidden, names shown', function () {
    const secrets = new SecretRegistry()
    secrets.registerConfig({API_TOKEN: 'my-token-value-1', DATABASE_URL: 'postgres://u:dbpass99@h:5432/d', RACK_ENV: 'staging'})
    const out = secrets.redact('API_TOKEN my-token-value-1 dbpass99 postgres://u:dbpass99@h:5432/d')
    expect(out).to.contain('API_TOKEN')
    for (const value of ['my-token-value-1', 'dbpass99']) expect(out).to.not.contain(value)
  })

  it('registers credentials typed on the command line, and nothing else', function () {
    const secrets = new SecretRegistry()
    registerArgvSecrets(secrets, ['-a', 'postgres://u:argvpass99@h/d', '--set', 'STRIPE_KEY=sk_test_argv01', '--set=X=inline-secret-01', '--from', 'acme-production'])
    const out = secrets.redact('postgres%3A%2F%2Fu%3Aargvpass99%40h%2Fd sk_test_argv01 inline-secret-01 acme-production')
    expect(out).to.not.match(/argvpass99|sk_test_argv01|inline-secret-01/)
    expect(out).to.contain('acme-production')
  })

  it('is the run\'s own: withSecrets scopes it, and outside a run another one answers', async function () {
    const secrets = new SecretRegistry()
    secrets.register('scoped-secret-value-1')
    const inside = await withSecrets(secrets, async () => currentSecrets().redact('scoped-secret-value-1'))
    expect(inside).to.not.contain('scoped-secret-value-1')
    expect(currentSecrets()).to.not.equal(secrets)
    expect(fingerprint('12345')).to.equal('(hidden)')
  })

  describe('secret detection', function () {
    const names: Array<[string, boolean]> = [
      ['SECRET_KEY_BASE', true], ['STRIPE_SECRET_KEY', true], ['AWS_ACCESS_KEY_ID', true], ['GITHUB_TOKEN', true],
      ['DB_PASSWORD', true], ['GOOGLE_CREDENTIALS', true], ['SENTRY_DSN', true], ['JWT_SIGNING_KEY', true], ['APIKEY', true],
      ['LANG', false], ['RACK_ENV', false], ['MONKEY_MODE', false], ['WEB_CONCURRENCY', false], ['KEYBOARD_LAYOUT', false],
    ]
    for (const [name, expected] of names) {
      it(`${name} ${expected ? 'is' : 'is not'} a secret name`, function () {
        expect(looksSecretName(name)).to.equal(expected)
      })
    }

    const values: Array<[string, boolean]> = [
      ['3f2a9c1e3f2a9c1e3f2a9c1e3f2a9c1e', true],
      ['0b9a4c1e-5f3d-4a2b-9c8e-7d6f5e4a3b2c', true],
      ['sk_live_51HcXyZAbCdEf0123456789', true],
      ['acme-production-assets-2024', false],
      ['en_US.UTF-8', false],
      ['a long sentence with spaces 12345 ABC', false],
    ]
    for (const [value, expected] of values) {
      it(`${value} ${expected ? 'looks' : 'does not look'} random`, function () {
        expect(looksRandom(value)).to.equal(expected)
      })
    }

    it('never calls a flag or a number secret', function () {
      for (const value of ['true', 'false', '25', '3.14', 'off', 'x']) expect(isTrivialValue(value), value).to.equal(true)
      expect(looksSecret('FEATURE_TOKEN_ENABLED', 'true')).to.equal(false)
      expect(looksSecret('API_KEY', 'abc-def-ghi')).to.equal(true)
    })
  })
})
