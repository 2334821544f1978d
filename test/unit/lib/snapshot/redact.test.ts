import {expect} from 'chai'

import {
  clearSecrets,
  fingerprint,
  isTrivialValue,
  looksRandom,
  looksSecret,
  looksSecretName,
  maskUrl,
  redact,
  redactDebug,
  redactDeep,
  registerConfigSecrets,
  registerSecret,
  registerSecrets,
} from '../../../../src/lib/snapshot/redact.js'

describe('snapshot redaction', function () {
  afterEach(function () {
    clearSecrets()
  })

  describe('maskUrl', function () {
    const cases: Array<[string, string]> = [
      ['postgres://user:pw@ec2-host:5432/dbname', 'postgres://u***:****@ec2-host:5432/dbname'],
      ['postgres://user:pw@ec2-host:5432/dbname?sslmode=require&password=x', 'postgres://u***:****@ec2-host:5432/dbname?…'],
      ['rediss://:pw@redis-host:6380', 'rediss://:****@redis-host:6380'],
      ['https://es.example.com/index', 'https://es.example.com/index'],
      ['postgres://only-user@h/d', 'postgres://o***@h/d'],
      // a webhook's secret is its path; a database's name is not secret and stays
      ['https://hooks.slack.com/services/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', 'https://hooks.slack.com/services/****/****/****'],
      ['https://discord.com/api/webhooks/1234567890/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'https://discord.com/api/webhooks/1234567890/****'],
      ['postgres://u:pw@127.0.0.1:5432/d9153c9bedcbd7d5aa1b2c3d', 'postgres://u***:****@127.0.0.1:5432/d9153c9bedcbd7d5aa1b2c3d'],
    ]
    for (const [input, expected] of cases) {
      it(`masks ${expected}`, function () {
        expect(maskUrl(input)).to.equal(expected)
      })
    }

    it('hides a registered webhook URL in free text, and in a debug line', function () {
      const hook = 'https://hooks.slack.com/services/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'
      registerConfigSecrets({SLACK_WEBHOOK_URL: hook})
      expect(redact(`SLACK_WEBHOOK_URL is ${hook} on both apps`)).to.equal('SLACK_WEBHOOK_URL is https://hooks.slack.com/services/****/****/**** on both apps')
      clearSecrets()
      expect(redactDebug(`  SLACK_WEBHOOK_URL: '${hook}',`)).to.not.contain('q8R9s0T1u2V3')
    })

    it('fingerprints a value that is not a URL', function () {
      expect(maskUrl('not a url')).to.equal(fingerprint('not a url'))
    })
  })

  describe('fingerprint', function () {
    it('is short, stable and one-way', function () {
      const value = 'super-secret-value-123'
      expect(fingerprint(value)).to.match(/^sha256:[0-9a-f]{8}…$/)
      expect(fingerprint(value)).to.equal(fingerprint(value))
      expect(fingerprint(value)).to.not.equal(fingerprint(`${value}x`))
      expect(fingerprint(value)).to.not.contain(value)
    })
  })

  describe('redact', function () {
    it('masks credentials in any URL inside free text', function () {
      expect(redact('failed to reach postgres://admin:hunter22@db.example.com:5432/app, retrying'))
        .to.equal('failed to reach postgres://a***:****@db.example.com:5432/app, retrying')
    })

    it('masks bearer and basic tokens', function () {
      expect(redact('Authorization: Bearer abcdef0123456789')).to.equal('Authorization: Bearer ****')
      expect(redact('Authorization: Basic OmFiY2RlZjAxMjM0NTY=')).to.equal('Authorization: Basic ****')
    })

    it('replaces every registered secret by its fingerprint, longest first', function () {
      registerSecrets(['tok-123456', 'tok-123456-extended'])
      expect(redact('a tok-123456-extended b tok-123456')).to.equal(`a ${fingerprint('tok-123456-extended')} b ${fingerprint('tok-123456')}`)
    })

    it('replaces a registered URL by its masked form', function () {
      registerSecret('postgres://u:longpassword@h:5432/d')
      expect(redact('x postgres://u:longpassword@h:5432/d y')).to.equal('x postgres://u***:****@h:5432/d y')
    })

    it('ignores values too short to replace safely', function () {
      registerSecret('abc')
      registerSecret(undefined)
      registerSecret(null)
      expect(redact('abc')).to.equal('abc')
    })

    it('redacts every string in a JSON-ready value, deeply', function () {
      registerSecret('deep-secret-value')
      const out = redactDeep({a: ['deep-secret-value', 1, null], b: {c: 'x postgres://u:pw1@h/d'}, d: true})
      expect(out).to.deep.equal({a: [fingerprint('deep-secret-value'), 1, null], b: {c: 'x postgres://u***:****@h/d'}, d: true})
    })
  })

  describe('registerConfigSecrets', function () {
    it('registers URLs, their passwords, secrets by name and random values', function () {
      registerConfigSecrets({
        API_TOKEN: 'my-token-value',
        DATABASE_URL: 'postgres://u:dbpass99@h:5432/d',
        HASH: 'Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hc1Jd5Fg0Sa',
      })
      const out = redact('my-token-value dbpass99 Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hc1Jd5Fg0Sa postgres://u:dbpass99@h:5432/d')
      for (const value of ['my-token-value', 'dbpass99', 'Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hc1Jd5Fg0Sa']) expect(out).to.not.contain(value)
    })

    it('does not register plain words, which would mangle app names', function () {
      registerConfigSecrets({LANG: 'en_US.UTF-8', RACK_ENV: 'staging', RAILS_ENV: 'production', WEB_CONCURRENCY: '2'})
      expect(redact('acme-staging is not acme-production (en_US.UTF-8)')).to.equal('acme-staging is not acme-production (en_US.UTF-8)')
    })
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
      ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', true],
      ['acme-production-assets-2024', false],
      ['heroku-buildpack-ruby-v250', false],
      ['en_US.UTF-8', false],
      ['short1A', false],
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

  describe('debug logs', function () {
    it('masks every config var value of a response body as http-call prints it, before any was registered', function () {
      const body = "← GET http://127.0.0.1/apps/x/config-vars 200\n{\n  SECRET_KEY_BASE: 'c0ffee5ecret',\n  NODE_ENV: 'staging',\n  DATABASE_URL: 'postgres://user:pw@db.example.com:5432/d1'\n}"
      const out = redactDebug(body)
      expect(out).to.not.contain('c0ffee5ecret')
      expect(out).to.not.contain("'staging'")
      expect(out).to.not.contain('pw@')
      expect(out).to.contain(`SECRET_KEY_BASE: '${fingerprint('c0ffee5ecret')}'`)
      expect(out).to.contain("DATABASE_URL: 'postgres://u***:****@db.example.com:5432/d1'")
      expect(out).to.contain('← GET http://127.0.0.1/apps/x/config-vars 200')
    })

    it('masks config var values in a JSON request body, and quoted keys', function () {
      const out = redactDebug('→ PATCH http://127.0.0.1/apps/x/config-vars\n{"STRIPE_API_KEY":"sk_live_abc","RACK_ENV":"production"}\n  \'MY-VAR\': 1')
      expect(out).to.not.contain('sk_live_abc')
      expect(out).to.not.contain('"production"')
      expect(out).to.contain(`"STRIPE_API_KEY":"${fingerprint('sk_live_abc')}"`)
    })

    it('masks the value of a KEY=VALUE argument as oclif echoes argv', function () {
      const out = redactDebug("argv: [ '--from', 'acme-production', '--set', 'STRIPE_API_KEY=sk_test_abc', '--json' ]")
      expect(out).to.equal(`argv: [ '--from', 'acme-production', '--set', 'STRIPE_API_KEY=${fingerprint('sk_test_abc')}', '--json' ]`)
    })

    it('leaves lower-case fields of other responses alone', function () {
      const text = "{\n  name: 'acme-staging',\n  region: { name: 'us' }\n}"
      expect(redactDebug(text)).to.equal(text)
    })
  })
})
