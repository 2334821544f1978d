import {expect} from 'chai'

import {waitFor} from '../helpers/api.js'
import {REALISTIC_PROVISION_DELAY_MS, useEmulator} from '../helpers/emulator.js'

type Json = Record<string, unknown>

describe("useEmulator's provisioning option", function () {
  this.timeout(60_000)

  describe("'realistic'", () => {
    const fixture = useEmulator({provisioning: 'realistic', seed: async emu => emu.seed({apps: [{name: 'slow-app'}]})})

    it('answers a new add-on provisioning, then provisioned after the delay; a reset keeps the delay', async () => {
      const started = Date.now()
      const created = await fixture.api<Json>('POST', '/apps/slow-app/addons', {plan: 'heroku-redis:mini'})
      expect(created.body.state).to.equal('provisioning')
      await waitFor('the add-on', async () => ((await fixture.api<Json>('GET', `/addons/${created.body.name as string}`)).body.state === 'provisioned' ? true : undefined))
      expect(Date.now() - started).to.be.at.least(REALISTIC_PROVISION_DELAY_MS - 50)
      await fixture.reseed()
      expect((await fixture.api<Json>('POST', '/apps/slow-app/addons', {plan: 'heroku-redis:mini'})).body.state).to.equal('provisioning')
    })
  })

  describe("'instant'", () => {
    const fixture = useEmulator({provisioning: 'instant', seed: async emu => emu.seed({apps: [{name: 'fast-app'}]})})

    it('answers a new add-on provisioned at once', async () => {
      expect((await fixture.api<Json>('POST', '/apps/fast-app/addons', {plan: 'heroku-redis:mini'})).body.state).to.equal('provisioned')
    })
  })
})
