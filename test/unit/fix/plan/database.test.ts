import {expect} from 'chai'

import type {AppSnapshot} from '../../../../src/lib/snapshot/types.js'
import {cleanStagingSnapshot, incidentStagingSnapshot, PROD_PG, productionSnapshot, STAGING_PG} from '../../../fixtures/snapshots.js'
import {findingsOf, kinds, noOwnDatabase, planOf, productionDatabaseAttached, stepOf} from '../fixtures.js'

describe('fix: planFix gives DATABASE_URL the app\'s own database (src/lib/fix/plan/database.ts)', function () {
  describe('(a) DATABASE_URL reaches production and the app has its own Postgres under another name', function () {
    it('unsets the plain DATABASE_URL first, then attaches its own database as DATABASE (pg:promote), backing it up before', function () {
      const plan = planOf(incidentStagingSnapshot())
      expect(kinds(plan.steps)).to.deep.equal(['unset-config', 'promote'])
      const unset = stepOf(plan.steps, 'unset-config')
      expect(unset.vars).to.deep.equal([{name: 'DATABASE_URL', reaches: ["acme-production's DATABASE_URL"]}])
      expect(unset.command).to.equal('heroku config:unset DATABASE_URL -a acme-staging')
      expect(unset.fixes.map(f => f.code).sort()).to.deep.equal(['SHARED_DATABASE', 'UNATTACHED_DATABASE_URL'])
      expect(unset.loses).to.deep.equal(["DATABASE_URL: it reached acme-production's DATABASE_URL"])

      const promote = stepOf(plan.steps, 'promote')
      expect(promote.addon).to.deep.equal({id: STAGING_PG.id, name: STAGING_PG.name})
      expect(promote.attachment.name).to.equal('HEROKU_POSTGRESQL_ROSE')
      expect(promote.command).to.equal('heroku pg:promote HEROKU_POSTGRESQL_ROSE_URL -a acme-staging')
      expect(promote.loses.join(' ')).to.contain("no longer sees production's data")

      expect(plan.backups).to.deep.equal([{
        addon: {id: STAGING_PG.id, name: STAGING_PG.name},
        attachment: 'HEROKU_POSTGRESQL_ROSE',
        billingApp: 'acme-staging',
        command: 'heroku pg:backups:capture HEROKU_POSTGRESQL_ROSE -a acme-staging',
      }])
    })

    it('detaches production\'s database attached as DATABASE (no alias kept), then promotes the app\'s own', function () {
      const plan = planOf(productionDatabaseAttached('HEROKU_POSTGRESQL_ROSE'))
      expect(kinds(plan.steps)).to.deep.equal(['detach', 'promote'])
      const detach = stepOf(plan.steps, 'detach')
      expect(detach.attachment.name).to.equal('DATABASE')
      expect(detach.addon).to.deep.equal({id: PROD_PG.id, name: PROD_PG.name, owner: 'acme-production'})
      expect(detach.fixes.map(f => f.code).sort()).to.deep.equal(['PRODUCTION_ADDON', 'SHARED_DATABASE'])
      expect(stepOf(plan.steps, 'promote').attachment.name).to.equal('HEROKU_POSTGRESQL_ROSE')
    })

    it('stays silent when DATABASE_URL is a plain alias of the app\'s own database (a warning, not production wiring)', function () {
      const incident = incidentStagingSnapshot()
      const staging: AppSnapshot = {...incident, configVars: {...incident.configVars, DATABASE_URL: incident.configVars.HEROKU_POSTGRESQL_ROSE_URL as string, SECRET_KEY_BASE: 'x'.repeat(3)}}
      const findings = findingsOf(staging)
      expect(findings.find(f => f.code === 'UNATTACHED_DATABASE_URL')?.severity).to.equal('warning')
      const plan = planOf(staging)
      expect(plan.steps).to.deep.equal([])
      expect(plan.backups).to.deep.equal([])
    })

    it('leaves a critical DATABASE_URL that reaches no production database to a human', function () {
      const incident = incidentStagingSnapshot()
      const staging: AppSnapshot = {...incident, configVars: {...incident.configVars, DATABASE_URL: 'postgres://u:pw0000000@rds.example.com:5432/other'}}
      const plan = planOf(staging)
      expect(kinds(plan.steps)).to.deep.equal([])
      const manual = plan.manual.find(m => m.code === 'UNATTACHED_DATABASE_URL')
      expect(manual?.reason).to.contain('reaches no production database')
      expect(manual?.remedy).to.equal('heroku pg:promote HEROKU_POSTGRESQL_ROSE_URL -a acme-staging')
    })

    it('does not promote a follower or a database that itself reaches production', function () {
      const incident = incidentStagingSnapshot()
      const staging: AppSnapshot = {
        ...incident,
        databases: {[STAGING_PG.id]: {addonId: STAGING_PG.id, addonName: STAGING_PG.name, following: PROD_PG.name, majorVersion: '16'}},
      }
      const plan = planOf(staging)
      expect(kinds(plan.steps)).to.deep.equal(['unset-config', 'provision'])
    })
  })

  describe('(b) the app has no Postgres of its own', function () {
    it('provisions one as DATABASE on production\'s plan and major version, and names staging:refresh next', function () {
      const plan = planOf(noOwnDatabase())
      expect(kinds(plan.steps)).to.deep.equal(['unset-config', 'provision'])
      const provision = stepOf(plan.steps, 'provision')
      expect(provision).to.deep.include({plan: 'heroku-postgresql:standard-0', version: '16'})
      expect(provision.command).to.equal('heroku addons:create heroku-postgresql:standard-0 --as DATABASE -a acme-staging -- --version 16')
      expect(provision.loses.join(' ')).to.contain('empty database')
      expect(plan.next.join(' ')).to.contain('heroku staging:refresh -a acme-staging')
      expect(plan.backups, 'no database of its own to back up').to.deep.equal([])
    })

    it('follows production\'s version when it is another one', function () {
      const production = productionSnapshot()
      production.databases[PROD_PG.id] = {...production.databases[PROD_PG.id]!, majorVersion: '15'}
      const plan = planOf(noOwnDatabase(), [production])
      expect(stepOf(plan.steps, 'provision').version).to.equal('15')
    })

    it('detaches production\'s DATABASE and provisions when the app has nothing else', function () {
      const plan = planOf(productionDatabaseAttached())
      expect(kinds(plan.steps)).to.deep.equal(['detach', 'provision'])
    })

    it('stays silent when the app already has its own DATABASE', function () {
      expect(kinds(planOf(cleanStagingSnapshot()).steps)).to.not.include('provision')
      expect(kinds(planOf(incidentStagingSnapshot()).steps)).to.not.include('provision')
    })
  })
})
