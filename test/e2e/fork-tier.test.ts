import {expect} from 'chai'

import Fork from '../../src/commands/staging/fork.js'
import type {ForkResult} from '../../src/lib/fork/types.js'
import {ATTACHMENT_HEADERS} from '../../src/lib/heroku/types.js'
import {apiGet as api} from '../helpers/api.js'
import {count} from '../helpers/db.js'
import {isolateCommandEnv, mutating, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

/**
 * staging:fork keeps production's database tier: a Postgres Advanced production gets an Advanced
 * staging database (the plan says why), a Common Runtime one may shrink to the smallest plan holding
 * its data. Production is never written.
 */
describe('e2e: staging:fork provisions the staging database in production\'s tier', function () {
  this.timeout(180_000)
  const fixture = useEmulator({fresh: 'each', provisioning: 'short'})
  isolateCommandEnv()

  const seed = async (plan: string) => fixture.reseed(async emu => emu.seed({
    addons: [{app: 'tier-production', as: 'DATABASE', name: 'tier-production-db', plan, sql: 'CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)', version: '16'}],
    apps: [{buildpacks: ['heroku/nodejs'], formation: [{quantity: 1, size: 'Basic', type: 'web'}], name: 'tier-production'}],
    pipelines: [{apps: {'tier-production': 'production'}, name: 'tier'}],
  }))

  async function forkPlan(): Promise<{addon: string; plan: string; productionWrites: number; run: Awaited<ReturnType<typeof runCommand<ForkResult>>>}> {
    const run = await withEmulatorEnv(fixture.emu, () => runCommand<ForkResult>(Fork, ['--from', 'tier-production']))
    const attachments = await api<Array<{addon: {name: string; plan?: {name: string}}; name: string}>>(fixture.emu, '/apps/tier-production-staging/addon-attachments', ATTACHMENT_HEADERS)
    const database = attachments.find(a => a.name === 'DATABASE')
    return {addon: database?.addon.name ?? '', plan: database?.addon.plan?.name ?? '', productionWrites: mutating(fixture.emu, 'tier-production').length, run}
  }

  it('gives an Advanced production an Advanced staging database holding its rows, and prints why', async function () {
    await seed('heroku-postgresql:advanced')
    const {addon, plan, productionWrites, run} = await forkPlan()
    expect(run.error, run.stderr + run.stdout).to.equal(undefined)
    expect(plan).to.equal('heroku-postgresql:advanced')
    expect(run.stdout).to.contain('same plan as production (Postgres Advanced sizes by level, not by plan)')
    expect(await count(fixture.emu.databaseUrl(addon), 't')).to.equal(2)
    expect(productionWrites).to.equal(0)
  })

  it('shrinks a Common Runtime production to the smallest Common Runtime plan holding its data', async function () {
    await seed('heroku-postgresql:standard-0')
    const {plan, run} = await forkPlan()
    expect(run.error, run.stderr + run.stdout).to.equal(undefined)
    expect(plan).to.equal('heroku-postgresql:essential-0')
    expect(run.stdout).to.match(/smallest plan holding production's .* \(production: standard-0\)/)
  })
})
