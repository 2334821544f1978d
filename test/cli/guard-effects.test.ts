import {expect} from 'chai'

import {count as countRows} from '../helpers/db.js'
import {type Emulator, mutating as mutatingRequests, requestLines, type SeedFixture, useEmulator} from '../helpers/emulator.js'
import {type HerokuCli, type HerokuRun, unwrap} from '../helpers/heroku-cli.js'

/**
 * The effect guard (lib/hook/intercept.ts, effect-guard.ts) through the REAL `heroku` 11.10 binary with the
 * plugin linked, against the emulator: what a request DOES to production is refused before it is sent,
 * whatever the command is called. Refusals share one seed (nothing may change it), and are batched so that
 * the state and the journal are checked once for the batch; writes that change no effect run after, on
 * their own seed.
 */

const OVERRIDE = 'HEROKU_STAGING_ALLOW_PRODUCTION'

const FIXTURE: SeedFixture = {
  addons: [
    {app: 'acme-production', as: 'DATABASE', name: 'postgresql-prod', plan: 'heroku-postgresql:standard-0', sql: 'create table orders(id int primary key); insert into orders select g from generate_series(1, 50) g'},
    {app: 'acme-production', as: 'ANALYTICS', name: 'advanced-prod', plan: 'heroku-postgresql:advanced', version: '16'},
    {app: 'acme-production', as: 'REDIS', name: 'redis-prod', plan: 'heroku-redis:mini'},
    {app: 'acme-staging', as: 'DATABASE', name: 'postgresql-staging', plan: 'heroku-postgresql:standard-0', sql: 'create table orders(id int primary key); insert into orders values (1)'},
  ],
  apps: [
    {config: {FEATURE_X: '0'}, formation: [{quantity: 1, type: 'web'}], name: 'acme-production'},
    {name: 'acme-staging'},
  ],
  pipelines: [{apps: {'acme-production': 'production', 'acme-staging': 'staging'}, name: 'acme'}],
}

interface ProductionState {
  addons: string[]
  attachments: string[]
  config: Record<string, string>
  coupling: string
  rows: number
}

describe('effect guard: what a request does to production, through the real heroku CLI', function () {
  this.timeout(300_000)
  const fixture = useEmulator({cli: 'link', seed: async emu => emu.seed(FIXTURE)})
  let emu: Emulator
  let cli: HerokuCli

  before(function () {
    emu = fixture.emu
    cli = fixture.cli
  })

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => (await fixture.api<T>(method, path, body)).body

  async function productionState(): Promise<ProductionState> {
    const [addons, attachments, config, couplings] = await Promise.all([
      api<Array<{name: string}>>('GET', '/apps/acme-production/addons'),
      api<Array<{addon: {name: string}; name: string}>>('GET', '/apps/acme-production/addon-attachments'),
      api<Record<string, string>>('GET', '/apps/acme-production/config-vars'),
      api<Array<{stage: string}>>('GET', '/apps/acme-production/pipeline-couplings'),
    ])
    return {
      addons: addons.map(a => a.name).sort(),
      attachments: attachments.map(a => `${a.name}=${a.addon.name}`).sort(),
      config,
      coupling: JSON.stringify(couplings).includes('"production"') ? 'production' : 'other',
      rows: await countRows(emu.databaseUrl('postgresql-prod'), 'orders'),
    }
  }

  function expectRefused(run: HerokuRun, ...mentions: string[]): void {
    expect(run.status, `${run.stdout}${run.stderr}`).to.equal(4)
    const text = unwrap(run.stderr)
    expect(text).to.match(/heroku-staging refused heroku \S+.*: (its request (POST|PATCH|PUT|DELETE) \S+ would|it would|it could not tell)/)
    for (const mention of mentions) expect(text).to.contain(mention)
    expect(text, 'no credential printed').to.not.match(/(postgres|redis):\/\/[^:\s]+:[^*@\s]+@/)
    expect(text, 'never suggests the staging app').to.not.contain(`${OVERRIDE}=acme-staging`)
  }

  describe('refused before it is sent: production unchanged, no mutating request in the journal', function () {
    let before: ProductionState
    beforeEach(async function () {
      before ??= await productionState()
      emu.clearJournal()
    })
    afterEach(async function () {
      expect(requestLines(mutatingRequests(emu)), 'mutating requests').to.deep.equal([])
      expect(await productionState()).to.deep.equal(before)
    })

    it('re-wired: addons:attach and addons:create as DATABASE, lower-case addons:detach, data:pg attachments', async function () {
      const runs = await Promise.all([
        cli.run(['addons:attach', 'postgresql-staging', '-a', 'acme-production', '--as', 'DATABASE', '--confirm', 'acme-production']),
        cli.run(['addons:create', 'heroku-postgresql:standard-0', '-a', 'acme-production', '--as', 'DATABASE', '--confirm', 'acme-production']),
        cli.run(['addons:detach', 'database', '-a', 'acme-production']),
      ])
      expectRefused(runs[0]!, 'its request POST /addon-attachments would re-wire production', 'attach postgresql-staging to acme-production as DATABASE (DATABASE_URL)', 'acme-production is a production app (pipeline stage production, pipeline acme)', `${OVERRIDE}=acme-production heroku addons:attach`)
      expectRefused(runs[1]!, 'its request POST /apps/acme-production/addons would re-wire production', 'as DATABASE (DATABASE_URL re-pointed at the new store)')
      expectRefused(runs[2]!)
    })

    it('credentials: pg:credentials:rotate without --all or --name (the default credential), redis:credentials --reset', async function () {
      const runs = await Promise.all([
        cli.run(['pg:credentials:rotate', 'DATABASE', '-a', 'acme-production', '--confirm', 'acme-production']),
        cli.run(['redis:credentials', 'REDIS', '-a', 'acme-production', '--reset']),
      ])
      expectRefused(runs[0]!, "rotate or destroy production's credentials", 'postgresql-prod')
      expectRefused(runs[1]!, 'redis-prod')
    })

    it('demoted: pipelines:update --stage development on production', async function () {
      const run = await cli.run(['pipelines:update', '-a', 'acme-production', '--stage', 'development'])
      expectRefused(run, 'would demote production', 'move acme-production to stage development')
    })

    it('fail closed: production\'s config vars answering 403 to this token alone refuses config:set DATABASE_URL', async function () {
      emu.addFault({path: '^/apps/acme-production/config-vars$', status: 403, times: 50, token: emu.env.HEROKU_API_KEY})
      const run = await cli.run(['config:set', 'DATABASE_URL=postgres://u:p@elsewhere.example.com:5432/db', '-a', 'acme-production'])
      emu.clearFaults()
      expectRefused(run, 'GET /apps/acme-production/config-vars answered 403')
    })
  })
})
