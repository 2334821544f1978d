import {expect} from 'chai'

import {attachmentRef, cleanStagingSnapshot, incidentStagingSnapshot, PROD_DATABASE_URL, PROD_DB_HOST, PROD_PG, PROD_REDIS, productionSnapshot, STAGING_PG} from '../../../fixtures/snapshots.js'
import {audit, only, withVars} from './helpers.js'

describe('audit rules: endpoints (src/lib/audit/rules/endpoints.ts)', function () {
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
})
