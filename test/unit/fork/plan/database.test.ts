import {expect} from 'chai'

import {chooseDatabasePlan, chooseDataMethod, planFork, smallestPlanHolding} from '../../../../src/lib/fork/plan/index.js'
import type {CataloguePlan} from '../../../../src/lib/fork/types.js'
import {ADDONS, catalogue, GB, item, options, production} from '../fixtures.js'

const plan = (name: string, priceCents: number, storageGb?: number): CataloguePlan => ({installable: true, name: `heroku-postgresql:${name}`, priceCents, ...(storageGb === undefined ? {} : {storageBytes: storageGb * GB})})
const OFFERED: CataloguePlan[] = [
  plan('essential-0', 500, 1), plan('essential-1', 900, 10), plan('standard-0', 5000, 64), plan('premium-0', 20_000, 64),
  plan('private-0', 30_000, 64), plan('private-2', 60_000, 256), plan('shield-0', 35_000, 64), plan('shield-2', 70_000, 256),
  plan('advanced', 0), plan('advanced-private', 0), plan('advanced-shield', 0),
]

describe('fork plan: the database (src/lib/fork/plan/database.ts)', function () {
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

describe('fork: the staging database stays in production\'s tier', function () {
  it('shrinks a Common Runtime production to the smallest Common Runtime plan holding its data', function () {
    expect(chooseDatabasePlan('heroku-postgresql:standard-0', 5 * GB, OFFERED)).to.deep.equal({
      plan: 'heroku-postgresql:essential-1',
      reason: 'smallest plan holding production\'s 5.4 GB (production: standard-0)',
    })
  })

  it('keeps a Shield production on Shield: the smallest Shield plan holding its data, never essential', function () {
    const choice = chooseDatabasePlan('heroku-postgresql:shield-2', 100 * GB, OFFERED)
    expect(choice).to.deep.equal({plan: 'heroku-postgresql:shield-2', reason: 'smallest Shield plan holding production\'s 107.4 GB (production: shield-2)'})
    expect(chooseDatabasePlan('heroku-postgresql:shield-2', 1 * GB, OFFERED).plan).to.equal('heroku-postgresql:shield-0')
  })

  it('keeps a Private production on Private', function () {
    expect(chooseDatabasePlan('heroku-postgresql:private-2', 1 * GB, OFFERED).plan).to.equal('heroku-postgresql:private-0')
  })

  it('keeps a Postgres Advanced production\'s exact plan (advanced-shield stays advanced-shield), saying why', function () {
    for (const name of ['advanced', 'advanced-private', 'advanced-shield']) {
      expect(chooseDatabasePlan(`heroku-postgresql:${name}`, 1 * GB, OFFERED)).to.deep.equal({
        plan: `heroku-postgresql:${name}`,
        reason: 'same plan as production (Postgres Advanced sizes by level, not by plan)',
      })
    }
  })

  it('keeps production\'s plan when no plan of its tier holds the data', function () {
    expect(chooseDatabasePlan('heroku-postgresql:shield-2', 1000 * GB, OFFERED)).to.deep.equal({plan: 'heroku-postgresql:shield-2', reason: 'production\'s plan (no Shield plan known to hold 1.1 TB)'})
  })
})
