import {expect} from 'chai'

import Refresh, {type RefreshResult} from '../../src/commands/staging/refresh.js'
import {apiGet, waitFor} from '../helpers/api.js'
import {checksum, count, query} from '../helpers/db.js'
import {type Emulator, isolateCommandEnv, mutating, seedCleanPair, type Topology, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {type RunResult, runCommand} from '../helpers/run.js'

const FOLLOWER = 'acme-staging-follower'

async function refresh(emu: Emulator, argv: string[]): Promise<RunResult<RefreshResult>> {
  return withEmulatorEnv(emu, () => runCommand<RefreshResult>(Refresh, argv))
}

/**
 * The clean pair, with staging's own database on a standard plan (essential ones cannot be followed)
 * holding a few rows, and a follower of it on staging attached as FOLLOWER, made as
 * `heroku addons:create heroku-postgresql:standard-0 -a acme-staging --as FOLLOWER -- --follow DATABASE_URL` makes it.
 */
async function seedStagingFollower(emu: Emulator): Promise<Topology> {
  const topology = await seedCleanPair(emu)
  const headers = {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${emu.accounts[0]!.token}`, 'content-type': 'application/json'}
  const upgraded = await fetch(`${emu.url}/apps/acme-staging/addons/${topology.staging.database}`, {
    body: JSON.stringify({plan: {name: 'heroku-postgresql:standard-0'}}), headers, method: 'PATCH',
  })
  if (upgraded.status !== 200) throw new Error(`plan change: ${upgraded.status} ${await upgraded.text()}`)
  await query(topology.staging.databaseUrl, "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'staging only'), (2, 'also staging')")
  const created = await fetch(`${emu.url}/apps/acme-staging/addons`, {
    body: JSON.stringify({attachment: {name: 'FOLLOWER'}, config: {follow: 'DATABASE_URL'}, name: FOLLOWER, plan: {name: 'heroku-postgresql:standard-0'}}),
    headers,
    method: 'POST',
  })
  if (created.status !== 201) throw new Error(`follower: ${created.status} ${await created.text()}`)
  // A follower provisions like any database (the short delay): the seed is done once it is available.
  await waitFor(`${FOLLOWER} to be provisioned`, async () => {
    const addon = await fetch(`${emu.url}/apps/acme-staging/addons/${FOLLOWER}`, {headers})
    return addon.status === 200 && (await addon.json() as {state?: string}).state === 'provisioned' ? true : undefined
  })
  return topology
}

describe('staging:refresh against the emulator: a follower as the target', function () {
  this.timeout(180_000)
  const fixture = useEmulator({fresh: 'each', provisioning: 'short', seed: seedStagingFollower})
  isolateCommandEnv()

  it('the seed holds a real follower of staging\'s own database (Data API following, read-only rows)', async function () {
    const {emu} = fixture
    const topology = fixture.seeded
    const db = await apiGet<{following: null | string; leader: null | {addon_id: string; name: string}}>(emu, `/client/v11/databases/${FOLLOWER}`)
    // As Heroku: `following` is the leader's URL without credentials, `leader` its add-on {addon_id, name}
    const leaderUrl = new URL(topology.staging.databaseUrl)
    expect(db.following).to.equal(`${leaderUrl.protocol}//${leaderUrl.host}${leaderUrl.pathname}`)
    expect(db.leader?.name).to.equal(topology.staging.database)
    const url = emu.databaseUrl(FOLLOWER)
    expect(await count(url, 'notes')).to.equal(2)
    let writeError: Error | undefined
    try {
      await query(url, "INSERT INTO notes VALUES (3, 'nope')")
    } catch (error) {
      writeError = error as Error
    }

    expect(writeError?.message).to.contain('read-only transaction')
  })

  it('refuses --target FOLLOWER (exit 4, TARGET_IS_FOLLOWER) with no mutating request, leaving every database as it was', async function () {
    const {emu} = fixture
    const topology = fixture.seeded
    const followerUrl = emu.databaseUrl(FOLLOWER)
    const before = await Promise.all([checksum(topology.production.databaseUrl), checksum(topology.staging.databaseUrl), checksum(followerUrl)])
    emu.clearJournal()
    const run = await refresh(emu, ['-a', 'acme-staging', '--target', 'FOLLOWER', '--confirm', 'acme-staging'])
    expect(run.error?.oclif?.exit, run.error?.message).to.equal(4)
    expect(run.error?.message).to.contain('TARGET_IS_FOLLOWER')
    expect(run.error?.message).to.contain(`read-only follower of ${topology.staging.database}`)
    expect(run.error?.message).to.contain(`heroku pg:unfollow ${FOLLOWER} -a acme-staging`)
    expect(mutating(emu), 'mutating requests').to.deep.equal([])
    // the refusal was made from what the Data API said about the follower
    expect(emu.journal().some(entry => entry.method === 'GET' && entry.path.startsWith('/client/v11/databases/') && entry.addon === FOLLOWER)).to.equal(true)
    expect(await Promise.all([checksum(topology.production.databaseUrl), checksum(topology.staging.databaseUrl), checksum(followerUrl)])).to.deep.equal(before)
  })

  it("is not refused for that reason when targeting staging's leader DATABASE: the copy runs", async function () {
    const {emu} = fixture
    const topology = fixture.seeded
    const productionBefore = await checksum(topology.production.databaseUrl)
    emu.clearJournal()
    const run = await refresh(emu, ['-a', 'acme-staging', '--target', 'DATABASE', '--confirm', 'acme-staging', '--json'])
    expect(`${run.error?.message ?? ''}${run.stdout}${run.stderr}`).to.not.contain('TARGET_IS_FOLLOWER')
    expect(run.error, run.error?.message).to.equal(undefined)
    expect(process.exitCode ?? 0).to.equal(0)
    const result = JSON.parse(run.stdout) as RefreshResult
    expect(result.target).to.deep.include({app: 'acme-staging', attachment: 'DATABASE'})
    expect(await checksum(topology.staging.databaseUrl)).to.equal(productionBefore)
    expect(await count(topology.staging.databaseUrl, 'users')).to.equal(topology.rows.users)
    expect(mutating(emu).some(entry => entry.method === 'POST' && entry.path.endsWith('/transfers'))).to.equal(true)
  })
})
