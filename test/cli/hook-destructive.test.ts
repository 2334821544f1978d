import {expect} from 'chai'

import {count as countRows} from '../helpers/db.js'
import {type Emulator, mutating as mutatingRequests, requestLines, type SeedFixture, useEmulator, useSharedSeed} from '../helpers/emulator.js'
import {HerokuCli, type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

/**
 * The prerun hook on the commands that destroy, cut off or re-point production (lib/hook/destructive.ts),
 * through the REAL `heroku` 11.10 binary with the plugin linked, against the emulator. On production each
 * is refused (exit 4) with no mutating request in the journal and production's rows intact; on staging the
 * same command runs through a plugin-less installation too, and both outcomes must be equal.
 */

const OVERRIDE = 'HEROKU_STAGING_ALLOW_PRODUCTION'

const FIXTURE: SeedFixture = {
  addons: [
    {app: 'acme-production', as: 'DATABASE', name: 'postgresql-prod', plan: 'heroku-postgresql:standard-0', sql: 'create table orders(id int primary key, total int); insert into orders select g, g * 10 from generate_series(1, 500) g'},
    {app: 'acme-production', as: 'FOLLOWER', follow: 'postgresql-prod', name: 'postgresql-prod-follower', plan: 'heroku-postgresql:standard-0'},
    {app: 'acme-production', as: 'ANALYTICS', name: 'advanced-prod', plan: 'heroku-postgresql:advanced', version: '16'},
    {app: 'acme-production', name: 'redis-prod', plan: 'heroku-redis:mini'},
    {app: 'acme-staging', as: 'DATABASE', name: 'postgresql-staging', plan: 'heroku-postgresql:standard-0', sql: 'create table orders(id int primary key, total int); insert into orders values (1, 1)'},
    {app: 'acme-staging', as: 'FOLLOWER', follow: 'postgresql-staging', name: 'postgresql-staging-follower', plan: 'heroku-postgresql:standard-0'},
    {app: 'acme-staging', as: 'ANALYTICS', name: 'advanced-staging', plan: 'heroku-postgresql:advanced', version: '16'},
  ],
  apps: [
    {config: {LEGACY_DB: 'postgres://legacy:legacy-secret-pw@legacy.example.com:5432/legacy', SECRET_KEY_BASE: 'prod-secret-key-base-0123456789'}, name: 'acme-production'},
    {config: {LEGACY_DB: 'postgres://legacy:legacy-secret-pw@legacy.example.com:5432/legacy'}, name: 'acme-staging'},
  ],
  pipelines: [{apps: {'acme-production': 'production', 'acme-staging': 'staging'}, name: 'acme'}],
}

/** Every database of FIXTURE: a refusal leaves all their rows as seeded. */
const DATABASES = ['postgresql-prod', 'postgresql-prod-follower', 'advanced-prod', 'postgresql-staging', 'postgresql-staging-follower', 'advanced-staging']
const seedFixture = async (emu: Emulator): Promise<void> => emu.seed(FIXTURE)

const UUID = /[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}/gi

describe('prerun hook: destructive commands through the real heroku CLI', function () {
  this.timeout(300_000)
  const fixture = useEmulator({cli: 'link'})
  let emu: Emulator
  let cli: HerokuCli
  let stock: HerokuCli

  before(async function () {
    emu = fixture.emu
    cli = fixture.cli
    stock = await HerokuCli.create({env: emu.env, plugin: false})
  })

  after(async function () {
    await stock?.cleanup()
  })

  async function fresh(): Promise<void> {
    await fixture.reseed(seedFixture)
  }

  const mutating = (): string[] => requestLines(mutatingRequests(emu))
  const productionRows = async (): Promise<number> => countRows(emu.databaseUrl('postgresql-prod'), 'orders')
  const productionAddons = async (): Promise<string[]> => {
    const addons = await (await fetch(`${emu.url}/apps/acme-production/addons`, {headers: {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${emu.env.HEROKU_API_KEY}`}})).json() as Array<{name: string}>
    return addons.map(addon => addon.name).sort()
  }

  // Refusals change nothing: they share one seed (seeded again only after a test that changed something).
  let shared: ReturnType<typeof useSharedSeed<void>>

  async function expectRefused(run: HerokuRun, command: string, ...mentions: string[]): Promise<void> {
    expect(run.status, `${run.stdout}${run.stderr}`).to.equal(4)
    const text = unwrap(run.stderr)
    expect(text).to.contain(`heroku-staging refused heroku ${command}`)
    expect(text).to.contain('Why it counts as production:')
    expect(text).to.contain('acme-production is a production app (pipeline stage production, pipeline acme)')
    expect(text).to.contain(`${OVERRIDE}=acme-production heroku ${command}`)
    for (const mention of mentions) expect(text).to.contain(mention)
    expect(text, 'no credential printed').to.not.match(/postgres:\/\/[^:\s]+:[^*@\s]+@/)
    expect(mutating(), 'mutating requests').to.deep.equal([])
    expect(await productionRows()).to.equal(500)
    expect(await productionAddons()).to.deep.equal(['advanced-prod', 'postgresql-prod', 'postgresql-prod-follower', 'redis-prod'])
    await shared.expectUnchanged()
  }

  // Production's DATABASE, named in full: app, attachment, config var, add-on, plan, owner, host and database.
  const PROD_DATABASE = /acme-production's DATABASE attachment \(DATABASE_URL\), add-on postgresql-prod \(heroku-postgresql:standard-0, owned by acme-production\), at [^\s,]+:\d+\/\S+/

  describe('on production: refused, nothing mutating sent, production intact', function () {
    shared = useSharedSeed(fixture, seedFixture, DATABASES)
    const cases: Array<{args: string[]; command: string; mentions: string[]; name: string}> = [
      {args: ['ANALYTICS', '-a', 'acme-production', '--confirm', 'acme-production'], command: 'data:pg:destroy', mentions: ["acme-production's ANALYTICS attachment", 'add-on advanced-prod (heroku-postgresql:advanced, owned by acme-production)'], name: 'data:pg:destroy'},
      {args: ['acme-production::ANALYTICS', '--confirm', 'acme-production'], command: 'data:pg:destroy', mentions: ['advanced-prod'], name: 'data:pg:destroy APP::DB without -a'},
      {args: ['acme-production', '--confirm', 'acme-production'], command: 'apps:destroy', mentions: ['app acme-production and the add-ons it owns', 'redis-prod (heroku-redis:mini', 'postgresql-prod (heroku-postgresql:standard-0'], name: 'apps:destroy APP'},
      {args: ['-a', 'acme-production', '--confirm', 'acme-production'], command: 'apps:destroy', mentions: ['app acme-production'], name: 'apps:destroy -a APP'},
      {args: ['FOLLOWER', '-a', 'acme-production'], command: 'pg:promote', mentions: ["acme-production's FOLLOWER attachment", 'postgresql-prod-follower'], name: 'pg:promote'},
      {args: ['FOLLOWER', '-a', 'acme-production', '--confirm', 'acme-production'], command: 'pg:unfollow', mentions: ['postgresql-prod-follower (heroku-postgresql:standard-0, owned by acme-production)'], name: 'pg:unfollow'},
      {args: ['DATABASE', '-a', 'acme-production'], command: 'addons:detach', mentions: [], name: 'addons:detach of the database attachment'},
      {args: ['DATABASE', '-a', 'acme-production', '--confirm', 'acme-production', '--version', '17'], command: 'pg:upgrade:run', mentions: [], name: 'pg:upgrade:run'},
      {args: ['ANALYTICS', '-a', 'acme-production', '--confirm', 'acme-production', '--version', '17'], command: 'data:pg:upgrade:run', mentions: ['advanced-prod'], name: 'data:pg:upgrade:run'},
      {args: ['-a', 'acme-production'], command: 'data:pg:migrate', mentions: ["app acme-production's databases"], name: 'data:pg:migrate'},
      {args: ['DATABASE', '--all', '-a', 'acme-production', '--confirm', 'acme-production'], command: 'pg:credentials:rotate', mentions: [], name: 'pg:credentials:rotate --all'},
      {args: ['--force', '-a', 'acme-production', '--confirm', 'acme-production'], command: 'pg:credentials:rotate', mentions: [], name: 'pg:credentials:rotate --force (DATABASE_URL by default)'},
      {args: ['ANALYTICS', '--name', 'analyst', '-a', 'acme-production', '--confirm', 'acme-production'], command: 'data:pg:credentials:destroy', mentions: ['advanced-prod'], name: 'data:pg:credentials:destroy'},
      {args: ['DATABASE_URL=postgres://u:p@elsewhere.example.com:5432/db', '-a', 'acme-production'], command: 'config:set', mentions: [], name: 'config:set DATABASE_URL'},
      {args: ['LEGACY_DB=x', 'OTHER=1', '-a', 'acme-production'], command: 'config:set', mentions: ["acme-production's LEGACY_DB (at legacy.example.com:5432/legacy)"], name: 'config:set of a var holding a Postgres URL'},
      {args: ['HEROKU_POSTGRESQL_RED_URL', '-a', 'acme-production'], command: 'config:unset', mentions: ["acme-production's HEROKU_POSTGRESQL_RED_URL (not set yet)"], name: 'config:unset HEROKU_POSTGRESQL_*_URL'},
      {args: ['FOLLOWER_URL', '-a', 'acme-production'], command: 'config:unset', mentions: ["acme-production's FOLLOWER attachment (FOLLOWER_URL)"], name: 'config:unset of a var an attachment exposes'},
    ]
    for (const {args, command, mentions, name} of cases) {
      it(name, async function () {
        await expectRefused(await cli.run([command, ...args]), command, ...mentions)
      })
    }

    it('names production\'s database in full (pg:upgrade:run, addons:detach, config:set DATABASE_URL)', async function () {
      for (const args of [['pg:upgrade:run', '-a', 'acme-production', '--confirm', 'acme-production'], ['addons:detach', 'DATABASE', '-a', 'acme-production'], ['config:set', 'DATABASE_URL=x', '-a', 'acme-production']]) {
        const run = await cli.run(args)
        expect(run.status).to.equal(4)
        expect(unwrap(run.stderr)).to.match(PROD_DATABASE)
      }

      await shared.expectUnchanged()
    })

    it('an alias arrives canonical: config:remove DATABASE_URL is config:unset', async function () {
      await expectRefused(await cli.run(['config:remove', 'DATABASE_URL', '-a', 'acme-production']), 'config:unset')
    })

    it('HEROKU_APP names production as --app would', async function () {
      const run = await cli.run(['pg:promote', 'FOLLOWER'], {env: {HEROKU_APP: 'acme-production'}})
      expect(run.status, run.stderr).to.equal(4)
      expect(mutating()).to.deep.equal([])
      await shared.expectUnchanged()
    })
  })

  // These attach staging's database to production first: each starts from its own seed.
  describe('on production, with staging\'s database attached to it: refused, nothing mutating sent', function () {
    it('a staging app destroying the database production has attached is refused (both sides named)', async function () {
      await fresh()
      const attach = await stock.run(['addons:attach', 'postgresql-staging', '--as', 'STAGING_DB', '-a', 'acme-production'])
      expect(attach.status, attach.stderr).to.equal(0)
      emu.clearJournal()
      const run = await cli.run(['apps:destroy', 'acme-staging', '--confirm', 'acme-staging'])
      expect(run.status, run.stderr).to.equal(4)
      const text = unwrap(run.stderr)
      expect(text).to.contain('add-on postgresql-staging is attached to production app acme-production as STAGING_DB')
      expect(text).to.contain(`${OVERRIDE}=acme-production heroku apps:destroy`)
      expect(mutating()).to.deep.equal([])
    })

    it(`${OVERRIDE}=acme-production lets it through, with a warning; another value does not`, async function () {
      await fresh()
      // Production has staging's database attached as STAGING_DB: detaching it is a database attachment of production.
      expect((await stock.run(['addons:attach', 'postgresql-staging', '--as', 'STAGING_DB', '-a', 'acme-production'])).status).to.equal(0)
      emu.clearJournal()
      const wrong = await cli.run(['addons:detach', 'STAGING_DB', '-a', 'acme-production'], {env: {[OVERRIDE]: 'acme-staging'}})
      expect(wrong.status).to.equal(4)
      expect(unwrap(wrong.stderr)).to.contain(`${OVERRIDE}=acme-staging is set, but that is not accepted`)
      expect(mutating()).to.deep.equal([])
      const allowed = await cli.run(['addons:detach', 'STAGING_DB', '-a', 'acme-production'], {env: {[OVERRIDE]: 'acme-production'}})
      expect(allowed.status, allowed.stderr).to.equal(0)
      expect(unwrap(allowed.stderr)).to.contain(`${OVERRIDE}=acme-production: letting heroku addons:detach STAGING_DB -a acme-production`)
      expect(mutating()).to.deep.equal(['DELETE /addon-attachments/<id>'])
    })
  })

  describe('on staging (and harmless changes on production): exactly as without the plugin', function () {
    // Both installations start from the seed: seeded again between them only when the first changed something.
    const same = useSharedSeed(fixture, seedFixture, DATABASES)

    async function compare(args: string[]): Promise<{mutating: string[]; status: null | number}> {
      const runs: Array<{mutating: string[]; status: null | number; stderr: string; stdout: string}> = []
      for (const installation of [stock, cli]) {
        if (installation === cli) await same.reseedIfChanged()
        const run = await installation.run(args)
        // Ids, database URLs and the colour Heroku picks for a new alias differ between two fresh seeds.
        const normalize = (text: string) => text.replaceAll(UUID, '<id>').replaceAll(/postgres:\/\/\S+/g, '<database url>').replaceAll(/HEROKU_POSTGRESQL_[A-Z]+_URL/g, 'HEROKU_POSTGRESQL_<COLOR>_URL')
        runs.push({mutating: mutating(), status: run.status, stderr: normalize(run.stderr), stdout: normalize(run.stdout)})
      }

      const [without, withPlugin] = runs as [typeof runs[0], typeof runs[0]]
      expect(withPlugin).to.deep.equal(without)
      return withPlugin
    }

    const cases: Array<{args: string[]; mutates: boolean}> = [
      {args: ['data:pg:destroy', 'ANALYTICS', '-a', 'acme-staging', '--confirm', 'acme-staging'], mutates: true},
      {args: ['apps:destroy', 'acme-staging', '--confirm', 'acme-staging'], mutates: true},
      {args: ['pg:promote', 'FOLLOWER', '-a', 'acme-staging'], mutates: true},
      {args: ['pg:unfollow', 'FOLLOWER', '-a', 'acme-staging', '--confirm', 'acme-staging'], mutates: true},
      {args: ['addons:detach', 'FOLLOWER', '-a', 'acme-staging'], mutates: true},
      {args: ['pg:upgrade:run', 'FOLLOWER', '-a', 'acme-staging', '--confirm', 'acme-staging', '--version', '17'], mutates: true},
      {args: ['data:pg:upgrade:run', 'ANALYTICS', '-a', 'acme-staging', '--confirm', 'acme-staging', '--version', '17'], mutates: true},
      {args: ['pg:credentials:rotate', 'DATABASE', '--all', '-a', 'acme-staging', '--confirm', 'acme-staging'], mutates: true},
      {args: ['data:pg:credentials:destroy', 'ANALYTICS', '--name', 'nobody', '-a', 'acme-staging', '--confirm', 'acme-staging'], mutates: false},
      {args: ['config:set', 'DATABASE_URL=postgres://u:p@elsewhere.example.com:5432/db', '-a', 'acme-staging'], mutates: true},
      {args: ['config:unset', 'LEGACY_DB', '-a', 'acme-staging'], mutates: true},
      // Production, but nothing the guard covers: a config var that is not a database's, one named credential.
      {args: ['config:set', 'FEATURE_FLAG=on', '-a', 'acme-production'], mutates: true},
      {args: ['addons:detach', 'redis-prod', '-a', 'acme-production'], mutates: false},
    ]
    for (const {args, mutates} of cases) {
      it(args.join(' '), async function () {
        const result = await compare(args)
        if (mutates) expect(result.mutating, 'the command did something').to.not.deep.equal([])
      })
    }
  })
})
