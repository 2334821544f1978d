import {expect} from 'chai'

import {count, query} from '../helpers/db.js'
import {type Emulator, useBatch, useEmulator} from '../helpers/emulator.js'

/**
 * useBatch (test/helpers/emulator.ts), one seed for several commands run one after the other: each step starts
 * with an empty journal and keeps what it sent; its proof that the batch changed nothing fires on a mutating
 * request and on a row written straight into a database, and stays silent otherwise; each batch seeds anew.
 */
describe('useBatch: one seed for several steps run one after the other', function () {
  this.timeout(120_000)
  const fixture = useEmulator()
  const seed = async (emu: Emulator): Promise<{database: string}> => {
    await emu.seed({
      addons: [{app: 'batch-app', as: 'DATABASE', name: 'batch-db', plan: 'heroku-postgresql:essential-0', sql: 'create table t(id int); insert into t values (1), (2)'}],
      apps: [{config: {FLAG: 'seeded'}, name: 'batch-app'}],
    })
    return {database: 'batch-db'}
  }

  const flag = async (): Promise<string | undefined> => (await fixture.api<Record<string, string>>('GET', '/apps/batch-app/config-vars')).body.FLAG

  describe('steps that change nothing', function () {
    const batch = useBatch<{database: string}, number | string | undefined>(fixture, seed, seeded => [seeded.database])
    batch.add('read', flag)
    batch.add('count', async () => count(fixture.emu.databaseUrl(batch.seeded.database), 't'))

    it('stays silent, and keeps what each step returned and sent', function () {
      expect(batch.get('read')).to.deep.equal({mutating: [], result: 'seeded'})
      expect(batch.get('count')).to.deep.equal({mutating: [], result: 2})
      batch.expectUnchanged()
    })

    it('names a step that did not run', function () {
      expect(() => batch.get('missing')).to.throw('no step missing ran')
    })
  })

  describe('a step that sends a mutating request', function () {
    const batch = useBatch<{database: string}, number | string | undefined>(fixture, seed, seeded => [seeded.database])
    batch.add('before', flag)
    batch.add('patch', async () => (await fixture.api('PATCH', '/apps/batch-app/config-vars', {FLAG: 'changed'})).status)
    batch.add('journal', async () => fixture.emu.journal().length)
    batch.add('after', flag)

    it('runs the steps in order, each with an empty journal, on the state the one before left', function () {
      expect(batch.get('before').result).to.equal('seeded')
      expect(batch.get('journal').result).to.equal(0)
      expect(batch.get('after').result).to.equal('changed')
    })

    it('fires, naming the step and its request', function () {
      expect(batch.get('patch').mutating).to.deep.equal(['PATCH /apps/batch-app/config-vars'])
      expect(() => batch.expectUnchanged()).to.throw('patch: PATCH /apps/batch-app/config-vars')
    })
  })

  describe('a step that writes rows straight into a database', function () {
    const batch = useBatch<{database: string}, number | string | undefined>(fixture, seed, seeded => [seeded.database])
    batch.add('seeded again', flag)
    batch.add('insert', async () => (await query(fixture.emu.databaseUrl('batch-db'), 'insert into t values (3) returning id')).length)

    it('starts from a new seed (the batch before changed the config)', function () {
      expect(batch.get('seeded again').result).to.equal('seeded')
    })

    it('fires on the rows, with no request in the journal', function () {
      expect(batch.get('insert')).to.deep.equal({mutating: [], result: 1})
      expect(() => batch.expectUnchanged()).to.throw('rows of batch-db after the batch')
    })
  })
})
