import {expect} from 'chai'
import {execFileSync} from 'node:child_process'

import {findBinaries} from '../../emulator/postgres/binaries.js'
import {count as countRows} from '../helpers/db.js'
import {type BatchStep, type Emulator, mutating as mutatingRequests, requestLines, type SeedFixture, seedIncident, type Topology, useBatch, useEmulator, useSharedSeed} from '../helpers/emulator.js'
import {HerokuCli, type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

/**
 * The prerun hook through the REAL `heroku` binary (npm heroku@11), with this plugin linked in an isolated
 * HOME, against the emulator. The same commands also run through a second, plugin-less installation, so
 * "runs exactly as without the plugin" is compared, not assumed.
 *
 * Starting `heroku` and seeding real databases is what costs, so both are paid once where they can be
 * (useBatch, test/helpers/emulator.ts): the refusals run one after the other from one seed, proven to have
 * changed nothing by every step's journal and one row checksum after the last; the staging commands run in
 * groups whose targets are disjoint, each group from one seed per installation.
 */

// pg:push runs psql, pg_dump and pg_restore: the same PostgreSQL programs the emulator runs.
const PG_BIN = findBinaries().dir
const OVERRIDE = 'HEROKU_STAGING_ALLOW_PRODUCTION'

const FIXTURE: SeedFixture = {
  addons: [
    {app: 'acme-production', as: 'DATABASE', name: 'postgresql-prod', plan: 'heroku-postgresql:essential-0', sql: 'create table orders(id int primary key, total int); insert into orders select g, g * 10 from generate_series(1, 500) g'},
    {app: 'acme-production', name: 'redis-prod', plan: 'heroku-redis:mini'},
    {app: 'acme-staging', as: 'DATABASE', name: 'postgresql-staging', plan: 'heroku-postgresql:essential-0', sql: 'create table orders(id int primary key, total int); insert into orders values (1, 1)'},
    {app: 'acme-staging', as: 'SCRATCH', name: 'postgresql-scratch', plan: 'heroku-postgresql:essential-0'},
    {app: 'acme-staging', name: 'redis-staging', plan: 'heroku-redis:mini'},
    {app: 'lone-app', as: 'DATABASE', name: 'postgresql-lone', plan: 'heroku-postgresql:essential-0', sql: 'create table notes(id int); insert into notes values (1), (2)'},
  ],
  apps: [
    {config: {SECRET_KEY_BASE: 'prod-secret-key-base-0123456789'}, name: 'acme-production'},
    {name: 'acme-staging'},
    {name: 'lone-app'},
  ],
  pipelines: [{apps: {'acme-production': 'production', 'acme-staging': 'staging'}, name: 'acme'}],
}

/** Every database of FIXTURE: a refusal leaves all their rows as seeded (pg:push would write one directly). */
const DATABASES = ['postgresql-prod', 'postgresql-staging', 'postgresql-scratch', 'postgresql-lone']
const seedFixture = async (emu: Emulator): Promise<void> => emu.seed(FIXTURE)

const UUID = /[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}/gi
const PG_ENV = {PATH: `${PG_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`, PGSSLMODE: 'prefer'}

/** One run of a batch step, with what the step read right after it (a table's row count). */
interface Ran {
  count?: number
  /** every request the run sent, as `METHOD /path` */
  requests?: string[]
  run: HerokuRun
}

interface Outcome {
  mutating: string[]
  status: null | number
  stderr: string
  stdout: string
}

describe('prerun hook through the real heroku CLI', function () {
  this.timeout(240_000)
  // `cli` has the plugin linked; `stock` is the same CLI without it.
  const fixture = useEmulator({cli: 'link', cliEnv: PG_ENV})
  let emu: Emulator
  let cli: HerokuCli
  let stock: HerokuCli

  before(async function () {
    emu = fixture.emu
    cli = fixture.cli
    stock = await HerokuCli.create({env: {...emu.env, ...PG_ENV}, plugin: false})
  })

  after(async function () {
    await stock?.cleanup()
  })

  async function fresh(): Promise<void> {
    await fixture.reseed(seedFixture)
  }

  function mutating(): string[] {
    return requestLines(mutatingRequests(emu))
  }

  async function count(addon: string, table: string): Promise<number> {
    return countRows(emu.databaseUrl(addon), table)
  }

  /** Captures a production backup with the stock CLI and returns its name (b001, b002, …). */
  async function captureProductionBackup(): Promise<string> {
    const run = await stock.run(['pg:backups:capture', '-a', 'acme-production'])
    const name = /to (b\d+)/.exec(run.stderr)?.[1]
    if (run.status !== 0 || !name) throw new Error(`backup capture failed: ${run.stdout}${run.stderr}`)
    emu.clearJournal()
    return name
  }

  /**
   * What a run did, with what legitimately differs between two fresh seeds made equal: ids, and the
   * credentials of a database URL (each seed creates new roles). pg:push's stderr interleaves pg_dump and
   * pg_restore, two processes, so its lines are compared as a sorted list.
   */
  /**
   * pg_dump and pg_restore write to one stderr at once, so their lines interleave, even mid-line
   * ("pg_dump:pg_restore: connecting…"): compare the messages as a sorted list, without the prefixes.
   */
  function toolMessages(stderr: string): string {
    return stderr.replaceAll(/pg_(dump|restore):/g, '\n').split('\n').map(line => line.trim()).filter(Boolean).sort().join('\n')
  }

  function outcome({mutating: sent, result: {run}}: BatchStep<Ran>, unorderedStderr = false): Outcome {
    const normalize = (text: string) => text.replaceAll(UUID, '<id>').replaceAll(/postgres:\/\/\S+/g, '<database url>')
    const stderr = normalize(run.stderr)
    return {mutating: sent, status: run.status, stderr: unorderedStderr ? toolMessages(stderr) : stderr, stdout: normalize(run.stdout)}
  }

  function expectRefused({mutating: sent, result: {run}}: BatchStep<Ran>, command: string): void {
    expect(run.status, `${run.stdout}${run.stderr}`).to.equal(4)
    const text = unwrap(run.stderr)
    expect(text).to.contain(`heroku-staging refused heroku ${command}`)
    expect(text).to.contain('production data')
    expect(text).to.match(/Would (erase|overwrite|write into|destroy): /)
    expect(text).to.contain('Why it counts as production:')
    expect(text).to.contain('pipeline stage production')
    expect(text).to.contain(`${OVERRIDE}=acme-production heroku ${command}`)
    expect(sent, 'mutating requests').to.deep.equal([])
  }

  describe('a production target is refused before any mutating request', function () {
    // Refusals change nothing: one seed, every refusal one after the other, one proof for all that nothing changed.
    const batch = useBatch<void, Ran>(fixture, seedFixture, DATABASES)
    batch.add('pg:copy', async () => {
      const run = await cli.run(['pg:copy', 'acme-staging::DATABASE', 'acme-production::DATABASE', '-a', 'acme-staging', '--confirm', 'DATABASE'])
      return {count: await count('postgresql-prod', 'orders'), run}
    })
    batch.add('pg:reset', async () => {
      const run = await cli.run(['pg:reset', 'DATABASE', '-a', 'acme-production', '--confirm', 'acme-production'])
      return {count: await count('postgresql-prod', 'orders'), run}
    })
    batch.add('pg:push', async () => ({run: await cli.run(['pg:push', emu.databaseUrl('postgresql-lone'), 'DATABASE', '-a', 'acme-production'])}))
    batch.add('addons:destroy postgres', async () => ({run: await cli.run(['addons:destroy', 'postgresql-prod', '-a', 'acme-production', '--confirm', 'acme-production'])}))
    batch.add('addons:destroy redis', async () => ({run: await cli.run(['addons:destroy', 'redis-prod', '-a', 'acme-production', '--confirm', 'acme-production'])}))
    batch.add('HEROKU_APP', async () => ({run: await cli.run(['pg:reset', '--confirm', 'acme-production'], {env: {HEROKU_APP: 'acme-production'}})}))
    batch.add('git remote', async () => {
      // A Heroku git remote as the stock CLI recognises it for HEROKU_HOST=http://127.0.0.1:PORT.
      const repo = `${cli.home}/repo`
      execFileSync('git', ['init', '-q', repo], {env: cli.env})
      execFileSync('git', ['-C', repo, 'remote', 'add', 'production', `${emu.url.replace(/^http:/, 'https:')}/acme-production.git`], {env: cli.env})
      return {run: await cli.run(['pg:reset', '--confirm', 'acme-production'], {cwd: repo})}
    })
    // Last: the backup it restores is captured first (a change of its own, left out of the step's journal).
    batch.add('pg:backups:restore', async () => {
      const backup = await captureProductionBackup()
      return {run: await cli.run(['pg:backups:restore', backup, 'DATABASE_URL', '-a', 'acme-production', '--confirm', 'acme-production'])}
    })

    it('pg:copy onto production', function () {
      const step = batch.get('pg:copy')
      expectRefused(step, 'pg:copy')
      expect(step.result.count).to.equal(500)
      batch.expectUnchanged()
    })

    it('pg:reset of production', function () {
      const step = batch.get('pg:reset')
      expectRefused(step, 'pg:reset')
      expect(step.result.count).to.equal(500)
      batch.expectUnchanged()
    })

    it('pg:backups:restore into production', function () {
      expectRefused(batch.get('pg:backups:restore'), 'pg:backups:restore')
      batch.expectUnchanged()
    })

    it('pg:push into production', function () {
      const step = batch.get('pg:push')
      expectRefused(step, 'pg:push')
      expect(step.result.run.stderr).to.not.match(/postgres:\/\/[^:\s]+:[^*@\s]+@/)
      batch.expectUnchanged()
    })

    it('addons:destroy of production\'s Postgres', function () {
      expectRefused(batch.get('addons:destroy postgres'), 'addons:destroy')
      batch.expectUnchanged()
    })

    it('addons:destroy of a production add-on that is not Postgres', function () {
      const step = batch.get('addons:destroy redis')
      expectRefused(step, 'addons:destroy')
      expect(unwrap(step.result.run.stderr)).to.contain('add-on redis-prod (heroku-redis:mini, owned by acme-production)')
      expect(unwrap(step.result.run.stderr)).to.contain('TARGET_OWNED_BY_PRODUCTION')
      batch.expectUnchanged()
    })

    it('pg:reset through HEROKU_APP and through a git remote', function () {
      const byEnv = batch.get('HEROKU_APP')
      expect(byEnv.result.run.status).to.equal(4)
      expect(byEnv.mutating).to.deep.equal([])

      const byRemote = batch.get('git remote')
      expect(byRemote.result.run.status, byRemote.result.run.stderr).to.equal(4)
      expect(byRemote.result.run.stderr).to.contain('acme-production')
      expect(byRemote.mutating).to.deep.equal([])
      batch.expectUnchanged()
    })
  })

  describe('a staging target runs exactly as it does without the plugin', function () {
    interface Case {
      args: string[]
      /** counted right after the run: [add-on, table] */
      count?: [string, string]
      name: string
      /** more arguments, made right before the run (a backup captured for it) */
      setup?: () => Promise<string[]>
      unorderedStderr?: boolean
    }

    const cases: Record<string, Case> = {
      addonsDestroyPostgres: {args: ['addons:destroy', 'postgresql-scratch', '-a', 'acme-staging', '--confirm', 'acme-staging'], name: 'addons:destroy of a staging Postgres'},
      addonsDestroyRedis: {args: ['addons:destroy', 'redis-staging', '-a', 'acme-staging', '--confirm', 'acme-staging'], name: 'addons:destroy of a staging add-on that is not Postgres'},
      copy: {args: ['pg:copy', 'acme-production::DATABASE', 'DATABASE', '-a', 'acme-staging', '--confirm', 'DATABASE'], count: ['postgresql-staging', 'orders'], name: 'pg:copy from production into staging'},
      push: {args: ['pg:push'], count: ['postgresql-scratch', 'notes'], name: 'pg:push into an empty staging database', setup: async () => [emu.databaseUrl('postgresql-lone'), 'SCRATCH', '-a', 'acme-staging'], unorderedStderr: true},
      reset: {args: ['pg:reset', 'DATABASE', '-a', 'acme-staging', '--confirm', 'acme-staging'], name: 'pg:reset of staging'},
      restore: {args: ['pg:backups:restore'], name: 'pg:backups:restore of a production backup into staging', setup: async () => [`acme-production::${await captureProductionBackup()}`, 'DATABASE_URL', '-a', 'acme-staging', '--confirm', 'acme-staging']},
    }

    // Three groups, each run through both installations from one seed apiece (useBatch), the stock CLI's
    // first. Within a group no two commands touch the same database or add-on (staging's DATABASE is the
    // target of three: hence three groups), so every command meets its target as seeded, and both
    // installations meet the same state at every step.
    const groups = [[cases.copy!, cases.push!, cases.addonsDestroyRedis!], [cases.reset!, cases.addonsDestroyPostgres!], [cases.restore!]]
    const batches = new Map<Case, {with: ReturnType<typeof useBatch<void, Ran>>; without: ReturnType<typeof useBatch<void, Ran>>}>()
    const step = (installation: () => HerokuCli, {args, count: counted, setup}: Case) => async (): Promise<Ran> => {
      const run = await installation().run([...args, ...(setup ? await setup() : [])])
      return {count: counted ? await count(...counted) : undefined, run}
    }

    for (const [index, group] of groups.entries()) {
      const without = useBatch<void, Ran>(fixture, seedFixture)
      const withPlugin = useBatch<void, Ran>(fixture, seedFixture)
      if (index === 0) {
        // An unguarded command, first of all and read-only: both installations one after the other on one state.
        for (const [name, installation] of [['pg:info without the plugin', () => stock], ['pg:info', () => cli]] as const) {
          withPlugin.add(name, async () => {
            const run = await installation().run(['pg:info', '-a', 'acme-production'])
            return {requests: emu.journal().map(entry => `${entry.method} ${entry.path}`), run}
          })
        }
      }

      for (const one of group) {
        without.add(one.name, step(() => stock, one))
        withPlugin.add(one.name, step(() => cli, one))
        batches.set(one, {with: withPlugin, without})
      }
    }

    function compare(one: Case): {count?: number; outcome: Outcome} {
      const {with: withPlugin, without} = batches.get(one)!
      const result = outcome(withPlugin.get(one.name), one.unorderedStderr)
      expect(result).to.deep.equal(outcome(without.get(one.name), one.unorderedStderr))
      return {count: withPlugin.get(one.name).result.count, outcome: result}
    }

    it('pg:copy from production into staging', function () {
      const {count: rows, outcome: result} = compare(cases.copy!)
      expect(result.status).to.equal(0)
      expect(result.mutating).to.deep.equal(['POST /client/v11/databases/<id>/transfers'])
      expect(rows).to.equal(500)
    })

    it('pg:reset of staging', function () {
      const {outcome: result} = compare(cases.reset!)
      expect(result.status).to.equal(0)
      expect(result.mutating).to.deep.equal(['PUT /client/v11/databases/<id>/reset'])
    })

    it('pg:backups:restore of a production backup into staging', function () {
      const {outcome: result} = compare(cases.restore!)
      expect(result.status, result.stderr).to.equal(0)
      expect(result.mutating).to.deep.equal(['POST /client/v11/databases/<id>/restores'])
    })

    it('pg:push into an empty staging database', function () {
      const {count: rows, outcome: result} = compare(cases.push!)
      expect(result.status, result.stderr).to.equal(0)
      expect(rows).to.equal(2)
    })

    it('addons:destroy of a staging Postgres', function () {
      const {outcome: result} = compare(cases.addonsDestroyPostgres!)
      expect(result.status).to.equal(0)
      expect(result.mutating).to.deep.equal(['DELETE /apps/<id>/addons/<id>'])
    })

    it('addons:destroy of a staging add-on that is not Postgres', function () {
      const {outcome: result} = compare(cases.addonsDestroyRedis!)
      expect(result.status).to.equal(0)
      expect(result.mutating).to.deep.equal(['DELETE /apps/<id>/addons/<id>'])
    })

    it('an unguarded command sends exactly the stock requests (the hook sends none)', function () {
      const {with: first} = batches.get(cases.copy!)!
      const requests = (key: string) => {
        const {requests: sent, run} = first.get(key).result
        // Connections and Data Size are live figures of the real server (autovacuum moves the size); everything else must match.
        const stdout = run.stdout.replace(/^Connections:.*$/m, '').replace(/^Data Size:.*$/m, '')
        return {requests: sent, status: run.status, stdout}
      }

      expect(requests('pg:info')).to.deep.equal(requests('pg:info without the plugin'))
    })
  })

  describe('the seed incident: staging\'s DATABASE_URL is a plain copy of production\'s', function () {
    // One incident for both: the refusals change nothing (proven), the copy the stock CLI lets through comes last.
    const incident = useSharedSeed<Topology>(fixture, async emu => seedIncident(emu), topology => [topology.production.database])

    it('pg:copy onto production\'s URL spelled another way is refused for ?dbname=, ?host=, several hosts, 127.1 and the pooler port, with nothing sent', async function () {
      const topology = incident.seeded
      const url = new URL(topology.production.databaseUrl)
      const database = url.pathname.slice(1)
      const auth = `${url.username}:${url.password}`
      const spellings = [
        `postgres://${auth}@${url.hostname}:${url.port}/scratch?dbname=${database}`,
        `postgres://${auth}@elsewhere.invalid:${url.port}/${database}?host=${url.hostname}`,
        `postgres://${auth}@replica.invalid:5432,${url.hostname}:${url.port}/${database}`,
        `postgres://${auth}@127.1:${url.port}/${database}`,
        `postgres://${auth}@${url.hostname}:6000/${database}`,
      ]
      for (const target of spellings) {
        emu.clearJournal()
        const refused = await cli.run(['pg:copy', 'HEROKU_POSTGRESQL_ROSE', target, '-a', 'acme-staging', '--confirm', 'scratch'])
        expect(refused.status, `${target.replace(url.password, '****')}: ${refused.stderr}`).to.equal(4)
        const text = unwrap(refused.stderr)
        expect(text).to.contain('it reaches the same physical database as acme-production\'s DATABASE_URL')
        expect(text).to.not.contain(url.password)
        expect(mutating()).to.deep.equal([])
      }

      expect(await count(topology.production.database, 'users')).to.equal(topology.rows.users)
      await incident.expectUnchanged()
    })

    it('a copy onto the URL from staging\'s config writes production without the plugin, and is refused with it', async function () {
      const topology = incident.seeded
      // What `heroku config:get DATABASE_URL -a acme-staging` prints: production's URL.
      const stagingDatabaseUrl = topology.production.databaseUrl
      const dbName = new URL(stagingDatabaseUrl).pathname.slice(1)
      const args = ['pg:copy', 'HEROKU_POSTGRESQL_ROSE', stagingDatabaseUrl, '-a', 'acme-staging', '--confirm', dbName]

      emu.clearJournal()
      const refused = await cli.run(args)
      expect(refused.status, refused.stderr).to.equal(4)
      const text = unwrap(refused.stderr)
      expect(text).to.contain('it reaches the same physical database as acme-production\'s DATABASE_URL')
      expect(text).to.contain(`${OVERRIDE}=acme-production heroku pg:copy`)
      expect(text).to.not.contain(new URL(stagingDatabaseUrl).password)
      expect(mutating()).to.deep.equal([])
      expect(await count(topology.production.database, 'users')).to.equal(topology.rows.users)

      // The same command through the stock CLI alone goes ahead and overwrites production.
      emu.clearJournal()
      const unguarded = await stock.run(args)
      expect(unguarded.status, unguarded.stderr).to.equal(0)
      expect(mutating()).to.deep.equal(['POST /client/v11/databases/<id>/transfers'])
    })
  })

  describe('production is the account\'s, whatever -a says (issue 12)', function () {
    it('refuses pg:copy onto production\'s raw URL run from an app in no pipeline; the stock CLI alone overwrites production', async function () {
      await fresh()
      const productionUrl = emu.databaseUrl('postgresql-prod')
      const dbName = new URL(productionUrl).pathname.slice(1)
      const args = ['pg:copy', 'DATABASE', productionUrl, '-a', 'lone-app', '--confirm', dbName]
      // lone-app is in no pipeline, and nothing on it names production.
      expect((await fixture.api('GET', '/apps/lone-app/pipeline-couplings')).status).to.equal(404)

      emu.clearJournal()
      const refused = await cli.run(args)
      expect(refused.status, refused.stderr).to.equal(4)
      const text = unwrap(refused.stderr)
      expect(text).to.contain('it reaches the same physical database as acme-production\'s DATABASE_URL')
      expect(text).to.contain('pipeline stage production')
      expect(text).to.contain(`${OVERRIDE}=acme-production heroku pg:copy`)
      expect(text).to.not.contain(new URL(productionUrl).password)
      expect(mutating(), 'mutating requests').to.deep.equal([])
      expect(await count('postgresql-prod', 'orders')).to.equal(500)

      // The control: without the plugin the same command goes ahead and writes production.
      emu.clearJournal()
      const unguarded = await stock.run(args)
      expect(unguarded.status, unguarded.stderr).to.equal(0)
      expect(mutating()).to.deep.equal(['POST /client/v11/databases/<id>/transfers'])
    })

    it('lets the same pg:copy from an app in no pipeline onto its own database through (stays silent)', async function () {
      await fresh()
      emu.clearJournal()
      const run = await cli.run(['pg:copy', 'acme-staging::DATABASE', 'DATABASE', '-a', 'lone-app', '--confirm', 'DATABASE'])
      expect(run.status, run.stderr).to.equal(0)
      expect(run.stderr).to.not.contain('heroku-staging refused')
      expect(mutating()).to.deep.equal(['POST /client/v11/databases/<id>/transfers'])
      expect(await count('postgresql-lone', 'orders')).to.equal(1)
      expect(await count('postgresql-prod', 'orders')).to.equal(500)
    })
  })

  describe('the override', function () {
    const args = ['pg:reset', 'DATABASE', '-a', 'acme-production', '--confirm', 'acme-production']
    // The refusals share one seed; the test the override lets through resets production: it comes last.
    const shared = useSharedSeed(fixture, seedFixture, DATABASES)

    for (const value of ['1', 'true', 'acme-staging']) {
      it(`does not work with ${OVERRIDE}=${value}`, async function () {
        const run = await cli.run(args, {env: {[OVERRIDE]: value}})
        expect(run.status).to.equal(4)
        expect(unwrap(run.stderr)).to.contain(`${OVERRIDE}=${value} is set, but that is not accepted`)
        expect(mutating()).to.deep.equal([])
        expect(await count('postgresql-prod', 'orders')).to.equal(500)
        await shared.expectUnchanged()
      })
    }

    it('works with the production app\'s name, and says so', async function () {
      const run = await cli.run(args, {env: {[OVERRIDE]: 'acme-production'}})
      expect(run.status, run.stderr).to.equal(0)
      expect(run.stderr).to.contain(`${OVERRIDE}=acme-production: letting heroku pg:reset`)
      expect(mutating()).to.deep.equal(['PUT /client/v11/databases/<id>/reset'])
      expect(await count('postgresql-prod', 'orders').catch(() => 0)).to.equal(0)
    })
  })

  describe('staging:protect / unprotect / --list round-trip', function () {
    it('a protected app is guarded like production until it is unprotected', async function () {
      await fresh()
      const reset = ['pg:reset', 'DATABASE', '-a', 'lone-app', '--confirm', 'lone-app']

      const protect = await cli.run(['staging:protect', '-a', 'lone-app'])
      expect(protect.status, protect.stderr).to.equal(0)
      expect(protect.stdout).to.contain('Protected lone-app')
      const list = await cli.run(['staging:protect', '--list', '--json'])
      expect((JSON.parse(list.stdout) as {protected: Array<{name: string}>}).protected.map(e => e.name)).to.deep.equal(['lone-app'])

      emu.clearJournal()
      const refused = await cli.run(reset)
      expect(refused.status).to.equal(4)
      expect(unwrap(refused.stderr)).to.contain('protected with heroku staging:protect')
      expect(mutating()).to.deep.equal([])
      expect(await count('postgresql-lone', 'notes')).to.equal(2)

      const unprotect = await cli.run(['staging:unprotect', '-a', 'lone-app'])
      expect(unprotect.status).to.equal(0)
      expect(unprotect.stdout).to.contain('no longer protected')
      const empty = await cli.run(['staging:protect', '--list'])
      expect(empty.stdout).to.contain('No app is protected')

      emu.clearJournal()
      const allowed = await cli.run(reset)
      expect(allowed.status, allowed.stderr).to.equal(0)
      expect(mutating()).to.deep.equal(['PUT /client/v11/databases/<id>/reset'])
    })

    it('refuses to protect an app that does not exist (exit 2)', async function () {
      const run = await cli.run(['staging:protect', '-a', 'no-such-app'])
      expect(run.status).to.equal(2)
      expect(run.stderr).to.contain('no-such-app was not found')
    })
  })

  describe('fails closed', function () {
    const shared = useSharedSeed(fixture, seedFixture, DATABASES)

    it('refuses when the API fails, with the reason and no override to name, and sends nothing mutating', async function () {
      emu.addFault({method: 'GET', path: '^/apps/[^/]+/config-vars$', status: 500, times: 50})
      try {
        const run = await cli.run(['pg:reset', 'DATABASE', '-a', 'acme-staging', '--confirm', 'acme-staging'])
        expect(run.status).to.equal(4)
        const text = unwrap(run.stderr)
        expect(text).to.contain('could not tell whether the target is production data')
        expect(text).to.match(/GET \/apps\/[^/]+\/config-vars failed/)
        // The guard never identified a production app, so no override is offered (the app named is staging).
        expect(text).to.not.contain(`${OVERRIDE}=acme-staging`)
        expect(text).to.contain(`${OVERRIDE} does not apply`)
        expect(mutating()).to.deep.equal([])
        await shared.expectUnchanged()
      } finally {
        emu.clearFaults()
      }
    })

    it('refuses when the API cannot be reached at all', async function () {
      const run = await cli.run(['pg:reset', 'DATABASE', '-a', 'acme-staging', '--confirm', 'acme-staging'], {env: {HEROKU_HOST: 'http://127.0.0.1:9'}})
      expect(run.status).to.equal(4)
      expect(unwrap(run.stderr)).to.contain('could not tell whether the target is production data')
    })
  })
})
