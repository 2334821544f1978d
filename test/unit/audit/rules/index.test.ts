import {expect} from 'chai'

import {FINDING_CODES, findingCodesMarkdown} from '../../../../src/lib/audit/codes.js'
import {remedyCommand} from '../../../../src/lib/audit/remedy.js'
import {auditContext, auditStaging, RULES} from '../../../../src/lib/audit/rules/index.js'
import {addonRef, attachmentRef, cleanPair, FIXTURE_SECRETS, incidentStagingSnapshot, PROD_DB_PASSWORD, PROD_REDIS, PROD_REDIS_PASSWORD, PROD_STRIPE_KEY, productionSnapshot} from '../../../fixtures/snapshots.js'
import {audit, only, STAGING, withVars} from './helpers.js'

describe('audit rules: the rule list (src/lib/audit/rules/index.ts)', function () {
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
