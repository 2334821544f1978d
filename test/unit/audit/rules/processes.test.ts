import {expect} from 'chai'

import {cleanStagingSnapshot} from '../../../fixtures/snapshots.js'
import {audit, only} from './helpers.js'

describe('audit rules: processes (src/lib/audit/rules/processes.ts)', function () {
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
})
