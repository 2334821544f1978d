import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {RefusalCode} from '../../../src/lib/classify/classify.js'
import type {GitRemotes} from '../../../src/lib/hook/argv.js'
import {checkCommand} from '../../../src/lib/hook/check.js'
import {type HookDecision, OVERRIDE_ENV, productionRefusals} from '../../../src/lib/hook/decide.js'
import {renderOverride, renderRefusal} from '../../../src/lib/hook/message.js'
import {protectApp, protectedFile} from '../../../src/lib/protect/store.js'
import {cleanWorld, fakeClient, markedLoneWorld, PROD_URL, type World} from './world.js'

type Env = Record<string, string | undefined>

interface Run {
  clientMade: boolean
  decision: HookDecision | undefined
  requests: string[]
}

/** The clean world plus a Redis add-on staging owns. */
function withStagingRedis(): World {
  const world = cleanWorld()
  world.addons.push({id: 'addon-stg-redis', name: 'redis-stg-1', owner: 'acme-staging', plan: 'heroku-redis:mini'})
  world.attachments.push({addon: 'redis-stg-1', app: 'acme-staging', name: 'REDIS'})
  return world
}

describe('hook check (fake API, no HTTP)', function () {
  let configDir: string

  beforeEach(async function () {
    configDir = await mkdtemp(path.join(tmpdir(), 'hook-check-'))
  })

  afterEach(async function () {
    await rm(configDir, {force: true, recursive: true})
  })

  async function check(id: string, argv: string[], opts: {env?: Env; git?: GitRemotes; world?: World} = {}): Promise<Run> {
    const {client, requests} = fakeClient(opts.world ?? cleanWorld())
    let clientMade = false
    const decision = await checkCommand({
      argv,
      configDir,
      env: opts.env ?? {},
      id,
      async makeClient() {
        clientMade = true
        return client
      },
      readGit: async () => opts.git ?? {remotes: []},
    })
    return {clientMade, decision, requests}
  }

  function codes(decision: HookDecision | undefined): string[] {
    return (decision?.checked ?? []).flatMap(c => productionRefusals(c).map(r => r.code)).sort()
  }

  describe('returns at once for unguarded commands', function () {
    for (const id of ['pg:info', 'apps', 'config:set', 'pg:pull', 'pg:promote', 'staging:audit']) {
      it(`${id}: no decision, no client, no request`, async function () {
        const run = await check(id, ['-a', 'acme-production'])
        expect(run.decision).to.equal(undefined)
        expect(run.clientMade).to.equal(false)
        expect(run.requests).to.deep.equal([])
      })
    }
  })

  it('pg:reset of an app marked only by HEROKU_STAGING_PROTECTED is refused; the same app unmarked is not', async function () {
    const marked = markedLoneWorld

    const argv = ['DATABASE', '-a', 'lone-app', '--confirm', 'lone-app']
    const refused = await check('pg:reset', argv, {world: marked(true)})
    expect(refused.decision?.allow).to.equal(false)
    expect(renderRefusal(refused.decision!)).to.contain('config var HEROKU_STAGING_PROTECTED set on it')
    const allowed = await check('pg:reset', argv, {world: marked(false)})
    expect(allowed.decision?.allow).to.equal(true)
  })

  describe('refuses production targets (fires)', function () {
    const cases: Array<{argv: string[]; codes: string[]; id: string; name: string; world?: () => World}> = [
      {argv: ['DATABASE', '-a', 'acme-production', '--confirm', 'acme-production'], codes: [RefusalCode.AttachedToProduction, RefusalCode.OwnedByProduction, RefusalCode.SameDatabaseAsProduction], id: 'pg:reset', name: 'pg:reset on the production app'},
      {argv: ['acme-staging::DATABASE', 'acme-production::DATABASE_URL', '-a', 'acme-staging'], codes: [RefusalCode.AttachedToProduction, RefusalCode.OwnedByProduction, RefusalCode.SameDatabaseAsProduction], id: 'pg:copy', name: 'pg:copy onto APP::DATABASE of production'},
      {argv: ['DATABASE', 'postgres://someoneelse:otherpw@DB-PROD.example.com/dprod?sslmode=require', '-a', 'acme-staging'], codes: [RefusalCode.SameDatabaseAsProduction], id: 'pg:copy', name: 'pg:copy onto a URL that reaches production\'s database (other user, default port, case)'},
      {argv: ['DATABASE', 'postgres://u:p@DB-PROD.example.com:5432/scratch?dbname=dprod', '-a', 'acme-staging'], codes: [RefusalCode.SameDatabaseAsProduction], id: 'pg:copy', name: 'pg:copy onto production\'s URL spelled with ?dbname='},
      {argv: ['DATABASE', 'postgres://u:p@elsewhere.example.com/dprod?host=db-prod.example.com', '-a', 'acme-staging'], codes: [RefusalCode.SameDatabaseAsProduction], id: 'pg:copy', name: 'pg:copy onto production\'s URL spelled with ?host='},
      {argv: ['DATABASE', 'postgres://u:p@elsewhere.example.com:5432,db-prod.example.com:5432/dprod', '-a', 'acme-staging'], codes: [RefusalCode.SameDatabaseAsProduction], id: 'pg:copy', name: 'pg:copy onto a multi-host URL with production\'s host'},
      {argv: ['DATABASE', 'postgres://u:p@db-prod.example.com:6000/dprod', '-a', 'acme-staging'], codes: [RefusalCode.SameDatabaseAsProduction], id: 'pg:copy', name: 'pg:copy onto production\'s pooler port'},
      {argv: ['DATABASE', 'postgres://u:p@db-prod-alias.invalid/dprod', '-a', 'acme-staging'], codes: [RefusalCode.Unverifiable], id: 'pg:copy', name: 'pg:copy onto an unresolvable host naming production\'s database (identity unknown)'},
      {argv: ['b001', 'DATABASE', '-a', 'acme-production'], codes: [RefusalCode.AttachedToProduction, RefusalCode.OwnedByProduction, RefusalCode.SameDatabaseAsProduction], id: 'pg:backups:restore', name: 'pg:backups:restore into production'},
      {argv: ['mylocaldb', 'postgresql-prod-1', '-a', 'acme-production'], codes: [RefusalCode.AttachedToProduction, RefusalCode.OwnedByProduction, RefusalCode.SameDatabaseAsProduction], id: 'pg:push', name: 'pg:push into production by add-on name'},
      {argv: ['postgresql-prod-1', '--confirm', 'acme-production'], codes: [RefusalCode.AttachedToProduction, RefusalCode.OwnedByProduction, RefusalCode.SameDatabaseAsProduction], id: 'addons:destroy', name: 'addons:destroy of production\'s Postgres by add-on name, no app'},
      {argv: ['acme-production::DATABASE'], codes: [RefusalCode.AttachedToProduction, RefusalCode.OwnedByProduction, RefusalCode.SameDatabaseAsProduction], id: 'addons:destroy', name: 'addons:destroy APP::ATTACHMENT'},
      {
        argv: ['HEROKU_POSTGRESQL_AMBER', '-a', 'acme-staging'],
        codes: [RefusalCode.OwnedByProduction, RefusalCode.SameDatabaseAsProduction],
        id: 'pg:reset',
        name: 'pg:reset of production\'s database attached to staging',
        world() {
          const world = cleanWorld()
          world.attachments.push({addon: 'postgresql-prod-1', app: 'acme-staging', name: 'HEROKU_POSTGRESQL_AMBER'})
          ;(world.apps[1] as {config: Record<string, string>}).config.HEROKU_POSTGRESQL_AMBER_URL = PROD_URL
          return world
        },
      },
      {
        argv: ['ROSE', '-a', 'acme-staging'],
        codes: [RefusalCode.AttachedToProduction],
        id: 'pg:reset',
        name: 'pg:reset of a staging-owned database production also uses',
        world() {
          const world = cleanWorld()
          world.attachments.push({addon: 'postgresql-rose-1', app: 'acme-production', name: 'STAGING_SHARED'})
          return world
        },
      },
      {
        argv: ['DATABASE_URL', '-a', 'acme-staging'],
        codes: [RefusalCode.SameDatabaseAsProduction],
        id: 'pg:reset',
        name: 'the seed incident: staging\'s DATABASE_URL is a plain copy of production\'s',
        world() {
          const world = cleanWorld()
          world.attachments = world.attachments.filter(a => !(a.app === 'acme-staging' && a.name === 'DATABASE'))
          ;(world.apps[1] as {config: Record<string, string>}).config.DATABASE_URL = PROD_URL
          return world
        },
      },
    ]

    for (const c of cases) {
      it(c.name, async function () {
        const run = await check(c.id, c.argv, {world: c.world?.()})
        expect(run.decision?.allow, 'allow').to.equal(false)
        expect(run.decision?.reason).to.equal('production')
        expect(codes(run.decision)).to.deep.equal([...c.codes].sort())
        expect(run.requests.every(r => r.startsWith('GET ')), 'only GET requests').to.equal(true)
      })
    }

    it('addons:destroy of any add-on production owns (not only Postgres), by name or through the app', async function () {
      for (const argv of [['redis-prod-1', '-a', 'acme-production'], ['redis-prod-1'], ['acme-production::REDIS']]) {
        const run = await check('addons:destroy', argv)
        expect(run.decision?.allow, argv.join(' ')).to.equal(false)
        expect(codes(run.decision)).to.deep.equal([RefusalCode.OwnedByProduction])
        const text = renderRefusal(run.decision as HookDecision)
        expect(text).to.contain('add-on redis-prod-1 (heroku-redis:mini, owned by acme-production)')
        expect(text).to.contain(`${OVERRIDE_ENV}=acme-production heroku addons:destroy`)
        expect(run.requests.every(r => r.startsWith('GET ')), 'only GET requests').to.equal(true)
      }
    })

    it('addons:destroy of a staging add-on production has attached (not Postgres)', async function () {
      const world = withStagingRedis()
      world.attachments.push({addon: 'redis-stg-1', app: 'acme-production', name: 'STAGING_REDIS'})
      const run = await check('addons:destroy', ['redis-stg-1', '-a', 'acme-staging'], {world})
      expect(run.decision?.allow).to.equal(false)
      expect(codes(run.decision)).to.deep.equal([RefusalCode.AttachedToProduction])
      expect(renderRefusal(run.decision as HookDecision)).to.contain('attached to production app acme-production as STAGING_REDIS')
    })

    it('an app protected with staging:protect counts as production, even renamed since', async function () {
      await protectApp(configDir, {id: 'app-lone', name: 'lone-app-old-name'})
      const world = cleanWorld()
      world.addons.push({id: 'addon-lone', name: 'postgresql-lone-1', owner: 'lone-app', plan: 'heroku-postgresql:essential-0'})
      world.attachments.push({addon: 'postgresql-lone-1', app: 'lone-app', name: 'DATABASE'})
      ;(world.apps[2] as {config: Record<string, string>}).config.DATABASE_URL = 'postgres://u:lonepassword1@db-lone.example.com:5432/dlone'
      const run = await check('pg:reset', ['-a', 'lone-app'], {world})
      expect(run.decision?.allow).to.equal(false)
      expect(codes(run.decision)).to.include(RefusalCode.OwnedByProduction)
      expect(renderRefusal(run.decision as HookDecision)).to.contain('protected with heroku staging:protect')
    })
  })

  describe('production is the account\'s, whatever -a says (issue 12)', function () {
    it('refuses pg:copy onto production\'s raw URL named from an app in no pipeline', async function () {
      const run = await check('pg:copy', ['DATABASE', PROD_URL.replace('db-prod.example.com', 'DB-PROD.example.com'), '-a', 'lone-app', '--confirm', 'dprod'])
      expect(run.decision?.allow).to.equal(false)
      expect(codes(run.decision)).to.include(RefusalCode.SameDatabaseAsProduction)
      expect(run.requests.filter(r => !r.startsWith('GET '))).to.deep.equal([])
    })

    it('refuses pg:copy onto production\'s add-on attached to an app in no pipeline, named APP::DB', async function () {
      const world = cleanWorld()
      world.attachments.push({addon: 'postgresql-prod-1', app: 'lone-app', name: 'DATABASE'})
      world.apps = world.apps.map(app => (app.name === 'lone-app' ? {...app, config: {DATABASE_URL: PROD_URL}} : app))
      const run = await check('pg:copy', ['acme-staging::DATABASE', 'lone-app::DATABASE', '-a', 'acme-staging', '--confirm', 'lone-app'], {world})
      expect(run.decision?.allow).to.equal(false)
      expect(codes(run.decision)).to.include(RefusalCode.OwnedByProduction)
    })

    it('lets pg:copy from an app in no pipeline onto an unrelated URL through (stays silent)', async function () {
      const run = await check('pg:copy', ['DATABASE', 'postgres://u:p@elsewhere.example.com:5432/scratch', '-a', 'lone-app', '--confirm', 'scratch'])
      expect(run.decision?.allow, JSON.stringify(run.decision?.checked)).to.equal(true)
    })
  })

  describe('lets safe targets through (stays silent)', function () {
    const cases: Array<{argv: string[]; id: string; name: string}> = [
      {argv: ['DATABASE', '-a', 'acme-staging', '--confirm', 'acme-staging'], id: 'pg:reset', name: 'pg:reset staging DATABASE'},
      {argv: ['-a', 'acme-staging'], id: 'pg:reset', name: 'pg:reset staging default DATABASE_URL'},
      {argv: ['ROSE', '-a', 'acme-staging'], id: 'pg:reset', name: 'pg:reset staging ROSE'},
      {argv: ['HEROKU_POSTGRESQL_ROSE_URL', '-a', 'acme-staging'], id: 'pg:reset', name: 'pg:reset staging HEROKU_POSTGRESQL_ROSE_URL'},
      {argv: ['acme-production::DATABASE', 'DATABASE', '-a', 'acme-staging', '--confirm', 'acme-staging'], id: 'pg:copy', name: 'pg:copy from production INTO staging'},
      {argv: ['DATABASE', 'acme-staging::DATABASE', '-a', 'acme-production', '--confirm', 'DATABASE'], id: 'pg:copy', name: 'pg:copy with -a production but an APP:: staging target'},
      {argv: ['DATABASE', 'postgres://u:p@elsewhere.example.com:5432/scratch', '-a', 'acme-staging'], id: 'pg:copy', name: 'pg:copy onto an unrelated URL'},
      {argv: ['DATABASE', 'postgres://u:p@db-prod.example.com:5432/dprod?dbname=scratch', '-a', 'acme-staging'], id: 'pg:copy', name: 'pg:copy onto another database on production\'s host (?dbname=)'},
      {argv: ['acme-production::b001', 'DATABASE_URL', '-a', 'acme-staging'], id: 'pg:backups:restore', name: 'restore a production backup into staging'},
      {argv: ['mylocaldb', 'HEROKU_POSTGRESQL_ROSE', '-a', 'acme-staging'], id: 'pg:push', name: 'pg:push into staging'},
      {argv: ['postgresql-rose-1', '-a', 'acme-staging'], id: 'addons:destroy', name: 'addons:destroy staging\'s own Postgres'},
      {argv: ['redis-stg-1', '-a', 'acme-staging'], id: 'addons:destroy', name: 'addons:destroy of staging\'s own non-Postgres add-on'},
    ]

    for (const c of cases) {
      it(c.name, async function () {
        const run = await check(c.id, c.argv, {world: withStagingRedis()})
        expect(run.decision?.allow, JSON.stringify(run.decision?.checked)).to.equal(true)
        expect(run.decision?.reason).to.equal(undefined)
      })
    }

    it('says why a non-Postgres add-on is skipped', async function () {
      const run = await check('addons:destroy', ['redis-stg-1'], {world: withStagingRedis()})
      expect(run.decision?.checked[0]?.skipped).to.contain('heroku-redis')
    })
  })

  describe('fails closed', function () {
    it('refuses when an API request fails, naming the request, and suggests no override (the app may be staging)', async function () {
      const world = cleanWorld()
      world.failures = {'/apps/acme-staging/config-vars': 500}
      const run = await check('pg:reset', ['DATABASE', '-a', 'acme-staging'], {world})
      expect(run.decision?.allow).to.equal(false)
      expect(run.decision?.reason).to.equal('undecided')
      const message = renderRefusal(run.decision as HookDecision)
      expect(message).to.contain('could not tell whether the target is production data')
      expect(message).to.contain('GET /apps/acme-staging/config-vars failed')
      expect(message).to.not.contain(`${OVERRIDE_ENV}=acme-staging`)
      expect(message).to.contain(`${OVERRIDE_ENV} does not apply: it allows only a production app the guard identified`)
    })

    it('no override lets an undecided target through: the guard never identified a production app to name', async function () {
      const world = cleanWorld()
      world.failures = {'/apps/acme-staging/config-vars': 500}
      expect((await check('pg:reset', ['-a', 'acme-staging'], {env: {[OVERRIDE_ENV]: 'acme-staging'}, world})).decision?.allow).to.equal(false)
      expect((await check('pg:reset', ['-a', 'acme-staging'], {env: {[OVERRIDE_ENV]: 'acme-production'}, world})).decision?.allow).to.equal(false)
    })

    it('refuses a database name the app does not have, listing the ones it has', async function () {
      const run = await check('pg:reset', ['NOPE', '-a', 'acme-staging'])
      expect(run.decision?.allow).to.equal(false)
      expect(run.decision?.checked[0]?.undecided).to.contain('acme-staging has no database named NOPE (its databases: DATABASE, HEROKU_POSTGRESQL_ROSE)')
    })

    it('refuses an app that does not exist', async function () {
      const run = await check('pg:reset', ['-a', 'acme-typo'])
      expect(run.decision?.checked[0]?.undecided).to.contain('app acme-typo was not found')
    })

    it('refuses an add-on it cannot find', async function () {
      const run = await check('addons:destroy', ['postgresql-nowhere-9'])
      expect(run.decision?.allow).to.equal(false)
      expect(run.decision?.checked[0]?.undecided).to.contain('add-on postgresql-nowhere-9 was not found')
    })

    it('refuses --prompt without any request', async function () {
      const run = await check('pg:reset', ['--prompt', '-a', 'acme-staging'])
      expect(run.decision?.allow).to.equal(false)
      expect(run.clientMade).to.equal(false)
      expect(run.decision?.checked[0]?.undecided).to.contain('--prompt')
    })

    it('refuses when no app can be determined (several git remotes)', async function () {
      const git: GitRemotes = {remotes: [{name: 'a', url: 'https://git.heroku.com/acme-staging.git'}, {name: 'b', url: 'https://git.heroku.com/acme-production.git'}]}
      const run = await check('pg:reset', ['DATABASE'], {git})
      expect(run.decision?.allow).to.equal(false)
      expect(renderRefusal(run.decision as HookDecision)).to.contain('name the app explicitly: -a APP')
    })

    it('uses the single Heroku git remote as the app, as the stock CLI does', async function () {
      const git: GitRemotes = {remotes: [{name: 'heroku', url: 'https://git.heroku.com/acme-production.git'}]}
      const run = await check('pg:reset', ['DATABASE'], {git})
      expect(run.decision?.allow).to.equal(false)
      expect(run.decision?.reason).to.equal('production')
    })

    it('refuses when the protected-apps file is corrupt', async function () {
      await writeFile(protectedFile(configDir), '{oops')
      const run = await check('pg:reset', ['-a', 'acme-staging'])
      expect(run.decision?.allow).to.equal(false)
      expect(run.decision?.reason).to.equal('undecided')
    })
  })

  describe('the override', function () {
    const argv = ['DATABASE', '-a', 'acme-production', '--confirm', 'acme-production']

    it('works with the production app\'s exact name', async function () {
      const run = await check('pg:reset', argv, {env: {[OVERRIDE_ENV]: 'acme-production'}})
      expect(run.decision?.allow).to.equal(true)
      expect(run.decision?.reason).to.equal('production')
      expect(renderOverride(run.decision as HookDecision)).to.contain(`${OVERRIDE_ENV}=acme-production: letting heroku pg:reset`)
    })

    for (const value of ['1', 'true', 'yes', 'acme-staging', 'ACME-PRODUCTION', 'app-prod', '*']) {
      it(`does not work with ${OVERRIDE_ENV}=${value}`, async function () {
        const run = await check('pg:reset', argv, {env: {[OVERRIDE_ENV]: value}})
        expect(run.decision?.allow).to.equal(false)
        expect(run.decision?.override).to.deep.include({apps: ['acme-production'], given: value, matches: false})
        expect(renderRefusal(run.decision as HookDecision)).to.contain(`${OVERRIDE_ENV}=${value} is set, but that is not accepted`)
      })
    }

    it('cannot cover two production apps at once', async function () {
      const world = cleanWorld()
      world.apps.push({config: {DATABASE_URL: 'postgres://u:pw2222222@db-eu.example.com:5432/deu'}, id: 'app-prod-eu', name: 'acme-production-eu', stage: 'production'})
      world.attachments.push({addon: 'postgresql-prod-1', app: 'acme-production-eu', name: 'SHARED'})
      const run = await check('pg:reset', argv, {env: {[OVERRIDE_ENV]: 'acme-production'}, world})
      expect(run.decision?.allow).to.equal(false)
      expect(run.decision?.override.apps).to.deep.equal(['acme-production', 'acme-production-eu'])
      expect(renderRefusal(run.decision as HookDecision)).to.contain('allows one app only')
    })
  })

  describe('the refusal message', function () {
    it('says what would be destroyed, why it is production, how to proceed, and never a password', async function () {
      const run = await check('pg:reset', ['DATABASE', '-a', 'acme-production', '--confirm', 'acme-production'])
      const message = renderRefusal(run.decision as HookDecision)
      expect(message).to.contain('heroku-staging refused heroku pg:reset DATABASE -a acme-production --confirm acme-production: it would erase production data.')
      expect(message).to.contain('Would erase: acme-production\'s DATABASE attachment (DATABASE_URL), add-on postgresql-prod-1 (heroku-postgresql:standard-0, owned by acme-production), at db-prod.example.com:5432/dprod')
      expect(message).to.contain('Why it counts as production:')
      expect(message).to.contain('pipeline stage production')
      expect(message).to.contain('To proceed:')
      expect(message).to.contain(`${OVERRIDE_ENV}=acme-production heroku pg:reset DATABASE -a acme-production --confirm acme-production`)
      expect(message).to.not.contain('prodpassword12345')
      expect(message).to.not.contain('uprod')
      expect(message).to.contain('If you meant a staging database, name the staging app instead')
    })

    it('for a staging app wired to production, gives the guard\'s fix for the wiring', async function () {
      const world = cleanWorld()
      world.attachments.push({addon: 'postgresql-prod-1', app: 'acme-staging', name: 'HEROKU_POSTGRESQL_AMBER'})
      ;(world.apps[1] as {config: Record<string, string>}).config.HEROKU_POSTGRESQL_AMBER_URL = PROD_URL
      const run = await check('pg:reset', ['AMBER', '-a', 'acme-staging'], {world})
      const message = renderRefusal(run.decision as HookDecision)
      expect(message).to.contain('Would erase: acme-staging\'s HEROKU_POSTGRESQL_AMBER attachment')
      expect(message).to.contain('owned by production app acme-production')
      expect(message).to.contain('heroku addons:create heroku-postgresql -a acme-staging')
      expect(message).to.not.contain('If you meant a staging database')
    })

    it('quotes arguments for the shell and masks credentials in URLs the user typed', async function () {
      const run = await check('pg:copy', ['DATABASE', 'postgres://x:secretpw9@db-prod.example.com:5432/dprod', '-a', 'acme-staging'])
      const message = renderRefusal(run.decision as HookDecision)
      expect(message).to.contain('reaches the same physical database as acme-production\'s DATABASE_URL')
      // The hook passes the message through redact() before printing; the URL the user typed is masked there.
      const {redact} = await import('../../../src/lib/secrets/index.js')
      expect(redact(message)).to.not.contain('secretpw9')
    })
  })
})
