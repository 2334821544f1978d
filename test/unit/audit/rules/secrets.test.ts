import {expect} from 'chai'

import {fingerprint} from '../../../../src/lib/secrets/index.js'
import {addonRef, attachmentRef, PROD_SECRET_KEY_BASE, PROD_STRIPE_KEY, productionSnapshot} from '../../../fixtures/snapshots.js'
import {audit, only, withVars} from './helpers.js'

describe('audit rules: secrets (src/lib/audit/rules/secrets.ts)', function () {
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
})
