import {expect} from 'chai'

import Fork from '../../src/commands/staging/fork.js'
import type {ForkResult} from '../../src/lib/fork/types.js'
import {ATTACHMENT_HEADERS} from '../../src/lib/heroku/types.js'
import {apiGet as api} from '../helpers/api.js'
import {checksum} from '../helpers/db.js'
import {isolateCommandEnv, mutating, productionWrites, seedIncident, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

interface Attachment {
  addon: {app: {name: string}; id: string; name: string; plan?: {name: string}}
  name: string
}

const FORK = 'acme-production-staging'

/** `staging:fork --data fork`: the fork's database is a Heroku Postgres fork of production's (config.fork), with a provisioning delay. */
describe('staging:fork --data fork against the emulator', function () {
  this.timeout(180_000)
  const fixture = useEmulator({emulator: {provisionDelayMs: 400}, seed: async emu => seedIncident(emu, {version: '14'})})
  isolateCommandEnv()

  it('forks production\'s database on Standard: same data and major, forked_from, no transfer, no write to production', async function () {
    const {emu} = fixture
    const topology = await fixture.reseed()
    const productionId = (await api<{id: string}>(emu, `/apps/${topology.production.app}`)).id
    const secrets = Object.keys(topology.secrets).flatMap(key => ['--set', `${key}=staging-only-${key.toLowerCase()}-0123456789`])
    const run = await withEmulatorEnv(emu, () => runCommand<ForkResult>(Fork, ['--from', topology.production.app, '--data', 'fork', ...secrets, '--json']))
    expect(run.error, run.stderr).to.equal(undefined)
    const result = JSON.parse(run.stdout) as ForkResult
    const pg = result.plan.addons.find(item => item.source.name === topology.production.database)
    expect(pg?.data?.method).to.equal('fork')
    expect(pg?.plan).to.equal('heroku-postgresql:standard-0')
    expect(result.verification?.critical).to.equal(0)

    const attachments = await api<Attachment[]>(emu, `/apps/${FORK}/addon-attachments`, ATTACHMENT_HEADERS)
    const database = attachments.find(a => a.name === 'DATABASE')
    expect(database?.addon.app.name).to.equal(FORK)
    const info = await api<{forked_from: null | string; postgres_version: string}>(emu, `/client/v11/databases/${database?.addon.id}`)
    expect(info.forked_from).to.equal(topology.production.databaseUrl.replace(/\/\/[^@/]*@/, '//'), 'the source without its credentials, as Heroku gives it')
    expect(info.postgres_version.split('.')[0]).to.equal('14')
    expect(await checksum(emu.databaseUrl(database?.addon.name ?? ''))).to.equal(await checksum(topology.production.databaseUrl))

    const writes = mutating(emu)
    const fork = writes.filter(entry => entry.method === 'POST' && /^\/apps\/[^/]+\/addons$/.test(entry.path))
    expect(fork.length).to.be.greaterThan(0)
    expect(writes.filter(entry => entry.path.includes('/transfers')), 'no Data API transfer').to.deep.equal([])
    expect(productionWrites(emu, topology, productionId)).to.deep.equal([])
    expect(result.steps.map(step => step.label).join('\n')).to.match(/Fork .* into heroku-postgresql:standard-0 as DATABASE/)
  })

  it('refuses to fork an Essential production in one line with the fix (exit 2), sending nothing', async function () {
    const {emu} = fixture
    const topology = await fixture.reseed()
    const prodDb = (await api<Attachment[]>(emu, `/apps/${topology.production.app}/addon-attachments`)).find(a => a.name === 'DATABASE')
    await emu.seed({addons: [{app: 'acme-small', as: 'DATABASE', name: 'acme-small-db', plan: 'heroku-postgresql:essential-1'}], apps: [{name: 'acme-small'}]})
    emu.clearJournal()
    expect(prodDb).to.not.equal(undefined)
    const run = await withEmulatorEnv(emu, () => runCommand<ForkResult>(Fork, ['--from', 'acme-small', '--data', 'fork']))
    expect(run.error?.message).to.contain('Essential databases cannot be forked')
    expect(run.error?.message).to.contain('--data copy')
    expect(run.error?.oclif?.exit).to.equal(2)
    expect(mutating(emu)).to.deep.equal([])
  })
})
