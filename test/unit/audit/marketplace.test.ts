import {expect} from 'chai'

import {auditStaging} from '../../../src/lib/audit/rules/index.js'
import type {AuditFinding} from '../../../src/lib/audit/types.js'
import {maskUrl, publicMaterial} from '../../../src/lib/secrets/index.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {cleanStagingSnapshot, productionSnapshot} from '../../fixtures/snapshots.js'

/**
 * One credential model against the marketplace's real shapes (as each add-on's documentation shows its
 * config vars): for every service class of credentials.ts's table, staging sharing production's value
 * is critical, and staging holding its own value of the same shape (same host, another tenant) raises
 * no critical. Values are made up in each vendor's shape; none is real.
 */

type Vars = Record<string, string>

function pair(production: Vars, staging: Vars): AuditFinding[] {
  const prod = productionSnapshot()
  const stage = cleanStagingSnapshot()
  const prodApp: AppSnapshot = {...prod, configVars: {...prod.configVars, ...production}}
  const stageApp: AppSnapshot = {...stage, configVars: {...stage.configVars, ...staging}}
  return auditStaging(stageApp, [prodApp])
}

/** Findings that name one of `vars`, as `CODE:severity`. */
function about(findings: AuditFinding[], vars: readonly string[]): string[] {
  return findings.filter(f => f.configVars.some(name => vars.includes(name))).map(f => `${f.code}:${f.severity}`)
}

function criticalAbout(findings: AuditFinding[], vars: readonly string[]): string[] {
  return about(findings, vars).filter(entry => entry.endsWith(':critical'))
}

interface Row {
  /** what the table row is and the add-on its values are shaped like */
  name: string
  /** production's vars; staging copies them in the sharing case */
  production: Vars
  /** staging's own vars of the same shape (its own account, tenant or instance) */
  own: Vars
  /** the code sharing raises */
  code: string
}

const KAFKA_BROKERS = 'kafka+ssl://ec2-3-1-1-1.compute-1.amazonaws.com:9096,kafka+ssl://ec2-3-2-2-2.compute-1.amazonaws.com:9096,kafka+ssl://ec2-3-3-3-3.compute-1.amazonaws.com:9096'
const CA_CERT = '-----BEGIN CERTIFICATE-----\nMIIDCTCCAfGgAwIBAgIJAKz0Y1g0Kafka0MA0GCSqGSIb3DQEBCwUAMBsxGTAXBgNV\n-----END CERTIFICATE-----'
const CLIENT_KEY = (seed: string): string => `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA${seed}Zq9Lx2w7Vb3Kc8Tn1Rf5Yh\n-----END RSA PRIVATE KEY-----`

const ROWS: Row[] = [
  {
    code: 'SHARED_DATABASE',
    name: 'database: Postgres pooler (host + database, any port, whoever logs in)',
    own: {ANALYTICS_DATABASE_URL: 'postgres://u9s:p8own@ec2-52-1-2-3.compute-1.amazonaws.com:6432/dstagingown'},
    production: {ANALYTICS_DATABASE_URL: 'postgres://uprod:pprod1234@ec2-52-1-2-3.compute-1.amazonaws.com:6432/dprodshared'},
  },
  {
    code: 'SHARED_SERVICE',
    name: 'database: Key-Value Store rediss:// (host + port + database number)',
    own: {KVS_URL: 'rediss://:p9own0staging0kvs@ec2-34-1-1-1.compute-1.amazonaws.com:21560'},
    production: {KVS_URL: 'rediss://:p1prod0kvs0secret@ec2-34-1-1-1.compute-1.amazonaws.com:21550'},
  },
  {
    code: 'SHARED_SERVICE',
    name: 'database: MongoDB Atlas mongodb+srv (cluster + database)',
    own: {MONGODB_URI: 'mongodb+srv://stg:stgpass99@cluster1.x1y2z.mongodb.net/app?retryWrites=true&w=majority'},
    production: {MONGODB_URI: 'mongodb+srv://prod:prodpass11@cluster0.a1b2c.mongodb.net/app?retryWrites=true&w=majority'},
  },
  {
    code: 'SHARED_SERVICE',
    name: 'database: Stackhero MySQL (host + port + database)',
    own: {STACKHERO_MYSQL_URL: 'mysql://root:stgroot77@abc123.stackhero-network.com:4306/staging'},
    production: {STACKHERO_MYSQL_URL: 'mysql://root:prodroot55@xyz789.stackhero-network.com:4306/prod'},
  },
  {
    code: 'SHARED_SERVICE',
    name: 'broker: CloudAMQP on a shared server (host + vhost)',
    own: {CLOUDAMQP_URL: 'amqps://stgvh:stgamqp42@moose.rmq.cloudamqp.com/stgvh'},
    production: {CLOUDAMQP_URL: 'amqps://prodvh:prodamqp24@moose.rmq.cloudamqp.com/prodvh'},
  },
  {
    code: 'SHARED_SERVICE',
    name: 'broker: Basic-plan Kafka tenants on one cluster (brokers + prefix)',
    own: {KAFKA_CLIENT_CERT: CA_CERT, KAFKA_CLIENT_CERT_KEY: CLIENT_KEY('stg'), KAFKA_PREFIX: 'columbia-22222.', KAFKA_TRUSTED_CERT: CA_CERT, KAFKA_URL: KAFKA_BROKERS},
    production: {KAFKA_CLIENT_CERT: CA_CERT, KAFKA_CLIENT_CERT_KEY: CLIENT_KEY('prd'), KAFKA_PREFIX: 'wisconsin-11111.', KAFKA_TRUSTED_CERT: CA_CERT, KAFKA_URL: KAFKA_BROKERS},
  },
  {
    code: 'SHARED_SERVICE',
    name: 'multi-tenant endpoint: SearchBox (one host for every account, the key picks the tenant)',
    own: {SEARCHBOX_URL: 'https://paas:0f1e2d3c4b5a69788796a5b4c3d2e1f0@oin-us-east-1.searchly.com'},
    production: {SEARCHBOX_URL: 'https://paas:9a8b7c6d5e4f30211203f4e5d6c7b8a9@oin-us-east-1.searchly.com'},
  },
  {
    code: 'SHARED_SERVICE',
    name: 'multi-tenant endpoint: Fixie proxy (user fixie, the password picks the tenant)',
    own: {FIXIE_URL: 'http://fixie:StgFx0a1b2c3d4e5@velodrome.usefixie.com:80'},
    production: {FIXIE_URL: 'http://fixie:PrdFx9z8y7x6w5v4@velodrome.usefixie.com:80'},
  },
  {
    code: 'SHARED_SERVICE',
    name: 'multi-tenant endpoint: QuotaGuard Static proxy',
    own: {QUOTAGUARDSTATIC_URL: 'http://stguser01:stgpw9876qg@us-east-static-01.quotaguard.com:9293'},
    production: {QUOTAGUARDSTATIC_URL: 'http://prduser02:prdpw1234qg@us-east-static-01.quotaguard.com:9293'},
  },
  {
    code: 'SHARED_SECRET',
    name: 'multi-tenant endpoint: MemCachier (host list public, the user and password pick the tenant)',
    own: {MEMCACHIER_PASSWORD: 'A1b2C3d4E5f6G7h8I9j0K1l2', MEMCACHIER_SERVERS: 'mc5.dev.ec2.memcachier.com:11211', MEMCACHIER_USERNAME: 'F0E1D2'},
    production: {MEMCACHIER_PASSWORD: 'Z9y8X7w6V5u4T3s2R1q0P9o8', MEMCACHIER_SERVERS: 'mc5.dev.ec2.memcachier.com:11211', MEMCACHIER_USERNAME: 'A9B8C7'},
  },
  {
    code: 'SHARED_SECRET',
    name: 'AWS bucket: Bucketeer (name + keys; the name alone is public)',
    own: {BUCKETEER_AWS_ACCESS_KEY_ID: 'AKIASTAGING0000EXMPL', BUCKETEER_AWS_SECRET_ACCESS_KEY: 'stg/K7MDENG+bPxRfiCYEXAMPLEKEY0000staging', BUCKETEER_BUCKET_NAME: 'bucketeer-shared-name-0001'},
    production: {BUCKETEER_AWS_ACCESS_KEY_ID: 'AKIAPRODUCTION00EXMP', BUCKETEER_AWS_SECRET_ACCESS_KEY: 'prd/K7MDENG+bPxRfiCYEXAMPLEKEY0000product', BUCKETEER_BUCKET_NAME: 'bucketeer-shared-name-0001'},
  },
  {
    code: 'SHARED_SERVICE',
    name: 'other scheme: Cloudinary (the cloud is the account)',
    own: {CLOUDINARY_URL: 'cloudinary://111122223333444:StgSecretAbCdEf0123456789@acme-staging-cloud'},
    production: {CLOUDINARY_URL: 'cloudinary://555566667777888:PrdSecretZyXwVu9876543210@acme-cloud'},
  },
  {
    code: 'SHARED_SECRET',
    name: 'API key: SendGrid',
    own: {SENDGRID_API_KEY: 'SG.stg0a1b2c3d4e5f6g7h8i9.j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6A7B8C9D0'},
    production: {SENDGRID_API_KEY: 'SG.prd9z8y7x6w5v4u3t2s1r0.q9p8o7n6m5l4k3j2i1h0g9f8e7d6c5b4a3Z2Y1X0W9'},
  },
  {
    code: 'SHARED_SECRET',
    name: 'API key: Mailgun',
    own: {MAILGUN_API_KEY: 'key-0a1b2c3d4e5f60718293a4b5c6d7e8f9', MAILGUN_DOMAIN: 'mg.staging.acme.com'},
    production: {MAILGUN_API_KEY: 'key-f9e8d7c6b5a4938271605f4e3d2c1b0a', MAILGUN_DOMAIN: 'mg.acme.com'},
  },
  {
    code: 'SHARED_SECRET',
    name: 'API key: Stripe restricted key',
    own: {STRIPE_RESTRICTED_KEY: 'rk_test_51Hs0aStagingRestrictedKey0123456789'},
    production: {STRIPE_RESTRICTED_KEY: 'rk_live_51Hz9zProductionRestrictedKey987654'},
  },
  {
    code: 'SHARED_SECRET',
    name: 'API key: Auth0 client secret',
    own: {AUTH0_CLIENT_ID: 'stgClientId0123456789abcdefABCDEF', AUTH0_CLIENT_SECRET: 'stg-0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X', AUTH0_DOMAIN: 'acme-staging.us.auth0.com'},
    production: {AUTH0_CLIENT_ID: 'prdClientId9876543210zyxwvZYXWVU', AUTH0_CLIENT_SECRET: 'prd-9z8Y7x6W5v4U3t2S1r0Q9p8O7n6M5l4K3j2I1h0G9f8E7d6C', AUTH0_DOMAIN: 'acme.us.auth0.com'},
  },
  {
    code: 'SHARED_SECRET',
    name: 'webhook: Slack (the path is the secret)',
    own: {SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0STAGING/B0STAGING/abcdefghijklmnopqrstuvwx'},
    production: {SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/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'},
  },
]

describe('audit: one credential model over the marketplace (credentials.ts table, secrets/public.ts)', function () {
  for (const row of ROWS) {
    describe(row.name, function () {
      const vars = Object.keys(row.production)
      it(`sharing production's values is ${row.code}, critical`, function () {
        const findings = pair(row.production, row.production)
        expect(criticalAbout(findings, vars), JSON.stringify(about(findings, vars))).to.include(`${row.code}:critical`)
      })

      it('its own values of the same shape raise no critical', function () {
        expect(criticalAbout(pair(row.production, row.own), vars)).to.deep.equal([])
      })
    })
  }

  it('a Key-Value Store redis:// password holding a raw / is read, and the identical value found', function () {
    const url = 'redis://h:p4ss/w0rd/with/slashes@ec2-34-9-9-9.compute-1.amazonaws.com:6379'
    const findings = pair({REDIS_URL: url}, {REDIS_URL: url})
    expect(criticalAbout(findings, ['REDIS_URL'])).to.deep.equal(['SHARED_SERVICE:critical'])
    const printed = JSON.stringify(findings)
    expect(printed).to.not.contain('p4ss').and.not.contain('slashes')
  })

  it('an identical secret-bearing value that no parser reads is still an identical secret', function () {
    // no host after the userinfo: no endpoint to compare, a password all the same
    const value = 'weird+proto://svc:s3cr3t-Pa55-w0rd@/queue one'
    expect(criticalAbout(pair({LEGACY_ENDPOINT: value}, {LEGACY_ENDPOINT: value}), ['LEGACY_ENDPOINT'])).to.deep.equal(['SHARED_SECRET:critical'])
    expect(criticalAbout(pair({LEGACY_ENDPOINT: value}, {LEGACY_ENDPOINT: value.replace('s3cr3t', 'other1')}), ['LEGACY_ENDPOINT'])).to.deep.equal([])
  })

  describe('public material is never SHARED_SECRET', function () {
    const cases: Array<[string, string]> = [
      ['KAFKA_TRUSTED_CERT', CA_CERT],
      ['NEW_RELIC_LICENSE_KEY', '0123456789abcdef0123456789abcdef01234567'],
      ['STRIPE_PUBLISHABLE_KEY', 'pk_live_51HcQ2xKz9PublishableKey0123456789'],
      ['BUCKETEER_BUCKET_NAME', 'bucketeer-0a1b2c3d-4e5f-6789'],
      ['MEMCACHIER_SERVERS', 'mc1.dev.ec2.memcachier.com:11211,mc2.dev.ec2.memcachier.com:11211'],
    ]
    for (const [name, value] of cases) {
      it(`${name} (${publicMaterial(name, value)}) shared is silent`, function () {
        expect(publicMaterial(name, value)).to.be.a('string')
        expect(about(pair({[name]: value}, {[name]: value}), [name])).to.deep.equal([])
      })
    }

    it('a private key beside a certificate is not public', function () {
      expect(publicMaterial('KAFKA_CLIENT_CERT_KEY', `${CA_CERT}\n${CLIENT_KEY('x')}`)).to.equal(undefined)
      expect(publicMaterial('KAFKA_CLIENT_CERT_KEY', CLIENT_KEY('x'))).to.equal(undefined)
    })

    it('a Sentry DSN with a secret part, a restricted key and a bucket under another name are not public', function () {
      expect(publicMaterial('SENTRY_DSN', 'https://abc123:def456@sentry.io/42')).to.equal(undefined)
      expect(publicMaterial('STRIPE_KEY', 'rk_live_51Hz9zProductionRestrictedKey987654')).to.equal(undefined)
      expect(publicMaterial('SECRET_NAME', 'bucketeer-0a1b2c3d')).to.equal(undefined)
    })
  })

  describe('nuisance sharing: a Sentry DSN', function () {
    const dsn = 'https://0a1b2c3d4e5f60718293a4b5c6d7e8f9@o123456.ingest.sentry.io/4504000000000000'
    it('is a warning saying why and how to separate, not a critical', function () {
      const findings = pair({SENTRY_DSN: dsn}, {SENTRY_DSN: dsn})
      expect(about(findings, ['SENTRY_DSN'])).to.deep.equal(['SHARED_SERVICE:warning'])
      const [finding] = findings.filter(f => f.configVars.includes('SENTRY_DSN'))
      expect(finding?.message).to.contain("production's Sentry project").and.contain('SENTRY_ENVIRONMENT=staging -a acme-staging')
    })

    it('is info once staging tags its events with its own environment', function () {
      expect(about(pair({SENTRY_DSN: dsn}, {SENTRY_DSN: dsn, SENTRY_ENVIRONMENT: 'staging'}), ['SENTRY_DSN'])).to.deep.equal(['SHARED_SERVICE:info'])
    })

    it("is silent with staging's own project", function () {
      expect(about(pair({SENTRY_DSN: dsn}, {SENTRY_DSN: dsn.replace('4504000000000000', '4504000000000001')}), ['SENTRY_DSN'])).to.deep.equal([])
    })
  })

  describe('evidence you can paste, with no secret part', function () {
    it('prints each Kafka broker as a URL', function () {
      const findings = pair({KAFKA_URL: KAFKA_BROKERS}, {KAFKA_URL: KAFKA_BROKERS})
      const [finding] = findings.filter(f => f.configVars.includes('KAFKA_URL'))
      expect(finding?.evidence).to.deep.equal([`KAFKA_URL=${KAFKA_BROKERS}`])
    })

    it('prints a mongodb+srv string without a port', function () {
      const url = 'mongodb+srv://prod:prodpass11@cluster0.a1b2c.mongodb.net/app?retryWrites=true'
      const [finding] = pair({MONGODB_URI: url}, {MONGODB_URI: url}).filter(f => f.configVars.includes('MONGODB_URI'))
      expect(finding?.evidence?.[0]).to.equal('MONGODB_URI=mongodb+srv://p***:****@cluster0.a1b2c.mongodb.net/app')
      expect(finding?.message).to.not.match(/:27017/)
    })

    it('masks webhook path and query tokens (Slack, Discord, Zapier, a query token)', function () {
      const cases: Array<[string, string]> = [
        ['https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx', 'https://hooks.slack.com/services/****/****/****'],
        ['https://discord.com/api/webhooks/112233445566778899/AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789_abcdefghij', 'https://discord.com/api/webhooks/****/****'],
        ['https://hooks.zapier.com/hooks/catch/123456/abcde1/', 'https://hooks.zapier.com/hooks/catch/****/****/'],
        ['https://api.example.com/notify?token=abcdefghijklmnop', 'https://api.example.com/notify?…'],
      ]
      for (const [url, masked] of cases) expect(maskUrl(url), url).to.equal(masked)
    })
  })
})
