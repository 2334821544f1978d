import {expect} from 'chai'

import {planFork} from '../../../../src/lib/fork/plan/index.js'
import {ADDONS, addon, attachment, catalogue, decision, GB, item, options, production} from '../fixtures.js'

describe('fork plan: add-ons (src/lib/fork/plan/addons.ts)', function () {
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
})
