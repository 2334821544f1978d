import {expect} from 'chai'

import {
  fullPlanName, isAdvancedPlan, isEssentialPlan, isolatedTier, isShieldPlan, isStandardPlan, planTier, postgresStorageBytes,
} from '../../../../src/lib/heroku/postgres-plans.js'

const GB = 1024 ** 3

describe('heroku/postgres-plans', function () {
  it('reads tiers from plan names in every spelling', function () {
    expect(['heroku-postgresql:essential-0', 'standard-2', 'Premium 4', 'heroku-postgresql:hobby-dev', 'heroku-postgresql:advanced-shield', undefined].map(plan => planTier(plan)))
      .to.deep.equal(['essential', 'standard', 'premium', 'hobby', 'advanced', undefined])
  })

  it('knows the published Postgres storage limits, and no limit for an unknown plan', function () {
    expect(postgresStorageBytes('heroku-postgresql:essential-0')).to.equal(1 * GB)
    expect(postgresStorageBytes('Essential 1')).to.equal(10 * GB)
    expect(postgresStorageBytes('premium-2')).to.equal(256 * GB)
    expect(postgresStorageBytes('heroku-postgresql:shield-9')).to.equal(4 * 1024 ** 4)
    expect(postgresStorageBytes('heroku-postgresql:mini')).to.equal(undefined)
    expect(postgresStorageBytes('heroku-postgresql:advanced')).to.equal(undefined)
  })

  it('names each plan fact once: Essential, Standard, Shield, Advanced and the isolated tiers', function () {
    const plans = ['heroku-postgresql:essential-0', 'heroku-postgresql:standard-0', 'heroku-postgresql:premium-2', 'heroku-postgresql:shield-3', 'heroku-postgresql:private-4', 'heroku-postgresql:advanced', 'heroku-postgresql:advanced-shield']
    expect(plans.filter(plan => isEssentialPlan(plan))).to.deep.equal(['heroku-postgresql:essential-0'])
    expect(plans.filter(plan => isStandardPlan(plan))).to.deep.equal(['heroku-postgresql:standard-0'])
    expect(plans.filter(plan => isShieldPlan(plan))).to.deep.equal(['heroku-postgresql:shield-3', 'heroku-postgresql:advanced-shield'])
    expect(plans.filter(plan => isAdvancedPlan(plan))).to.deep.equal(['heroku-postgresql:advanced', 'heroku-postgresql:advanced-shield'])
    expect(plans.map(plan => isolatedTier(plan))).to.deep.equal([undefined, undefined, undefined, 'shield', 'private', undefined, undefined])
  })

  it('does not take a plan for another by its spelling (essential-10 is not a shield plan; a display name reads like its slug)', function () {
    expect(isShieldPlan('heroku-postgresql:essential-10')).to.equal(false)
    expect(isEssentialPlan('Essential 0')).to.equal(true)
    expect(isStandardPlan('heroku-postgresql:standard')).to.equal(false)
  })

  it('qualifies a short plan with its service and leaves a full one alone', function () {
    expect(fullPlanName('heroku-postgresql', 'essential-1')).to.equal('heroku-postgresql:essential-1')
    expect(fullPlanName('heroku-postgresql', 'heroku-postgresql:standard-0')).to.equal('heroku-postgresql:standard-0')
  })
})
