import {expect} from 'chai'

import {chmod, mkdir, mkdtemp, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {stableId} from '../../emulator/catalog.js'

import {apiClient} from '../helpers/api.js'
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
    {app: 'acme-production', as: 'CACHE', name: 'cache-prod', plan: 'heroku-redis:mini'},
    {app: 'acme-staging', as: 'DATABASE', name: 'postgresql-staging', plan: 'heroku-postgresql:standard-0', sql: 'create table orders(id int primary key); insert into orders values (1)'},
    {app: 'acme-staging', as: 'ANALYTICS', name: 'advanced-staging', plan: 'heroku-postgresql:advanced', version: '16'},
    // Production by the HEROKU_STAGING_PROTECTED config var alone, and by a name-only policy file entry alone.
    {app: 'acme-marked', as: 'DATABASE', name: 'postgresql-marked', plan: 'heroku-postgresql:standard-0', sql: 'create table orders(id int primary key); insert into orders select g from generate_series(1, 50) g'},
    {app: 'acme-named', as: 'DATABASE', name: 'postgresql-named', plan: 'heroku-postgresql:standard-0'},
  ],
  // A second attachment of each Advanced database: Heroku refuses to detach a billing app's last one.
  attachments: [
    {addon: 'advanced-prod', app: 'acme-production', as: 'ANALYTICS_READER'},
    {addon: 'advanced-staging', app: 'acme-staging', as: 'ANALYTICS_READER'},
  ],
  apps: [
    {config: {FEATURE_X: '0'}, formation: [{quantity: 1, type: 'web'}], name: 'acme-production'},
    {name: 'acme-staging'},
    {config: {HEROKU_STAGING_PROTECTED: '1'}, name: 'acme-marked'},
    {name: 'acme-named'},
  ],
  pipelines: [{apps: {'acme-production': 'production', 'acme-staging': 'staging'}, name: 'acme'}],
}

/** Production's releases to roll back to: one with an extra credential var, one differing by a flag only. */
interface Releases {
  flagOnly: number
  withCredential: number
}

async function seed(emu: Emulator): Promise<Releases> {
  await emu.seed(FIXTURE)
  const api = apiClient(emu)
  const version = async (changes: Record<string, null | string>): Promise<number> => {
    await api('PATCH', '/apps/acme-production/config-vars', changes)
    const list = (await api<Array<{version: number}>>('GET', '/apps/acme-production/releases')).body
    return Math.max(...list.map(r => r.version))
  }

  const withCredential = await version({OLD_DB_URL: 'postgres://old:old-secret-pw@old-db.example.com:5432/old'})
  await version({OLD_DB_URL: null})
  const flagOnly = await version({FEATURE_X: '1'})
  await version({FEATURE_X: '2'})
  return {flagOnly, withCredential}
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
  const fixture = useEmulator({cli: 'link', seed})
  let releases: Releases
  let emu: Emulator
  let cli: HerokuCli

  before(function () {
    emu = fixture.emu
    cli = fixture.cli
    releases = fixture.seeded
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

    it('re-wired: addons:attach and addons:create as DATABASE on production, addons:detach in lower case', async function () {
      const runs = await Promise.all([
        cli.run(['addons:attach', 'postgresql-staging', '-a', 'acme-production', '--as', 'DATABASE', '--confirm', 'acme-production']),
        cli.run(['addons:create', 'heroku-postgresql:standard-0', '-a', 'acme-production', '--as', 'DATABASE', '--confirm', 'acme-production']),
        cli.run(['addons:detach', 'database', '-a', 'acme-production']),
      ])
      expectRefused(runs[0]!, 'its request POST /addon-attachments would re-wire production', 'attach postgresql-staging to acme-production as DATABASE (DATABASE_URL)', 'acme-production is a production app (pipeline stage production, pipeline acme)', `${OVERRIDE}=acme-production heroku addons:attach`)
      expectRefused(runs[1]!, 'its request POST /apps/acme-production/addons would re-wire production', 'as DATABASE (DATABASE_URL re-pointed at the new add-on)')
      expectRefused(runs[2]!)
    })

    it('classes, not cases: any add-on or a plan id --as DATABASE, a marker-only app, a name-only rename, pg:upgrade:prepare', async function () {
      // A repository whose policy file names acme-named by name only (no id).
      const repo = await mkdtemp(path.join(tmpdir(), 'guard-effects-repo-'))
      await mkdir(path.join(repo, '.git'))
      await writeFile(path.join(repo, '.heroku-staging.json'), JSON.stringify({production: ['acme-named']}))
      const runs = await Promise.all([
        cli.run(['addons:create', 'mailgun', '-a', 'acme-production', '--as', 'DATABASE', '--confirm', 'acme-production']),
        cli.run(['addons:create', stableId('plan:heroku-postgresql:standard-0'), '-a', 'acme-production', '--as', 'DATABASE', '--confirm', 'acme-production']),
        cli.run(['pg:reset', 'DATABASE', '-a', 'acme-marked', '--confirm', 'acme-marked']),
        cli.run(['apps:rename', 'acme-renamed', '-a', 'acme-named'], {cwd: repo}),
        cli.run(['pg:upgrade:prepare', 'DATABASE', '-a', 'acme-production', '--confirm', 'acme-production']),
      ])
      expectRefused(runs[0]!, 'its request POST /apps/acme-production/addons would re-wire production', 'taking over DATABASE_URL')
      expectRefused(runs[1]!, 'its request POST /apps/acme-production/addons would re-wire production', 'taking over DATABASE_URL')
      expectRefused(runs[2]!, 'config var HEROKU_STAGING_PROTECTED set on it')
      expectRefused(runs[3]!, 'its request PATCH /apps/acme-named would demote production', 'heroku staging:protect -a acme-named')
      expectRefused(runs[4]!, '/upgrade/prepare would overwrite production\'s data', 'upgrade database')
      expect(await countRows(emu.databaseUrl('postgresql-marked'), 'orders')).to.equal(50)
      expect((await api<{name: string}>('GET', '/apps/acme-named')).name).to.equal('acme-named')
    })

    it('credentials: pg:credentials:rotate without --all or --name (the default credential), redis:credentials --reset', async function () {
      const runs = await Promise.all([
        cli.run(['pg:credentials:rotate', 'DATABASE', '-a', 'acme-production', '--confirm', 'acme-production']),
        cli.run(['redis:credentials', 'REDIS', '-a', 'acme-production', '--reset']),
      ])
      expectRefused(runs[0]!, 'postgresql-prod')
      expectRefused(runs[1]!, "its request POST /redis/v0/databases/redis-prod/credentials_rotation would rotate or destroy production's credentials", 'rotate every credential of add-on redis-prod')
    })

    it('Advanced (data:pg:*): an attachment destroyed, every credential or the owner\'s rotated; a classic database\'s through data:pg', async function () {
      const runs = await Promise.all([
        cli.run(['data:pg:attachments:destroy', 'ANALYTICS', '-a', 'acme-production', '--confirm', 'acme-production']),
        cli.run(['data:pg:credentials:rotate', 'ANALYTICS', '-a', 'acme-production', '--all', '--confirm', 'acme-production']),
        cli.run(['data:pg:credentials:rotate', 'ANALYTICS', '-a', 'acme-production', '--confirm', 'acme-production']),
        cli.run(['data:pg:credentials:rotate', 'DATABASE', '-a', 'acme-production', '--all', '--confirm', 'acme-production']),
      ])
      expectRefused(runs[0]!, 'ANALYTICS')
      expectRefused(runs[1]!, 'advanced-prod')
      expectRefused(runs[2]!, 'advanced-prod')
      expectRefused(runs[3]!, 'postgresql-prod')
    })

    it('Key-Value Store: redis:promote (no prompt) re-wires REDIS_URL, redis:upgrade upgrades in place', async function () {
      const runs = await Promise.all([
        cli.run(['redis:promote', 'cache-prod', '-a', 'acme-production']),
        cli.run(['redis:upgrade', 'redis-prod', '-a', 'acme-production', '--version', '7.2', '--confirm', 'acme-production']),
      ])
      expectRefused(runs[0]!, 'POST /addon-attachments', 'cache-prod')
      expectRefused(runs[1]!, 'redis-prod')
    })

    it('demoted: pipelines:update --stage development on production', async function () {
      const run = await cli.run(['pipelines:update', '-a', 'acme-production', '--stage', 'development'])
      expectRefused(run, 'would demote production', 'move acme-production to stage development')
    })

    it('re-wired by config:edit (no command-level check knows it): an editor re-pointing DATABASE_URL is refused at the request', async function () {
      // An "editor" that rewrites DATABASE_URL in the file config:edit opens, then the confirmation is answered yes.
      const editor = path.join(cli.home, 'repoint-editor.sh')
      await writeFile(editor, '#!/bin/sh\nsed -i "s|^DATABASE_URL=.*|DATABASE_URL=postgres://u:p@elsewhere.example.com:5432/db|" "$1"\n')
      await chmod(editor, 0o755)
      const run = await cli.run(['config:edit', '-a', 'acme-production'], {answer: {input: 'y\n', prompt: 'Update config on acme-production with these values?'}, env: {EDITOR: editor, VISUAL: editor}})
      expectRefused(run, 'its request PATCH /apps/acme-production/config-vars would re-wire production', 'change the endpoint DATABASE_URL reaches')
    })

    it('re-wired by a rollback: releases:rollback to a release whose credential vars differ', async function () {
      const run = await cli.run(['releases:rollback', `v${releases.withCredential}`, '-a', 'acme-production'])
      expectRefused(run, `its request POST /apps/acme-production/releases would re-wire production`, `roll back to release`, 'change the endpoint OLD_DB_URL reaches')
    })

    it('the override allows only the production app it names: the staging app\'s name and a generic value allow nothing', async function () {
      const argv = ['addons:attach', 'postgresql-staging', '-a', 'acme-production', '--as', 'DATABASE', '--confirm', 'acme-production']
      const runs = await Promise.all(['acme-staging', '1'].map(async value => cli.run(argv, {env: {[OVERRIDE]: value}})))
      for (const run of runs) expectRefused(run, 'but it allows nothing here')
    })

    it('a coding agent without a terminal: no override to paste, and the override alone allows nothing', async function () {
      const argv = ['addons:attach', 'postgresql-staging', '-a', 'acme-production', '--as', 'DATABASE', '--confirm', 'acme-production']
      const [refused, overridden, allow] = await Promise.all([
        cli.run(argv, {env: {CLAUDECODE: '1'}}),
        cli.run(argv, {env: {[OVERRIDE]: 'acme-production', CLAUDECODE: '1'}}),
        cli.run(['staging:allow', 'acme-production', '--for', '15m'], {env: {CLAUDECODE: '1'}}),
      ])
      for (const run of [refused, overridden]) {
        expectRefused(run, "looks like a coding agent's (CLAUDECODE is set, no terminal)", 'heroku staging:allow acme-production --for 15m')
        expect(unwrap(run.stderr)).to.not.contain(`${OVERRIDE}=acme-production heroku`)
      }

      expect(allow.status, allow.stderr).to.equal(4)
      expect(unwrap(allow.stderr)).to.contain('heroku staging:allow needs a terminal')
    })

    it('fail closed: the couplings list answering 500 refuses, and naming the staging app does not let it through', async function () {
      emu.addFault({path: '^/pipeline-couplings$', status: 500, times: 50, token: emu.env.HEROKU_API_KEY})
      const run = await cli.run(['addons:attach', 'postgresql-prod', '-a', 'acme-staging', '--as', 'DATABASE', '--confirm', 'acme-staging'], {env: {[OVERRIDE]: 'acme-staging'}})
      emu.clearFaults()
      expectRefused(run, "reading the account's pipeline couplings", 'answered 500', `${OVERRIDE} does not apply`)
    })

    it('fail closed: production\'s config vars answering 403 to this token alone refuses config:set DATABASE_URL', async function () {
      emu.addFault({path: '^/apps/acme-production/config-vars$', status: 403, times: 50, token: emu.env.HEROKU_API_KEY})
      const run = await cli.run(['config:set', 'DATABASE_URL=postgres://u:p@elsewhere.example.com:5432/db', '-a', 'acme-production'])
      emu.clearFaults()
      expectRefused(run, 'GET /apps/acme-production/config-vars answered 403')
    })
  })

  describe('writes that change no effect pass untouched; the override and a person\'s consent let production through', function () {
    before(async function () {
      releases = await fixture.reseed()
    })

    it('ps:scale, config:set of a flag, maintenance:on, a rollback keeping every endpoint, a staging addons:attach', async function () {
      const runs = await Promise.all([
        cli.run(['ps:scale', 'web=2', '-a', 'acme-production']),
        cli.run(['config:set', 'FEATURE_Y=1', '-a', 'acme-production']),
        cli.run(['maintenance:on', '-a', 'acme-production']),
        cli.run(['addons:attach', 'postgresql-staging', '-a', 'acme-staging', '--as', 'STAGING_COPY', '--confirm', 'acme-staging']),
      ])
      for (const run of runs) expect(run.status, `${run.stdout}${run.stderr}`).to.equal(0)
      const rollback = await cli.run(['releases:rollback', `v${releases.flagOnly}`, '-a', 'acme-production'])
      expect(rollback.status, rollback.stderr).to.equal(0)
      for (const run of [...runs, rollback]) expect(run.stderr).to.not.contain('heroku-staging')
      const state = await productionState()
      // The rollback brought back that release's config vars: FEATURE_X=1 (and FEATURE_Y, set after it, is gone).
      expect(state.config.FEATURE_X).to.equal('1')
      expect(state.config.FEATURE_Y).to.equal(undefined)
      expect(state.attachments).to.include('DATABASE=postgresql-prod')
      const lines = requestLines(mutatingRequests(emu))
      for (const line of ['PATCH /apps/acme-production/formation', 'PATCH /apps/acme-production/config-vars', 'PATCH /apps/acme-production', 'POST /addon-attachments', 'POST /apps/acme-production/releases']) expect(lines).to.include(line)
    })

    it('on staging, Advanced credentials rotate and its attachments detach as the stock CLI does', async function () {
      const before = await api<Record<string, string>>('GET', '/apps/acme-staging/config-vars')
      emu.clearJournal()
      const rotated = await cli.run(['data:pg:credentials:rotate', 'ANALYTICS', '-a', 'acme-staging', '--all', '--confirm', 'acme-staging'])
      expect(rotated.status, `${rotated.stdout}${rotated.stderr}`).to.equal(0)
      const detached = await cli.run(['data:pg:attachments:destroy', 'ANALYTICS', '-a', 'acme-staging', '--confirm', 'acme-staging'])
      expect(detached.status, `${detached.stdout}${detached.stderr}`).to.equal(0)
      for (const run of [rotated, detached]) expect(run.stderr).to.not.contain('heroku-staging')
      const lines = requestLines(mutatingRequests(emu))
      expect(lines.some(line => /^POST \/data\/postgres\/v1\/[^/]+\/rotate_credentials$/.test(line)), lines.join('\n')).to.equal(true)
      expect(lines.some(line => /^DELETE \/addon-attachments\/[^/]+$/.test(line)), lines.join('\n')).to.equal(true)
      const after = await api<Record<string, string>>('GET', '/apps/acme-staging/config-vars')
      expect(before.ANALYTICS_URL).to.be.a('string')
      expect(after.ANALYTICS_URL).to.equal(undefined)
      expect(after.DATABASE_URL).to.equal(before.DATABASE_URL)
    })

    it('the override naming production lets the effect through once, with a warning; under an agent only after staging:allow', async function () {
      const argv = ['addons:attach', 'postgresql-staging', '-a', 'acme-production', '--as', 'DATABASE', '--confirm', 'acme-production']
      const agentRefused = await cli.run(argv, {env: {[OVERRIDE]: 'acme-production', CLAUDECODE: '1'}})
      expectRefused(agentRefused)
      // The consent a person gives at a terminal (heroku staging:allow), as it is kept in the config dir.
      await mkdir(cli.configDir, {recursive: true})
      await writeFile(path.join(cli.configDir, 'staging-consent.json'), JSON.stringify({consents: [{app: 'acme-production', until: new Date(Date.now() + 60_000).toISOString()}]}))
      const allowed = await cli.run(argv, {env: {[OVERRIDE]: 'acme-production', CLAUDECODE: '1'}})
      expect(allowed.status, allowed.stderr).to.equal(0)
      expect(unwrap(allowed.stderr)).to.contain(`${OVERRIDE}=acme-production: letting POST /addon-attachments re-wire production on purpose`)
      expect((await productionState()).attachments).to.include('DATABASE=postgresql-staging')
    })
  })

  describe('a collaborator of staging only, who cannot see production', function () {
    before(async function () {
      await fixture.reseed(async emu => {
        await emu.seed({...FIXTURE, attachments: [...FIXTURE.attachments ?? [], {addon: 'postgresql-prod', app: 'acme-staging', as: 'PROD_DB'}], collaborators: [{app: 'acme-staging', email: emu.accounts[1]!.email}]})
      })
    })

    it('pg:copy onto production\'s URL (attached to staging, owner named, not readable) is refused: production unchanged, nothing mutating sent', async function () {
      const productionUrl = emu.databaseUrl('postgresql-prod')
      const before = await countRows(productionUrl, 'orders')
      emu.clearJournal()
      const run = await cli.run(['pg:copy', 'DATABASE', productionUrl, '-a', 'acme-staging', '--confirm', new URL(productionUrl).pathname.slice(1)], {env: {HEROKU_API_KEY: emu.accounts[1]!.token}})
      expect(run.status, `${run.stdout}${run.stderr}`).to.equal(4)
      expect(unwrap(run.stderr)).to.match(/heroku-staging refused heroku pg:copy .*: it could not tell whether its request POST \/client\/v11\/databases\/\S+\/transfers touches production/)
      expect(unwrap(run.stderr)).to.contain("acme-staging's PROD_DB (add-on postgresql-prod), is owned by acme-production, which this account cannot read")
      expect(unwrap(run.stderr)).to.match(/GET \/apps\/\S+ answered 403/)
      expect(unwrap(run.stderr), 'no credential printed').to.not.contain(new URL(productionUrl).password)
      expect(unwrap(run.stderr)).to.not.contain(`${OVERRIDE}=acme-staging`)
      expect(requestLines(mutatingRequests(emu))).to.deep.equal([])
      expect(await countRows(productionUrl, 'orders')).to.equal(before)
    })
  })
})
