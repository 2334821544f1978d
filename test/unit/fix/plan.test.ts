import {expect} from 'chai'

import {planFix} from '../../../src/lib/fix/plan/index.js'
import type {FixStep} from '../../../src/lib/fix/types.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {
  attachmentRef,
  cleanStagingSnapshot,
  FIXTURE_SECRETS,
  incidentStagingSnapshot,
  PROD_DATABASE_URL,
  PROD_DB_PASSWORD,
  PROD_PG,
  PROD_REDIS,
  PROD_REDIS_PASSWORD,
  PROD_REDIS_URL,
  PRODUCTION_ID,
  productionSnapshot,
  STAGING_ID,
  STAGING_PG,
} from '../../fixtures/snapshots.js'
import {
  findingsOf,
  incidentWithProductionRedis,
  noOwnDatabase,
  planOf,
  productionDatabaseAttached,
  refusalOf,
  SHARED_CACHE,
  stagingAttachmentOf,
} from './fixtures.js'

function kinds(steps: readonly FixStep[]): string[] {
  return steps.map(step => step.kind)
}

function stepOf<K extends FixStep['kind']>(steps: readonly FixStep[], kind: K): Extract<FixStep, {kind: K}> {
  const step = steps.find(s => s.kind === kind)
  if (!step) throw new Error(`no ${kind} step in ${kinds(steps).join(', ')}`)
  return step as Extract<FixStep, {kind: K}>
}

describe('fix: planFix', function () {
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
