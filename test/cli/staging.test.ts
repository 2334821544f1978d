import {expect} from 'chai'

import type {AuditResult} from '../../src/lib/audit/types.js'
import type {FixResult} from '../../src/lib/fix/types.js'
import type {ForkResult} from '../../src/lib/fork/types.js'
import type {RefreshResult} from '../../src/lib/refresh/types.js'
import {sameEndpoint} from '../../src/lib/snapshot/identity.js'
import {apiGet} from '../helpers/api.js'
import {checksum, count} from '../helpers/db.js'
import {type Emulator, mutating, productionWrites, seedIncident, type Topology, useEmulator} from '../helpers/emulator.js'
import {HerokuCli, type HerokuRun} from '../helpers/heroku-cli.js'

/**
 * `heroku staging:audit`, `--fix`, `staging:fork` and `staging:refresh` through the REAL `heroku`
 * binary (npm heroku@11) with this plugin linked, against the emulator: outputs, exit codes and the
 * emulator's state afterwards. Every run has HEROKU_DEBUG=1 and DEBUG=*, and the last test reads
 * everything printed for a password, a secret or the API token.
 */

const DEBUG_ENV = {DEBUG: '*', HEROKU_DEBUG: '1'}
const NEW_SECRETS = ['SECRET_KEY_BASE=staging0only0secret0key0base000000000000000000000000000000000000', 'STRIPE_API_KEY=sk_test_acmeStagingCli000000000000000000']

interface Attachment {
  addon: {app: {name: string}; name: string}
  name: string
}

function password(url: string): string {
  return decodeURIComponent(new URL(url).password)
}

describe('staging:* through the real heroku CLI', function () {
  this.timeout(300_000)
  const fixture = useEmulator({cli: 'link', seed: async emu => seedIncident(emu)})
  let emu: Emulator
  let cli: HerokuCli
  let topology: Topology
  let productionRowsBefore: string
  const printed: string[] = []

  async function heroku(args: string[]): Promise<HerokuRun> {
    const run = await cli.run(args, {env: DEBUG_ENV})
    printed.push(run.stdout, run.stderr)
    return run
  }

  async function config(app: string): Promise<Record<string, string>> {
    return apiGet<Record<string, string>>(emu, `/apps/${app}/config-vars`)
  }

  before(async function () {
    emu = fixture.emu
    cli = fixture.cli
    topology = fixture.seeded
    productionRowsBefore = await checksum(topology.production.databaseUrl)
  })

  it('staging:audit finds the incident: exit 1, the codes in the report and in --json', async function () {
    const human = await heroku(['staging:audit', '-a', 'acme-staging'])
    expect(human.status, human.stderr).to.equal(1)
    for (const code of ['UNATTACHED_DATABASE_URL', 'SHARED_DATABASE', 'PRODUCTION_ADDON', 'SHARED_SECRET']) expect(human.stdout).to.contain(code)
    expect(human.stdout).to.match(/\d+ critical/)

    const json = await heroku(['staging:audit', '-a', 'acme-staging', '--json'])
    expect(json.status, json.stderr).to.equal(1)
    const result = JSON.parse(json.stdout) as AuditResult
    expect(result.apps.map(app => app.name)).to.deep.equal(['acme-staging'])
    expect(result.production.map(app => app.name)).to.deep.equal(['acme-production'])
    const shared = result.findings.find(finding => finding.code === 'SHARED_DATABASE')
    expect(shared?.configVars).to.include('DATABASE_URL')
    expect(result.summary.critical).to.be.greaterThan(0)
    expect(mutating(emu), 'the audit only reads').to.deep.equal([])
  })

  it('staging:audit names --production when the account has no production app to compare with (exit 2)', async function () {
    // The second account sees no production app at all: an app in no pipeline has nothing to be compared with.
    const stranger = emu.accounts[1]!
    await emu.seed({apps: [{name: 'lone-app', owner: stranger.email}]})
    const run = await cli.run(['staging:audit', '-a', 'lone-app'], {env: {...DEBUG_ENV, HEROKU_API_KEY: stranger.token}})
    printed.push(run.stdout, run.stderr)
    expect(run.status, run.stderr).to.equal(2)
    expect(run.stderr).to.contain('--production')
  })

  it('staging:audit --fix repairs the app: exit 0, DATABASE_URL reaches its own database, production unchanged', async function () {
    // --fix never guesses a secret: new values are set first, with the stock command.
    // (the stock config:set echoes the values it set, so its output is not among what this plugin printed)
    const set = await cli.run(['config:set', ...NEW_SECRETS, '-a', 'acme-staging'])
    expect(set.status, set.stderr).to.equal(0)
    const productionConfig = await config('acme-production')
    emu.clearJournal()

    const wrong = await heroku(['staging:audit', '-a', 'acme-staging', '--fix', '--confirm', 'acme-production'])
    expect(wrong.status).to.equal(4)
    expect(wrong.stderr).to.contain('--confirm acme-staging')
    expect(mutating(emu), 'a wrong --confirm changes nothing').to.deep.equal([])

    const run = await heroku(['staging:audit', '-a', 'acme-staging', '--fix', '--confirm', 'acme-staging', '--json'])
    expect(run.status, run.stderr).to.equal(0)
    const result = JSON.parse(run.stdout) as FixResult
    expect(result.remaining).to.deep.equal([])
    const databaseUrl = (await config('acme-staging')).DATABASE_URL
    expect(databaseUrl && sameEndpoint(databaseUrl, topology.staging.databaseUrl), 'DATABASE_URL is staging\'s own database').to.equal(true)
    expect(await config('acme-production')).to.deep.equal(productionConfig)
    // The one write that names production's Redis detaches staging's attachment of it; production keeps its own.
    expect(productionWrites(emu, topology).map(entry => `${entry.method} ${entry.app}`)).to.deep.equal(['DELETE acme-staging'])
    const productionAttachments = await apiGet<Attachment[]>(emu, '/apps/acme-production/addon-attachments')
    expect(productionAttachments.map(attachment => attachment.addon.name)).to.include(topology.production.redis)
  })

  it('staging:fork --from acme-production: a clean copy with production\'s rows, exit 0, no write to production', async function () {
    emu.clearJournal()
    const run = await heroku(['staging:fork', '--from', 'acme-production', '--set', NEW_SECRETS[0]!, '--set', NEW_SECRETS[1]!, '--json'])
    expect(run.status, run.stderr).to.equal(0)
    const result = JSON.parse(run.stdout) as ForkResult
    expect(result.app?.name).to.equal('acme-production-staging')
    expect(result.verification?.critical).to.equal(0)
    expect(result.verification?.database).to.deep.include({ownedByFork: true, reachesProduction: false})

    const attached = await apiGet<Attachment[]>(emu, '/apps/acme-production-staging/addon-attachments')
    const database = attached.find(attachment => attachment.name === 'DATABASE')
    expect(database?.addon.app.name, 'DATABASE is an add-on the fork owns').to.equal('acme-production-staging')
    const forkUrl = (await config('acme-production-staging')).DATABASE_URL!
    expect(forkUrl).to.equal(emu.databaseUrl(database!.addon.name))
    expect(sameEndpoint(forkUrl, topology.production.databaseUrl)).to.equal(false)
    expect(await count(forkUrl, 'users')).to.equal(topology.rows.users)
    expect(await count(forkUrl, 'orders')).to.equal(topology.rows.orders)
    expect(productionWrites(emu, topology)).to.deep.equal([])
  })

  it('staging:refresh copies production into the fork behind the guard, and refuses production as the target', async function () {
    const forkUrl = (await config('acme-production-staging')).DATABASE_URL!
    await count(forkUrl, 'users')
    emu.clearJournal()
    const refused = await heroku(['staging:refresh', '-a', 'acme-production', '--confirm', 'acme-production'])
    expect(refused.status).to.equal(4)
    expect(refused.stderr).to.contain('acme-production')
    expect(mutating(emu), 'a refused refresh sends no mutating request').to.deep.equal([])

    const run = await heroku(['staging:refresh', '-a', 'acme-production-staging', '--confirm', 'acme-production-staging', '--json'])
    expect(run.status, run.stderr).to.equal(0)
    const result = JSON.parse(run.stdout) as RefreshResult
    expect(result.from).to.equal('acme-production')
    expect(result.backups.target, 'a backup of the target first').to.not.equal(null)
    expect(result.findings.filter(finding => finding.severity === 'critical')).to.deep.equal([])
    expect(await count(forkUrl, 'orders')).to.equal(topology.rows.orders)
    expect(await checksum(topology.production.databaseUrl), 'production\'s rows are unchanged').to.equal(productionRowsBefore)
    expect(productionWrites(emu, topology)).to.deep.equal([])
  })

  it('the prerun hook refuses a stock pg:copy onto production before it sends anything', async function () {
    emu.clearJournal()
    const run = await heroku(['pg:copy', 'acme-production-staging::DATABASE_URL', 'acme-production::DATABASE_URL', '-a', 'acme-production', '--confirm', 'acme-production'])
    expect(run.status).to.not.equal(0)
    expect(run.stderr).to.contain('HEROKU_STAGING_ALLOW_PRODUCTION=acme-production')
    expect(mutating(emu)).to.deep.equal([])
    expect(await checksum(topology.production.databaseUrl)).to.equal(productionRowsBefore)
  })

  it('printed no password, secret or API token, with HEROKU_DEBUG=1 and DEBUG=*', async function () {
    const forkUrl = (await config('acme-production-staging')).DATABASE_URL!
    const secrets = [
      password(topology.production.databaseUrl),
      password(topology.staging.databaseUrl),
      password(forkUrl),
      ...Object.values(topology.secrets),
      ...NEW_SECRETS.map(pair => pair.slice(pair.indexOf('=') + 1)),
      emu.env.HEROKU_API_KEY!,
    ]
    // Under DEBUG the CLI's own oclif echoes argv twice before it loads any plugin (`oclif:main process.argv`,
    // `oclif:config runCommand`): that echo of what the user typed (--set KEY=VALUE) is the stock CLI's,
    // out of this plugin's reach, and is left out. The plugin's own echo (`… init … argv:`) is checked.
    const all = printed.join('\n')
      .replaceAll(/oclif:main process\.argv: \[[^\]]*\]/g, '')
      .replaceAll(/oclif:config runCommand [^\n]*/g, '')
    if (process.env.LEAK_DUMP) await (await import('node:fs/promises')).writeFile(process.env.LEAK_DUMP, all)
    // The debug output really was on: http-call's request lines are there, masked.
    expect(all).to.contain('http ← GET')
    for (const secret of secrets) expect(all.includes(secret), `leaked: ${secret.slice(0, 4)}…`).to.equal(false)
  })
})
