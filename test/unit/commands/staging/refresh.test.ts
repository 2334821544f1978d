import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import nock from 'nock'

import Refresh, {type RefreshResult} from '../../../../src/commands/staging/refresh.js'
import type {AppSnapshot} from '../../../../src/lib/snapshot/types.js'
import {mockAccountCouplings, mockSmallLoad, type Scopes, scopes} from '../../../fixtures/audit.js'
import {
  cleanStagingSnapshot,
  FIXTURE_SECRETS,
  incidentStagingSnapshot,
  PIPELINE_ID,
  PROD_DATABASE_URL,
  PROD_PG,
  PRODUCTION_ID,
  productionSnapshot,
  STAGING_DATABASE_URL,
  STAGING_ID,
  STAGING_PG,
} from '../../../fixtures/snapshots.js'
import {runCommand} from '../../../helpers/run.js'

function output(run: {error?: Error; stderr: string; stdout: string}): string {
  return `${run.stdout}\n${run.stderr}\n${run.error?.message ?? ''}`
}

function expectNoSecrets(text: string): void {
  for (const secret of FIXTURE_SECRETS) expect(text).to.not.contain(secret)
}

/** The snapshot with Data API sizes on each of its databases. */
function sized(snapshot: AppSnapshot, numBytes: number, numTables: number): AppSnapshot {
  const databases = Object.fromEntries(Object.entries(snapshot.databases).map(([id, db]) => [id, {...db, numBytes, numTables}]))
  return {...snapshot, databases}
}

/** Everything staging:refresh reads before it asks for confirmation, for the clean pair. */
function mockReads(s: Scopes, staging = cleanStagingSnapshot()): void {
  const prod = sized(productionSnapshot(), 9_000_000, 12)
  mockSmallLoad(s, sized(staging, 1_000_000, 3))
  mockAccountCouplings(s, [prod, staging])
  mockSmallLoad(s, prod, PRODUCTION_ID)
}

function mockLatestBackup(s: Scopes): void {
  s.data.get('/client/v11/apps/acme-production/transfers').reply(200, [
    {finished_at: new Date(Date.now() - 3 * 3600 * 1000).toISOString(), from_type: 'pg_dump', num: 41, succeeded: true, to_type: 'gof3r', uuid: 'b-41'},
  ])
}

describe('staging:refresh', function () {
  let s: Scopes
  const saved: Record<string, string | undefined> = {}

  beforeEach(function () {
    s = scopes()
    process.exitCode = undefined
    for (const key of ['HEROKU_APP', 'HEROKU_CONFIG_DIR', 'HEROKU_DATA_HOST']) saved[key] = process.env[key]
    delete process.env.HEROKU_APP
    delete process.env.HEROKU_DATA_HOST
    // oclif reads HEROKU_CONFIG_DIR on each run: no test sees the real protected-apps file.
    process.env.HEROKU_CONFIG_DIR = mkdtempSync(path.join(tmpdir(), 'refresh-config-'))
  })

  afterEach(function () {
    // Done before cleanAll: a request the command never made fails the test here, and any request
    // not mocked (every PATCH and POST below is unmocked unless a test says so) fails the command.
    s.api.done()
    s.data.done()
    nock.cleanAll()
    process.exitCode = undefined
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  })

  describe('confirmation', function () {
    it('refuses without a TTY and without --confirm, naming the exact flag, after printing both sides', async function () {
      mockReads(s)
      mockLatestBackup(s)
      const run = await runCommand(Refresh, ['-a', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('no TTY').and.contain('--confirm acme-staging')
      expect(run.stderr).to.contain('FROM (source, read only)').and.contain('TO (target, wiped)')
      expect(run.stderr).to.contain(`${PROD_PG.name} (heroku-postgresql:standard-0, owned by acme-production)`)
      expect(run.stderr).to.contain(`${STAGING_PG.name} (heroku-postgresql:standard-0, owned by acme-staging)`)
      expect(run.stderr).to.contain('ec2-52-1-2-3.compute-1.amazonaws.com:5432/dprod01')
      expect(run.stderr).to.contain('ec2-34-9-8-7.compute-1.amazonaws.com:5432/dstg01')
      expect(run.stderr).to.contain('DATABASE (DATABASE_URL)').and.contain('size         9.0 MB, 12 tables').and.contain('size         1.0 MB, 3 tables')
      expect(run.stderr).to.contain("Production's latest backup: b041, 3h 0m old.")
      expectNoSecrets(output(run))
    })

    it('refuses a --confirm that does not match the target app exactly', async function () {
      mockReads(s)
      mockLatestBackup(s)
      const run = await runCommand(Refresh, ['-a', 'acme-staging', '--confirm', 'acme-production'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('Confirmation acme-production did not match acme-staging').and.contain('--confirm acme-staging')
    })

    it('refuses a --confirm that differs only in case', async function () {
      mockReads(s)
      mockLatestBackup(s)
      const run = await runCommand(Refresh, ['-a', 'acme-staging', '--confirm', 'ACME-STAGING'])
      expect(run.error?.oclif?.exit).to.equal(4)
    })

    it('keeps exit 4 under --json and prints the error as JSON', async function () {
      mockReads(s)
      mockLatestBackup(s)
      const run = await runCommand(Refresh, ['-a', 'acme-staging', '--confirm', 'nope', '--json'])
      expect(process.exitCode).to.equal(4)
      const parsed = JSON.parse(run.stdout) as {error: {message: string}}
      expect(parsed.error.message).to.contain('did not match acme-staging')
    })
  })

  describe('the guard', function () {
    it('refuses the seed incident before any write, even with the right --confirm', async function () {
      mockReads(s, incidentStagingSnapshot())
      const run = await runCommand(Refresh, ['-a', 'acme-staging', '--confirm', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('TARGET_SAME_DATABASE_AS_PRODUCTION')
      expect(run.error?.message).to.contain("acme-production's DATABASE_URL")
      expect(run.error?.message).to.contain('app acme-staging (DATABASE_URL)')
      expect(run.error?.message).to.contain('heroku pg:promote')
      expectNoSecrets(output(run))
    })

    it('refuses a protected staging app', async function () {
      const dir = mkdtempSync(path.join(tmpdir(), 'refresh-protect-'))
      writeFileSync(path.join(dir, 'staging-protected.json'), JSON.stringify({apps: ['acme-staging']}))
      process.env.HEROKU_CONFIG_DIR = dir
      mockReads(s)
      const run = await runCommand(Refresh, ['-a', 'acme-staging', '--confirm', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('TARGET_OWNED_BY_PRODUCTION').and.contain('protected with heroku staging:protect')
    })

    it('refuses production named with -a, before any write', async function () {
      const prod = productionSnapshot()
      mockSmallLoad(s, prod)
      mockAccountCouplings(s, [prod, cleanStagingSnapshot()])
      const run = await runCommand(Refresh, ['-a', 'acme-production', '--confirm', 'acme-production'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('it is a production app (pipeline stage production)').and.contain('-a STAGING_APP')
    })

    it('fails closed on a corrupt protected-apps file', async function () {
      const dir = mkdtempSync(path.join(tmpdir(), 'refresh-protect-'))
      writeFileSync(path.join(dir, 'staging-protected.json'), '{not json')
      process.env.HEROKU_CONFIG_DIR = dir
      const run = await runCommand(Refresh, ['-a', 'acme-staging', '--confirm', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('Cannot read the protected apps')
    })
  })

  describe('usage', function () {
    it('asks for --from when no production app can be found', async function () {
      const lonely = {...cleanStagingSnapshot(), pipeline: undefined}
      mockSmallLoad(s, lonely)
      mockAccountCouplings(s, [])
      s.api.get(`/apps/${lonely.app.id}/review-app`).reply(404, {id: 'not_found', message: 'acme-staging is not a review app.', resource: 'review_app'})
      const run = await runCommand(Refresh, ['-a', 'acme-staging', '--confirm', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('--from PRODUCTION_APP')
    })

    it('takes the source of a review app in no pipeline from its review-app record: its pipeline\'s production', async function () {
      const prod = sized(productionSnapshot(), 9_000_000, 12)
      const review = {...cleanStagingSnapshot(), pipeline: undefined}
      mockSmallLoad(s, sized(review, 1_000_000, 3))
      mockAccountCouplings(s, [prod])
      s.api.get(`/apps/${review.app.id}/review-app`).matchHeader('accept', 'application/vnd.heroku+json; version=3.review-apps')
        .reply(200, {app: {id: review.app.id}, branch: 'checkout', id: 'ra-1', pipeline: {id: PIPELINE_ID}, status: 'created'})
      mockSmallLoad(s, prod, PRODUCTION_ID)
      mockLatestBackup(s)
      const run = await runCommand(Refresh, ['-a', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('--confirm acme-staging')
      expect(run.stderr).to.contain(`${PROD_PG.name} (heroku-postgresql:standard-0, owned by acme-production)`)
    })

    it('names the databases when --target matches nothing', async function () {
      mockReads(s)
      const run = await runCommand(Refresh, ['-a', 'acme-staging', '--target', 'NOPE', '--confirm', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('No database named NOPE on acme-staging').and.contain('--target ATTACHMENT').and.contain('DATABASE')
    })

    it('refuses a missing sanitize file before any request', async function () {
      const run = await runCommand(Refresh, ['-a', 'acme-staging', '--sanitize', '/nonexistent/sanitize.sql', '--confirm', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('Cannot read the sanitize file').and.contain('--sanitize')
    })

    it('refuses a sanitize file with its own COMMIT before any request', async function () {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'refresh-sql-')), 'bad.sql')
      writeFileSync(file, 'UPDATE users SET email = NULL;\nCOMMIT;\n')
      const run = await runCommand(Refresh, ['-a', 'acme-staging', '--sanitize', file, '--confirm', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('cannot run in one transaction').and.contain('COMMIT')
    })
  })

  describe('a confirmed refresh', function () {
    it('runs the steps and returns the typed result under --json', async function () {
      mockReads(s)
      mockLatestBackup(s)
      const backup = {finished_at: null, from_type: 'pg_dump', num: 2, to_type: 'gof3r', uuid: 'bk'}
      const copy = {finished_at: null, from_type: 'pg_dump', num: 5, to_type: 'pg_restore', uuid: 'cp'}
      const finished = {finished_at: new Date().toISOString(), succeeded: true}
      s.api.patch('/apps/acme-staging', {maintenance: true}).reply(200, {})
      s.data.post(`/client/v11/databases/${STAGING_PG.id}/backups`).reply(201, backup)
      s.data.get('/client/v11/apps/acme-staging/transfers/bk').reply(200, {...backup, ...finished, processed_bytes: 500})
      s.data.post(`/client/v11/databases/${STAGING_PG.id}/transfers`, {from_name: 'DATABASE', from_url: PROD_DATABASE_URL, to_name: 'DATABASE', to_url: STAGING_DATABASE_URL}).reply(201, copy)
      s.data.get('/client/v11/apps/acme-staging/transfers/cp').reply(200, {...copy, ...finished, processed_bytes: 123_456, source_bytes: 123_456})
      s.api.patch('/apps/acme-staging', {maintenance: false}).reply(200, {})
      // The audit after the refresh reloads both apps by id.
      mockSmallLoad(s, cleanStagingSnapshot(), STAGING_ID)
      mockSmallLoad(s, productionSnapshot(), PRODUCTION_ID)

      const run = await runCommand<RefreshResult>(Refresh, ['-a', 'acme-staging', '--confirm', 'acme-staging', '--json'])
      expect(run.error).to.equal(undefined)
      const result = JSON.parse(run.stdout) as RefreshResult
      expect(result).to.deep.include({app: 'acme-staging', from: 'acme-production', sanitize: null, warnings: []})
      expect(result.transfer).to.deep.include({app: 'acme-staging', bytes: 123_456, name: 'c005', uuid: 'cp'})
      expect(result.backups.target).to.deep.include({name: 'b002'})
      expect(result.maintenance).to.deep.include({after: false, before: false})
      expect(result.maintenance.durationMs).to.be.a('number')
      expect(result).to.deep.include({fork: null, method: 'copy'})
      expect(result.formation).to.deep.equal({paused: [], restored: false, verified: true})
      expect(result.latestProductionBackup?.name).to.equal('b041')
      expect(result.findings.filter(f => f.severity === 'critical')).to.deep.equal([])
      expect(result.source.addon?.name).to.equal(PROD_PG.name)
      expect(result.target.hostAndDatabase).to.equal('ec2-34-9-8-7.compute-1.amazonaws.com:5432/dstg01')
      expect(process.exitCode ?? 0).to.equal(0)
      expectNoSecrets(output(run))
    })
  })
})
