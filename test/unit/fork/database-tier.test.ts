import {expect} from 'chai'

import {chooseDatabasePlan} from '../../../src/lib/fork/plan.js'
import type {CataloguePlan} from '../../../src/lib/fork/types.js'

const GB = 1024 ** 3
const plan = (name: string, priceCents: number, storageGb?: number): CataloguePlan => ({installable: true, name: `heroku-postgresql:${name}`, priceCents, ...(storageGb === undefined ? {} : {storageBytes: storageGb * GB})})
const OFFERED: CataloguePlan[] = [
  plan('essential-0', 500, 1), plan('essential-1', 900, 10), plan('standard-0', 5000, 64), plan('premium-0', 20_000, 64),
  plan('private-0', 30_000, 64), plan('private-2', 60_000, 256), plan('shield-0', 35_000, 64), plan('shield-2', 70_000, 256),
  plan('advanced', 0), plan('advanced-private', 0), plan('advanced-shield', 0),
]

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
