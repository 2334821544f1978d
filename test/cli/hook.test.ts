import {expect} from 'chai'
import {execFileSync} from 'node:child_process'

import {findBinaries} from '../../emulator/postgres/binaries.js'
import {count as countRows} from '../helpers/db.js'
import {type Emulator, mutating as mutatingRequests, requestLines, type SeedFixture, seedIncident, useEmulator, useSharedSeed} from '../helpers/emulator.js'
import {HerokuCli, type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

/**
 * The prerun hook through the REAL `heroku` binary (npm heroku@11), with this plugin linked in an isolated
 * HOME, against the emulator. The same commands also run through a second, plugin-less installation, so
 * "runs exactly as without the plugin" is compared, not assumed.
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

  function outcome(run: HerokuRun, unorderedStderr = false): Outcome {
    const normalize = (text: string) => text.replaceAll(UUID, '<id>').replaceAll(/postgres:\/\/\S+/g, '<database url>')
    const stderr = normalize(run.stderr)
    return {mutating: mutating(), status: run.status, stderr: unorderedStderr ? toolMessages(stderr) : stderr, stdout: normalize(run.stdout)}
  }

  function expectRefused(run: HerokuRun, command: string): void {
    expect(run.status, `${run.stdout}${run.stderr}`).to.equal(4)
    const text = unwrap(run.stderr)
    expect(text).to.contain(`heroku-staging refused heroku ${command}`)
    expect(text).to.contain('production data')
    expect(text).to.match(/Would (erase|overwrite|write into|destroy): /)
    expect(text).to.contain('Why it counts as production:')
    expect(text).to.contain('pipeline stage production')
    expect(text).to.contain(`${OVERRIDE}=acme-production heroku ${command}`)
    expect(mutating(), 'mutating requests').to.deep.equal([])
  }

  describe('a production target is refused before any mutating request', function () {
    // Refusals change nothing: one seed for all, seeded again only after a test that changed something.
    const shared = useSharedSeed(fixture, seedFixture, DATABASES)

    it('pg:copy onto production', async function () {
      const run = await cli.run(['pg:copy', 'acme-staging::DATABASE', 'acme-production::DATABASE', '-a', 'acme-staging', '--confirm', 'DATABASE'])
      expectRefused(run, 'pg:copy')
      expect(await count('postgresql-prod', 'orders')).to.equal(500)
      await shared.expectUnchanged()
    })

    it('pg:reset of production', async function () {
      const run = await cli.run(['pg:reset', 'DATABASE', '-a', 'acme-production', '--confirm', 'acme-production'])
      expectRefused(run, 'pg:reset')
      expect(await count('postgresql-prod', 'orders')).to.equal(500)
      await shared.expectUnchanged()
    })

    it('pg:backups:restore into production', async function () {
      const backup = await captureProductionBackup()
      // The backup is a change of its own: the next test starts from a new seed.
      shared.invalidate()
      const run = await cli.run(['pg:backups:restore', backup, 'DATABASE_URL', '-a', 'acme-production', '--confirm', 'acme-production'])
      expectRefused(run, 'pg:backups:restore')
      await shared.expectUnchanged()
    })

    it('pg:push into production', async function () {
      const run = await cli.run(['pg:push', emu.databaseUrl('postgresql-lone'), 'DATABASE', '-a', 'acme-production'])
      expectRefused(run, 'pg:push')
      expect(run.stderr).to.not.match(/postgres:\/\/[^:\s]+:[^*@\s]+@/)
      await shared.expectUnchanged()
    })

    it('addons:destroy of production\'s Postgres', async function () {
      const run = await cli.run(['addons:destroy', 'postgresql-prod', '-a', 'acme-production', '--confirm', 'acme-production'])
      expectRefused(run, 'addons:destroy')
      await shared.expectUnchanged()
    })

    it('addons:destroy of a production add-on that is not Postgres', async function () {
      const run = await cli.run(['addons:destroy', 'redis-prod', '-a', 'acme-production', '--confirm', 'acme-production'])
      expectRefused(run, 'addons:destroy')
      expect(unwrap(run.stderr)).to.contain('add-on redis-prod (heroku-redis:mini, owned by acme-production)')
      expect(unwrap(run.stderr)).to.contain('TARGET_OWNED_BY_PRODUCTION')
      await shared.expectUnchanged()
    })

    it('pg:reset through HEROKU_APP and through a git remote', async function () {
      const byEnv = await cli.run(['pg:reset', '--confirm', 'acme-production'], {env: {HEROKU_APP: 'acme-production'}})
      expect(byEnv.status).to.equal(4)
      expect(mutating()).to.deep.equal([])

      // A Heroku git remote as the stock CLI recognises it for HEROKU_HOST=http://127.0.0.1:PORT.
      const repo = `${cli.home}/repo`
      execFileSync('git', ['init', '-q', repo], {env: cli.env})
      execFileSync('git', ['-C', repo, 'remote', 'add', 'production', `${emu.url.replace(/^http:/, 'https:')}/acme-production.git`], {env: cli.env})
      emu.clearJournal()
      const byRemote = await cli.run(['pg:reset', '--confirm', 'acme-production'], {cwd: repo})
      expect(byRemote.status, byRemote.stderr).to.equal(4)
      expect(byRemote.stderr).to.contain('acme-production')
      expect(mutating()).to.deep.equal([])
      await shared.expectUnchanged()
    })
  })

  describe('a staging target runs exactly as it does without the plugin', function () {
    // Both installations start from the seed: seeded again between them only when the first changed something.
    const same = useSharedSeed(fixture, seedFixture, DATABASES)

    async function compare(args: string[], setup?: () => Promise<string[]>, unorderedStderr = false): Promise<Outcome> {
      const runs: Outcome[] = []
      for (const installation of [stock, cli]) {
        if (installation === cli) await same.reseedIfChanged()
        const finalArgs = setup ? [...args, ...(await setup())] : args
        runs.push(outcome(await installation.run(finalArgs), unorderedStderr))
      }

      const [without, withPlugin] = runs as [Outcome, Outcome]
      expect(withPlugin).to.deep.equal(without)
      return withPlugin
    }

    it('pg:copy from production into staging', async function () {
      const result = await compare(['pg:copy', 'acme-production::DATABASE', 'DATABASE', '-a', 'acme-staging', '--confirm', 'DATABASE'])
      expect(result.status).to.equal(0)
      expect(result.mutating).to.deep.equal(['POST /client/v11/databases/<id>/transfers'])
      expect(await count('postgresql-staging', 'orders')).to.equal(500)
    })

    it('pg:reset of staging', async function () {
      const result = await compare(['pg:reset', 'DATABASE', '-a', 'acme-staging', '--confirm', 'acme-staging'])
      expect(result.status).to.equal(0)
      expect(result.mutating).to.deep.equal(['PUT /client/v11/databases/<id>/reset'])
    })

    it('pg:backups:restore of a production backup into staging', async function () {
      const result = await compare(['pg:backups:restore'], async () => [`acme-production::${await captureProductionBackup()}`, 'DATABASE_URL', '-a', 'acme-staging', '--confirm', 'acme-staging'])
      expect(result.status, result.stderr).to.equal(0)
      expect(result.mutating).to.deep.equal(['POST /client/v11/databases/<id>/restores'])
    })

    it('pg:push into an empty staging database', async function () {
      const result = await compare(['pg:push'], async () => [emu.databaseUrl('postgresql-lone'), 'SCRATCH', '-a', 'acme-staging'], true)
      expect(result.status, result.stderr).to.equal(0)
      expect(await count('postgresql-scratch', 'notes')).to.equal(2)
    })

    it('addons:destroy of a staging Postgres', async function () {
      const result = await compare(['addons:destroy', 'postgresql-scratch', '-a', 'acme-staging', '--confirm', 'acme-staging'])
      expect(result.status).to.equal(0)
      expect(result.mutating).to.deep.equal(['DELETE /apps/<id>/addons/<id>'])
    })

    it('addons:destroy of a staging add-on that is not Postgres', async function () {
      const result = await compare(['addons:destroy', 'redis-staging', '-a', 'acme-staging', '--confirm', 'acme-staging'])
      expect(result.status).to.equal(0)
      expect(result.mutating).to.deep.equal(['DELETE /apps/<id>/addons/<id>'])
    })

    it('an unguarded command sends exactly the stock requests (the hook sends none)', async function () {
      const requests = async (installation: HerokuCli) => {
        emu.clearJournal()
        const run = await installation.run(['pg:info', '-a', 'acme-production'])
        // Connections and Data Size are live figures of the real server (autovacuum moves the size); everything else must match.
        const stdout = run.stdout.replace(/^Connections:.*$/m, '').replace(/^Data Size:.*$/m, '')
        return {requests: emu.journal().map(entry => `${entry.method} ${entry.path}`), status: run.status, stdout}
      }

      const without = await requests(stock)
      expect(await requests(cli)).to.deep.equal(without)
    })
  })

  describe('the seed incident: staging\'s DATABASE_URL is a plain copy of production\'s', function () {
    it('a copy onto the URL from staging\'s config writes production without the plugin, and is refused with it', async function () {
      const topology = await fixture.reseed(async emu => seedIncident(emu))
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

  describe('pg:copy onto production\'s URL spelled another way', function () {
    it('is refused for ?dbname=, ?host=, several hosts, 127.1 and the pooler port, with nothing sent', async function () {
      const topology = await fixture.reseed(async emu => seedIncident(emu))
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
    })
  })

  describe('the override', function () {
    const args = ['pg:reset', 'DATABASE', '-a', 'acme-production', '--confirm', 'acme-production']
    // The refusals share one seed; the test the override lets through resets production (seeded again after it).
    const shared = useSharedSeed(fixture, seedFixture, DATABASES)

    it('works with the production app\'s name, and says so', async function () {
      const run = await cli.run(args, {env: {[OVERRIDE]: 'acme-production'}})
      expect(run.status, run.stderr).to.equal(0)
      expect(run.stderr).to.contain(`${OVERRIDE}=acme-production: letting heroku pg:reset`)
      expect(mutating()).to.deep.equal(['PUT /client/v11/databases/<id>/reset'])
      expect(await count('postgresql-prod', 'orders').catch(() => 0)).to.equal(0)
    })

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
