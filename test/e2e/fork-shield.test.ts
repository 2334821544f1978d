import {expect} from 'chai'

import Fork from '../../src/commands/staging/fork.js'
import type {ForkResult} from '../../src/lib/fork/types.js'
import {count} from '../helpers/db.js'
import {isolateCommandEnv, mutating, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

/**
 * staging:fork of a Shield production: PGBackups is not available on Shield, so no transfer can copy
 * its database. With --space naming a Shield space, the fork is made there with a Heroku Postgres fork on
 * a Shield plan (the default for Shield); without one, or with --data copy, it is refused before anything
 * is created.
 */
describe('e2e: staging:fork of a Shield production', function () {
  this.timeout(240_000)
  const fixture = useEmulator({fresh: 'each', provisioning: 'short'})
  isolateCommandEnv()

  async function seedShield(): Promise<void> {
    await fixture.reseed(async emu => emu.seed({
      addons: [{app: 'shd-production', as: 'DATABASE', name: 'shd-production-db', plan: 'heroku-postgresql:shield-0', sql: 'CREATE TABLE notes (id int PRIMARY KEY); INSERT INTO notes SELECT generate_series(1, 12)', version: '16'}],
      apps: [{config: {NODE_ENV: 'production'}, name: 'shd-production', space: 'shd-space'}],
      pipelines: [{apps: {'shd-production': 'production'}, name: 'shd'}],
      spaces: [{name: 'shd-space', shield: true}],
    }))
    fixture.emu.clearJournal()
  }

  const fork = async (argv: string[]) => withEmulatorEnv(fixture.emu, () => runCommand<ForkResult>(Fork, ['--from', 'shd-production', ...argv]))

  it('forks the database on a Shield plan in production\'s space, with no transfer and no write to production', async function () {
    await seedShield()
    const run = await fork(['--space', 'shd-space', '--json'])
    expect(run.error?.oclif?.exit ?? 0, `${run.error?.message ?? ''}${run.stderr}`).to.be.oneOf([0, 1])
    const app = (await fixture.api<{space: {name: string; shield: boolean}}>('GET', '/apps/shd-production-staging')).body
    expect(app.space).to.deep.include({name: 'shd-space', shield: true})
    const addons = (await fixture.api<Array<{name: string; plan: {name: string}}>>('GET', '/apps/shd-production-staging/addons')).body
    const database = addons.find(a => a.plan.name.startsWith('heroku-postgresql:'))
    expect(database?.plan.name).to.match(/^heroku-postgresql:shield-\d+$/)
    expect(fixture.emu.journal().filter(e => e.method === 'POST' && /\/transfers$/.test(e.path)), 'no transfer').to.deep.equal([])
    expect(await count(fixture.emu.databaseUrl(database?.name as string), 'notes')).to.equal(12)
    expect(mutating(fixture.emu, 'shd-production'), 'no write to production').to.deep.equal([])
  })

  it('refuses a Shield production without --space (the fork would be in no Shield space), naming --space and production\'s', async function () {
    await seedShield()
    const run = await fork([])
    expect(run.error?.oclif?.exit, run.error?.message).to.equal(2)
    expect(run.error?.message).to.contain('a Shield database can only be made on an app in a Shield space').and.contain('--space SPACE').and.contain('shd-space')
    expect(mutating(fixture.emu)).to.deep.equal([])
  })

  it('refuses --data copy of a Shield production before creating anything, naming --data fork', async function () {
    await seedShield()
    const run = await fork(['--space', 'shd-space', '--data', 'copy'])
    expect(run.error?.oclif?.exit, run.error?.message).to.equal(2)
    expect(run.error?.message).to.contain('Shield databases have no PGBackups').and.contain('--data fork')
    expect(mutating(fixture.emu)).to.deep.equal([])
  })
})
