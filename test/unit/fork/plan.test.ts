import {expect} from 'chai'

import {checkTarget, chooseDataMethod, desiredConfig, planFork, smallestPlanHolding} from '../../../src/lib/fork/plan.js'
import {type AddonPlanItem, type ConfigDecision, FORK_MARKER, type ForkPlan} from '../../../src/lib/fork/types.js'
import {ADDONS, addon, attachment, catalogue, fork, GB, options, PROD_DB_URL, PROD_ID, production, SECRET_KEY_BASE} from './fixtures.js'

function item(plan: ForkPlan, name: string): AddonPlanItem {
  const found = plan.addons.find(a => a.source.name === name)
  if (!found) throw new Error(`no plan item for ${name}`)
  return found
}

function decision(plan: ForkPlan, key: string): ConfigDecision | undefined {
  return plan.config.find(d => d.key === key)
}

describe('fork plan', function () {
  describe('add-ons', function () {
    it('re-provisions every add-on production owns, with its plan and monthly price', function () {
      const plan = planFork(production(), options(), catalogue())
      expect(plan.problems).to.deep.equal([])
      expect(item(plan, ADDONS.redis.name)).to.include({action: 'provision', plan: 'heroku-redis:premium-0', priceCents: 1500, reason: 'same plan as production'})
      expect(item(plan, ADDONS.redis.name).attachments).to.deep.equal(['REDIS'])
      expect(item(plan, ADDONS.mailgun.name)).to.include({action: 'provision', plan: 'mailgun:starter', priceCents: 0})
      expect(item(plan, ADDONS.scheduler.name)).to.include({action: 'provision', plan: 'scheduler:standard'})
      expect(plan.monthlyCents).to.equal(900 + 1500)
    })

    it('pins Postgres to production\'s major version on the smallest plan that holds its data', function () {
      const plan = planFork(production(), options(), catalogue())
      const pg = item(plan, ADDONS.pg.name)
      expect(pg).to.include({action: 'provision', copyData: true, plan: 'heroku-postgresql:essential-1', priceCents: 900, version: '16'})
      expect(pg.reason).to.contain('smallest plan holding production\'s 5.4 GB')
      expect(pg.attachments).to.deep.equal(['DATABASE', 'HEROKU_POSTGRESQL_ROSE'])
    })

    it('picks a bigger plan when the data needs it', function () {
      const prod = production()
      const db = prod.databases[ADDONS.pg.id]
      if (db) db.numBytes = 100 * GB
      expect(item(planFork(prod, options(), catalogue()), ADDONS.pg.name).plan).to.equal('heroku-postgresql:standard-2')
    })

    it('keeps production\'s plan, saying why, when the data size is unknown', function () {
      const prod = production()
      const db = prod.databases[ADDONS.pg.id]
      if (db) delete db.numBytes
      const pg = item(planFork(prod, options(), catalogue()), ADDONS.pg.name)
      expect(pg.plan).to.equal('heroku-postgresql:standard-0')
      expect(pg.reason).to.contain('data size is unknown')
    })

    it('uses --plan SERVICE=PLAN over the default choice', function () {
      const plan = planFork(production(), options({plans: {'heroku-postgresql': 'essential-2', 'heroku-redis': 'heroku-redis:mini'}}), catalogue())
      expect(plan.problems).to.deep.equal([])
      expect(item(plan, ADDONS.pg.name)).to.include({plan: 'heroku-postgresql:essential-2', reason: '--plan heroku-postgresql=essential-2'})
      expect(item(plan, ADDONS.redis.name)).to.include({plan: 'heroku-redis:mini', priceCents: 300})
    })

    it('stops on a plan that cannot be provisioned, naming --plan, and never skips it silently', function () {
      const plan = planFork(production(), options({plans: {'heroku-postgresql': 'mini'}}), catalogue())
      expect(plan.problems).to.have.length(1)
      expect(plan.problems[0]?.message).to.contain('heroku-postgresql:mini cannot be provisioned')
      expect(plan.problems[0]?.fix).to.contain('--plan heroku-postgresql=PLAN')
      expect(item(plan, ADDONS.pg.name).action).to.equal('provision')
    })

    it('stops when production\'s own plan is no longer offered', function () {
      const cat = catalogue()
      cat['heroku-redis'] = [{installable: true, name: 'heroku-redis:mini', priceCents: 300}]
      const plan = planFork(production(), options(), cat)
      expect(plan.problems.map(p => p.message).join()).to.contain('heroku-redis:premium-0 cannot be provisioned')
    })

    it('stops when --plan names a service production does not own or a plan of another service', function () {
      expect(planFork(production(), options({plans: {'heroku-kafka': 'basic-0'}}), catalogue()).problems[0]?.message).to.contain('owns no heroku-kafka add-on')
      expect(planFork(production(), options({plans: {'heroku-redis': 'heroku-postgresql:essential-0'}}), catalogue()).problems.map(p => p.message).join())
        .to.contain('that plan belongs to heroku-postgresql')
    })

    it('stops when the Postgres version cannot be read (it must be pinned)', function () {
      const prod = production()
      const db = prod.databases[ADDONS.pg.id]
      if (db) delete db.majorVersion
      expect(planFork(prod, options(), catalogue()).problems[0]?.message).to.contain('Cannot read the Postgres version')
    })

    it('does not attach an add-on owned by another app, and lists it', function () {
      const cache = item(planFork(production(), options(), catalogue()), ADDONS.memcachier.name)
      expect(cache).to.include({action: 'skip'})
      expect(cache.attachments).to.deep.equal([])
      expect(cache.reason).to.contain('owned by acme-shared').and.contain('--share-addon MEMCACHIER')
    })

    it('shares it with --share-addon, with a warning', function () {
      const plan = planFork(production(), options({shareAddons: ['MEMCACHIER']}), catalogue())
      expect(plan.problems).to.deep.equal([])
      const cache = item(plan, ADDONS.memcachier.name)
      expect(cache).to.include({action: 'share'})
      expect(cache.attachments).to.deep.equal(['MEMCACHIER'])
      expect(plan.warnings.join('\n')).to.contain('will be shared')
    })

    it('refuses --share-addon of an add-on production owns, and of an unknown name', function () {
      expect(planFork(production(), options({shareAddons: [ADDONS.redis.name]}), catalogue()).problems[0]?.message).to.contain('never shares production\'s own add-ons')
      expect(planFork(production(), options({shareAddons: ['NOPE']}), catalogue()).problems[0]?.message).to.contain('--share-addon NOPE')
    })

    it('warns when production\'s DATABASE is owned by another app', function () {
      const prod = production()
      const foreign = addon('aaaa0000-0000-4000-8000-00000000000f', 'postgresql-other-1', 'heroku-postgresql:standard-0', {id: 'x', name: 'acme-db-owner'})
      prod.attachments = [attachment('bbbb0000-0000-4000-8000-00000000000f', 'DATABASE', foreign)]
      const plan = planFork(prod, options(), catalogue())
      expect(item(plan, foreign.name).action).to.equal('skip')
      expect(plan.warnings.join('\n')).to.contain('the fork gets no DATABASE_URL')
    })

    it('does not recreate a follower', function () {
      const prod = production()
      const follower = addon('aaaa0000-0000-4000-8000-000000000010', 'postgresql-follow-1', 'heroku-postgresql:standard-0')
      prod.attachments.push(attachment('bbbb0000-0000-4000-8000-000000000010', 'HEROKU_POSTGRESQL_OLIVE', follower))
      prod.databases[follower.id] = {addonId: follower.id, addonName: follower.name, following: ADDONS.pg.name, majorVersion: '16'}
      const plan = planFork(prod, options(), catalogue())
      expect(item(plan, follower.name)).to.include({action: 'skip'})
      expect(item(plan, ADDONS.pg.name).attachments[0]).to.equal('DATABASE')
    })

    it('attaches the new database as DATABASE even when production only has it under a colour', function () {
      const prod = production()
      prod.attachments = prod.attachments.filter(a => a.name !== 'DATABASE')
      const plan = planFork(prod, options(), catalogue())
      expect(item(plan, ADDONS.pg.name).attachments).to.deep.equal(['DATABASE', 'HEROKU_POSTGRESQL_ROSE'])
      expect(decision(plan, 'DATABASE_URL')).to.deep.include({action: 'exclude'})
    })

    it('reports scheduler add-ons for manual review', function () {
      const plan = planFork(production(), options(), catalogue())
      expect(item(plan, ADDONS.scheduler.name).manualReview).to.contain('jobs are not copied')
      expect(item(plan, ADDONS.redis.name).manualReview).to.equal(undefined)
    })

    it('leaves the new database empty with --data none (--skip-data)', function () {
      const pg = item(planFork(production(), options({data: 'none'}), catalogue()), ADDONS.pg.name)
      expect(pg.copyData).to.equal(false)
      expect(pg.data?.method).to.equal('none')
    })
  })

  describe('the data method (--data)', function () {
    const source = {app: 'acme-production', attachment: 'DATABASE', name: 'postgresql-shiny-12345', plan: 'heroku-postgresql:standard-0'}
    const withSize = (bytes: number, plan = ADDONS.pg.plan) => {
      const prod = production()
      const db = prod.databases[ADDONS.pg.id]
      if (db) db.numBytes = bytes
      for (const a of prod.attachments) if (a.addon.id === ADDONS.pg.id) a.addon.plan = plan
      return prod
    }

    it('copies by default under the 10 GB transfer limit (silent: no fork, no warning)', function () {
      const plan = planFork(withSize(5 * GB), options(), catalogue())
      const pg = item(plan, ADDONS.pg.name)
      expect(pg.data).to.deep.equal({method: 'copy', reason: 'a transfer: 5.4 GB is under the 10 GB transfer limit'})
      expect(pg.copyData).to.equal(true)
      expect(plan.problems).to.deep.equal([])
      expect(plan.warnings.join(' ')).not.to.contain('transfer limit')
    })

    it('forks by default above the transfer limit, on the smallest Standard plan that holds the data', function () {
      const plan = planFork(withSize(50 * GB), options(), catalogue())
      const pg = item(plan, ADDONS.pg.name)
      expect(pg.data?.method).to.equal('fork')
      expect(pg.data?.reason).to.contain('above the 10 GB transfer limit')
      expect(pg).to.include({copyData: false, plan: 'heroku-postgresql:standard-0', priceCents: 5000})
      expect(pg.reason).to.contain('smallest Standard plan')
      expect(plan.problems).to.deep.equal([])
    })

    it('forks when asked, even a small database, never onto Essential', function () {
      const pg = item(planFork(withSize(1 * GB), options({data: 'fork'}), catalogue()), ADDONS.pg.name)
      expect(pg.data?.method).to.equal('fork')
      expect(pg.plan).to.equal('heroku-postgresql:standard-0')
    })

    it('honours --plan for a fork, and refuses an Essential --plan for one', function () {
      const ok = planFork(withSize(1 * GB), options({data: 'fork', plans: {'heroku-postgresql': 'standard-2'}}), catalogue())
      expect(item(ok, ADDONS.pg.name).plan).to.equal('heroku-postgresql:standard-2')
      expect(ok.problems).to.deep.equal([])
      const essential = planFork(withSize(1 * GB), options({data: 'fork', plans: {'heroku-postgresql': 'essential-1'}}), catalogue())
      expect(essential.problems.map(p => p.message).join(' ')).to.contain('forks need a Standard or higher plan')
    })

    it('refuses to fork an Essential production, naming --data copy (fires), and copies it when not asked (silent)', function () {
      const refused = planFork(withSize(1 * GB, 'heroku-postgresql:essential-1'), options({data: 'fork'}), catalogue())
      expect(refused.problems).to.have.length(1)
      expect(refused.problems[0]?.message).to.contain('Essential databases cannot be forked')
      expect(refused.problems[0]?.fix).to.contain('--data copy')
      const copied = planFork(withSize(1 * GB, 'heroku-postgresql:essential-1'), options(), catalogue())
      expect(copied.problems).to.deep.equal([])
      expect(item(copied, ADDONS.pg.name).data?.method).to.equal('copy')
    })

    it('copies a large Essential database with a warning (it cannot be forked)', function () {
      const choice = chooseDataMethod({...source, plan: 'heroku-postgresql:essential-2'}, 20 * GB, undefined)
      expect(choice.method).to.equal('copy')
      expect(choice.warning).to.contain('cannot be forked')
    })

    it('warns when --data copy is asked above the limit (fires) and not below it (silent)', function () {
      expect(chooseDataMethod(source, 20 * GB, 'copy').warning).to.contain('--data fork is the supported way')
      expect(chooseDataMethod(source, 2 * GB, 'copy').warning).to.equal(undefined)
    })

    it('forks a Shield production by default, since no transfer can copy it (fires), and copies a Standard one (silent)', function () {
      const shield = chooseDataMethod({...source, plan: 'heroku-postgresql:shield-0'}, 1 * GB, undefined)
      expect(shield.method).to.equal('fork')
      expect(shield.reason).to.contain('no PGBackups')
      expect(chooseDataMethod({...source, plan: 'heroku-postgresql:advanced-shield'}, undefined, undefined).method).to.equal('fork')
      expect(chooseDataMethod(source, 1 * GB, undefined).method).to.equal('copy')
    })

    it('refuses --data copy of a Shield production, naming --data fork (fires), and lets --data fork through (silent)', function () {
      const refused = chooseDataMethod({...source, plan: 'heroku-postgresql:shield-0'}, 1 * GB, 'copy')
      expect(refused.problem?.message).to.contain('Shield databases have no PGBackups')
      expect(refused.problem?.fix).to.contain('--data fork')
      expect(chooseDataMethod({...source, plan: 'heroku-postgresql:shield-0'}, 1 * GB, 'fork').problem).to.equal(undefined)
    })

    it('copies a database of unknown size by default', function () {
      expect(chooseDataMethod(source, undefined, undefined).method).to.equal('copy')
    })
  })

  describe('config vars', function () {
    it('excludes every var exposed by an attachment on production, owned or not', function () {
      const plan = planFork(production(), options(), catalogue())
      for (const key of ['DATABASE_URL', 'HEROKU_POSTGRESQL_ROSE_URL', 'REDIS_URL', 'MAILGUN_API_KEY', 'MAILGUN_SMTP_PASSWORD', 'MEMCACHIER_PASSWORD', 'MEMCACHIER_SERVERS']) {
        expect(decision(plan, key), key).to.deep.include({action: 'exclude'})
        expect(decision(plan, key)?.reason, key).to.contain('exposed by attachment')
      }
    })

    it('excludes a var exposed by an attachment on the fork', function () {
      const prod = production()
      prod.configVars.PAPERTRAIL_API_TOKEN = 'prod-papertrail-token-value'
      const target = fork()
      const papertrail = addon('ffff0000-0000-4000-8000-000000000009', 'papertrail-1', 'papertrail:choklad', {id: target.app.id, name: target.app.name})
      target.attachments.push(attachment('ffff0000-0000-4000-8000-000000000010', 'PAPERTRAIL', papertrail, ['PAPERTRAIL_API_TOKEN']))
      expect(decision(planFork(prod, options(), catalogue(), {target}), 'PAPERTRAIL_API_TOKEN')).to.deep.include({action: 'exclude'})
      // Without the fork's attachment it is production's own token: withheld, never copied.
      expect(decision(planFork(prod, options(), catalogue()), 'PAPERTRAIL_API_TOKEN')).to.deep.include({action: 'withhold'})
    })

    it('excludes a plain var that reaches production\'s database through another credential (physical identity)', function () {
      const readonly = decision(planFork(production(), options(), catalogue()), 'READONLY_DATABASE_URL')
      expect(readonly).to.deep.equal({action: 'exclude', group: 'production', key: 'READONLY_DATABASE_URL', reason: 'reaches the same database as production\'s DATABASE_URL'})
    })

    it('excludes any other database or service URL, and HTTP URLs with credentials', function () {
      const plan = planFork(production(), options(), catalogue())
      expect(decision(plan, 'ANALYTICS_DB')).to.deep.include({action: 'exclude', reason: 'reaches a production database'})
      expect(decision(plan, 'SEARCH_URL')).to.deep.include({action: 'exclude', reason: 'reaches a production http service'})
    })

    it('copies plain values, including URLs without credentials', function () {
      const plan = planFork(production(), options(), catalogue())
      for (const key of ['CDN_URL', 'LOG_LEVEL', 'RACK_ENV', 'WEB_CONCURRENCY']) {
        expect(decision(plan, key), key).to.deep.equal({action: 'copy', group: 'copied', key, reason: 'copied from production'})
      }

      expect(decision(plan, 'SECRET_KEY_BASE')).to.deep.include({action: 'regenerate', group: 'regenerated'})
      expect(decision(plan, 'STRIPE_API_KEY')).to.deep.include({action: 'withhold', fix: '--set STRIPE_API_KEY=VALUE', group: 'withheld', live: true})
    })

    it('excludes --exclude-config keys, and only those', function () {
      const plan = planFork(production(), options({excludeConfig: ['LOG_LEVEL', 'NOT_THERE']}), catalogue())
      expect(decision(plan, 'LOG_LEVEL')).to.deep.include({action: 'exclude', reason: '--exclude-config'})
      expect(decision(plan, 'RACK_ENV')).to.deep.include({action: 'copy'})
      expect(plan.warnings.join('\n')).to.contain('--exclude-config NOT_THERE: production has no such config var')
    })

    it('lets --set win over copies and exclusions, and warns when its value reaches production', function () {
      const plan = planFork(production(), options({
        excludeConfig: ['SECRET_KEY_BASE'],
        set: {NEW_FLAG: 'on', READONLY_DATABASE_URL: PROD_DB_URL, SECRET_KEY_BASE: 'staging-secret'},
      }), catalogue())
      expect(plan.problems).to.deep.equal([])
      expect(decision(plan, 'SECRET_KEY_BASE')).to.deep.include({action: 'override', reason: '--set'})
      expect(decision(plan, 'READONLY_DATABASE_URL')).to.deep.include({action: 'override'})
      expect(decision(plan, 'NEW_FLAG')).to.deep.include({action: 'override', reason: '--set (not in production)'})
      expect(plan.warnings.join('\n')).to.contain('--set READONLY_DATABASE_URL reaches the same database as production\'s DATABASE_URL')
      expect(plan.warnings.join('\n')).not.to.contain('--set SECRET_KEY_BASE')
    })

    it('refuses --set of a var the fork\'s own attachment sets, and of the marker', function () {
      const problems = planFork(production(), options({set: {DATABASE_URL: 'postgres://x', [FORK_MARKER]: 'x'}}), catalogue()).problems.map(p => p.message)
      expect(problems.join('\n')).to.contain('--set DATABASE_URL').and.contain(`--set ${FORK_MARKER}`)
    })

    it('reports secrets copied on purpose (--copy-config) as identical to production, by name', function () {
      expect(planFork(production(), options(), catalogue()).identicalSecrets).to.deep.equal([])
      const plan = planFork(production(), options({copyConfig: ['SECRET_KEY_BASE', 'STRIPE_API_KEY']}), catalogue())
      expect(plan.identicalSecrets).to.deep.equal(['SECRET_KEY_BASE', 'STRIPE_API_KEY'])
      expect(plan.warnings.join('\n')).to.contain('SECRET_KEY_BASE, STRIPE_API_KEY')
      const fixed = planFork(production(), options({set: {SECRET_KEY_BASE: 'a', STRIPE_API_KEY: 'b'}}), catalogue())
      expect(fixed.identicalSecrets).to.deep.equal([])
    })

    it('copies no credential in any form reaching production, and copies look-alikes', function () {
      const prod = production()
      const host = 'ec2-1-2-3-4.compute-1.amazonaws.com'
      prod.configVars = {
        ...prod.configVars,
        DATABASES: `{"default": {"url": "postgres://u:p@${host}/d8prod"}}`,
        DATABASE_DSN: `host=${host} port=5432 dbname=d8prod user=u1abc password=prodDbPassw0rd1`,
        HEROKU_SLUG_COMMIT: '4f1b2c3d4e5f60718293a4b5c6d7e8f901234567',
        JDBC_DATABASE_URL: `jdbc:postgresql://${host}:5432/d8prod?user=u1abc&password=prodDbPassw0rd1`,
        PGDATABASE: 'd8prod',
        PGHOST: host,
        PGPASSWORD: 'prodDbPassw0rd1',
        READ_URL: `postgres://u:p@replica.example.com:5432,${host}:5432/d8prod`,
        SERVICE_NAME: 'acme-web',
      }
      const plan = planFork(prod, options(), catalogue())
      for (const key of ['DATABASES', 'DATABASE_DSN', 'JDBC_DATABASE_URL', 'PGDATABASE', 'PGHOST', 'PGPASSWORD', 'READ_URL']) {
        expect(decision(plan, key), key).to.deep.include({action: 'exclude'})
      }

      expect(decision(plan, 'PGHOST')?.reason).to.equal("reaches the same database as production's DATABASE_DSN")
      expect(decision(plan, 'SERVICE_NAME')).to.deep.include({action: 'copy'})
      expect(decision(plan, 'HEROKU_SLUG_COMMIT')).to.deep.include({action: 'copy'})
      expect(plan.identicalSecrets).to.not.include('HEROKU_SLUG_COMMIT')
    })

    it('never puts a value in the plan', function () {
      const prod = production()
      const text = JSON.stringify(planFork(prod, options({set: {SECRET_KEY_BASE: 'set-value-never-shown'}}), catalogue()))
      for (const value of [...Object.values(prod.configVars).filter(v => v.length > 12), 'set-value-never-shown']) expect(text).not.to.contain(value)
    })

    it('gives the executor production\'s values for copied keys, --set values and the marker, nothing excluded', function () {
      const prod = production()
      const plan = planFork(prod, options({set: {SECRET_KEY_BASE: 'staging-secret'}}), catalogue())
      const values = desiredConfig(plan, prod, {SECRET_KEY_BASE: 'staging-secret'})
      expect(values).to.deep.equal({
        CDN_URL: 'https://cdn.example.com/acme',
        [FORK_MARKER]: PROD_ID,
        LOG_LEVEL: 'info',
        RACK_ENV: 'production',
        SECRET_KEY_BASE: 'staging-secret',
        WEB_CONCURRENCY: '2',
      })
      expect(Object.values(values)).not.to.include(SECRET_KEY_BASE)
    })
  })

  describe('formation, release, pipeline, app', function () {
    it('keeps process types and sizes, web at 1 and the others at 0', function () {
      expect(planFork(production(), options(), catalogue()).formation).to.deep.equal([
        {productionQuantity: 1, quantity: 0, size: 'standard-1X', type: 'clock'},
        {productionQuantity: 3, quantity: 1, size: 'standard-2X', type: 'web'},
        {productionQuantity: 2, quantity: 0, size: 'standard-2X', type: 'worker'},
      ])
    })

    it('scales a type when asked with --scale, and refuses an unknown type', function () {
      const plan = planFork(production(), options({scale: {worker: 1}}), catalogue())
      expect(plan.formation.find(f => f.type === 'worker')?.quantity).to.equal(1)
      expect(planFork(production(), options({scale: {sidekiq: 1}}), catalogue()).problems[0]?.message).to.contain('no process type sidekiq')
    })

    it('releases production\'s current slug and couples at stage staging', function () {
      const plan = planFork(production(), options(), catalogue())
      expect(plan.release).to.deep.equal({description: 'Forked from acme-production v42', slugId: 'eeee0000-0000-4000-8000-000000000001', version: 42})
      expect(plan.pipeline).to.deep.equal({id: 'cccc0000-0000-4000-8000-000000000001', name: 'acme', stage: 'staging'})
      expect(plan.target).to.deep.equal({name: 'acme-production-staging', region: 'us', stack: 'heroku-24', team: undefined})
      expect(plan.buildpacks).to.deep.equal(['heroku/ruby'])
    })

    it('has no release and no pipeline when production has neither', function () {
      const prod = production()
      delete prod.release
      delete prod.pipeline
      const plan = planFork(prod, options(), catalogue())
      expect(plan.release).to.equal(undefined)
      expect(plan.pipeline).to.equal(undefined)
      expect(plan.warnings.join('\n')).to.contain('no release with a slug')
    })

    it('takes --region and --team over production\'s', function () {
      const plan = planFork(production(), options({region: 'eu', team: 'acme-team'}), catalogue())
      expect(plan.target).to.include({region: 'eu', team: 'acme-team'})
      expect(plan.warnings.join('\n')).to.contain('crosses regions')
    })

    it('refuses an invalid fork name', function () {
      expect(planFork(production(), options({to: 'Acme_Staging'}), catalogue()).problems[0]?.message).to.contain('not a valid Heroku app name')
      expect(planFork(production(), options({to: 'a-very-long-production-app-name-staging'}), catalogue()).problems[0]?.fix).to.contain('--to NAME')
      expect(planFork(production(), options(), catalogue()).problems).to.deep.equal([])
    })
  })

  describe('plan catalogue helpers', function () {
    it('chooses the cheapest installable plan that holds the data, preferring a storage the API reports', function () {
      const plans = [
        {installable: true, name: 'p:a', priceCents: 100, storageBytes: 1},
        {installable: false, name: 'p:b', priceCents: 50, storageBytes: 100},
        {installable: true, name: 'p:c', priceCents: 200, storageBytes: 100},
      ]
      expect(smallestPlanHolding(plans, 10)?.name).to.equal('p:c')
      expect(smallestPlanHolding(plans, 1000)).to.equal(undefined)
    })
  })
})

describe('fork config filter against the account\'s production', function () {
  function otherProduction() {
    const other = fork(null)
    other.app = {...other.app, id: 'eeee0000-0000-4000-8000-0000000000ee', name: 'billing-production'}
    other.configVars = {SEARCH_URL: 'https://search.billing.example/index'}
    other.attachments = [{...attachment('eeee0000-0000-4000-8000-000000000002', 'SEARCH', addon('eeee0000-0000-4000-8000-000000000003', 'bonsai-1', 'bonsai:sandbox', {id: other.app.id, name: other.app.name})), configVarNames: ['SEARCH_URL']}]
    return other
  }

  it('does not copy a value reaching another production app\'s service, and says whose', function () {
    const prod = production()
    prod.configVars.BILLING_SEARCH = 'https://search.billing.example/index'
    const plan = planFork(prod, options(), catalogue(), {production: [prod, otherProduction()]})
    expect(decision(plan, 'BILLING_SEARCH')).to.deep.equal({action: 'exclude', group: 'production', key: 'BILLING_SEARCH', reason: 'reaches the same http service as production app billing-production\'s SEARCH_URL'})
  })

  it('copies it when no production app of the account reaches it (stays silent)', function () {
    const prod = production()
    prod.configVars.BILLING_SEARCH = 'https://search.billing.example/index'
    expect(decision(planFork(prod, options(), catalogue(), {production: [prod]}), 'BILLING_SEARCH')?.action).to.equal('copy')
  })
})

describe('fork target check', function () {
  const context = {protectedApps: [] as string[]}

  it('lets a new app through', function () {
    expect(checkTarget(production(), undefined, context)).to.deep.equal({kind: 'absent'})
  })

  it('continues an app marked as a fork of the same source', function () {
    expect(checkTarget(production(), {snapshot: fork()}, context)).to.deep.include({kind: 'resume', setMarker: false})
  })

  it('refuses production itself', function () {
    const verdict = checkTarget(production(), {snapshot: production()}, context)
    expect(verdict).to.deep.include({kind: 'refuse'})
    expect(verdict.kind === 'refuse' && verdict.message).to.contain('production app itself')
  })

  it('refuses an app coupled at stage production, even one carrying the marker', function () {
    const target = fork()
    target.pipeline = {id: 'p', name: 'acme', stage: 'production'}
    const verdict = checkTarget(production(), {snapshot: target}, context)
    expect(verdict.kind === 'refuse' && verdict.message).to.contain('stage production')
  })

  it('refuses an app the production registry counts as production, even one carrying the marker', function () {
    const verdict = checkTarget(production(), {snapshot: fork()}, {production: {via: ['pipeline stage production']}, protectedApps: []})
    expect(verdict.kind === 'refuse' && verdict.message).to.contain('a production app of the account (pipeline stage production)')
  })

  it('refuses a protected app', function () {
    const verdict = checkTarget(production(), {snapshot: fork()}, {protectedApps: ['acme-production-staging']})
    expect(verdict.kind === 'refuse' && verdict.message).to.contain('protected')
  })

  it('refuses an app without the marker, and one marked for another source', function () {
    const unmarked = checkTarget(production(), {snapshot: fork(null)}, context)
    expect(unmarked.kind === 'refuse' && unmarked.message).to.contain('was not created by heroku staging:fork')
    expect(unmarked.kind === 'refuse' && unmarked.fix).to.contain('--to')
    const other = checkTarget(production(), {snapshot: fork('someone-else')}, context)
    expect(other.kind === 'refuse' && other.message).to.contain('fork of another app')
  })

  it('continues an unmarked app only when this machine\'s ledger shows it created it', function () {
    const target = fork(null)
    const startedAt = '2026-01-01T00:00:00.000Z'
    const byId = {appId: target.app.id, sourceId: PROD_ID, startedAt, target: target.app.name}
    expect(checkTarget(production(), {snapshot: target}, {...context, ledger: byId})).to.deep.include({kind: 'resume', setMarker: true})
    const lostAnswer = {sourceId: PROD_ID, startedAt, target: target.app.name}
    expect(checkTarget(production(), {createdAt: '2026-01-01T00:00:05Z', snapshot: target}, {...context, ledger: lostAnswer})).to.deep.include({kind: 'resume'})
    expect(checkTarget(production(), {createdAt: '2025-12-01T00:00:00Z', snapshot: target}, {...context, ledger: lostAnswer})).to.deep.include({kind: 'refuse'})
    expect(checkTarget(production(), {snapshot: target}, {...context, ledger: {...byId, appId: 'another-app-id'}})).to.deep.include({kind: 'refuse'})
    expect(checkTarget(production(), {snapshot: target}, {...context, ledger: {...byId, sourceId: 'another-source'}})).to.deep.include({kind: 'refuse'})
  })
})
