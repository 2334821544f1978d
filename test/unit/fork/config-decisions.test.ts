import {expect} from 'chai'
import fc from 'fast-check'

import {configDecision, desiredConfig, planFork} from '../../../src/lib/fork/plan/index.js'
import type {ConfigDecision} from '../../../src/lib/fork/types.js'
import {regenerate} from '../../../src/lib/secrets/index.js'
import {catalogue, options, production} from './fixtures.js'

/**
 * The fork's decision for each of production's own config vars (secrets/kinds.ts's table): every
 * class has members that are withheld or regenerated, and look-alikes that are copied.
 */

const decide = (key: string, value: string, copy = false): ConfigDecision => configDecision(key, value, copy)

const CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2h\n-----END CERTIFICATE-----'

describe('fork config decisions (secrets/kinds.ts)', function () {
  describe('app-local signing keys', function () {
    it('regenerates each framework\'s signing and session keys', function () {
      const keys = {
        APP_KEY: 'base64:3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        DJANGO_SECRET_KEY: 'django-insecure-9f$x!k2@q8#mz^4r0w(1l)7v&c%e+j*h_u-p=t',
        JWT_SECRET: 'aGVsbG8gd29ybGQgdGhpcyBpcyBhIGp3dCBzZWNyZXQ=',
        NEXTAUTH_SECRET: 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5',
        SECRET_KEY_BASE: 'c0ffee5ecret0base0for0acme0production0do0not0share0000000000000000',
        SESSION_SECRET: 'keyboard-cat-but-longer-and-random-9f8e7d',
        WP_AUTH_SALT: 'x!9#Lm@2qP$7vZ^4&wR*8tY(0uI)3oK-5jH+6gF=',
      }
      for (const [key, value] of Object.entries(keys)) expect(decide(key, value), key).to.deep.include({action: 'regenerate', group: 'regenerated'})
    })

    it('copies a signing key on purpose with --copy-config, saying so', function () {
      expect(decide('SECRET_KEY_BASE', 'c0ffee5ecret0base0for0acme0production', true)).to.deep.include({action: 'copy', group: 'copied'})
      expect(decide('SECRET_KEY_BASE', 'c0ffee5ecret0base0for0acme0production', true).reason).to.match(/^copied on purpose \(--copy-config\)/)
    })

    it('copies a look-alike that is not a signing key (a name that only contains the words)', function () {
      expect(decide('SESSION_SECRET_ROTATION_DAYS', '30')).to.deep.include({action: 'copy', reason: 'copied from production'})
      expect(decide('APP_KEY_PREFIX', 'acme')).to.deep.include({action: 'copy'})
      expect(decide('JWT_SECRET', 'false'), 'a flag under a secret\'s name').to.deep.include({action: 'copy'})
    })

    it('gives a fresh value of the same length and alphabet, keeping Laravel\'s base64: prefix', function () {
      const laravel = 'base64:3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
      const fresh = regenerate(laravel)
      expect(fresh).to.match(/^base64:[\d+/A-Za-z]{43}=$/).and.not.equal(laravel)
      expect(Buffer.from(fresh.slice(7), 'base64')).to.have.length(32)
      expect(regenerate('0123456789abcdef0123456789abcdef')).to.match(/^[\da-f]{32}$/)
      expect(regenerate('ABCDEF0123456789')).to.match(/^[\dA-F]{16}$/)
      expect(regenerate('8264019375510284')).to.match(/^\d{16}$/)
    })

    it('keeps length and alphabet for any value (property)', function () {
      fc.assert(fc.property(fc.string({maxLength: 80, minLength: 8, unit: fc.constantFrom(...'abcXYZ019-_.!@')}), value => {
        const fresh = regenerate(value)
        expect(fresh).to.have.length(value.length)
        const allowed = new Set([...value, ...'abcdefghijklmnopqrstuvwxyz', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ', ...'0123456789'])
        for (const char of fresh) expect(allowed.has(char), `${char} in ${value}`).to.equal(true)
        if (/[a-z]/.test(value) === false) expect(fresh).not.to.match(/[a-z]/)
      }))
    })
  })

  describe('keys that decrypt committed files', function () {
    it('neither copies nor regenerates them, and explains per-environment credentials', function () {
      for (const key of ['RAILS_MASTER_KEY', 'RAILS_PRODUCTION_KEY', 'DOTENV_PRIVATE_KEY_PRODUCTION', 'SOPS_AGE_KEY', 'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY']) {
        const decision = decide(key, '4f1b2c3d4e5f60718293a4b5c6d7e8f9')
        expect(decision, key).to.deep.include({action: 'withhold', fix: `--set ${key}=VALUE`, group: 'per-environment'})
        expect(decision.reason, key).to.contain('credentials')
      }

      expect(decide('SOME_AGE_IDENTITY', 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ')).to.deep.include({group: 'per-environment'})
    })

    it('copies one on purpose with --copy-config', function () {
      expect(decide('RAILS_MASTER_KEY', '4f1b2c3d4e5f60718293a4b5c6d7e8f9', true)).to.deep.include({action: 'copy', group: 'copied'})
    })

    it('copies a look-alike (a setting about the key, not the key)', function () {
      expect(decide('RAILS_MASTER_KEY_REQUIRED', 'true')).to.deep.include({action: 'copy'})
      expect(decide('RAILS_ENV', 'production')).to.deep.include({action: 'copy'})
    })
  })

  describe('third-party credentials', function () {
    it('withholds each vendor\'s shape, naming live-mode ones, with the --set that gives staging its own', function () {
      const live = {
        BRAINTREE_TOKEN: 'access_token$production$abc123$0123456789abcdef',
        PAY: 'sk_live_51HcXyZaBcDeFgHiJkLmNoPqRsTuV',
        RESTRICTED: 'rk_live_51HcXyZaBcDeFgHiJkLmNoPqRsTuV',
      }
      for (const [key, value] of Object.entries(live)) expect(decide(key, value), key).to.deep.include({action: 'withhold', fix: `--set ${key}=VALUE`, group: 'withheld', live: true})
      const others = {
        AWS_ACCESS_KEY_ID: ['AKIAIOSFODNN7EXAMPLE', 'AWS access key id'],
        AWS_SECRET_ACCESS_KEY: ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AWS secret access key'],
        GH: ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'GitHub token'],
        MAILER: ['SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'SendGrid API key'],
        MAILGUN_API_KEY: ['key-0123456789abcdef0123456789abcdef', 'Mailgun API key'],
        TWILIO_ACCOUNT_SID: ['AC0123456789abcdef0123456789abcdef', 'Twilio account SID'],
        TWILIO_AUTH_TOKEN: ['0123456789abcdef0123456789abcdef', 'Twilio auth token'],
      }
      for (const [key, [value, kind]] of Object.entries(others)) {
        const decision = decide(key, value ?? '')
        expect(decision, key).to.deep.include({action: 'withhold', group: 'withheld', kind})
        expect(decision, key).not.to.have.property('live')
      }
    })

    it('copies one on purpose with --copy-config ("copied on purpose")', function () {
      const decision = decide('STRIPE_SECRET_KEY', 'sk_live_51HcXyZaBcDeFgHiJkLmNoPqRsTuV', true)
      expect(decision).to.deep.include({action: 'copy', kind: 'Stripe live secret key', live: true})
      expect(decision.reason).to.match(/^copied on purpose/)
    })

    it('copies public material of the same vendors: publishable keys, certificates, Sentry DSNs', function () {
      expect(decide('STRIPE_PUBLISHABLE_KEY', 'pk_live_51HcXyZaBcDeFgHiJkLmNoPqRsTuV')).to.deep.include({action: 'copy', reason: 'public material (publishable key)'})
      expect(decide('DATABASE_CA_CERT', CERTIFICATE)).to.deep.include({action: 'copy', reason: 'public material (certificate)'})
      expect(decide('SENTRY_DSN', 'https://0123456789abcdef@o1.ingest.sentry.io/42')).to.deep.include({action: 'copy'})
    })
  })

  describe('any other secret-looking value', function () {
    it('withholds it, by name or by randomness', function () {
      expect(decide('INTERNAL_API_TOKEN', 'prod-internal-token-value')).to.deep.include({action: 'withhold', group: 'withheld', kind: 'secret-looking value'})
      expect(decide('OPAQUE', 'q8Zr3Lk9Wm2Xv7Np4Ty6Bc1Hd5Fg0Js')).to.deep.include({action: 'withhold'})
      expect(decide('TLS_PRIVATE_KEY', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----')).to.deep.include({action: 'withhold'})
    })

    it('copies one on purpose with --copy-config', function () {
      expect(decide('INTERNAL_API_TOKEN', 'prod-internal-token-value', true)).to.deep.include({action: 'copy', group: 'copied'})
    })

    it('copies plain settings: flags, tuning, names, commit ids', function () {
      const plain = {APP_NAME: 'Acme Store', FEATURE_CHECKOUT_V2: 'true', HEROKU_SLUG_COMMIT: '4f1b2c3d4e5f60718293a4b5c6d7e8f901234567', TOKEN_TTL: '3600', WEB_CONCURRENCY: '4'}
      for (const [key, value] of Object.entries(plain)) expect(decide(key, value), key).to.deep.include({action: 'copy', reason: 'copied from production'})
    })
  })

  describe('the executor\'s values', function () {
    it('regenerates a missing or production-valued key, keeps the fork\'s own on a re-run, and unsets withheld production values', function () {
      const prod = production()
      const plan = planFork(prod, options(), catalogue())
      const first = desiredConfig(plan, prod, {})
      expect(first.SECRET_KEY_BASE).to.be.a('string').with.length(prod.configVars.SECRET_KEY_BASE?.length ?? -1)
      expect(first.SECRET_KEY_BASE).not.to.equal(prod.configVars.SECRET_KEY_BASE)
      expect(first).not.to.have.property('STRIPE_API_KEY')
      const again = desiredConfig(plan, prod, {}, {SECRET_KEY_BASE: first.SECRET_KEY_BASE ?? ''})
      expect(again.SECRET_KEY_BASE).to.equal(first.SECRET_KEY_BASE)
      const leftOver = desiredConfig(plan, prod, {}, {SECRET_KEY_BASE: prod.configVars.SECRET_KEY_BASE ?? '', STRIPE_API_KEY: prod.configVars.STRIPE_API_KEY ?? ''})
      expect(leftOver.SECRET_KEY_BASE).not.to.equal(prod.configVars.SECRET_KEY_BASE)
      expect(leftOver.STRIPE_API_KEY).to.equal(null)
      const theirs = desiredConfig(plan, prod, {}, {STRIPE_API_KEY: 'sk_test_stagingOwn000000000000'})
      expect(theirs, 'staging\'s own value is left alone').not.to.have.property('STRIPE_API_KEY')
    })

    it('refuses --copy-config of a value reaching production, and warns about one production lacks', function () {
      const plan = planFork(production(), options({copyConfig: ['READONLY_DATABASE_URL', 'NOT_THERE']}), catalogue())
      expect(plan.problems.map(p => p.message).join('\n')).to.contain('--copy-config READONLY_DATABASE_URL')
      expect(plan.warnings.join('\n')).to.contain('--copy-config NOT_THERE: production has no such config var')
      expect(planFork(production(), options({copyConfig: ['STRIPE_API_KEY']}), catalogue()).problems).to.deep.equal([])
    })
  })
})
