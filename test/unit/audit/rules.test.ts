import {expect} from 'chai'

import {FINDING_CODES, findingCodesMarkdown} from '../../../src/lib/audit/codes.js'
import {remedyCommand} from '../../../src/lib/audit/remedy.js'
import {auditContext, auditStaging, protectedStage, RULES, sideEffectCategory} from '../../../src/lib/audit/rules/index.js'
import type {AuditFinding, FindingCode} from '../../../src/lib/audit/types.js'
import {fingerprint} from '../../../src/lib/secrets/index.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {
  addonRef,
  attachmentRef,
  cleanPair,
  cleanStagingSnapshot,
  FIXTURE_SECRETS,
  incidentStagingSnapshot,
  PROD_DATABASE_URL,
  PROD_DB_HOST,
  PROD_DB_PASSWORD,
  PROD_PG,
  PROD_REDIS,
  PROD_REDIS_PASSWORD,
  PROD_SECRET_KEY_BASE,
  PROD_STRIPE_KEY,
  PRODUCTION_ID,
  productionSnapshot,
  STAGING_DATABASE_URL,
  STAGING_ID,
  STAGING_PG,
} from '../../fixtures/snapshots.js'

const STAGING = {id: STAGING_ID, name: 'acme-staging'}

function audit(staging: AppSnapshot, production: AppSnapshot[] = [productionSnapshot()]): AuditFinding[] {
  return auditStaging(staging, production)
}

function only(findings: AuditFinding[], code: FindingCode): AuditFinding[] {
  return findings.filter(finding => finding.code === code)
}

function withVars(vars: Record<string, string>, base: AppSnapshot = cleanStagingSnapshot()): AppSnapshot {
  return {...base, configVars: {...base.configVars, ...vars}}
}

describe('audit rules', function () {
  describe('the clean pair', function () {
    it('finds nothing at all', function () {
      const {production, staging} = cleanPair()
      expect(auditStaging(staging, [production])).to.deep.equal([])
    })

    for (const code of Object.keys(RULES) as Array<keyof typeof RULES>) {
      it(`${code} stays silent`, function () {
        const {production, staging} = cleanPair()
        expect(RULES[code](auditContext(staging, [production]))).to.deep.equal([])
      })
    }

    it('PRODUCTION_STAGE stays silent', function () {
      const {production, staging} = cleanPair()
      expect(only(auditStaging(staging, [production]), 'PRODUCTION_STAGE')).to.deep.equal([])
    })
  })

  describe('SHARED_DATABASE', function () {
    it('fires on the incident: postgresql://, no port, upper-case host, other query, plain DATABASE_URL', function () {
      const [finding] = only(audit(incidentStagingSnapshot()), 'SHARED_DATABASE')
      expect(finding).to.deep.include({
        app: 'acme-staging',
        configVars: ['DATABASE_URL'],
        production: ['acme-production'],
        remedy: 'heroku pg:promote HEROKU_POSTGRESQL_ROSE_URL -a acme-staging',
        severity: 'critical',
      })
      expect(finding?.subject.matches).to.deep.equal([{app: 'acme-production', configVar: 'DATABASE_URL'}])
    })

    it('fires for a config var of any name, with another user and password', function () {
      const findings = only(audit(withVars({REPORTING_DB: `postgres://analyst:other-pw@${PROD_DB_HOST}:5432/dprod01?sslmode=require`})), 'SHARED_DATABASE')
      expect(findings.map(f => f.configVars)).to.deep.equal([['REPORTING_DB']])
      expect(findings[0]?.remedy).to.equal('heroku config:unset REPORTING_DB -a acme-staging')
      expect(findings[0]?.subject.action).to.deep.equal({app: 'acme-staging', configVar: 'REPORTING_DB', kind: 'unset-config'})
    })

    it('fires when production\'s database is attached to staging, with detach as the fix', function () {
      const staging = cleanStagingSnapshot()
      staging.attachments = [attachmentRef('DATABASE', PROD_PG)]
      staging.configVars.DATABASE_URL = PROD_DATABASE_URL
      const [finding] = only(audit(staging), 'SHARED_DATABASE')
      expect(finding?.remedy).to.equal('heroku addons:detach DATABASE -a acme-staging')
      expect(finding?.addons).to.deep.equal(['DATABASE'])
    })

    it('without a database of its own, the fix unsets DATABASE_URL and creates one on production\'s plan', function () {
      const staging = withVars({DATABASE_URL: PROD_DATABASE_URL})
      staging.attachments = []
      const [finding] = only(audit(staging), 'SHARED_DATABASE')
      expect(finding?.remedy).to.equal('heroku config:unset DATABASE_URL -a acme-staging && heroku addons:create heroku-postgresql:standard-0 -a acme-staging')
    })

    it('fires for loopback URLs too: on one machine (the emulator, a laptop) they are one server', function () {
      const production = productionSnapshot()
      production.configVars.LOCAL_URL = 'postgres://u:p@127.0.0.1/dlocal'
      const findings = only(audit(withVars({LOCAL_URL: 'postgres://v:q@localhost:5432/dlocal'}), [production]), 'SHARED_DATABASE')
      expect(findings.map(f => f.configVars)).to.deep.equal([['LOCAL_URL']])
    })

    it('stays silent for another database on the same host', function () {
      const staging = withVars({OTHER_DB_URL: `postgres://uprod9x:x@${PROD_DB_HOST}:5432/another`})
      expect(only(audit(staging), 'SHARED_DATABASE')).to.deep.equal([])
    })

    it('fires for the same host and database on another port: the connection pooler', function () {
      const staging = withVars({POOL_URL: `postgres://uprod9x:x@${PROD_DB_HOST}:6000/dprod01`})
      expect(only(audit(staging), 'SHARED_DATABASE').map(f => f.configVars)).to.deep.equal([['POOL_URL']])
    })
  })

  describe('SHARED_SERVICE', function () {
    it('fires for Redis with another password, with a config:set fix for a plain var', function () {
      const [finding] = only(audit(withVars({CACHE_URL: `redis://:x@ec2-54-4-5-6.compute-1.amazonaws.com:6380/0`})), 'SHARED_SERVICE')
      expect(finding).to.deep.include({configVars: ['CACHE_URL'], remedy: 'heroku config:set CACHE_URL=<a staging-only URL> -a acme-staging', severity: 'critical'})
      expect(finding?.message).to.contain('redis service')
      expect(finding?.message).to.contain('acme-production\'s REDIS_URL')
    })

    it('fires when production\'s Redis is attached, with detach as the fix', function () {
      const staging = cleanStagingSnapshot()
      staging.attachments = [attachmentRef('DATABASE', STAGING_PG), attachmentRef('REDIS', PROD_REDIS)]
      staging.configVars.REDIS_URL = productionSnapshot().configVars.REDIS_URL as string
      const [finding] = only(audit(staging), 'SHARED_SERVICE')
      expect(finding?.remedy).to.equal('heroku addons:detach REDIS -a acme-staging')
    })

    it('fires for AMQP and for an Elasticsearch URL with credentials', function () {
      const production = productionSnapshot()
      production.configVars.CLOUDAMQP_URL = 'amqps://prod:secretmq@rabbit.cloudamqp.com/vhost1'
      production.configVars.BONSAI_URL = 'https://prod:essecret@acme-1234.us-east-1.bonsaisearch.net'
      const staging = withVars({
        BONSAI_URL: 'https://stg:other@ACME-1234.us-east-1.bonsaisearch.net:443',
        CLOUDAMQP_URL: 'amqps://stg:stgmq@rabbit.cloudamqp.com:5671/vhost1',
      })
      expect(only(audit(staging, [production]), 'SHARED_SERVICE').map(f => f.configVars[0])).to.deep.equal(['BONSAI_URL', 'CLOUDAMQP_URL'])
    })

    it('stays silent for another Redis database index, another vhost, and a public URL without credentials', function () {
      const production = productionSnapshot()
      production.configVars.CLOUDAMQP_URL = 'amqps://prod:secretmq@rabbit.cloudamqp.com/vhost1'
      const staging = withVars({
        CACHE_URL: 'rediss://:x@ec2-54-4-5-6.compute-1.amazonaws.com:6380/1',
        CLOUDAMQP_URL: 'amqps://stg:stgmq@rabbit.cloudamqp.com/vhost2',
      })
      // API_BASE_URL is identical on both apps: a public endpoint, not a credential
      expect(only(audit(staging, [production]), 'SHARED_SERVICE')).to.deep.equal([])
    })
  })

  describe('PRODUCTION_ADDON', function () {
    it('fires for an add-on owned by production, with detach as the fix', function () {
      const staging = cleanStagingSnapshot()
      staging.attachments.push(attachmentRef('PROD_REDIS', PROD_REDIS))
      const [finding] = only(audit(staging), 'PRODUCTION_ADDON')
      expect(finding).to.deep.include({addons: ['PROD_REDIS', 'redis-prod-22222'], production: ['acme-production'], remedy: 'heroku addons:detach PROD_REDIS -a acme-staging', severity: 'critical'})
      expect(finding?.subject.addon).to.deep.equal({id: PROD_REDIS.id, name: PROD_REDIS.name, owner: 'acme-production', plan: 'heroku-redis:premium-0', service: 'heroku-redis'})
      expect(finding?.subject.attachment?.name).to.equal('PROD_REDIS')
    })

    it('fires for an add-on owned elsewhere but also attached to production', function () {
      const shared = addonRef({id: 'c0000000-0000-4000-8000-0000000shar1', name: 'memcachier-shared', owner: {id: 'other', name: 'acme-db-owner'}, plan: 'memcachier:dev'})
      const production = productionSnapshot()
      production.attachments.push(attachmentRef('MEMCACHIER', shared))
      const staging = cleanStagingSnapshot()
      staging.attachments.push(attachmentRef('MEMCACHIER', shared))
      const [finding] = only(audit(staging, [production]), 'PRODUCTION_ADDON')
      expect(finding?.message).to.contain('also attached to acme-production')
      expect(finding?.remedy).to.equal('heroku addons:detach MEMCACHIER -a acme-staging')
    })

    it('fires when production uses an add-on staging owns, and never suggests detaching it from staging', function () {
      const production = productionSnapshot()
      production.attachments.push(attachmentRef('STAGING_DB', STAGING_PG))
      const [finding] = only(audit(cleanStagingSnapshot(), [production]), 'PRODUCTION_ADDON')
      expect(finding?.subject.action.kind).to.equal('move-addon')
      expect(finding?.remedy).to.not.contain('-a acme-staging')
    })

    it('stays silent for add-ons owned by a non-production app', function () {
      const staging = cleanStagingSnapshot()
      staging.attachments.push(attachmentRef('PAPERTRAIL', addonRef({id: 'x1', name: 'papertrail-1', owner: {id: 'z', name: 'acme-tools'}, plan: 'papertrail:choklad'})))
      expect(only(audit(staging), 'PRODUCTION_ADDON')).to.deep.equal([])
    })
  })

  describe('UNATTACHED_DATABASE_URL', function () {
    it('fires on the incident as critical, promoting the app\'s own database', function () {
      const [finding] = only(audit(incidentStagingSnapshot()), 'UNATTACHED_DATABASE_URL')
      expect(finding).to.deep.include({severity: 'critical', remedy: 'heroku pg:promote HEROKU_POSTGRESQL_ROSE_URL -a acme-staging'})
      expect(finding?.message).to.contain('reaches a production database')
    })

    it('is a warning when DATABASE_URL only aliases the app\'s own database', function () {
      const staging = incidentStagingSnapshot()
      staging.configVars.DATABASE_URL = `${staging.configVars.HEROKU_POSTGRESQL_ROSE_URL}?pool=25`
      const findings = audit(staging)
      const [finding] = only(findings, 'UNATTACHED_DATABASE_URL')
      expect(finding?.severity).to.equal('warning')
      expect(finding?.message).to.contain('aliases HEROKU_POSTGRESQL_ROSE_URL')
      expect(only(findings, 'SHARED_DATABASE')).to.deep.equal([])
    })

    it('without any database of its own, the fix unsets it and creates one', function () {
      const staging = withVars({DATABASE_URL: 'postgres://u:p@db.example.com:5432/elsewhere'})
      staging.attachments = []
      const [finding] = only(audit(staging), 'UNATTACHED_DATABASE_URL')
      expect(finding?.subject.action).to.deep.equal({app: 'acme-staging', kind: 'replace-database', plan: 'heroku-postgresql:standard-0'})
    })

    it('stays silent when an attachment named DATABASE sets it, or when there is none', function () {
      expect(only(audit(cleanStagingSnapshot()), 'UNATTACHED_DATABASE_URL')).to.deep.equal([])
      const none = cleanStagingSnapshot()
      delete none.configVars.DATABASE_URL
      none.attachments = []
      expect(only(audit(none), 'UNATTACHED_DATABASE_URL')).to.deep.equal([])
    })
  })

  describe('SHARED_SECRET', function () {
    it('fires for secrets by name, shows only a fingerprint', function () {
      const findings = only(audit(withVars({SECRET_KEY_BASE: PROD_SECRET_KEY_BASE, STRIPE_SECRET_KEY: PROD_STRIPE_KEY})), 'SHARED_SECRET')
      expect(findings.map(f => f.configVars)).to.deep.equal([['SECRET_KEY_BASE'], ['STRIPE_SECRET_KEY']])
      expect(findings[0]?.evidence).to.deep.equal([fingerprint(PROD_SECRET_KEY_BASE)])
      expect(findings[0]?.remedy).to.equal('heroku config:set SECRET_KEY_BASE=<new value> -a acme-staging')
      expect(JSON.stringify(findings)).to.not.contain(PROD_SECRET_KEY_BASE)
    })

    it('fires for a long random value whatever its name, and under another name on production', function () {
      const random = 'Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hc1Jd5Fg0Sa'
      const production = productionSnapshot()
      production.configVars.INTERNAL_HASH_SEED = random
      const [finding] = only(audit(withVars({HASH_SEED: random}), [production]), 'SHARED_SECRET')
      expect(finding?.configVars).to.deep.equal(['HASH_SEED', 'INTERNAL_HASH_SEED'])
    })

    it('fires for a webhook URL whose path is a random token', function () {
      const hook = 'https://hooks.slack.com/services/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'
      const production = productionSnapshot()
      production.configVars.ALERTS_WEBHOOK = hook
      expect(only(audit(withVars({ALERTS_WEBHOOK: hook}), [production]), 'SHARED_SECRET')).to.have.length(1)
    })

    it('stays silent for identical plain values, add-on vars and values that differ', function () {
      const production = productionSnapshot()
      production.configVars.FEATURE_TOKEN_ENABLED = 'true'
      production.configVars.ASSET_BUCKET = 'acme-production-assets-2024'
      const token = 'Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz'
      const papertrail = addonRef({id: 'pt', name: 'papertrail-1', owner: {id: 'z', name: 'acme-tools'}, plan: 'papertrail:choklad'})
      production.attachments.push({...attachmentRef('PAPERTRAIL', papertrail), configVarNames: ['PAPERTRAIL_API_TOKEN']})
      production.configVars.PAPERTRAIL_API_TOKEN = token
      const staging = withVars({ASSET_BUCKET: 'acme-production-assets-2024', FEATURE_TOKEN_ENABLED: 'true', PAPERTRAIL_API_TOKEN: token})
      staging.attachments.push({...attachmentRef('PAPERTRAIL', {...papertrail, id: 'pt-2'}), configVarNames: ['PAPERTRAIL_API_TOKEN']})
      // LANG, WEB_CONCURRENCY, API_BASE_URL are identical in the clean pair too
      expect(only(audit(staging, [production]), 'SHARED_SECRET')).to.deep.equal([])
    })
  })

  describe('POSTGRES_VERSION_DRIFT', function () {
    it('fires when staging is older, with pg:upgrade:run as the fix', function () {
      const staging = cleanStagingSnapshot()
      staging.databases[STAGING_PG.id] = {...staging.databases[STAGING_PG.id]!, majorVersion: '15'}
      const [finding] = only(audit(staging), 'POSTGRES_VERSION_DRIFT')
      expect(finding).to.deep.include({remedy: 'heroku pg:upgrade:run postgresql-staging-33333 --version 16 -a acme-staging', severity: 'warning'})
      expect(finding?.subject.database).to.deep.equal({
        production: {addon: PROD_PG.name, majorVersion: '16', plan: 'heroku-postgresql:standard-0'},
        staging: {addon: STAGING_PG.name, majorVersion: '15', plan: 'heroku-postgresql:standard-0'},
      })
    })

    it('fires when staging is newer, with a new database at production\'s version as the fix', function () {
      const staging = cleanStagingSnapshot()
      staging.databases[STAGING_PG.id] = {...staging.databases[STAGING_PG.id]!, majorVersion: '17'}
      const [finding] = only(audit(staging), 'POSTGRES_VERSION_DRIFT')
      expect(finding?.remedy).to.equal('heroku addons:create heroku-postgresql:standard-0 -a acme-staging -- --version 16')
    })

    it('stays silent when a version is unknown', function () {
      const staging = cleanStagingSnapshot()
      staging.databases = {}
      expect(only(audit(staging), 'POSTGRES_VERSION_DRIFT')).to.deep.equal([])
    })
  })

  describe('POSTGRES_VERSION_UNKNOWN', function () {
    it('fires (warning) when the Data API gave no version for staging\'s database, naming pg:info', function () {
      const staging = cleanStagingSnapshot()
      staging.databases = {}
      const [finding] = only(audit(staging), 'POSTGRES_VERSION_UNKNOWN')
      expect(finding).to.deep.include({
        addons: [STAGING_PG.name],
        remedy: `heroku pg:info ${STAGING_PG.name} -a acme-staging, then run the audit again`,
        severity: 'warning',
      })
      expect(finding?.message).to.contain('version drift against acme-production was not checked')
    })

    it('fires when production\'s version is the unknown one', function () {
      const production = productionSnapshot()
      production.databases = {}
      const [finding] = only(auditStaging(cleanStagingSnapshot(), [production]), 'POSTGRES_VERSION_UNKNOWN')
      expect(finding?.addons).to.deep.equal([PROD_PG.name])
      expect(finding?.remedy).to.equal(`heroku pg:info ${PROD_PG.name} -a acme-production, then run the audit again`)
    })

    it('stays silent when both versions are known', function () {
      expect(only(audit(cleanStagingSnapshot()), 'POSTGRES_VERSION_UNKNOWN')).to.deep.equal([])
    })
  })

  describe('POSTGRES_PLAN_DRIFT', function () {
    it('fires (info) when the tier differs', function () {
      const staging = cleanStagingSnapshot()
      const essential = {...STAGING_PG, plan: 'heroku-postgresql:essential-1'}
      staging.attachments = [attachmentRef('DATABASE', essential)]
      const [finding] = only(audit(staging), 'POSTGRES_PLAN_DRIFT')
      expect(finding).to.deep.include({remedy: 'heroku addons:upgrade postgresql-staging-33333 heroku-postgresql:standard-0 -a acme-staging', severity: 'info'})
    })

    it('stays silent for another size of the same tier', function () {
      const staging = cleanStagingSnapshot()
      staging.attachments = [attachmentRef('DATABASE', {...STAGING_PG, plan: 'heroku-postgresql:standard-2'})]
      expect(only(audit(staging), 'POSTGRES_PLAN_DRIFT')).to.deep.equal([])
    })
  })

  describe('FOLLOWS_PRODUCTION', function () {
    it('fires when a staging database follows production\'s', function () {
      const staging = cleanStagingSnapshot()
      const follower = addonRef({id: 'b0000000-0000-4000-8000-0000000fol01', name: 'postgresql-follower-5', owner: STAGING, plan: 'heroku-postgresql:standard-0'})
      staging.attachments.push(attachmentRef('HEROKU_POSTGRESQL_TEAL', follower))
      staging.databases[follower.id] = {addonId: follower.id, addonName: follower.name, following: PROD_PG.name, majorVersion: '16'}
      const [finding] = only(audit(staging), 'FOLLOWS_PRODUCTION')
      expect(finding).to.deep.include({remedy: 'heroku pg:unfollow HEROKU_POSTGRESQL_TEAL_URL -a acme-staging', severity: 'warning'})
    })

    it('fires when the Data API gives only the leader\'s URL (as `following`), matched by physical identity', function () {
      const staging = cleanStagingSnapshot()
      const follower = addonRef({id: 'b0000000-0000-4000-8000-0000000fol02', name: 'postgresql-follower-7', owner: STAGING, plan: 'heroku-postgresql:standard-0'})
      staging.attachments.push(attachmentRef('HEROKU_POSTGRESQL_TEAL', follower))
      const leaderUrl = PROD_DATABASE_URL.replace('postgres://', 'postgresql://').replace(':5432', '')
      staging.databases[follower.id] = {addonId: follower.id, addonName: follower.name, following: 'ec2-leader:5432/dprod01', followingUrl: leaderUrl, majorVersion: '16'}
      const [finding] = only(audit(staging), 'FOLLOWS_PRODUCTION')
      expect(finding?.production).to.deep.equal(['acme-production'])
    })

    it('stays silent for a follower whose leader URL is staging\'s own database', function () {
      const staging = cleanStagingSnapshot()
      const follower = addonRef({id: 'f3', name: 'postgresql-follower-8', owner: STAGING, plan: 'heroku-postgresql:standard-0'})
      staging.attachments.push(attachmentRef('HEROKU_POSTGRESQL_TEAL', follower))
      staging.databases[follower.id] = {addonId: follower.id, addonName: follower.name, following: 'leader', followingUrl: STAGING_DATABASE_URL}
      expect(only(audit(staging), 'FOLLOWS_PRODUCTION')).to.deep.equal([])
    })

    it('stays silent for a follower of a staging database', function () {
      const staging = cleanStagingSnapshot()
      const follower = addonRef({id: 'f2', name: 'postgresql-follower-6', owner: STAGING, plan: 'heroku-postgresql:standard-0'})
      staging.attachments.push(attachmentRef('HEROKU_POSTGRESQL_TEAL', follower))
      staging.databases[follower.id] = {addonId: follower.id, addonName: follower.name, following: STAGING_PG.name}
      expect(only(audit(staging), 'FOLLOWS_PRODUCTION')).to.deep.equal([])
    })
  })

  describe('SIDE_EFFECT_ADDON', function () {
    it('fires (warning) for scheduler, mail, SMS and payments add-ons', function () {
      const staging = cleanStagingSnapshot()
      for (const [name, plan] of [['SCHEDULER', 'scheduler:standard'], ['SENDGRID', 'sendgrid:starter'], ['TWILIO', 'twilio-sms:test'], ['STRIPE', 'stripe-payments:basic']]) {
        staging.attachments.push(attachmentRef(name!, addonRef({id: `id-${name}`, name: `${plan!.split(':')[0]}-1`, owner: STAGING, plan: plan!})))
      }

      const findings = only(audit(staging), 'SIDE_EFFECT_ADDON')
      expect(findings.map(f => f.severity)).to.deep.equal(['warning', 'warning', 'warning', 'warning'])
      expect(findings.map(f => f.remedy)).to.deep.equal([
        'heroku addons:open scheduler-1 -a acme-staging',
        'heroku addons:destroy sendgrid-1 -a acme-staging',
        'heroku addons:destroy stripe-payments-1 -a acme-staging',
        'heroku addons:destroy twilio-sms-1 -a acme-staging',
      ])
    })

    it('stays silent for logging and monitoring add-ons', function () {
      const staging = cleanStagingSnapshot()
      staging.attachments.push(attachmentRef('PAPERTRAIL', addonRef({id: 'pt', name: 'papertrail-1', owner: STAGING, plan: 'papertrail:choklad'})))
      expect(only(audit(staging), 'SIDE_EFFECT_ADDON')).to.deep.equal([])
      expect(['papertrail', 'heroku-redis', 'newrelic', 'mailgun', 'advanced-scheduler'].map(s => sideEffectCategory(s) ?? null))
        .to.deep.equal([null, null, null, 'mail', 'scheduler'])
    })
  })

  describe('ACTIVE_WORKER', function () {
    it('fires (warning) for worker and clock scaled above zero', function () {
      const staging = cleanStagingSnapshot()
      staging.formation = [{quantity: 1, size: 'basic', type: 'web'}, {quantity: 1, size: 'basic', type: 'clock'}, {quantity: 2, size: 'basic', type: 'worker'}]
      const findings = only(audit(staging), 'ACTIVE_WORKER')
      expect(findings.map(f => f.remedy)).to.deep.equal(['heroku ps:scale clock=0 -a acme-staging', 'heroku ps:scale worker=0 -a acme-staging'])
      expect(findings[1]?.subject.process).to.deep.equal({quantity: 2, size: 'basic', type: 'worker'})
    })

    it('stays silent for web dynos and workers at zero', function () {
      expect(only(audit(cleanStagingSnapshot()), 'ACTIVE_WORKER')).to.deep.equal([])
    })
  })

  describe('PRODUCTION_STAGE', function () {
    it('fires (critical) when the audited app is coupled at stage production', function () {
      const staging = cleanStagingSnapshot()
      staging.pipeline = {id: 'p', name: 'acme', stage: 'production'}
      const [finding] = only(audit(staging), 'PRODUCTION_STAGE')
      expect(finding).to.deep.include({remedy: 'heroku pipelines:update --stage staging -a acme-staging', severity: 'critical'})
    })

    it('fires when the audited app is among the production apps, and is not compared with itself', function () {
      const production = productionSnapshot()
      const findings = auditStaging(production, [production])
      expect(findings.map(f => f.code)).to.deep.equal(['PRODUCTION_STAGE', 'ACTIVE_WORKER'])
      expect(only(findings, 'SHARED_DATABASE')).to.deep.equal([])
    })
  })

  describe('PRODUCTION_STAGE for an app marked with staging:protect', function () {
    it('fires by name or id, with staging:unprotect as the fix', function () {
      for (const key of ['acme-staging', STAGING_ID]) {
        const [finding] = protectedStage(cleanStagingSnapshot(), [key])
        expect(finding).to.deep.include({code: 'PRODUCTION_STAGE', remedy: 'heroku staging:unprotect -a acme-staging', severity: 'critical'})
        expect(finding?.subject.stage?.protected).to.equal(true)
      }
    })

    it('stays silent for other apps, and when the pipeline stage already says production', function () {
      expect(protectedStage(cleanStagingSnapshot(), ['acme-production', PRODUCTION_ID])).to.deep.equal([])
      expect(protectedStage(productionSnapshot(), ['acme-production'])).to.deep.equal([])
    })
  })

  describe('NO_PIPELINE', function () {
    it('fires (info) with the production pipeline in the fix', function () {
      const staging = {...cleanStagingSnapshot(), pipeline: undefined}
      const [finding] = only(audit(staging), 'NO_PIPELINE')
      expect(finding).to.deep.include({remedy: 'heroku pipelines:add acme --stage staging -a acme-staging', severity: 'info'})
    })
  })

  describe('auditStaging', function () {
    it('sorts by severity, then by the code table', function () {
      const staging = incidentStagingSnapshot()
      staging.pipeline = undefined
      staging.attachments.push(attachmentRef('SCHEDULER', addonRef({id: 's', name: 'scheduler-1', owner: STAGING, plan: 'scheduler:standard'})))
      const findings = audit(staging)
      expect(findings.map(f => `${f.severity}:${f.code}`)).to.deep.equal([
        'critical:SHARED_DATABASE',
        'critical:UNATTACHED_DATABASE_URL',
        'critical:SHARED_SECRET',
        'warning:SIDE_EFFECT_ADDON',
        'warning:ACTIVE_WORKER',
        'info:NO_PIPELINE',
      ])
    })

    it('is pure: same result twice, inputs untouched', function () {
      const staging = incidentStagingSnapshot()
      const production = productionSnapshot()
      const before = JSON.stringify([staging, production])
      expect(auditStaging(staging, [production])).to.deep.equal(auditStaging(staging, [production]))
      expect(JSON.stringify([staging, production])).to.equal(before)
    })

    it('compares with every production app', function () {
      const second = productionSnapshot()
      second.app = {...second.app, id: 'prod-2', name: 'acme-production-eu'}
      second.configVars = {REDIS_URL: `rediss://:${PROD_REDIS_PASSWORD}@eu-redis.example.com:6380`}
      second.attachments = []
      const staging = withVars({EU_REDIS_URL: 'rediss://:x@eu-redis.example.com:6380'})
      const findings = auditStaging(staging, [productionSnapshot(), second])
      expect(only(findings, 'SHARED_SERVICE').map(f => f.production)).to.deep.equal([['acme-production-eu']])
    })

    it('never puts a value in a finding: only names, masked URLs and fingerprints', function () {
      const staging = incidentStagingSnapshot()
      staging.attachments.push(attachmentRef('PROD_REDIS', PROD_REDIS))
      staging.configVars.REDIS_URL = productionSnapshot().configVars.REDIS_URL as string
      staging.configVars.STRIPE_SECRET_KEY = PROD_STRIPE_KEY
      const text = JSON.stringify(audit(staging))
      for (const secret of FIXTURE_SECRETS) expect(text).to.not.contain(secret)
      expect(text).to.not.contain(PROD_DB_PASSWORD)
      expect(text).to.contain('****@')
    })
  })

  describe('the finding-code table', function () {
    it('documents every code the rules emit, each with a remedy', function () {
      const documented = FINDING_CODES.map(info => info.code).sort()
      expect(documented).to.deep.equal([...Object.keys(RULES), 'PRODUCTION_STAGE', 'STAGE_CONFIG_VAR'].sort())
      for (const info of FINDING_CODES) {
        expect(info.explanation, info.code).to.not.be.empty
        expect(info.remedy, info.code).to.match(/^heroku /)
      }

      const markdown = findingCodesMarkdown()
      for (const code of documented) expect(markdown).to.contain(`\`${code}\``)
    })

    it('writes every action as a heroku command on one line', function () {
      const text = remedyCommand({app: 'acme-staging', configVar: 'X_URL', kind: 'promote'})
      expect(text).to.equal('heroku pg:promote X_URL -a acme-staging')
      expect(remedyCommand({addon: 'a', app: 'acme-staging', kind: 'upgrade-version', version: '16'})).to.not.contain('\n')
    })
  })
})
