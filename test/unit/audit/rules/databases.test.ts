import {expect} from 'chai'

import {auditStaging} from '../../../../src/lib/audit/rules/index.js'
import {addonRef, attachmentRef, cleanStagingSnapshot, PROD_DATABASE_URL, PROD_PG, productionSnapshot, STAGING_DATABASE_URL, STAGING_PG} from '../../../fixtures/snapshots.js'
import {audit, only, STAGING} from './helpers.js'

describe('audit rules: databases (src/lib/audit/rules/databases.ts)', function () {
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
})
