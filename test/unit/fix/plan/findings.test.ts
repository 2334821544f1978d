import {expect} from 'chai'

import type {AppSnapshot} from '../../../../src/lib/snapshot/types.js'
import {attachmentRef, cleanStagingSnapshot, incidentStagingSnapshot, PROD_DATABASE_URL, PROD_REDIS, PROD_REDIS_URL, productionSnapshot, STAGING_PG} from '../../../fixtures/snapshots.js'
import {incidentWithProductionRedis, kinds, planOf, SHARED_CACHE, stepOf} from '../fixtures.js'

describe('fix: planFix reads the findings (src/lib/fix/plan/findings.ts)', function () {
  describe('(c) an add-on production owns is attached to staging', function () {
    it('detaches it from staging once, for every finding it causes; production\'s add-on is untouched', function () {
      const plan = planOf(incidentWithProductionRedis())
      expect(kinds(plan.steps)).to.deep.equal(['unset-config', 'detach', 'promote'])
      const detach = stepOf(plan.steps, 'detach')
      expect(detach.attachment).to.deep.equal({id: `staging-redis-${PROD_REDIS.id}`, name: 'REDIS'})
      expect(detach.command).to.equal('heroku addons:detach REDIS -a acme-staging')
      expect(detach.fixes.map(f => f.code).sort()).to.deep.equal(['PRODUCTION_ADDON', 'SHARED_SERVICE'])
      expect(detach.loses.join(' ')).to.contain('REDIS_URL').and.to.contain('stays on acme-production')
      expect(plan.restore.join(' ')).to.contain('heroku addons:attach redis-prod-22222 --as REDIS -a acme-staging')
    })

    it('stays silent for the app\'s own add-ons', function () {
      expect(kinds(planOf(incidentStagingSnapshot()).steps)).to.not.include('detach')
    })

    it('leaves an add-on the staging app owns but production depends on to a human (moving it changes production)', function () {
      const clean = cleanStagingSnapshot()
      const production = productionSnapshot()
      production.attachments.push(attachmentRef('MEMCACHIER', SHARED_CACHE, 'prod-memcachier'))
      const staging: AppSnapshot = {...clean, attachments: [...clean.attachments, attachmentRef('MEMCACHIER', SHARED_CACHE, 'staging-memcachier')]}
      const plan = planOf(staging, [production])
      expect(plan.steps).to.deep.equal([])
      const manual = plan.manual.find(m => m.code === 'PRODUCTION_ADDON')
      expect(manual?.reason).to.contain('moving it changes production')
    })
  })

  describe('production attaches a database the staging app owns (detaching its last attachment cannot succeed)', function () {
    function productionUsingStagingDatabase(): {production: AppSnapshot; staging: AppSnapshot} {
      const staging = cleanStagingSnapshot()
      const production = productionSnapshot()
      production.attachments.push(attachmentRef('STAGING_DB', STAGING_PG, 'prod-staging-db'))
      production.configVars.STAGING_DB_URL = staging.configVars.DATABASE_URL as string
      return {production, staging}
    }

    it('plans no detach of staging\'s DATABASE and leaves it to the user, naming the command on production\'s side', function () {
      const {production, staging} = productionUsingStagingDatabase()
      const plan = planOf(staging, [production])
      expect(plan.steps.filter(step => step.kind === 'detach' || step.kind === 'promote' || step.kind === 'provision')).to.deep.equal([])
      const reasons = plan.manual.map(m => m.reason).join('\n')
      expect(reasons).to.contain('Cannot destroy last attachment to billing app')
      expect(reasons).to.contain('heroku addons:detach STAGING_DB -a acme-production')
    })

    it('still detaches an attachment of that add-on when staging has another one of it (stays silent)', function () {
      const {production, staging} = productionUsingStagingDatabase()
      const second: AppSnapshot = {...staging, attachments: [...staging.attachments, attachmentRef('SECOND', STAGING_PG, 'staging-second')], configVars: {...staging.configVars, SECOND_URL: staging.configVars.DATABASE_URL as string}}
      const plan = planOf(second, [production])
      expect(plan.manual.map(m => m.reason).join('\n')).to.not.contain('Cannot destroy last attachment')
    })
  })

  describe('(d) any other config var reaching a production database or service', function () {
    it('unsets each one by name, in one change, with what it reached', function () {
      const incident = incidentStagingSnapshot()
      const staging: AppSnapshot = {
        ...incident,
        configVars: {
          ...incident.configVars,
          CACHE_URL: PROD_REDIS_URL.replace(':6380', ':6380/0'),
          REPORTING_DATABASE_URL: PROD_DATABASE_URL.replace('uprod9x', 'readonly'),
        },
      }
      const plan = planOf(staging)
      const unset = stepOf(plan.steps, 'unset-config')
      expect(unset.vars.map(v => v.name)).to.deep.equal(['CACHE_URL', 'DATABASE_URL', 'REPORTING_DATABASE_URL'])
      expect(unset.vars.find(v => v.name === 'CACHE_URL')?.reaches).to.deep.equal(["acme-production's REDIS_URL"])
      expect(unset.vars.find(v => v.name === 'REPORTING_DATABASE_URL')?.reaches).to.deep.equal(["acme-production's DATABASE_URL"])
      expect(unset.command).to.equal('heroku config:unset CACHE_URL DATABASE_URL REPORTING_DATABASE_URL -a acme-staging')
      expect(unset.loses).to.have.length(3)
    })

    it('unsets every form that reaches production: multi-host, JDBC, key/value, JSON and split variables (all of a group)', function () {
      const host = 'ec2-52-1-2-3.compute-1.amazonaws.com'
      const staging: AppSnapshot = {
        ...cleanStagingSnapshot(),
        configVars: {
          ...cleanStagingSnapshot().configVars,
          DATABASES: `{"default": "postgres://u:p@${host}/dprod01"}`,
          DB_DSN: `host=${host} dbname=dprod01`,
          JDBC_DATABASE_URL: `jdbc:postgresql://${host}:5432/dprod01?user=u&password=p`,
          PGDATABASE: 'dprod01',
          PGHOST: host,
          PGUSER: 'u',
          READ_URL: `postgres://u:p@replica.example.com:5432,${host}:5432/dprod01`,
        },
      }
      const unset = stepOf(planOf(staging).steps, 'unset-config')
      expect(unset.vars.map(v => v.name)).to.deep.equal(['DATABASES', 'DB_DSN', 'JDBC_DATABASE_URL', 'PGDATABASE', 'PGHOST', 'PGUSER', 'READ_URL'])
      expect(unset.vars.find(v => v.name === 'READ_URL')?.reaches).to.deep.equal(["acme-production's DATABASE_URL"])
    })

    it('stays silent for URLs that are not credentials (the same public API base URL on both)', function () {
      const incident = incidentStagingSnapshot()
      expect(incident.configVars.API_BASE_URL).to.equal(productionSnapshot().configVars.API_BASE_URL)
      const plan = planOf(incident)
      expect(stepOf(plan.steps, 'unset-config').vars.map(v => v.name)).to.deep.equal(['DATABASE_URL'])
      expect(JSON.stringify(plan)).to.not.contain('API_BASE_URL')
    })
  })

  describe('(e) identical secrets', function () {
    it('are reported with the command to set a new value, never changed', function () {
      const plan = planOf(incidentStagingSnapshot())
      const secret = plan.manual.find(m => m.code === 'SHARED_SECRET')
      expect(secret).to.deep.include({configVars: ['SECRET_KEY_BASE'], remedy: 'heroku config:set SECRET_KEY_BASE=<new value> -a acme-staging'})
      expect(secret?.reason).to.contain('never guesses')
      for (const step of plan.steps) expect(JSON.stringify(step)).to.not.contain('SECRET_KEY_BASE')
    })

    it('stay silent when the secrets differ', function () {
      expect(planOf(cleanStagingSnapshot()).manual).to.deep.equal([])
    })
  })
})
