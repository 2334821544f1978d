import {expect} from 'chai'

import {count as countRows} from '../helpers/db.js'
import {type BatchStep, type Emulator, mutating as mutatingRequests, requestLines, type SeedFixture, useBatch, useEmulator, useSharedSeed} from '../helpers/emulator.js'
import {HerokuCli, type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

/**
 * The prerun hook on the commands that destroy, cut off or re-point production (lib/hook/destructive.ts),
 * through the REAL `heroku` 11.10 binary with the plugin linked, against the emulator. On production each
 * is refused (exit 4) with no mutating request in the journal and production's rows intact; on staging the
 * same command runs through a plugin-less installation too, and both outcomes must be equal.
 *
 * What costs here is starting `heroku` and seeding seven add-ons (five real databases), so both are paid once
 * where they can be (useBatch, test/helpers/emulator.ts): the refusals run one after the other from one seed and
 * are proven to have changed nothing by every step's journal and one row checksum after the last; the staging
 * commands run in groups whose targets are disjoint, each group from one seed per installation.
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

  const mutating = (): string[] => requestLines(mutatingRequests(emu))
  const productionRows = async (): Promise<number> => countRows(emu.databaseUrl('postgresql-prod'), 'orders')
  const productionAddons = async (): Promise<string[]> => {
    const addons = await (await fetch(`${emu.url}/apps/acme-production/addons`, {headers: {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${emu.env.HEROKU_API_KEY}`}})).json() as Array<{name: string}>
    return addons.map(addon => addon.name).sort()
  }

  // Production's DATABASE, named in full: app, attachment, config var, add-on, plan, owner, host and database.
  const PROD_DATABASE = /acme-production's DATABASE attachment \(DATABASE_URL\), add-on postgresql-prod \(heroku-postgresql:standard-0, owned by acme-production\), at [^\s,]+:\d+\/\S+/

  describe('on production: refused, nothing mutating sent, production intact', function () {
    // Refusals change nothing: one seed, every refusal one after the other, one proof for all that nothing changed.
    const batch = useBatch<void, HerokuRun>(fixture, seedFixture, DATABASES)
    // Production after the last refusal (a refusal that destroyed something fails every test of the batch).
    let rowsAfter: number
    let addonsAfter: string[]
    before(async function () {
      rowsAfter = await productionRows()
      addonsAfter = await productionAddons()
    })

    function expectRefused({mutating: sent, result: run}: BatchStep<HerokuRun>, command: string, ...mentions: string[]): void {
      expect(run.status, `${run.stdout}${run.stderr}`).to.equal(4)
      const text = unwrap(run.stderr)
      expect(text).to.contain(`heroku-staging refused heroku ${command}`)
      expect(text).to.contain('Why it counts as production:')
      expect(text).to.contain('acme-production is a production app (pipeline stage production, pipeline acme)')
      expect(text).to.contain(`${OVERRIDE}=acme-production heroku ${command}`)
      for (const mention of mentions) expect(text).to.contain(mention)
      expect(text, 'no credential printed').to.not.match(/postgres:\/\/[^:\s]+:[^*@\s]+@/)
      expect(sent, 'mutating requests').to.deep.equal([])
      expect(rowsAfter).to.equal(500)
      expect(addonsAfter).to.deep.equal(['advanced-prod', 'postgresql-prod', 'postgresql-prod-follower', 'redis-prod'])
      batch.expectUnchanged()
    }

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
    for (const {args, command, name} of cases) batch.add(name, async () => cli.run([command, ...args]))
    // Two more spellings whose message must name production's database in full (the third, addons:detach
    // DATABASE, is a case above: its run is checked for the full name too, not run again).
    const fullName = {
      'config:set DATABASE_URL': ['config:set', 'DATABASE_URL=x', '-a', 'acme-production'],
      'pg:upgrade:run': ['pg:upgrade:run', '-a', 'acme-production', '--confirm', 'acme-production'],
    }
    for (const [name, args] of Object.entries(fullName)) batch.add(`full name: ${name}`, async () => cli.run(args))
    batch.add('config:remove', async () => cli.run(['config:remove', 'DATABASE_URL', '-a', 'acme-production']))
    batch.add('HEROKU_APP', async () => cli.run(['pg:promote', 'FOLLOWER'], {env: {HEROKU_APP: 'acme-production'}}))

    for (const {command, mentions, name} of cases) {
      it(name, function () {
        expectRefused(batch.get(name), command, ...mentions)
      })
    }

    it('names production\'s database in full (pg:upgrade:run, addons:detach, config:set DATABASE_URL)', function () {
      for (const key of ['full name: pg:upgrade:run', 'addons:detach of the database attachment', 'full name: config:set DATABASE_URL']) {
        const {result: run} = batch.get(key)
        expect(run.status, key).to.equal(4)
        expect(unwrap(run.stderr), key).to.match(PROD_DATABASE)
      }

      batch.expectUnchanged()
    })

    it('an alias arrives canonical: config:remove DATABASE_URL is config:unset', function () {
      expectRefused(batch.get('config:remove'), 'config:unset')
    })

    it('HEROKU_APP names production as --app would', function () {
      const {mutating: sent, result: run} = batch.get('HEROKU_APP')
      expect(run.status, run.stderr).to.equal(4)
      expect(sent).to.deep.equal([])
      batch.expectUnchanged()
    })
  })

  describe('on production, with staging\'s database attached to it: refused, nothing mutating sent', function () {
    // Both start from the seed with staging's database attached to production by the stock CLI: the first
    // changes nothing (proven), the second detaches it, last.
    const attached = useSharedSeed(fixture, async (emu: Emulator) => {
      await seedFixture(emu)
      return stock.run(['addons:attach', 'postgresql-staging', '--as', 'STAGING_DB', '-a', 'acme-production'])
    }, DATABASES)

    it('a staging app destroying the database production has attached is refused (both sides named)', async function () {
      expect(attached.seeded.status, attached.seeded.stderr).to.equal(0)
      const run = await cli.run(['apps:destroy', 'acme-staging', '--confirm', 'acme-staging'])
      expect(run.status, run.stderr).to.equal(4)
      const text = unwrap(run.stderr)
      expect(text).to.contain('add-on postgresql-staging is attached to production app acme-production as STAGING_DB')
      expect(text).to.contain(`${OVERRIDE}=acme-production heroku apps:destroy`)
      expect(mutating()).to.deep.equal([])
      await attached.expectUnchanged()
    })

    it(`${OVERRIDE}=acme-production lets it through, with a warning; another value does not`, async function () {
      // Production has staging's database attached as STAGING_DB: detaching it is a database attachment of production.
      expect(attached.seeded.status).to.equal(0)
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
    // Ids, database URLs and the colour Heroku picks for a new alias differ between two fresh seeds.
    const normalize = (text: string) => text.replaceAll(UUID, '<id>').replaceAll(/postgres:\/\/\S+/g, '<database url>').replaceAll(/HEROKU_POSTGRESQL_[A-Z]+_URL/g, 'HEROKU_POSTGRESQL_<COLOR>_URL')
    const outcome = ({mutating: sent, result: run}: BatchStep<HerokuRun>) => ({mutating: sent, status: run.status, stderr: normalize(run.stderr), stdout: normalize(run.stdout)})

    // Four groups, each run through both installations from one seed apiece (useBatch), the stock CLI's first.
    // Within a group no two commands touch the same add-on, attachment or config var; the two that change
    // nothing go first, and the ones that re-point a config var or destroy the app go last, so every command
    // meets its own target as seeded, and both installations meet the same state at every step. FOLLOWER is
    // the target of four commands: hence four groups.
    const groups: Array<Array<{args: string[]; mutates: boolean}>> = [
      [
        {args: ['data:pg:credentials:destroy', 'ANALYTICS', '--name', 'nobody', '-a', 'acme-staging', '--confirm', 'acme-staging'], mutates: false},
        // Production, but nothing the guard covers: a Redis add-on.
        {args: ['addons:detach', 'redis-prod', '-a', 'acme-production'], mutates: false},
        {args: ['data:pg:destroy', 'ANALYTICS', '-a', 'acme-staging', '--confirm', 'acme-staging'], mutates: true},
        {args: ['pg:unfollow', 'FOLLOWER', '-a', 'acme-staging', '--confirm', 'acme-staging'], mutates: true},
        {args: ['config:unset', 'LEGACY_DB', '-a', 'acme-staging'], mutates: true},
      ],
      [
        {args: ['data:pg:upgrade:run', 'ANALYTICS', '-a', 'acme-staging', '--confirm', 'acme-staging', '--version', '17'], mutates: true},
        {args: ['pg:upgrade:run', 'FOLLOWER', '-a', 'acme-staging', '--confirm', 'acme-staging', '--version', '17'], mutates: true},
        {args: ['config:set', 'DATABASE_URL=postgres://u:p@elsewhere.example.com:5432/db', '-a', 'acme-staging'], mutates: true},
        // Production, but nothing the guard covers: a config var that is not a database's.
        {args: ['config:set', 'FEATURE_FLAG=on', '-a', 'acme-production'], mutates: true},
      ],
      [
        {args: ['pg:credentials:rotate', 'DATABASE', '--all', '-a', 'acme-staging', '--confirm', 'acme-staging'], mutates: true},
        {args: ['addons:detach', 'FOLLOWER', '-a', 'acme-staging'], mutates: true},
        {args: ['apps:destroy', 'acme-staging', '--confirm', 'acme-staging'], mutates: true},
      ],
      [
        {args: ['pg:promote', 'FOLLOWER', '-a', 'acme-staging'], mutates: true},
      ],
    ]

    for (const group of groups) {
      const without = useBatch<void, HerokuRun>(fixture, seedFixture)
      const withPlugin = useBatch<void, HerokuRun>(fixture, seedFixture)
      for (const {args} of group) {
        without.add(args.join(' '), async () => stock.run(args))
        withPlugin.add(args.join(' '), async () => cli.run(args))
      }

      for (const {args, mutates} of group) {
        it(args.join(' '), function () {
          const result = outcome(withPlugin.get(args.join(' ')))
          expect(result).to.deep.equal(outcome(without.get(args.join(' '))))
          if (mutates) expect(result.mutating, 'the command did something').to.not.deep.equal([])
        })
      }
    }
  })
})
