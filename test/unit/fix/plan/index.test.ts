import {expect} from 'chai'

import {planFix} from '../../../../src/lib/fix/plan/index.js'
import type {AppSnapshot} from '../../../../src/lib/snapshot/types.js'
import {attachmentRef, cleanStagingSnapshot, FIXTURE_SECRETS, incidentStagingSnapshot, PROD_DB_PASSWORD, PROD_PG, PROD_REDIS, PROD_REDIS_PASSWORD, PROD_REDIS_URL, PRODUCTION_ID, productionSnapshot, STAGING_ID, STAGING_PG} from '../../../fixtures/snapshots.js'
import {findingsOf, incidentWithProductionRedis, kinds, noOwnDatabase, planOf, productionDatabaseAttached, refusalOf, stagingAttachmentOf} from '../fixtures.js'

describe('fix: planFix (src/lib/fix/plan/index.ts)', function () {
  describe('a clean staging app', function () {
    it('plans no change, no backup and leaves nothing to a human', function () {
      const plan = planOf(cleanStagingSnapshot())
      expect(plan.steps).to.deep.equal([])
      expect(plan.backups).to.deep.equal([])
      expect(plan.manual).to.deep.equal([])
      expect(plan.restore).to.deep.equal([])
      expect(plan.next).to.deep.equal([])
      expect(plan.production).to.deep.equal(['acme-production'])
    })
  })

  describe('refusals', function () {
    it('refuses an app coupled at stage production', function () {
      const production = productionSnapshot()
      const refusal = refusalOf(production, [production])
      expect(refusal.code).to.equal('APP_IS_PRODUCTION')
      expect(refusal.message).to.contain('acme-production')
      expect(refusal.reasons.join(' ')).to.contain('stage production')
      expect(refusal.fix).to.contain('heroku staging:audit -a STAGING_APP --fix')
    })

    it('refuses an app named as production with --production', function () {
      const staging = {...incidentStagingSnapshot(), pipeline: undefined}
      const refusal = refusalOf(staging, [staging, productionSnapshot()])
      expect(refusal.code).to.equal('APP_IS_PRODUCTION')
      expect(refusal.reasons.join(' ')).to.contain('production apps')
    })

    it('refuses an app marked with staging:protect', function () {
      const refusal = refusalOf(incidentStagingSnapshot(), [productionSnapshot()], [STAGING_ID])
      expect(refusal.code).to.equal('APP_IS_PRODUCTION')
      expect(refusal.reasons.join(' ')).to.contain('staging:protect')
      expect(refusal.fix).to.contain('heroku staging:unprotect -a acme-staging')
    })

    it('refuses when a step would detach production\'s own attachment (the same attachment id as production\'s)', function () {
      const incident = incidentStagingSnapshot()
      // attachmentRef gives production's REDIS attachment id: the detach would name production's attachment.
      const staging: AppSnapshot = {...incident, attachments: [...incident.attachments.filter(a => a.name !== 'REDIS'), attachmentRef('REDIS', PROD_REDIS)], configVars: {...incident.configVars, REDIS_URL: PROD_REDIS_URL}}
      const refusal = refusalOf(staging)
      expect(refusal.code).to.equal('TOUCHES_PRODUCTION')
      expect(refusal.reasons.join(' ')).to.contain('heroku addons:detach REDIS -a acme-staging')
    })

    it('refuses to promote a database whose URL is unknown (the guard cannot tell it from production)', function () {
      const incident = incidentStagingSnapshot()
      const {HEROKU_POSTGRESQL_ROSE_URL: _rose, ...configVars} = incident.configVars
      const refusal = refusalOf({...incident, configVars})
      expect(refusal.code).to.equal('TOUCHES_PRODUCTION')
      expect(refusal.message).to.contain('HEROKU_POSTGRESQL_ROSE')
      expect(refusal.fix).to.contain('heroku addons:wait -a acme-staging')
    })

    it('does not refuse a plain staging app', function () {
      expect(planFix(incidentStagingSnapshot(), [productionSnapshot()], findingsOf(incidentStagingSnapshot())).kind).to.equal('plan')
    })
  })

  describe('plan properties', function () {
    it('is pure: the same inputs give the same plan, and the inputs are not changed', function () {
      const staging = incidentWithProductionRedis()
      const production = [productionSnapshot()]
      const findings = findingsOf(staging, production)
      const copies = JSON.stringify([staging, production, findings])
      const first = planFix(staging, production, findings)
      const second = planFix(staging, production, findings)
      expect(second).to.deep.equal(first)
      expect(JSON.stringify([staging, production, findings])).to.equal(copies)
    })

    it('every step changes the staging app, never a production app', function () {
      const plan = planOf(incidentWithProductionRedis())
      for (const step of plan.steps) expect(step.app).to.equal('acme-staging')
      expect(JSON.stringify(plan.steps)).to.not.contain(PRODUCTION_ID)
    })

    it('carries no value of any config var, only names', function () {
      const all = JSON.stringify([planOf(incidentWithProductionRedis()), planOf(noOwnDatabase()), planOf(productionDatabaseAttached('HEROKU_POSTGRESQL_ROSE'))])
      for (const secret of [...FIXTURE_SECRETS, PROD_DB_PASSWORD, PROD_REDIS_PASSWORD]) expect(all, 'a value leaked into the plan').to.not.contain(secret)
    })

    it('says how to undo: releases:info for a removed var, and that releases:rollback does not restore attachments', function () {
      const staging = {...incidentStagingSnapshot(), release: {id: 'r-12', version: 12}}
      const {restore} = planOf(staging)
      expect(restore[0]).to.contain('heroku releases:info v12 -a acme-staging').and.to.contain('heroku config:set NAME=VALUE -a acme-staging')
      expect(restore[1]).to.contain('heroku releases:rollback v12 -a acme-staging').and.to.contain('not attachments')
    })

    it('orders the changes: unset, detach, then DATABASE', function () {
      const plan = planOf({...productionDatabaseAttached('HEROKU_POSTGRESQL_ROSE'), configVars: {...productionDatabaseAttached('HEROKU_POSTGRESQL_ROSE').configVars, CACHE_URL: PROD_REDIS_URL}})
      expect(kinds(plan.steps)).to.deep.equal(['unset-config', 'detach', 'promote'])
    })

    it('backs up only the app\'s own databases, never production\'s', function () {
      const plan = planOf(productionDatabaseAttached('HEROKU_POSTGRESQL_ROSE'))
      expect(plan.backups.map(b => b.addon.id)).to.deep.equal([STAGING_PG.id])
      expect(stagingAttachmentOf('X', PROD_PG).id).to.not.equal(attachmentRef('X', PROD_PG).id)
    })
  })
})
