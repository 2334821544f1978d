import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import Refresh, {type RefreshResult} from '../../src/commands/staging/refresh.js'
import {apiGet} from '../helpers/api.js'
import {checksum, count, query} from '../helpers/db.js'
import {
  type Emulator,
  isolateCommandEnv,
  type JournalEntry,
  mutating,
  PRODUCTION_SECRETS,
  PRODUCTION_SQL,
  productionWrites,
  requestLines,
  seedCleanPair,
  seedIncident,
  type Topology,
  useEmulator,
  useSharedSeed,
  withEmulatorEnv,
} from '../helpers/emulator.js'
import {type RunResult, runCommand} from '../helpers/run.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const EXAMPLE_SANITIZE = path.join(root, 'examples', 'sanitize.sql')

async function refresh(emu: Emulator, argv: string[]): Promise<RunResult<RefreshResult>> {
  return withEmulatorEnv(emu, () => runCommand<RefreshResult>(Refresh, argv))
}

function sqlFile(sql: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'refresh-e2e-')), 'sanitize.sql')
  writeFileSync(file, sql)
  return file
}

describe('staging:refresh against the emulator', function () {
  this.timeout(180_000)
  // Each block or test starts from its own `fixture.reseed(...)`.
  const fixture = useEmulator({provisioning: 'short'})
  isolateCommandEnv()
  let emu: Emulator
  before(function () {
    emu = fixture.emu
  })

  describe('a confirmed refresh of a clean pair', function () {
    let topology: Topology
    let run: RunResult<RefreshResult>
    let productionBefore: string
    let stagingBefore: number
    let journal: JournalEntry[]

    // One refresh for the whole block: each test reads what it left (rows, result, journal).
    before(async function () {
      topology = await fixture.reseed(seedCleanPair)
      await query(topology.staging.databaseUrl, 'CREATE TABLE leftovers (id int); INSERT INTO leftovers VALUES (1), (2)')
      productionBefore = await checksum(topology.production.databaseUrl)
      stagingBefore = await count(topology.staging.databaseUrl, 'leftovers')
      emu.clearJournal()
      run = await refresh(emu, ['-a', 'acme-staging', '--confirm', 'acme-staging', '--json'])
      journal = emu.journal()
    })

    it("leaves staging holding production's rows and production byte-for-byte unchanged", async function () {
      expect(run.error, run.stderr).to.equal(undefined)
      expect(stagingBefore).to.equal(2)
      expect(await count(topology.staging.databaseUrl, 'users')).to.equal(topology.rows.users)
      expect(await count(topology.staging.databaseUrl, 'orders')).to.equal(topology.rows.orders)
      expect(await checksum(topology.staging.databaseUrl)).to.equal(productionBefore)
      expect(await checksum(topology.production.databaseUrl)).to.equal(productionBefore)
    })

    it('sends no mutating request to production, and captures the backup before the wipe', async function () {
      const writes = journal.filter(entry => entry.mutating)
      expect(writes.filter(entry => entry.app === 'acme-production' || entry.addon === topology.production.database)).to.deep.equal([])
      expect(productionWrites(emu, topology)).to.deep.equal([])
      const backup = writes.findIndex(entry => entry.method === 'POST' && /\/backups$/.test(entry.path) && entry.addon === topology.staging.database)
      const copy = writes.findIndex(entry => entry.method === 'POST' && /\/transfers$/.test(entry.path))
      expect(backup, 'backup POST').to.be.greaterThan(-1)
      expect(copy, 'transfer POST').to.be.greaterThan(backup)
      // The backup had finished (polled to the end) before the transfer was posted.
      const result = JSON.parse(run.stdout) as RefreshResult
      const backupUuid = result.backups.target?.uuid
      const lastBackupPoll = journal.filter(entry => entry.method === 'GET' && entry.path.endsWith(`/transfers/${backupUuid}`)).at(-1)
      const copyPost = journal.find(entry => entry.method === 'POST' && /\/transfers$/.test(entry.path))
      expect(lastBackupPoll!.seq).to.be.lessThan(copyPost!.seq)
      const transfers = await apiGet<Array<{finished_at: string; name: string; succeeded: boolean; uuid: string}>>(emu, '/client/v11/apps/acme-staging/transfers')
      const backupRecord = transfers.find(t => t.uuid === backupUuid)
      expect(backupRecord?.succeeded).to.equal(true)
    })

    it('returns the typed result and restores maintenance', async function () {
      const result = JSON.parse(run.stdout) as RefreshResult
      expect(result.app).to.equal('acme-staging')
      expect(result.from).to.equal('acme-production')
      expect(result.transfer?.bytes).to.be.greaterThan(0)
      expect(result.transfer?.name).to.match(/^c\d{3}$/)
      expect(result.backups.target?.name).to.match(/^b\d{3}$/)
      expect(result.maintenance).to.deep.include({after: false, before: false})
      expect(result.maintenance.durationMs).to.be.greaterThan(0)
      expect(result.method).to.equal('copy')
      expect(result.source).to.deep.include({app: 'acme-production', attachment: 'DATABASE', configVar: 'DATABASE_URL'})
      expect(result.target).to.deep.include({app: 'acme-staging', attachment: 'DATABASE', configVar: 'DATABASE_URL'})
      expect(result.findings.filter(f => f.severity === 'critical')).to.deep.equal([])
      const app = await apiGet<{maintenance: boolean}>(emu, '/apps/acme-staging')
      expect(app.maintenance).to.equal(false)
      const writes = journal.filter(entry => entry.mutating).map(entry => `${entry.method} ${entry.path}`)
      expect(writes.filter(w => w === 'PATCH /apps/acme-staging')).to.have.length(2)
      for (const secret of Object.values(PRODUCTION_SECRETS)) expect(`${run.stdout}${run.stderr}`).to.not.contain(secret)
      expect(`${run.stdout}${run.stderr}`).to.not.match(/postgres:\/\/[^:\s]+:[^*\s][^@\s]*@/)
    })
  })

  describe('a refresh with --backup-source', function () {
    let topology: Topology
    let run: RunResult<RefreshResult>
    let result: RefreshResult
    let productionBefore: string
    let productionId: string
    let journal: JournalEntry[]
    let fromProduction: JournalEntry[]

    // One refresh for the whole block, as above, asking for the one write to production there is.
    before(async function () {
      topology = await fixture.reseed(seedCleanPair)
      productionId = (await apiGet<{id: string}>(emu, '/apps/acme-production')).id
      productionBefore = await checksum(topology.production.databaseUrl)
      emu.clearJournal()
      run = await refresh(emu, ['-a', 'acme-staging', '--backup-source', '--confirm', 'acme-staging', '--json'])
      journal = emu.journal()
      fromProduction = productionWrites(emu, topology, productionId)
      result = JSON.parse(run.stdout) as RefreshResult
    })

    it("leaves staging holding production's rows, production's unchanged", async function () {
      expect(run.error, run.stderr).to.equal(undefined)
      expect(await checksum(topology.staging.databaseUrl)).to.equal(productionBefore)
      expect(await count(topology.staging.databaseUrl, 'users')).to.equal(topology.rows.users)
      expect(await checksum(topology.production.databaseUrl)).to.equal(productionBefore)
    })

    it("sends production exactly one mutating request: the POST of a backup capture on production's database", async function () {
      const productionDb = await apiGet<{id: string}>(emu, `/addons/${topology.production.database}`)
      expect(requestLines(fromProduction)).to.deep.equal([`POST /client/v11/databases/<id>/backups`])
      expect(fromProduction[0]).to.deep.include({addon: topology.production.database, method: 'POST', path: `/client/v11/databases/${productionDb.id}/backups`})
      expect(fromProduction[0]!.status).to.be.within(200, 299)
      expect(result.backups.source?.name).to.match(/^b\d{3}$/)
      const transfers = await apiGet<Array<{succeeded: boolean; uuid: string}>>(emu, '/client/v11/apps/acme-production/transfers')
      expect(transfers.find(t => t.uuid === result.backups.source?.uuid)?.succeeded).to.equal(true)
    })

    it('captures that backup, to the end, before the copy is posted', function () {
      const copy = journal.find(entry => entry.method === 'POST' && /^\/client\/v11\/databases\/[^/]+\/transfers$/.test(entry.path))
      expect(copy, 'transfer POST').to.not.equal(undefined)
      expect(copy!.addon, 'the copy is posted on staging\'s database').to.equal(topology.staging.database)
      expect(fromProduction[0]!.seq).to.be.lessThan(copy!.seq)
      const lastPoll = journal.filter(entry => entry.method === 'GET' && entry.path.endsWith(`/transfers/${result.backups.source?.uuid}`)).at(-1)
      expect(lastPoll, 'the source backup was polled').to.not.equal(undefined)
      expect(lastPoll!.seq).to.be.lessThan(copy!.seq)
    })
  })

  describe('refusals', function () {
    async function expectRefused(argv: string[], code: string): Promise<RunResult<RefreshResult>> {
      emu.clearJournal()
      const run = await refresh(emu, argv)
      expect(run.error?.oclif?.exit, run.error?.message).to.equal(4)
      expect(run.error?.message).to.contain(code)
      expect(mutating(emu), 'mutating requests').to.deep.equal([])
      return run
    }

    it("refuses the seed incident: staging's DATABASE_URL reaches production's database", async function () {
      const topology = await fixture.reseed(seedIncident)
      const before = await checksum(topology.production.databaseUrl)
      const run = await expectRefused(['-a', 'acme-staging', '--confirm', 'acme-staging'], 'TARGET_SAME_DATABASE_AS_PRODUCTION')
      expect(run.error?.message).to.contain("acme-production's DATABASE_URL")
      expect(await checksum(topology.production.databaseUrl)).to.equal(before)
    })

    it("refuses production's own add-on attached to staging", async function () {
      const topology = await fixture.reseed(seedCleanPair)
      await emu.seed({attachments: [{addon: topology.production.database, app: 'acme-staging', as: 'PRODUCTION_DB'}]})
      await expectRefused(['-a', 'acme-staging', '--target', 'PRODUCTION_DB', '--confirm', 'acme-staging'], 'TARGET_OWNED_BY_PRODUCTION')
    })

    it('refuses a staging add-on that production also attaches', async function () {
      const topology = await fixture.reseed(seedCleanPair)
      await emu.seed({attachments: [{addon: topology.staging.database, app: 'acme-production', as: 'STAGING_DB'}]})
      await expectRefused(['-a', 'acme-staging', '--confirm', 'acme-staging'], 'TARGET_ATTACHED_TO_PRODUCTION')
    })

    it('refuses a config var that reaches production through a differently written URL', async function () {
      const topology = await fixture.reseed(seedCleanPair)
      // Another user, `localhost` for 127.0.0.1, the scheme spelled out, a query: the same database all the same.
      const url = new URL(topology.production.databaseUrl)
      const rewritten = `postgresql://someone:else@localhost:${url.port}${url.pathname}?sslmode=disable`
      const response = await fetch(`${emu.url}/apps/acme-staging/config-vars`, {
        body: JSON.stringify({REPORTING_URL: rewritten}),
        headers: {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${emu.accounts[0]!.token}`, 'content-type': 'application/json'},
        method: 'PATCH',
      })
      expect(response.status).to.equal(200)
      await expectRefused(['-a', 'acme-staging', '--target', 'REPORTING_URL', '--confirm', 'acme-staging'], 'TARGET_SAME_DATABASE_AS_PRODUCTION')
    })

    it('refuses a target naming production\'s database in any form: ?dbname=, several hosts, 127.1, a libpq string, the pooler port', async function () {
      const topology = await fixture.reseed(seedCleanPair)
      const url = new URL(topology.production.databaseUrl)
      const database = url.pathname.slice(1)
      const forms = {
        DSN_URL: `host=127.0.0.1 port=${url.port} dbname=${database} user=someone`,
        DBNAME_URL: `postgres://someone:else@localhost:${url.port}/scratch?dbname=${database}`,
        IP_URL: `postgres://someone:else@127.1:${url.port}/${database}`,
        MULTI_URL: `postgres://someone:else@replica.invalid:5432,localhost:${url.port}/${database}`,
        POOLER_URL: `postgres://someone:else@localhost:6000/${database}`,
      }
      const response = await fetch(`${emu.url}/apps/acme-staging/config-vars`, {
        body: JSON.stringify(forms),
        headers: {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${emu.accounts[0]!.token}`, 'content-type': 'application/json'},
        method: 'PATCH',
      })
      expect(response.status).to.equal(200)
      const before = await checksum(topology.production.databaseUrl)
      for (const name of Object.keys(forms)) {
        const run = await expectRefused(['-a', 'acme-staging', '--target', name, '--confirm', 'acme-staging'], 'TARGET_SAME_DATABASE_AS_PRODUCTION')
        expect(run.error?.message, name).to.not.contain('else@')
      }

      expect(await checksum(topology.production.databaseUrl)).to.equal(before)
    })

    it('refuses a target owned by the app named with --from, which counts as production for that run', async function () {
      await fixture.reseed(seedCleanPair)
      await emu.seed({
        addons: [
          {app: 'acme-reporting', as: 'DATABASE', name: 'acme-reporting-db', plan: 'heroku-postgresql:essential-0', sql: PRODUCTION_SQL},
          {app: 'acme-reporting', as: 'HEROKU_POSTGRESQL_GRAY', name: 'acme-reporting-scratch', plan: 'heroku-postgresql:essential-0'},
        ],
        apps: [{name: 'acme-reporting'}],
        attachments: [{addon: 'acme-reporting-scratch', app: 'acme-staging', as: 'SCRATCH'}],
      })
      const run = await expectRefused(['-a', 'acme-staging', '--from', 'acme-reporting', '--target', 'SCRATCH', '--confirm', 'acme-staging'], 'TARGET_OWNED_BY_PRODUCTION')
      expect(run.error?.message).to.contain('owned by production app acme-reporting (named with --from)')
      // acme-reporting is in no pipeline and not protected: --from alone made it production.
      const coupling = await fixture.api('GET', '/apps/acme-reporting/pipeline-couplings')
      expect(coupling.status).to.equal(404)
    })

    it('refuses a target reaching the --from source\'s database through another URL', async function () {
      const topology = await fixture.reseed(seedCleanPair)
      const url = new URL(topology.production.databaseUrl)
      const patched = await fixture.api('PATCH', '/apps/acme-staging/config-vars', {SOURCE_COPY_URL: `postgresql://someone:else@localhost:${url.port}${url.pathname}`})
      expect(patched.status).to.equal(200)
      const run = await expectRefused(['-a', 'acme-staging', '--from', 'acme-production', '--target', 'SOURCE_COPY_URL', '--confirm', 'acme-staging'], 'TARGET_SAME_DATABASE_AS_SOURCE')
      expect(run.error?.message).to.contain('reaches the same physical database as the source')
    })

    it('refuses a database owned by a protected app', async function () {
      const topology = await fixture.reseed(seedCleanPair)
      await emu.seed({
        addons: [{app: 'acme-legacy', as: 'DATABASE', name: 'acme-legacy-db', plan: 'heroku-postgresql:essential-0'}],
        apps: [{name: 'acme-legacy'}],
        attachments: [{addon: 'acme-legacy-db', app: 'acme-staging', as: 'LEGACY'}],
      })
      writeFileSync(path.join(process.env.HEROKU_CONFIG_DIR!, 'staging-protected.json'), JSON.stringify({apps: ['acme-legacy']}))
      const run = await expectRefused(['-a', 'acme-staging', '--target', 'LEGACY', '--confirm', 'acme-staging'], 'TARGET_OWNED_BY_PRODUCTION')
      expect(run.error?.message).to.contain('protected with heroku staging:protect')
      expect(topology.staging.app).to.equal('acme-staging')
    })


    // Refusals on the clean pair as seeded: one seed for all, proven unchanged (journal, and both databases' rows).
    describe('of the clean pair as seeded', function () {
      const shared = useSharedSeed(fixture, seedCleanPair, topology => [topology.production.database, topology.staging.database])

      it('refuses the source itself (--from the staging app)', async function () {
        await expectRefused(['-a', 'acme-staging', '--from', 'acme-staging', '--confirm', 'acme-staging'], 'TARGET_SAME_ADDON_AS_SOURCE')
        await shared.expectUnchanged()
      })

      it('refuses a target that is not a heroku-postgresql database', async function () {
        await expectRefused(['-a', 'acme-staging', '--target', 'REDIS', '--confirm', 'acme-staging'], 'TARGET_NOT_HEROKU_POSTGRES')
        await shared.expectUnchanged()
      })

      it('refuses production named as the app to overwrite', async function () {
        emu.clearJournal()
        const run = await refresh(emu, ['-a', 'acme-production', '--confirm', 'acme-production'])
        expect(run.error?.oclif?.exit).to.equal(4)
        expect(run.error?.message).to.contain('production app')
        expect(mutating(emu)).to.deep.equal([])
        await shared.expectUnchanged()
      })

      it('refuses a wrong --confirm with no mutating request', async function () {
        const run = await expectRefused(['-a', 'acme-staging', '--confirm', 'acme-production'], 'did not match acme-staging')
        expect(run.stderr).to.contain('TO (target, wiped)')
        await shared.expectUnchanged()
      })
    })
  })

  describe('verification', function () {
    it("copies into the incident app's own ROSE database, then exits 1 because the audit still finds production wiring", async function () {
      const topology = await fixture.reseed(seedIncident)
      const productionBefore = await checksum(topology.production.databaseUrl)
      const run = await refresh(emu, ['-a', 'acme-staging', '--target', 'HEROKU_POSTGRESQL_ROSE', '--confirm', 'acme-staging', '--json'])
      expect(process.exitCode).to.equal(1)
      expect(run.error).to.equal(undefined)
      const result = JSON.parse(run.stdout) as RefreshResult
      expect(result.target.attachment).to.equal('HEROKU_POSTGRESQL_ROSE')
      expect(result.findings.map(f => f.code)).to.include.members(['UNATTACHED_DATABASE_URL', 'SHARED_SECRET'])
      expect(await checksum(topology.staging.databaseUrl)).to.equal(productionBefore)
      expect(await checksum(topology.production.databaseUrl)).to.equal(productionBefore)
      for (const secret of Object.values(PRODUCTION_SECRETS)) expect(run.stdout).to.not.contain(secret)
    })
  })

  describe('sanitize', function () {
    it('applies the example sanitize file, verified by querying staging', async function () {
      const topology = await fixture.reseed(seedCleanPair)
      const productionBefore = await checksum(topology.production.databaseUrl)
      const run = await refresh(emu, ['-a', 'acme-staging', '--confirm', 'acme-staging', '--sanitize', EXAMPLE_SANITIZE])
      expect(run.error, run.stderr).to.equal(undefined)
      const stagingUrl = topology.staging.databaseUrl
      const [emails] = await query<{clean: string; total: string}>(stagingUrl, "SELECT count(*) FILTER (WHERE email LIKE 'user+%@example.invalid') AS clean, count(*) AS total FROM users")
      expect(Number(emails?.total)).to.equal(topology.rows.users)
      expect(Number(emails?.clean)).to.equal(topology.rows.users)
      const [names] = await query<{clean: string}>(stagingUrl, "SELECT count(*) FILTER (WHERE name LIKE 'Person %') AS clean FROM users")
      expect(Number(names?.clean)).to.equal(topology.rows.users)
      expect(await count(stagingUrl, 'orders')).to.equal(topology.rows.orders)
      expect(await checksum(topology.production.databaseUrl)).to.equal(productionBefore)
      expect(run.stdout).to.contain(`sanitize     ${EXAMPLE_SANITIZE} applied`)
    })

    it('rolls the sanitize file back and restores staging from its backup when it fails: nothing half-applied, no unsanitized copy', async function () {
      const topology = await fixture.reseed(seedCleanPair)
      const productionBefore = await checksum(topology.production.databaseUrl)
      const stagingBefore = await checksum(topology.staging.databaseUrl)
      const file = sqlFile("UPDATE users SET name = 'half applied';\nUPDATE users SET email = NULL;\n")
      const run = await refresh(emu, ['-a', 'acme-staging', '--confirm', 'acme-staging', '--sanitize', file])
      expect(run.error?.oclif?.exit).to.equal(5)
      expect(run.error?.message).to.contain('rolled back').and.contain('null value').and.match(/was restored from backup b\d+, taken before the copy/)
      expect(run.error?.message).to.contain(`fix ${file} and run heroku staging:refresh -a acme-staging --sanitize ${file} again`)
      const app = await apiGet<{maintenance: boolean}>(emu, '/apps/acme-staging')
      expect(app.maintenance).to.equal(false)
      // Staging holds its own data again, not production's copy.
      expect(await checksum(topology.staging.databaseUrl)).to.equal(stagingBefore)
      expect(await checksum(topology.staging.databaseUrl)).not.to.equal(productionBefore)
      expect(await checksum(topology.production.databaseUrl)).to.equal(productionBefore)
    })
  })

  describe('dynos', function () {
    it('scales worker and clock to 0 during the copy and restores the formation exactly', async function () {
      await emu.reset()
      await emu.seed({
        addons: [
          {app: 'busy-production', as: 'DATABASE', name: 'busy-production-db', plan: 'heroku-postgresql:standard-0', sql: PRODUCTION_SQL},
          {app: 'busy-staging', as: 'DATABASE', name: 'busy-staging-db', plan: 'heroku-postgresql:essential-0'},
        ],
        apps: [
          {formation: [{quantity: 2, size: 'Standard-1X', type: 'web'}, {quantity: 1, size: 'Standard-1X', type: 'worker'}], name: 'busy-production'},
          {
            formation: [
              {quantity: 1, size: 'Basic', type: 'web'},
              {quantity: 2, size: 'Standard-2X', type: 'worker'},
              {quantity: 1, size: 'Basic', type: 'clock'},
            ],
            name: 'busy-staging',
          },
        ],
        pipelines: [{apps: {'busy-production': 'production', 'busy-staging': 'staging'}, name: 'busy'}],
      })
      const before = await apiGet<Array<{quantity: number; size: string; type: string}>>(emu, '/apps/busy-staging/formation')
      emu.clearJournal()
      const run = await refresh(emu, ['-a', 'busy-staging', '--confirm', 'busy-staging'])
      expect(run.error, run.stderr).to.equal(undefined)
      const after = await apiGet<Array<{quantity: number; size: string; type: string}>>(emu, '/apps/busy-staging/formation')
      const shape = (list: typeof before) => list.map(f => `${f.type}=${f.quantity}:${f.size}`).sort()
      expect(shape(after)).to.deep.equal(shape(before))
      const writes = mutating(emu).map(entry => `${entry.method} ${entry.path}`)
      const down = writes.indexOf('PATCH /apps/busy-staging/formation')
      const copy = writes.findIndex(w => /^POST \/client\/v11\/databases\/[^/]+\/transfers$/.test(w))
      const up = writes.lastIndexOf('PATCH /apps/busy-staging/formation')
      expect(down).to.be.greaterThan(-1)
      expect(down).to.be.lessThan(copy)
      expect(up).to.be.greaterThan(copy)
      expect(run.stdout).to.contain('clock=1 worker=2 restored')
    })
  })
})
