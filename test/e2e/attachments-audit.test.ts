import {expect} from 'chai'

import Audit from '../../src/commands/staging/audit.js'
import type {AuditResult} from '../../src/lib/audit/types.js'
import {apiClient} from '../helpers/api.js'
import {connects} from '../helpers/db.js'
import {isolateCommandEnv, mutating, seedCleanPair, type Topology, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

/**
 * Staging reaching production's database through an attachment that is not the plain one: the
 * connection pooler (`connection-pooling:default`, another port of the same server) and a named
 * credential (`credential:NAME`, another user and password). Both really connect, and the audit flags
 * both as critical; the clean pair stays silent. Production is never written.
 */
describe('e2e: staging:audit flags pooler and credential attachments of production\'s database', function () {
  this.timeout(180_000)
  const fixture = useEmulator({fresh: 'each', provisioning: 'short'})
  isolateCommandEnv()
  let topology: Topology

  beforeEach(async function () {
    topology = await fixture.reseed(async emu => seedCleanPair(emu))
  })

  async function audit(): Promise<{result: AuditResult; run: Awaited<ReturnType<typeof runCommand<AuditResult>>>}> {
    const run = await withEmulatorEnv(fixture.emu, () => runCommand<AuditResult>(Audit, ['-a', topology.staging.app, '--json']))
    return {result: JSON.parse(run.stdout) as AuditResult, run}
  }

  const critical = (result: AuditResult) => result.findings.filter(f => f.severity === 'critical')

  it('stays silent on the clean pair', async function () {
    const {result} = await audit()
    expect(critical(result)).to.deep.equal([])
  })

  it('flags a connection-pooling:default attachment of production\'s database on staging', async function () {
    const call = apiClient(fixture.emu)
    const attached = await call<{name: string; namespace: string}>('POST', `/client/v11/databases/${topology.production.database}/connection-pooling`, {app: topology.staging.app, name: 'PROD_POOL'})
    expect(attached.status).to.equal(201)
    expect(attached.body.namespace).to.equal('connection-pooling:default')
    const config = (await call<Record<string, string>>('GET', `/apps/${topology.staging.app}/config-vars`)).body
    const pooled = config.PROD_POOL_URL
    expect(pooled, 'the pooler URL is on staging').to.be.a('string')
    expect(new URL(pooled!).port).to.not.equal(new URL(topology.production.databaseUrl).port)
    expect(await connects(pooled!), 'the pooler URL reaches the database').to.equal(true)
    fixture.emu.clearJournal()

    const {result} = await audit()
    const flagged = critical(result)
    expect(flagged.length, JSON.stringify(result.findings)).to.be.greaterThan(0)
    expect(flagged.flatMap(f => f.configVars ?? [])).to.include('PROD_POOL_URL')
    expect(JSON.stringify(result)).to.not.contain(new URL(topology.production.databaseUrl).password)
    expect(mutating(fixture.emu)).to.deep.equal([])
  })

  it('flags a credential:NAME attachment of production\'s database on staging', async function () {
    const call = apiClient(fixture.emu)
    const created = await call('POST', `/postgres/v0/databases/${topology.production.database}/credentials`, {name: 'reporting'})
    expect(created.status, JSON.stringify(created.body)).to.be.oneOf([200, 201])
    const attached = await call<{name: string}>('POST', '/addon-attachments', {addon: topology.production.database, app: topology.staging.app, name: 'PROD_REPORTING', namespace: 'credential:reporting'})
    expect(attached.status, JSON.stringify(attached.body)).to.equal(201)
    const config = (await call<Record<string, string>>('GET', `/apps/${topology.staging.app}/config-vars`)).body
    const other = config.PROD_REPORTING_URL
    expect(other, 'the credential URL is on staging').to.be.a('string')
    expect(new URL(other!).username).to.not.equal(new URL(topology.production.databaseUrl).username)
    expect(await connects(other!), 'the credential URL reaches the database').to.equal(true)
    fixture.emu.clearJournal()

    const {result} = await audit()
    const flagged = critical(result)
    expect(flagged.length, JSON.stringify(result.findings)).to.be.greaterThan(0)
    expect(flagged.flatMap(f => f.configVars ?? [])).to.include('PROD_REPORTING_URL')
    expect(JSON.stringify(result)).to.not.contain(new URL(other!).password)
    expect(mutating(fixture.emu)).to.deep.equal([])
  })
})
