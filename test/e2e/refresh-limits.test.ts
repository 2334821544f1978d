import {expect} from 'chai'

import Refresh from '../../src/commands/staging/refresh.js'
import {isolateCommandEnv, mutating, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

/**
 * What PGBackups cannot do, refused before anything changes, in one line naming the alternative:
 * a Shield database on either side, and a newer Postgres major into an older one. The same pair on
 * plans and majors PGBackups handles goes through.
 */
describe('e2e: staging:refresh refuses what PGBackups cannot do', function () {
  this.timeout(120_000)
  const fixture = useEmulator({fresh: 'each', provisioning: 'short'})
  isolateCommandEnv()

  const seed = (productionPlan: string, productionVersion: string, stagingVersion: string) => fixture.reseed(async emu => emu.seed({
    addons: [
      {app: 'lim-production', as: 'DATABASE', name: 'lim-production-db', plan: productionPlan, sql: 'CREATE TABLE t (id int); INSERT INTO t VALUES (1)', version: productionVersion},
      {app: 'lim-staging', as: 'DATABASE', name: 'lim-staging-db', plan: 'heroku-postgresql:standard-0', version: stagingVersion},
    ],
    apps: [{name: 'lim-production'}, {name: 'lim-staging'}],
    pipelines: [{apps: {'lim-production': 'production', 'lim-staging': 'staging'}, name: 'lim'}],
  }))
  const refresh = async () => withEmulatorEnv(fixture.emu, () => runCommand(Refresh, ['-a', 'lim-staging', '--confirm', 'lim-staging']))

  it('refuses a Shield source with exit 4, naming pg_dump from a dyno in the space, and changes nothing', async function () {
    await seed('heroku-postgresql:shield-0', '16', '16')
    const run = await refresh()
    expect(run.error?.oclif?.exit, run.stderr).to.equal(4)
    expect(run.error?.message).to.match(/lim-production-db on lim-production is on heroku-postgresql:shield-0, and Shield databases have no PGBackups/)
    expect(run.error?.message).to.contain('pg_dump | pg_restore from a one-off dyno inside the Shield space')
    expect(mutating(fixture.emu)).to.deep.equal([])
  })

  it('refuses a newer major into an older one with exit 4, naming the upgrade, and changes nothing', async function () {
    await seed('heroku-postgresql:standard-0', '17', '16')
    const run = await refresh()
    expect(run.error?.oclif?.exit, run.stderr).to.equal(4)
    expect(run.error?.message).to.contain('runs Postgres 17, newer than lim-staging-db\'s 16')
    expect(run.error?.message).to.contain('heroku pg:upgrade:run DATABASE -a lim-staging --version 17')
    expect(mutating(fixture.emu)).to.deep.equal([])
  })

  it('copies the same pair when PGBackups can (an older major into a newer one)', async function () {
    await seed('heroku-postgresql:standard-0', '16', '17')
    const run = await refresh()
    expect(run.error, run.stderr).to.equal(undefined)
    expect(mutating(fixture.emu).some(entry => entry.path.endsWith('/transfers'))).to.equal(true)
  })
})
