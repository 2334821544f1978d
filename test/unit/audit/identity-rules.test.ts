import {expect} from 'chai'

import {auditStaging} from '../../../src/lib/audit/rules/index.js'
import type {AuditFinding, FindingCode} from '../../../src/lib/audit/types.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {
  addonRef,
  cleanStagingSnapshot,
  PROD_DB_HOST,
  PROD_DB_PASSWORD,
  PROD_STRIPE_KEY,
  PRODUCTION_ID,
  productionSnapshot,
} from '../../fixtures/snapshots.js'

/**
 * The audit over every form a credential is written in and every shape a secret is shared in:
 * each fires critical with the variable named, and its look-alike stays silent.
 */

const MAILGUN = addonRef({id: 'a0000000-0000-4000-8000-0000000mg001', name: 'mailgun-prod-55555', owner: {id: PRODUCTION_ID, name: 'acme-production'}, plan: 'mailgun:starter'})
const MAILGUN_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0'
const MAILGUN_SMTP_PASSWORD = 'b5c1d9e2f7a34c8d9e0f1a2b3c4d5e6f'
const COMMIT = '4f1b2c3d4e5f60718293a4b5c6d7e8f901234567'

function production(vars: Record<string, string> = {}): AppSnapshot {
  const base = productionSnapshot()
  return {
    ...base,
    attachments: [...base.attachments, {addon: MAILGUN, configVarNames: ['MAILGUN_API_KEY', 'MAILGUN_SMTP_LOGIN', 'MAILGUN_SMTP_PASSWORD', 'MAILGUN_SMTP_SERVER'], id: 'att-mailgun', name: 'MAILGUN', namespace: null}],
    configVars: {
      ...base.configVars,
      HEROKU_APP_ID: PRODUCTION_ID,
      HEROKU_RELEASE_VERSION: 'v42',
      HEROKU_SLUG_COMMIT: COMMIT,
      MAILGUN_API_KEY: MAILGUN_KEY,
      MAILGUN_SMTP_LOGIN: 'postmaster@app123.mailgun.org',
      MAILGUN_SMTP_PASSWORD,
      MAILGUN_SMTP_SERVER: 'smtp.mailgun.org',
      SOURCE_VERSION: COMMIT,
      ...vars,
    },
  }
}

/** What a load step resolved for the fixtures' other hosts (Redis on both sides, staging's database). */
const RESOLVED = {
  'ec2-18-7-7-7.compute-1.amazonaws.com': ['18.7.7.7'],
  'ec2-34-9-8-7.compute-1.amazonaws.com': ['34.9.8.7'],
  'ec2-54-4-5-6.compute-1.amazonaws.com': ['54.4.5.6'],
}

function staging(vars: Record<string, string>, hosts?: Record<string, string[]>): AppSnapshot {
  const base = cleanStagingSnapshot()
  return {...base, configVars: {...base.configVars, ...vars}, ...(hosts ? {hosts: {...RESOLVED, ...hosts}} : {})}
}

function audit(vars: Record<string, string>, options: {hosts?: Record<string, string[]>; production?: AppSnapshot} = {}): AuditFinding[] {
  return auditStaging(staging(vars, options.hosts), [options.production ?? production()])
}

function codes(findings: AuditFinding[], code: FindingCode): AuditFinding[] {
  return findings.filter(f => f.code === code)
}

const H = PROD_DB_HOST

/** [name, the staging vars that reach production's database, a look-alike that does not] */
const FORMS: Array<[string, Record<string, string>, Record<string, string>]> = [
  ['JDBC_DATABASE_URL', {JDBC_DATABASE_URL: `jdbc:postgresql://${H}:5432/dprod01?user=uprod9x&password=x`}, {JDBC_DATABASE_URL: `jdbc:postgresql://${H}:5432/dother?user=uprod9x&password=x`}],
  ['libpq key/value', {DATABASE_DSN: `host=${H} port=5432 dbname=dprod01 user=uprod9x password=x`}, {DATABASE_DSN: `host=${H} port=5432 dbname=dother user=uprod9x password=x`}],
  ['split PG* variables', {PGDATABASE: 'dprod01', PGHOST: H, PGPASSWORD: 'x', PGUSER: 'uprod9x'}, {PGDATABASE: 'dother', PGHOST: H, PGPASSWORD: 'x', PGUSER: 'uprod9x'}],
  ['split DB_* variables', {DB_HOST: H, DB_NAME: 'dprod01', DB_PORT: '5432'}, {DB_HOST: 'db.staging.example', DB_NAME: 'dprod01', DB_PORT: '5432'}],
  ['postgresql+psycopg2', {SQLALCHEMY_DATABASE_URI: `postgresql+psycopg2://u:p@${H}/dprod01`}, {SQLALCHEMY_DATABASE_URI: `postgresql+psycopg2://u:p@${H}/dother`}],
  ['ecto://', {ECTO_URL: `ecto://u:p@${H}/dprod01`}, {ECTO_URL: `ecto://u:p@${H}/dother`}],
  ['multi-host URL', {READ_URL: `postgres://u:p@replica.example.com:5432,${H}:5432/dprod01`}, {READ_URL: 'postgres://u:p@replica.example.com:5432,r2.example.com:5432/dprod01'}],
  ['?dbname= override', {OTHER_URL: `postgres://u:p@${H}:5432/dstaging?dbname=dprod01`}, {OTHER_URL: `postgres://u:p@${H}:5432/dprod01?dbname=dstaging`}],
  ['the pooler port', {POOL_URL: `postgres://u:p@${H}:6000/dprod01`}, {POOL_URL: `postgres://u:p@${H}:6000/dpool`}],
  ['URL inside JSON', {DATABASES: `{"default": {"url": "postgres://u:p@${H}/dprod01"}}`}, {DATABASES: `{"default": {"url": "postgres://u:p@${H}/dother"}}`}],
]

describe('audit: credentials in every form', function () {
  for (const [name, same, lookAlike] of FORMS) {
    it(`${name}: SHARED_DATABASE, critical, naming every variable`, function () {
      const [finding, ...rest] = codes(audit(same), 'SHARED_DATABASE')
      expect(rest).to.deep.equal([])
      expect(finding?.severity).to.equal('critical')
      expect(finding?.configVars).to.have.members(Object.keys(same).filter(k => !/PORT/.test(k) || name.includes('DB_')))
      expect(finding?.production).to.deep.equal(['acme-production'])
      expect(JSON.stringify(finding)).to.not.contain(PROD_DB_PASSWORD)
    })

    it(`${name}: the look-alike stays silent`, function () {
      const findings = audit(lookAlike)
      expect(codes(findings, 'SHARED_DATABASE')).to.deep.equal([])
      expect(findings.filter(f => f.severity === 'critical')).to.deep.equal([])
    })
  }

  it('names split variables together and unsets them all', function () {
    const [finding] = codes(audit({PGDATABASE: 'dprod01', PGHOST: H, PGPASSWORD: 'x', PGPORT: '5432', PGUSER: 'uprod9x'}), 'SHARED_DATABASE')
    expect(finding?.configVars).to.deep.equal(['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD'])
    expect(finding?.remedy).to.equal('heroku config:unset PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD -a acme-staging')
    expect(finding?.evidence?.join(' ')).to.contain(`${H}:5432/dprod01`).and.not.contain('uprod9x')
  })

  it('matches production credentials written in other forms too (production\'s own PGHOST group)', function () {
    const prod = production({PGDATABASE: 'dprod02', PGHOST: 'pg2.example.com'})
    const [finding] = codes(audit({LEGACY_URL: 'postgres://u:p@pg2.example.com/dprod02'}, {production: prod}), 'SHARED_DATABASE')
    expect(finding?.message).to.contain("acme-production's PGHOST+PGDATABASE")
  })
})

describe('audit: host equality by resolution', function () {
  const alias = {ALIAS_URL: 'postgres://u:p@db-alias.example.com/dprod01'}

  it('a DNS alias resolving to production\'s address is the same database', function () {
    const hosts = {'db-alias.example.com': ['52.1.2.3'], [H]: ['52.1.2.3']}
    expect(codes(audit(alias, {hosts}), 'SHARED_DATABASE').map(f => f.configVars)).to.deep.equal([['ALIAS_URL']])
  })

  it('another address is another server: silent', function () {
    const hosts = {'db-alias.example.com': ['10.9.9.9'], [H]: ['52.1.2.3']}
    expect(audit(alias, {hosts})).to.deep.equal([])
  })

  it('a host that did not resolve gives IDENTITY_UNKNOWN (warning), never a silent pass', function () {
    const hosts = {'db-alias.example.com': [], [H]: ['52.1.2.3']}
    const [finding, ...rest] = codes(audit(alias, {hosts}), 'IDENTITY_UNKNOWN')
    expect(rest).to.deep.equal([])
    expect(finding).to.deep.include({configVars: ['ALIAS_URL'], severity: 'warning'})
    expect(finding?.message).to.contain('db-alias.example.com could not be resolved')
    expect(finding?.remedy).to.contain('heroku staging:audit -a acme-staging again once db-alias.example.com resolves')
  })

  it('says nothing when the database names differ, resolved or not', function () {
    const hosts = {'db-alias.example.com': [], [H]: []}
    expect(audit({ALIAS_URL: 'postgres://u:p@db-alias.example.com/dother'}, {hosts})).to.deep.equal([])
  })
})

describe('audit: secrets in every shape', function () {
  const FIRES: Array<[string, Record<string, string>]> = [
    ['a production secret under a name that does not look secret', {PAYMENTS_CONFIG: PROD_STRIPE_KEY}],
    ['the same value with whitespace around it', {STRIPE_SECRET_KEY: `  ${PROD_STRIPE_KEY}\n`}],
    ['embedded in a longer value', {STRIPE_ARGS: `--key=${PROD_STRIPE_KEY} --live`}],
    ['embedded in JSON', {PAYMENTS: JSON.stringify({stripe: {key: PROD_STRIPE_KEY}})}],
    ['an add-on\'s own config var copied by hand (MAILGUN_API_KEY)', {MAILGUN_API_KEY: MAILGUN_KEY}],
    ['an add-on\'s own config var under another name', {SMTP_PASS: MAILGUN_SMTP_PASSWORD}],
    ['production\'s database password reused in another URL', {ANALYTICS_URL: `postgres://u:${PROD_DB_PASSWORD}@analytics.example.com/warehouse`}],
    ['production\'s database password as a plain value', {LEGACY_PW: PROD_DB_PASSWORD}],
  ]
  for (const [name, vars] of FIRES) {
    it(`fires: ${name}`, function () {
      const [finding, ...rest] = codes(audit(vars), 'SHARED_SECRET')
      expect(rest).to.deep.equal([])
      expect(finding?.severity).to.equal('critical')
      expect(finding?.configVars[0]).to.equal(Object.keys(vars)[0])
      expect(finding?.subject.configVar).to.equal(Object.keys(vars)[0])
      const text = JSON.stringify(finding)
      for (const secret of [PROD_STRIPE_KEY, MAILGUN_KEY, MAILGUN_SMTP_PASSWORD, PROD_DB_PASSWORD]) expect(text).to.not.contain(secret)
    })
  }

  const SILENT: Array<[string, Record<string, string>]> = [
    ['HEROKU_SLUG_COMMIT after a promotion', {HEROKU_SLUG_COMMIT: COMMIT}],
    ['SOURCE_VERSION after a promotion', {SOURCE_VERSION: COMMIT}],
    ['a commit id under another name', {GIT_REV: COMMIT, DEPLOYED_COMMIT: COMMIT}],
    ['dyno metadata', {HEROKU_APP_ID: PRODUCTION_ID, HEROKU_RELEASE_VERSION: 'v42'}],
    ['an add-on\'s public values (server, login)', {MAILGUN_SMTP_LOGIN: 'postmaster@app123.mailgun.org', MAILGUN_SMTP_SERVER: 'smtp.mailgun.org'}],
    ['a short production value inside a longer one', {GREETING: 'hello production world'}],
    ['a value that only resembles the secret', {STRIPE_SECRET_KEY: PROD_STRIPE_KEY.slice(0, -1)}],
  ]
  for (const [name, vars] of SILENT) {
    it(`silent: ${name}`, function () {
      expect(audit(vars)).to.deep.equal([])
    })
  }
})
