import {expect} from 'chai'

import {nameBase, relatedProduction} from '../../../src/lib/audit/related.js'
import {auditStaging} from '../../../src/lib/audit/rules/index.js'
import type {AuditFinding} from '../../../src/lib/audit/types.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {
  addonRef,
  attachmentRef,
  cleanStagingSnapshot,
  productionSnapshot,
} from '../../fixtures/snapshots.js'

/**
 * Production is every production app of the account (issue 27): a staging app is compared with its own
 * pipeline's production (drift, NO_PIPELINE) and with every other production app too (credentials,
 * secrets, add-ons); in account mode, drift and NO_PIPELINE name the related production app only.
 */

const BILLING_ID = '44444444-4444-4444-8444-444444444444'
const BILLING_PIPELINE = '55555555-5555-4555-8555-555555555555'
const BILLING_DB_URL = 'postgres://ubill3q:b1llingPRODpw8c7d6e5f4a3b@ec2-52-9-9-9.compute-1.amazonaws.com:5432/dbill01'
const BILLING_SECRET = 'f00dfacecafebeef0123456789abcdef0123456789abcdef0123456789abcdef'

/** Pipeline `billing`'s production app: its own database (Postgres 14, Essential) and secrets. */
function billingProduction(): AppSnapshot {
  const owner = {id: BILLING_ID, name: 'billing-production'}
  const pg = addonRef({id: 'c0000000-0000-4000-8000-00000000pg03', name: 'postgresql-billing-55555', owner, plan: 'heroku-postgresql:essential-0'})
  const redis = addonRef({id: 'c0000000-0000-4000-8000-0000000rds03', name: 'redis-billing-66666', owner, plan: 'heroku-redis:mini'})
  return {
    app: {buildpacks: [], id: BILLING_ID, maintenance: false, name: 'billing-production'},
    attachments: [attachmentRef('DATABASE', pg), attachmentRef('REDIS', redis)],
    configVars: {BILLING_SIGNING_SECRET: BILLING_SECRET, DATABASE_URL: BILLING_DB_URL, RACK_ENV: 'production'},
    databases: {[pg.id]: {addonId: pg.id, addonName: pg.name, following: null, majorVersion: '14', plan: 'essential-0'}},
    formation: [],
    pipeline: {id: BILLING_PIPELINE, name: 'billing', stage: 'production'},
  }
}

function codes(findings: readonly AuditFinding[]): string[] {
  return findings.map(finding => `${finding.severity}:${finding.code}`)
}

describe('audit: every production app of the account is compared', function () {
  describe('a staging app in pipeline A against pipeline B\'s production', function () {
    it('fires: a credential reaching B\'s production database is SHARED_DATABASE, critical, naming B\'s app', function () {
      const staging = cleanStagingSnapshot()
      staging.configVars.BILLING_DATABASE_URL = BILLING_DB_URL
      const findings = auditStaging(staging, [productionSnapshot()], [billingProduction()])
      const shared = findings.filter(finding => finding.code === 'SHARED_DATABASE')
      expect(shared).to.have.length(1)
      expect(shared[0]).to.deep.include({configVars: ['BILLING_DATABASE_URL'], production: ['billing-production'], severity: 'critical'})
      expect(shared[0]?.message).to.contain('billing-production\'s DATABASE_URL')
    })

    it('fires: B\'s secret copied, and B\'s add-on attached, are critical too', function () {
      const staging = cleanStagingSnapshot()
      staging.configVars.BILLING_SIGNING_SECRET = BILLING_SECRET
      const billing = billingProduction()
      staging.attachments.push(attachmentRef('BILLING_REDIS', billing.attachments[1]!.addon))
      const findings = auditStaging(staging, [productionSnapshot()], [billing])
      expect(codes(findings)).to.include.members(['critical:SHARED_SECRET', 'critical:PRODUCTION_ADDON'])
      for (const finding of findings) expect(finding.production).to.deep.equal(['billing-production'])
    })

    it('stays silent: staging\'s own billing database and secret, and no drift against B (not its production)', function () {
      const staging = cleanStagingSnapshot()
      staging.configVars.BILLING_DATABASE_URL = 'postgres://uown1:st4gingBILLINGpw00000@ec2-34-1-1-1.compute-1.amazonaws.com:5432/downbill'
      staging.configVars.BILLING_SIGNING_SECRET = '0123456789abcdef0123456789abcdef0123456789abcdeff00dfacecafebeef'
      // B runs Postgres 14 on Essential, staging 16 on Standard: drift against B would fire if B were compared as related.
      expect(auditStaging(staging, [productionSnapshot()], [billingProduction()])).to.deep.equal([])
    })
  })

  describe('in account mode (an app in no pipeline), the related production app', function () {
    function lonely(): AppSnapshot {
      return {...cleanStagingSnapshot(), pipeline: undefined}
    }

    it('is found by name, then by wiring, then as the only one; otherwise none', function () {
      const acme = productionSnapshot()
      const billing = billingProduction()
      expect(relatedProduction(lonely(), [billing, acme]).map(s => s.app.name)).to.deep.equal(['acme-production'])
      // No name in common: the production app it shares a credential with.
      const renamed = {...lonely(), app: {...lonely().app, name: 'sandbox-7'}}
      renamed.configVars.BILLING_DATABASE_URL = BILLING_DB_URL
      expect(relatedProduction(renamed, [acme, billing]).map(s => s.app.name)).to.deep.equal(['billing-production'])
      const unwired = {...lonely(), app: {...lonely().app, name: 'sandbox-7'}}
      expect(relatedProduction(unwired, [acme, billing])).to.deep.equal([])
      expect(relatedProduction(unwired, [billing]).map(s => s.app.name)).to.deep.equal(['billing-production'])
    })

    it('NO_PIPELINE names the related app\'s pipeline, not the first production app\'s', function () {
      const staging = lonely()
      const [related] = relatedProduction(staging, [billingProduction(), productionSnapshot()])
      const finding = auditStaging(staging, [related!], [billingProduction()]).find(f => f.code === 'NO_PIPELINE')
      expect(finding?.remedy).to.equal('heroku pipelines:add acme --stage staging -a acme-staging')
    })

    it('NO_PIPELINE names no pipeline when nothing relates the app to any production app', function () {
      const staging = {...lonely(), app: {...lonely().app, name: 'sandbox-7'}}
      const related = relatedProduction(staging, [billingProduction(), productionSnapshot()])
      const finding = auditStaging(staging, related, [billingProduction(), productionSnapshot()]).find(f => f.code === 'NO_PIPELINE')
      expect(finding?.remedy).to.equal('heroku pipelines:add PIPELINE --stage staging -a sandbox-7')
    })

    it('drift fires against the related app only', function () {
      const staging = lonely()
      staging.databases = Object.fromEntries(Object.entries(staging.databases).map(([id, db]) => [id, {...db, majorVersion: '14'}]))
      const all = [billingProduction(), productionSnapshot()]
      const findings = auditStaging(staging, relatedProduction(staging, all), all)
      const drift = findings.filter(f => f.code.startsWith('POSTGRES_'))
      expect(drift.map(f => [f.code, f.production])).to.deep.equal([['POSTGRES_VERSION_DRIFT', ['acme-production']]])
    })

    it('drift stays silent against an unrelated production app on another version and plan', function () {
      const staging = lonely()
      const all = [billingProduction(), productionSnapshot()]
      const findings = auditStaging(staging, relatedProduction(staging, all), all)
      expect(findings.filter(f => f.code.startsWith('POSTGRES_'))).to.deep.equal([])
    })
  })

  it('nameBase sets environment words and numbers aside', function () {
    expect(['acme-staging', 'acme-production', 'acme-prod', 'acme', 'ACME_QA_2'].map(name => nameBase(name))).to.deep.equal(['acme', 'acme', 'acme', 'acme', 'acme'])
    expect(nameBase('acme-api-staging')).to.equal('acme-api')
    expect(nameBase('acme-forked')).to.equal('acme')
    expect(nameBase('staging')).to.equal('')
  })
})
