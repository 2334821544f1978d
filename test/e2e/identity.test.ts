import {expect} from 'chai'

import Audit from '../../src/commands/staging/audit.js'
import type {AuditResult} from '../../src/lib/audit/types.js'
import {apiClient} from '../helpers/api.js'
import {isolateCommandEnv, mutating, PRODUCTION_SECRETS, seedCleanPair, type Topology, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

/**
 * `heroku staging:audit --json` on the emulator (real PostgreSQL): production's database written
 * into the clean staging app in every form an app writes a credential is flagged critical with the
 * variable named; the same form naming another database stays silent. Production is never written.
 */
describe('staging:audit --json: credentials in every form (emulator)', function () {
  this.timeout(120_000)
  const fixture = useEmulator({cli: 'none', provisioning: 'short'})
  let topology: Topology

  before(async function () {
    isolateCommandEnv()
    topology = await fixture.reseed(async emu => seedCleanPair(emu))
  })

  function forms(): Array<[string, Record<string, string>, Record<string, string>]> {
    const url = new URL(topology.production.databaseUrl)
    const {hostname: host, password, username: user} = url
    const port = url.port || '5432'
    const db = url.pathname.slice(1)
    return [
      ['JDBC', {JDBC_DATABASE_URL: `jdbc:postgresql://${host}:${port}/${db}?user=${user}&password=${password}`}, {JDBC_DATABASE_URL: `jdbc:postgresql://${host}:${port}/other_db?user=${user}`}],
      ['libpq key/value', {DATABASE_DSN: `host=${host} port=${port} dbname=${db} user=${user} password=${password}`}, {DATABASE_DSN: `host=${host} port=${port} dbname=other_db`}],
      ['split PG* variables', {PGDATABASE: db, PGHOST: host, PGPORT: port}, {PGDATABASE: 'other_db', PGHOST: host, PGPORT: port}],
      ['multi-host URL', {READ_URL: `postgres://${user}:${password}@replica.invalid:5432,${host}:${port}/${db}`}, {READ_URL: `postgres://${user}:x@replica.invalid:5432,${host}:${port}/other_db`}],
      ['?dbname= override', {OTHER_URL: `postgres://${user}:${password}@${host}:${port}/other_db?dbname=${db}`}, {OTHER_URL: `postgres://${user}:x@${host}:${port}/${db}?dbname=other_db`}],
      ['IP written another way', {IP_URL: `postgres://${user}:${password}@127.1:${port}/${db}`}, {IP_URL: `postgres://${user}:x@127.1:${port}/other_db`}],
      ['URL inside JSON', {DATABASES: JSON.stringify({default: {url: topology.production.databaseUrl}})}, {DATABASES: JSON.stringify({default: {url: `postgres://${user}@${host}:${port}/other_db`}})}],
    ]
  }

  async function auditWith(vars: Record<string, string>): Promise<AuditResult> {
    const call = apiClient(fixture.emu)
    const set = await call('PATCH', `/apps/${topology.staging.app}/config-vars`, vars)
    expect(set.status).to.equal(200)
    try {
      const run = await withEmulatorEnv(fixture.emu, () => runCommand<AuditResult>(Audit, ['-a', topology.staging.app, '--json']))
      return JSON.parse(run.stdout) as AuditResult
    } finally {
      await call('PATCH', `/apps/${topology.staging.app}/config-vars`, Object.fromEntries(Object.keys(vars).map(key => [key, null])))
    }
  }

  it('every form reaching production is SHARED_DATABASE, critical, naming the variable; the look-alike is silent', async function () {
    for (const [name, same, lookAlike] of forms()) {
      const flagged = await auditWith(same)
      const shared = flagged.findings.filter(f => f.code === 'SHARED_DATABASE')
      expect(shared.map(f => f.severity), name).to.deep.equal(['critical'])
      expect(shared[0]?.configVars, name).to.include.members(Object.keys(same).filter(key => key !== 'PGPORT' || name.startsWith('split')))
      expect(JSON.stringify(flagged), name).to.not.contain(new URL(topology.production.databaseUrl).password)
      const silent = await auditWith(lookAlike)
      expect(silent.findings.filter(f => f.severity === 'critical'), `${name} look-alike`).to.deep.equal([])
    }

    expect(mutating(fixture.emu, topology.production.app)).to.deep.equal([])
  })

  it('secrets in every shape are SHARED_SECRET; identical commit ids and dyno metadata stay silent', async function () {
    const call = apiClient(fixture.emu)
    const production = await call<Record<string, string>>('GET', `/apps/${topology.production.app}/config-vars`)
    const mailgunKey = production.body.MAILGUN_API_KEY
    expect(mailgunKey, 'production\'s Mailgun add-on exposes MAILGUN_API_KEY').to.be.a('string')
    const commit = '4f1b2c3d4e5f60718293a4b5c6d7e8f901234567'
    const metadata = {HEROKU_RELEASE_VERSION: 'v7', HEROKU_SLUG_COMMIT: commit, SOURCE_VERSION: commit}
    expect((await call('PATCH', `/apps/${topology.production.app}/config-vars`, metadata)).status).to.equal(200)
    const password = new URL(topology.production.databaseUrl).password
    const result = await auditWith({
      ...metadata,
      ANALYTICS_URL: `postgres://warehouse:${password}@warehouse.invalid:5432/warehouse`,
      EMAIL_KEY: mailgunKey as string,
      PAYMENT_CONFIG: JSON.stringify({stripe: {key: PRODUCTION_SECRETS.STRIPE_API_KEY}}),
      STRIPE_API_KEY: ` ${PRODUCTION_SECRETS.STRIPE_API_KEY} `,
    })
    const secrets = result.findings.filter(f => f.code === 'SHARED_SECRET')
    expect(secrets.map(f => f.subject.configVar).sort()).to.deep.equal(['ANALYTICS_URL', 'EMAIL_KEY', 'PAYMENT_CONFIG', 'STRIPE_API_KEY'])
    expect(secrets.every(f => f.severity === 'critical')).to.equal(true)
    const text = JSON.stringify(result)
    for (const value of [password, mailgunKey as string, PRODUCTION_SECRETS.STRIPE_API_KEY]) expect(text).to.not.contain(value)
    expect(result.findings.filter(f => f.configVars.some(name => name in metadata))).to.deep.equal([])
    await call('PATCH', `/apps/${topology.production.app}/config-vars`, Object.fromEntries(Object.keys(metadata).map(key => [key, null])))
  })

  it('--fix removes a multi-host URL, a JDBC URL and split variables reaching production, and nothing critical remains', async function () {
    const call = apiClient(fixture.emu)
    const url = new URL(topology.production.databaseUrl)
    const database = url.pathname.slice(1)
    const forms = {
      JDBC_DATABASE_URL: `jdbc:postgresql://${url.hostname}:${url.port}/${database}?user=${url.username}`,
      PGDATABASE: database,
      PGHOST: url.hostname,
      READ_URL: `postgres://${url.username}:${url.password}@replica.invalid:5432,${url.hostname}:${url.port}/${database}`,
    }
    expect((await call('PATCH', `/apps/${topology.staging.app}/config-vars`, forms)).status).to.equal(200)
    fixture.emu.clearJournal()
    const fixed = await withEmulatorEnv(fixture.emu, () => runCommand(Audit, ['-a', topology.staging.app, '--fix', '--confirm', topology.staging.app]))
    expect(fixed.error, fixed.stdout + fixed.stderr).to.equal(undefined)

    expect(fixed.stdout).to.contain(`No critical finding remains on ${topology.staging.app}.`)
    const config = await call<Record<string, string>>('GET', `/apps/${topology.staging.app}/config-vars`)
    for (const key of Object.keys(forms)) expect(config.body, key).to.not.have.property(key)
    expect(mutating(fixture.emu, topology.production.app)).to.deep.equal([])
  })
})
