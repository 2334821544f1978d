import {expect} from 'chai'
import fc from 'fast-check'

import {configDecision, desiredConfig, planFork} from '../../../../src/lib/fork/plan/index.js'
import {type ConfigDecision, FORK_MARKER} from '../../../../src/lib/fork/types.js'
import {regenerate} from '../../../../src/lib/secrets/index.js'
import {addon, attachment, catalogue, decision, fork, options, PROD_DB_URL, PROD_ID, production, SECRET_KEY_BASE} from '../fixtures.js'

describe('fork plan: config vars (src/lib/fork/plan/config.ts)', function () {
  describe('config vars', function () {
    it('excludes every var exposed by an attachment on production, owned or not', function () {
      const plan = planFork(production(), options(), catalogue())
      for (const key of ['DATABASE_URL', 'HEROKU_POSTGRESQL_ROSE_URL', 'REDIS_URL', 'MAILGUN_API_KEY', 'MAILGUN_SMTP_PASSWORD', 'MEMCACHIER_PASSWORD', 'MEMCACHIER_SERVERS']) {
        expect(decision(plan, key), key).to.deep.include({action: 'exclude'})
        expect(decision(plan, key)?.reason, key).to.contain('exposed by attachment')
      }
    })

    it('excludes a var exposed by an attachment on the fork', function () {
      const prod = production()
      prod.configVars.PAPERTRAIL_API_TOKEN = 'prod-papertrail-token-value'
      const target = fork()
      const papertrail = addon('ffff0000-0000-4000-8000-000000000009', 'papertrail-1', 'papertrail:choklad', {id: target.app.id, name: target.app.name})
      target.attachments.push(attachment('ffff0000-0000-4000-8000-000000000010', 'PAPERTRAIL', papertrail, ['PAPERTRAIL_API_TOKEN']))
      expect(decision(planFork(prod, options(), catalogue(), {target}), 'PAPERTRAIL_API_TOKEN')).to.deep.include({action: 'exclude'})
      // Without the fork's attachment it is production's own token: withheld, never copied.
      expect(decision(planFork(prod, options(), catalogue()), 'PAPERTRAIL_API_TOKEN')).to.deep.include({action: 'withhold'})
    })

    it('excludes a plain var that reaches production\'s database through another credential (physical identity)', function () {
      const readonly = decision(planFork(production(), options(), catalogue()), 'READONLY_DATABASE_URL')
      expect(readonly).to.deep.equal({action: 'exclude', group: 'production', key: 'READONLY_DATABASE_URL', reason: 'reaches the same database as production\'s DATABASE_URL'})
    })

    it('excludes any other database or service URL, and HTTP URLs with credentials', function () {
      const plan = planFork(production(), options(), catalogue())
      expect(decision(plan, 'ANALYTICS_DB')).to.deep.include({action: 'exclude', reason: 'reaches a production database'})
      expect(decision(plan, 'SEARCH_URL')).to.deep.include({action: 'exclude', reason: 'reaches a production http service'})
    })

    it('copies plain values, including URLs without credentials', function () {
      const plan = planFork(production(), options(), catalogue())
      for (const key of ['CDN_URL', 'LOG_LEVEL', 'RACK_ENV', 'WEB_CONCURRENCY']) {
        expect(decision(plan, key), key).to.deep.equal({action: 'copy', group: 'copied', key, reason: 'copied from production'})
      }

      expect(decision(plan, 'SECRET_KEY_BASE')).to.deep.include({action: 'regenerate', group: 'regenerated'})
      expect(decision(plan, 'STRIPE_API_KEY')).to.deep.include({action: 'withhold', fix: '--set STRIPE_API_KEY=VALUE', group: 'withheld', live: true})
    })

    it('excludes --exclude-config keys, and only those', function () {
      const plan = planFork(production(), options({excludeConfig: ['LOG_LEVEL', 'NOT_THERE']}), catalogue())
      expect(decision(plan, 'LOG_LEVEL')).to.deep.include({action: 'exclude', reason: '--exclude-config'})
      expect(decision(plan, 'RACK_ENV')).to.deep.include({action: 'copy'})
      expect(plan.warnings.join('\n')).to.contain('--exclude-config NOT_THERE: production has no such config var')
    })

    it('lets --set win over copies and exclusions, and warns when its value reaches production', function () {
      const plan = planFork(production(), options({
        excludeConfig: ['SECRET_KEY_BASE'],
        set: {NEW_FLAG: 'on', READONLY_DATABASE_URL: PROD_DB_URL, SECRET_KEY_BASE: 'staging-secret'},
      }), catalogue())
      expect(plan.problems).to.deep.equal([])
      expect(decision(plan, 'SECRET_KEY_BASE')).to.deep.include({action: 'override', reason: '--set'})
      expect(decision(plan, 'READONLY_DATABASE_URL')).to.deep.include({action: 'override'})
      expect(decision(plan, 'NEW_FLAG')).to.deep.include({action: 'override', reason: '--set (not in production)'})
      expect(plan.warnings.join('\n')).to.contain('--set READONLY_DATABASE_URL reaches the same database as production\'s DATABASE_URL')
      expect(plan.warnings.join('\n')).not.to.contain('--set SECRET_KEY_BASE')
    })

    it('refuses --set of a var the fork\'s own attachment sets, and of the marker', function () {
      const problems = planFork(production(), options({set: {DATABASE_URL: 'postgres://x', [FORK_MARKER]: 'x'}}), catalogue()).problems.map(p => p.message)
      expect(problems.join('\n')).to.contain('--set DATABASE_URL').and.contain(`--set ${FORK_MARKER}`)
    })

    it('reports secrets copied on purpose (--copy-config) as identical to production, by name', function () {
      expect(planFork(production(), options(), catalogue()).identicalSecrets).to.deep.equal([])
      const plan = planFork(production(), options({copyConfig: ['SECRET_KEY_BASE', 'STRIPE_API_KEY']}), catalogue())
      expect(plan.identicalSecrets).to.deep.equal(['SECRET_KEY_BASE', 'STRIPE_API_KEY'])
      expect(plan.warnings.join('\n')).to.contain('SECRET_KEY_BASE, STRIPE_API_KEY')
      const fixed = planFork(production(), options({set: {SECRET_KEY_BASE: 'a', STRIPE_API_KEY: 'b'}}), catalogue())
      expect(fixed.identicalSecrets).to.deep.equal([])
    })

    it('copies no credential in any form reaching production, and copies look-alikes', function () {
      const prod = production()
      const host = 'ec2-1-2-3-4.compute-1.amazonaws.com'
      prod.configVars = {
        ...prod.configVars,
        DATABASES: `{"default": {"url": "postgres://u:p@${host}/d8prod"}}`,
        DATABASE_DSN: `host=${host} port=5432 dbname=d8prod user=u1abc password=prodDbPassw0rd1`,
        HEROKU_SLUG_COMMIT: '4f1b2c3d4e5f60718293a4b5c6d7e8f901234567',
        JDBC_DATABASE_URL: `jdbc:postgresql://${host}:5432/d8prod?user=u1abc&password=prodDbPassw0rd1`,
        PGDATABASE: 'd8prod',
        PGHOST: host,
        PGPASSWORD: 'prodDbPassw0rd1',
        READ_URL: `postgres://u:p@replica.example.com:5432,${host}:5432/d8prod`,
        SERVICE_NAME: 'acme-web',
      }
      const plan = planFork(prod, options(), catalogue())
      for (const key of ['DATABASES', 'DATABASE_DSN', 'JDBC_DATABASE_URL', 'PGDATABASE', 'PGHOST', 'PGPASSWORD', 'READ_URL']) {
        expect(decision(plan, key), key).to.deep.include({action: 'exclude'})
      }

      expect(decision(plan, 'PGHOST')?.reason).to.equal("reaches the same database as production's DATABASE_DSN")
      expect(decision(plan, 'SERVICE_NAME')).to.deep.include({action: 'copy'})
      expect(decision(plan, 'HEROKU_SLUG_COMMIT')).to.deep.include({action: 'copy'})
      expect(plan.identicalSecrets).to.not.include('HEROKU_SLUG_COMMIT')
    })

    it('never puts a value in the plan', function () {
      const prod = production()
      const text = JSON.stringify(planFork(prod, options({set: {SECRET_KEY_BASE: 'set-value-never-shown'}}), catalogue()))
      for (const value of [...Object.values(prod.configVars).filter(v => v.length > 12), 'set-value-never-shown']) expect(text).not.to.contain(value)
    })

    it('gives the executor production\'s values for copied keys, --set values and the marker, nothing excluded', function () {
      const prod = production()
      const plan = planFork(prod, options({set: {SECRET_KEY_BASE: 'staging-secret'}}), catalogue())
      const values = desiredConfig(plan, prod, {SECRET_KEY_BASE: 'staging-secret'})
      expect(values).to.deep.equal({
        CDN_URL: 'https://cdn.example.com/acme',
        [FORK_MARKER]: PROD_ID,
        LOG_LEVEL: 'info',
        RACK_ENV: 'production',
        SECRET_KEY_BASE: 'staging-secret',
        WEB_CONCURRENCY: '2',
      })
      expect(Object.values(values)).not.to.include(SECRET_KEY_BASE)
    })
  })
})

describe('fork config filter against the account\'s production', function () {
  function otherProduction() {
    const other = fork(null)
    other.app = {...other.app, id: 'eeee0000-0000-4000-8000-0000000000ee', name: 'billing-production'}
    other.configVars = {SEARCH_URL: 'https://search.billing.example/index'}
    other.attachments = [{...attachment('eeee0000-0000-4000-8000-000000000002', 'SEARCH', addon('eeee0000-0000-4000-8000-000000000003', 'bonsai-1', 'bonsai:sandbox', {id: other.app.id, name: other.app.name})), configVarNames: ['SEARCH_URL']}]
    return other
  }

  it('does not copy a value reaching another production app\'s service, and says whose', function () {
    const prod = production()
    prod.configVars.BILLING_SEARCH = 'https://search.billing.example/index'
    const plan = planFork(prod, options(), catalogue(), {production: [prod, otherProduction()]})
    expect(decision(plan, 'BILLING_SEARCH')).to.deep.equal({action: 'exclude', group: 'production', key: 'BILLING_SEARCH', reason: 'reaches the same http service as production app billing-production\'s SEARCH_URL'})
  })

  it('copies it when no production app of the account reaches it (stays silent)', function () {
    const prod = production()
    prod.configVars.BILLING_SEARCH = 'https://search.billing.example/index'
    expect(decision(planFork(prod, options(), catalogue(), {production: [prod]}), 'BILLING_SEARCH')?.action).to.equal('copy')
  })
})

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

    it('unsets on a resumed target every var not copied (excluded, withheld, regenerated) that holds production\'s value (review item 4)', function () {
      const prod = production()
      const target = fork()
      // an older fork that copied these from production
      const leftOver = {ANALYTICS_DB: prod.configVars.ANALYTICS_DB ?? '', SEARCH_URL: prod.configVars.SEARCH_URL ?? '', STRIPE_API_KEY: prod.configVars.STRIPE_API_KEY ?? ''}
      const plan = planFork(prod, options({excludeConfig: ['LOG_LEVEL']}), catalogue(), {target})
      const desired = desiredConfig(plan, prod, {}, {...target.configVars, ...leftOver, LOG_LEVEL: prod.configVars.LOG_LEVEL ?? ''})
      for (const key of [...Object.keys(leftOver), 'LOG_LEVEL']) {
        expect(decision(plan, key)?.action, key).to.be.oneOf(['exclude', 'withhold'])
        expect(desired[key], key).to.equal(null)
      }

      // staging's own values of the same vars stay; copied vars are production's on purpose
      const own = desiredConfig(plan, prod, {}, {ANALYTICS_DB: 'postgres://own:pw@own.example.com/db', STRIPE_API_KEY: 'sk_test_own000000000000000000'})
      expect(own).not.to.have.property('ANALYTICS_DB')
      expect(own).not.to.have.property('STRIPE_API_KEY')
      expect(desired.RACK_ENV).to.equal(prod.configVars.RACK_ENV)
    })

    it('leaves alone a key an attachment of the fork exposes, even when its value equals production\'s (Heroku sets it)', function () {
      const prod = production()
      const plan = planFork(prod, options(), catalogue())
      const exposed = plan.config.filter(d => d.action === 'exclude' && d.reason.startsWith('exposed')).map(d => d.key)
      const mirrored = plan.addons.filter(item => item.action !== 'skip').flatMap(item => prod.attachments.filter(a => a.addon.id === item.source.id).flatMap(a => a.configVarNames))
      const current = Object.fromEntries(mirrored.filter(key => exposed.includes(key)).map(key => [key, prod.configVars[key] ?? '']))
      expect(Object.keys(current)).not.to.deep.equal([])
      const desired = desiredConfig(plan, prod, {}, current)
      for (const key of Object.keys(current)) expect(desired, key).not.to.have.property(key)
    })

    it('withholds a var whose value equals, or holds, a withheld or regenerated value (review item 3)', function () {
      // (second review) a plain name and a plain-looking value: `LEGACY_PW` is a secret name and `Tr0ub4dor&3xyz` random-looking now.
      const prod = production()
      Object.assign(prod.configVars, {
        DB_PASSWORD: 'Tr0ub4dor3xyz',
        LEGACY_BLOB: `mode=fast;${prod.configVars.SECRET_KEY_BASE}`,
        LEGACY_VALUE: 'Tr0ub4dor3xyz',
        PLAIN_COPY: prod.configVars.RACK_ENV ?? '',
      })
      const plan = planFork(prod, options(), catalogue())
      expect(decision(plan, 'LEGACY_VALUE')).to.deep.include({action: 'withhold', fix: '--set LEGACY_VALUE=VALUE', group: 'withheld', kind: 'copy of DB_PASSWORD'})
      expect(decision(plan, 'LEGACY_VALUE')?.reason).to.contain('the same value as DB_PASSWORD')
      expect(decision(plan, 'LEGACY_BLOB')).to.deep.include({action: 'withhold'})
      expect(decision(plan, 'PLAIN_COPY'), 'a copy of a copied setting stays copied').to.deep.include({action: 'copy'})
      // --copy-config keeps a copy on purpose
      expect(decision(planFork(prod, options({copyConfig: ['LEGACY_VALUE']}), catalogue()), 'LEGACY_VALUE')).to.deep.include({action: 'copy'})
    })

    it('copies none of production\'s values in the review\'s shapes (items 1–3): staging\'s desired config holds no secret of production', function () {
      const prod = production()
      const host = 'ec2-1-2-3-4.compute-1.amazonaws.com'
      const password = 'p3a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6'
      Object.assign(prod.configVars, {
        ConnectionStrings__Default: `Host=${host};Database=d8prod;Username=u1abc;Password=${password}`,
        DB_CONFIG_YAML: `primary: postgres://u1abc:${password}@${host}:5432/d8prod`,
        ENV_JSON: '{"stripe":"sk_live_51HcXyZaBcDeFgHiJkLmNoPqRsTuV"}',
        MULTI: 'line one\nsk_live_51HcXyZaBcDeFgHiJkLmNoPqRsTuV',
        NPGSQL_OTHER_ROLE: `Host=${host};Database=d8prod;Username=analyst;Password=OtherRolePw0123456`,
        RELEASE_WEBHOOK: 'https://hooks.slack.com/services/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',
        SAML_IDP: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----',
        URL_LIST: `postgres://u1abc:${password}@${host}:5432/d8prod postgres://r:replicaPw0123@replica.example.com/db`,
      })
      const desired = desiredConfig(planFork(prod, options(), catalogue()), prod, {})
      for (const key of ['ConnectionStrings__Default', 'DB_CONFIG_YAML', 'ENV_JSON', 'MULTI', 'NPGSQL_OTHER_ROLE', 'RELEASE_WEBHOOK', 'SAML_IDP', 'URL_LIST']) {
        expect(desired, key).not.to.have.property(key)
      }
    })

    it('refuses --copy-config of a value reaching production, and warns about one production lacks', function () {
      const plan = planFork(production(), options({copyConfig: ['READONLY_DATABASE_URL', 'NOT_THERE']}), catalogue())
      expect(plan.problems.map(p => p.message).join('\n')).to.contain('--copy-config READONLY_DATABASE_URL')
      expect(plan.warnings.join('\n')).to.contain('--copy-config NOT_THERE: production has no such config var')
      // (second review, item 9) a value typed in the wrong place is not named by the warning
      const typo = planFork(production(), options({copyConfig: ['hunter2hunter2'], excludeConfig: ['Xk9mQ2vL7pR4']}), catalogue())
      expect(typo.warnings.join('\n')).to.contain('production has no such config var').and.not.to.match(/hunter2hunter2|Xk9mQ2vL7pR4/)
      expect(planFork(production(), options({copyConfig: ['STRIPE_API_KEY']}), catalogue()).problems).to.deep.equal([])
    })
  })
})
