import {expect} from 'chai'

import {sideEffectCategory} from '../../../../src/lib/audit/rules/index.js'
import {addonRef, attachmentRef, cleanStagingSnapshot, PROD_REDIS, productionSnapshot, STAGING_PG} from '../../../fixtures/snapshots.js'
import {audit, only, STAGING} from './helpers.js'

describe('audit rules: addons (src/lib/audit/rules/addons.ts)', function () {
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
})
