import {expect} from 'chai'

import {planFork} from '../../../../src/lib/fork/plan/index.js'
import {catalogue, options, production} from '../fixtures.js'

describe('fork plan: planFork (src/lib/fork/plan/index.ts, formation.ts)', function () {
  describe('formation, release, pipeline, app', function () {
    it('keeps process types and sizes, web at 1 and the others at 0', function () {
      expect(planFork(production(), options(), catalogue()).formation).to.deep.equal([
        {productionQuantity: 1, quantity: 0, size: 'standard-1X', type: 'clock'},
        {productionQuantity: 3, quantity: 1, size: 'standard-2X', type: 'web'},
        {productionQuantity: 2, quantity: 0, size: 'standard-2X', type: 'worker'},
      ])
    })

    it('scales a type when asked with --scale, and refuses an unknown type', function () {
      const plan = planFork(production(), options({scale: {worker: 1}}), catalogue())
      expect(plan.formation.find(f => f.type === 'worker')?.quantity).to.equal(1)
      expect(planFork(production(), options({scale: {sidekiq: 1}}), catalogue()).problems[0]?.message).to.contain('no process type sidekiq')
    })

    it('releases production\'s current slug and couples at stage staging', function () {
      const plan = planFork(production(), options(), catalogue())
      expect(plan.release).to.deep.equal({description: 'Forked from acme-production v42', slugId: 'eeee0000-0000-4000-8000-000000000001', version: 42})
      expect(plan.pipeline).to.deep.equal({id: 'cccc0000-0000-4000-8000-000000000001', name: 'acme', stage: 'staging'})
      expect(plan.target).to.deep.equal({name: 'acme-production-staging', region: 'us', stack: 'heroku-24', team: undefined})
      expect(plan.buildpacks).to.deep.equal(['heroku/ruby'])
    })

    it('has no release and no pipeline when production has neither', function () {
      const prod = production()
      delete prod.release
      delete prod.pipeline
      const plan = planFork(prod, options(), catalogue())
      expect(plan.release).to.equal(undefined)
      expect(plan.pipeline).to.equal(undefined)
      expect(plan.warnings.join('\n')).to.contain('no release with a slug')
    })

    it('takes --region and --team over production\'s', function () {
      const plan = planFork(production(), options({region: 'eu', team: 'acme-team'}), catalogue())
      expect(plan.target).to.include({region: 'eu', team: 'acme-team'})
      expect(plan.warnings.join('\n')).to.contain('crosses regions')
    })

    it('refuses an invalid fork name', function () {
      expect(planFork(production(), options({to: 'Acme_Staging'}), catalogue()).problems[0]?.message).to.contain('not a valid Heroku app name')
      expect(planFork(production(), options({to: 'a-very-long-production-app-name-staging'}), catalogue()).problems[0]?.fix).to.contain('--to NAME')
      expect(planFork(production(), options(), catalogue()).problems).to.deep.equal([])
    })
  })
})
