import {expect} from 'chai'

import {verifyForkSnapshot} from '../../../../src/lib/fork/verify.js'
import {planFork} from '../../../../src/lib/fork/plan/index.js'
import {catalogue, fork, options, production} from '../../fork/fixtures.js'

/**
 * The audit's shared-secret rule asks the fork's decision (secretVerdict): every class the fork
 * withholds is critical when staging holds production's value, and public material never is
 * (REVIEW26.md items 2, 3, 6 and 7, turned into tests).
 */

const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----'
const CERT = '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----'

/** The findings on `vars` when production holds `production` and staging `staging` (both on top of the fork fixtures). */
function findingsOn(productionVars: Record<string, string>, stagingVars: Record<string, string> = productionVars) {
  const prod = production()
  Object.assign(prod.configVars, productionVars)
  const staging = fork()
  Object.assign(staging.configVars, stagingVars)
  return verifyForkSnapshot(staging, prod, []).findings.filter(f => Object.keys(stagingVars).some(key => f.configVars.includes(key)))
}

const criticals = (productionVars: Record<string, string>, stagingVars?: Record<string, string>) =>
  findingsOn(productionVars, stagingVars).filter(f => f.severity === 'critical').map(f => f.code)

describe('audit: shared secrets by class (audit/rules/secrets.ts asks secretVerdict)', function () {
  it('is critical for each class the fork withholds, when staging holds production\'s value', function () {
    const classes: Array<Record<string, string>> = [
      {SAML_IDP: PEM_KEY},
      {TLS_BUNDLE: `${CERT}\n${PEM_KEY}`},
      {FIREBASE_CONFIG: JSON.stringify({client_email: 'a@b.iam.gserviceaccount.com', private_key: PEM_KEY})},
      {API_SECRET: '12345678901234567890'},
      {SECRET_PAIR: 'svcuser:54321'},
      {X_API_HEX40: '3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39'},
      {PROXY_AUTH: 'admin:s3cr3tP4ss'},
      {HTTP_AUTH_HEADER: 'Basic YWRtaW46czNjcjN0UDRzcw=='},
      {RELEASE_WEBHOOK: 'https://hooks.slack.com/services/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'},
      {CALLBACK: 'https://api.example.com/hook?token=f00dbabe1234deadbeef'},
      {ENV_JSON: JSON.stringify({db_password: 'hunter2hunter2'})},
      {GOOGLE_MAPS_KEY: 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234'},
    ]
    for (const vars of classes) expect(criticals(vars), Object.keys(vars)[0]).to.deep.equal(['SHARED_SECRET'])
    // An ADO.NET string is read as the database it reaches: the same database, whoever logs in.
    expect(criticals({ConnectionStrings__Default: 'Host=db.example.com;Database=app;Username=app;Password=Hunter2Hunter2'})).to.deep.equal(['SHARED_DATABASE'])
  })

  it('stays silent when staging holds its own value of the same class', function () {
    expect(criticals({SAML_IDP: PEM_KEY}, {SAML_IDP: PEM_KEY.replace('MIIEvQ', 'MIIEvA')})).to.deep.equal([])
    expect(criticals({API_SECRET: '12345678901234567890'}, {API_SECRET: '98765432109876543210'})).to.deep.equal([])
    expect(criticals({PROXY_AUTH: 'admin:s3cr3tP4ss'}, {PROXY_AUTH: 'admin:0therP4ssw0rd'})).to.deep.equal([])
  })

  it('never calls public material a shared secret (item 6)', function () {
    const material: Array<Record<string, string>> = [
      {NEXT_PUBLIC_POSTHOG_KEY: 'phc_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc'},
      {RECAPTCHA_SITE_KEY: '6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI'},
      {FIREBASE_API_KEY_PUBLIC: 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234'},
      {ALGOLIA_SEARCH_KEY: '0123456789abcdef0123456789abcdef'},
      {SEGMENT_WRITE_KEY: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345'},
      {S3_BUCKET_ASSETS: 'bucketeer-3f2a9c1e-8b7d-4a5f-9e3d-2c1b0a9f8e7d'},
      {FOG_DIRECTORY: 'acme-prod-assets-3f2a9c1e8b7d'},
      {ELASTIC_HOSTS: 'https://es1.example.com:9200,https://es2.example.com:9200'},
      {MEMCACHIER_SERVERS: 'mc1.dev.ec2.memcachier.com:11211;mc2.dev.ec2.memcachier.com:11211'},
      {SHOPIFY_API_URL: 'https://acme.myshopify.com/admin/api/2024-01'},
      {DOCS_URL: 'https://docs.example.com/v1.2/guide'},
      {KAFKA_TRUSTED_CERT: `${CERT}\n\n${CERT}`},
      {NEW_RELIC_KEY: '0123456789abcdef0123456789abcdef0123NRAL'},
    ]
    for (const vars of material) expect(findingsOn(vars), Object.keys(vars)[0]).to.deep.equal([])
  })

  it('gives a Sentry DSN under any DSN name, trailing slash or self-hosted sub-path the telemetry warning, not a critical', function () {
    for (const [name, value] of [
      ['RAVEN_DSN', 'https://0123456789abcdef0123456789abcdef@o123456.ingest.sentry.io/4504'],
      ['SENTRY_DSN_BACKEND', 'https://0123456789abcdef0123456789abcdef@o123456.ingest.sentry.io/4504'],
      ['SENTRY_DSN', 'https://0123456789abcdef0123456789abcdef@o123456.ingest.sentry.io/4504/'],
      ['SENTRY_DSN', 'https://0123456789abcdef0123456789abcdef@sentry.example.com/sub/42'],
    ] as const) {
      const findings = findingsOn({[name]: value})
      expect(findings.map(f => [f.code, f.severity]), `${name}=${value}`).to.deep.equal([['SHARED_SERVICE', 'warning']])
      expect(findings[0]?.message).to.contain('Sentry')
    }

    // The old DSN form carries a secret part: shared, it is critical.
    expect(criticals({SENTRY_DSN: 'https://abcdef0123456789:fedcba9876543210@o1.ingest.sentry.io/1'})).to.include('SHARED_SERVICE')
  })

  describe('a shared SMTP relay: the login picks the tenant (item 7)', function () {
    const relays = [
      ['MAILGUN_SMTP_URL', 'smtp://postmaster%40prod.mailgun.org:prodpw0123456789@smtp.mailgun.org:587', 'smtp://postmaster%40stag.mailgun.org:stagpw0123456789@smtp.mailgun.org:587'],
      ['SMTP_URL', 'smtp://apikey:SG.prodprodprodprodprod.prodprodprodprodprodprod@smtp.sendgrid.net:587', 'smtp://apikey:SG.stagstagstagstagstag.stagstagstagstagstagstag@smtp.sendgrid.net:587'],
      ['SMTP_X', 'smtps://produser:prodpw0123456789@smtp.mailtrap.io:465', 'smtps://staguser:stagpw0123456789@smtp.mailtrap.io:465'],
    ] as const
    it('stays silent for staging\'s own login on the same relay', function () {
      for (const [name, prod, own] of relays) expect(criticals({[name]: prod}, {[name]: own}), name).to.deep.equal([])
    })

    it('is critical when staging logs in as production', function () {
      for (const [name, prod] of relays) expect(criticals({[name]: prod}), name).to.deep.equal(['SHARED_SERVICE'])
      // The same login with another password is still production's account.
      expect(criticals({MAIL: 'smtp://postmaster%40prod.mailgun.org:prodpw0123456789@smtp.mailgun.org:587'}, {MAIL: 'smtp://postmaster%40prod.mailgun.org:otherpw0123456789@smtp.mailgun.org:587'})).to.deep.equal(['SHARED_SERVICE'])
    })
  })
})

describe('audit: a production database reached through an ADO.NET (Npgsql) string', function () {
  const host = 'ec2-1-2-3-4.compute-1.amazonaws.com'
  it('is critical SHARED_DATABASE with another role\'s login; silent for staging\'s own database', function () {
    // production's DATABASE_URL in the fork fixtures: …@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8prod
    expect(criticals({}, {NPGSQL_OTHER_ROLE: `Host=${host};Database=d8prod;Username=analyst;Password=OtherRolePw0123456`})).to.include('SHARED_DATABASE')
    expect(criticals({}, {NPGSQL_OWN: `Host=${host};Database=d8staging;Username=analyst;Password=OtherRolePw0123456`})).to.not.include('SHARED_DATABASE')
  })
})

describe('second review (REVIEW26b.md): identity reads URLs inside text (items 1, 4)', function () {
  const host = 'ec2-1-2-3-4.compute-1.amazonaws.com'
  const pw = 'OtherRolePw0123456'
  const inText = (target: string): Record<string, string> => ({
    DB_QUOTED: `"postgres://analyst:${pw}@${target}:5432/d8prod"`,
    DB_SPACED: `postgres://x:y@other.example.com/db postgres://analyst:${pw}@${target}:5432/d8prod`,
    DB_YAML: `production:\n  url: postgres://analyst:${pw}@${target}:5432/d8prod`,
    DBS: `primary=postgres://analyst:${pw}@${target}:5432/d8prod;replica=postgres://x:y@other.example.com/db`,
    JAVA_OPTS: `-Xmx300m -Dspring.datasource.url=jdbc:postgresql://${target}:5432/d8prod -Dspring.datasource.username=analyst -Dspring.datasource.password=${pw}`,
    JDBC_PROPS: `jdbc:postgresql://${target}:5432/d8prod;user=analyst;password=${pw}`,
  })

  it('is critical SHARED_DATABASE for production\'s database reached from inside YAML, lists, quotes, JAVA_OPTS and JDBC properties', function () {
    for (const [name, value] of Object.entries(inText(host))) expect(criticals({}, {[name]: value}), name).to.include('SHARED_DATABASE')
  })

  it('stays silent for the same texts reaching staging\'s own database', function () {
    for (const [name, value] of Object.entries(inText('staging-db.example.com'))) expect(criticals({}, {[name]: value}), name).to.not.include('SHARED_DATABASE')
  })

  it('is critical for another production app\'s database reached from inside text (across pipelines)', function () {
    const other = production()
    other.app = {...other.app, id: '99999999-1111-4111-8111-111111111111', name: 'billing-production'}
    other.pipeline = {id: 'cccc0000-0000-4000-8000-000000000009', name: 'billing', stage: 'production'}
    other.attachments = other.attachments.slice(0, 1)
    other.configVars = {DATABASE_URL: 'postgres://bill:billPw0rd99@ec2-9-9-9-9.compute-1.amazonaws.com:5432/dbill'}
    const staging = fork()
    staging.configVars.BILLING_YAML = `primary: postgres://reporter:${pw}@ec2-9-9-9-9.compute-1.amazonaws.com:5432/dbill`
    const found = verifyForkSnapshot(staging, production(), [other]).findings.filter(f => f.configVars.includes('BILLING_YAML'))
    expect(found.map(f => [f.severity, f.code])).to.deep.include(['critical', 'SHARED_DATABASE'])
    staging.configVars.BILLING_YAML = `primary: postgres://reporter:${pw}@ec2-8-8-8-8.compute-1.amazonaws.com:5432/dbill`
    expect(verifyForkSnapshot(staging, production(), [other]).findings.filter(f => f.configVars.includes('BILLING_YAML') && f.code === 'SHARED_DATABASE')).to.deep.equal([])
  })

  it('refuses --copy-config of a var whose text holds a URL reaching production, as for READONLY_DATABASE_URL; copies text with no URL', function () {
    const prod = production()
    prod.configVars.DB_YAML = `primary: ${prod.configVars.DATABASE_URL}`
    prod.configVars.OWN_YAML = 'pool: 5\ntimeout: 30'
    const refused = planFork(prod, options({copyConfig: ['DB_YAML']}), catalogue())
    expect(refused.problems.map(p => p.message).join('\n')).to.contain('--copy-config DB_YAML')
    const copied = planFork(prod, options({copyConfig: ['OWN_YAML']}), catalogue())
    expect(copied.problems).to.deep.equal([])
    expect(copied.config.find(d => d.key === 'OWN_YAML')?.action).to.equal('copy')
  })
})

describe('second review (REVIEW26b.md): the audit asks the same decision for the new classes (items 2, 3, 5, 6, 7)', function () {
  const withheld: Array<Record<string, string>> = [
    {ADMIN_PW: 'Xk9#mQ2$vL7!pR4@zT'},
    {LEGACY: 'Xk9#mQ2$vL7!pR4@zT'},
    {BASIC_AUTH: 'staff:opensesame'},
    {DB_PASSWORD: 'hunt3'},
    {ADMIN_PIN: '8392'},
    {API_TOKEN: '-1234567890123'},
    {VITE_API_SECRET: 'Zx81kLmq0PpR2sTuVw'},
    {PUBLIC_DB_PASSWORD: 'hunter2hunter2'},
    {JAVA_OPTS: '-Xmx300m -Dspring.datasource.password=prodDbPassw0rd1'},
    {NETRC: 'machine github.com login acme password opensesame'},
    {PGPASS_LINE: 'db.acme.com:5432:acme:app:opensesame'},
    {NPMRC: '//npm.pkg.github.com/:_authToken=opensesame-token'},
  ]
  const plain: Array<Record<string, string>> = [
    {TZ: 'America/Argentina/Buenos_Aires'},
    {JAVA_OPTS: '-XX:+HeapDumpOnOutOfMemoryError'},
    {MAIN_CLASS: 'com.acme.ApplicationServerMain'},
    {CALLBACK_URL: 'https://acme.com/users/auth/google_oauth2/callback'},
    {TOKEN_ENDPOINT: 'https://acme.auth0.com/oauth/token'},
    {SECRET_KEY_FILE: '/run/secrets/secret_key'},
    {SECRET_MANAGER_REGION: 'us-east-1'},
    {TOKEN_TTL: '86400'},
    {NEXT_PUBLIC_API_URL: 'https://api.acme.com'},
  ]

  it('is critical SHARED_SECRET when staging holds production\'s value of each new class', function () {
    for (const vars of withheld) expect(criticals(vars), Object.keys(vars)[0]).to.deep.equal(['SHARED_SECRET'])
  })

  it('stays silent for staging\'s own value of the same class', function () {
    for (const vars of withheld) {
      const own = Object.fromEntries(Object.entries(vars).map(([key, value]) => [key, value.replace(/\d/, '7').replace(/[a-z]/, 'q') + 'Z']))
      expect(criticals(vars, own), Object.keys(vars)[0]).to.deep.equal([])
    }
  })

  it('never calls identical plain values a shared secret (false criticals, item 5)', function () {
    for (const vars of plain) expect(findingsOn(vars), Object.keys(vars)[0]).to.deep.equal([])
  })
})
