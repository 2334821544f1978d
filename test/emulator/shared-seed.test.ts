import {expect} from 'chai'

import {count, query} from '../helpers/db.js'
import {type Emulator, useEmulator, useSharedSeed} from '../helpers/emulator.js'

/**
 * useSharedSeed (test/helpers/emulator.ts), the seed that refusal tests share: its proof that nothing changed
 * fires on a mutating request and on a row written straight into a database, stays silent otherwise, and the
 * test after a change starts from a new seed. The tests run in order: each checks what the one before left.
 */
describe('useSharedSeed: one seed for tests that change nothing', function () {
  this.timeout(120_000)
  const fixture = useEmulator()
  const seed = async (emu: Emulator): Promise<{database: string}> => {
    await emu.seed({
      addons: [{app: 'shared-app', as: 'DATABASE', name: 'shared-db', plan: 'heroku-postgresql:essential-0', sql: 'create table t(id int); insert into t values (1), (2)'}],
      apps: [{config: {FLAG: 'seeded'}, name: 'shared-app'}],
    })
    return {database: 'shared-db'}
  }

  const shared = useSharedSeed(fixture, seed, seeded => [seeded.database])
  let firstUrl: string

  it('stays silent when nothing changed (reads are not changes)', async function () {
    firstUrl = fixture.emu.databaseUrl('shared-db')
    expect((await fixture.api('GET', '/apps/shared-app/config-vars')).status).to.equal(200)
    await shared.expectUnchanged()
  })

  it('keeps the seed for the next test when nothing changed', async function () {
    expect(fixture.emu.databaseUrl('shared-db')).to.equal(firstUrl)
    expect(fixture.emu.journal(), 'each test starts with an empty journal').to.deep.equal([])
  })

  it('fires on a mutating request', async function () {
    expect((await fixture.api('PATCH', '/apps/shared-app/config-vars', {FLAG: 'changed'})).status).to.equal(200)
    const error = await shared.expectUnchanged().then(() => undefined, (error_: Error) => error_)
    expect(error?.message).to.contain('mutating requests')
  })

  it('starts from a new seed after a test that sent a mutating request', async function () {
    expect(fixture.emu.databaseUrl('shared-db')).to.not.equal(firstUrl)
    expect((await fixture.api<Record<string, string>>('GET', '/apps/shared-app/config-vars')).body.FLAG).to.equal('seeded')
    firstUrl = fixture.emu.databaseUrl('shared-db')
  })

  it('fires on a row written straight into a database (no request in the journal)', async function () {
    await query(fixture.emu.databaseUrl('shared-db'), 'insert into t values (3)')
    const error = await shared.expectUnchanged().then(() => undefined, (error_: Error) => error_)
    expect(error?.message).to.contain('rows of shared-db')
  })

  it('starts from a new seed after a test that changed rows', async function () {
    expect(fixture.emu.databaseUrl('shared-db')).to.not.equal(firstUrl)
    expect(await count(fixture.emu.databaseUrl('shared-db'), 't')).to.equal(2)
    await shared.expectUnchanged()
  })
})
