import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import pg from 'pg'

import {apiClient, waitFor} from '../helpers/api.js'
import {type Emulator, startTestEmulator, useEmulator} from '../helpers/emulator.js'

type Json = Record<string, unknown>
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

async function count(url: string, table: string): Promise<number> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    return Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)
  } finally {
    await client.end()
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('emulator controls: journal, faults, latency, reset, seed, persistence, cli', function () {
  this.timeout(180_000)
  const fixture = useEmulator({
    fresh: 'each',
    seed: async emu => emu.seed({addons: [{app: 'prod-app', name: 'prod-redis', plan: 'heroku-redis:mini'}], apps: [{name: 'prod-app'}, {name: 'stage-app'}]}),
  })
  const {api} = fixture
  let emu: Emulator

  before(() => {
    emu = fixture.emu
  })

  describe('journal', () => {
    it('records every request with method, path, resolved app and add-on, status, time, account and mutating', async () => {
      await api('GET', '/apps/prod-app/config-vars')
      await api('PATCH', '/apps/stage-app/config-vars', {A: '1'})
      await api('POST', '/addon-attachments', {addon: {name: 'prod-redis'}, app: {name: 'stage-app'}})
      await api('GET', '/addons/prod-redis')
      await api('POST', '/actions/addons/resolve', {addon: 'prod-redis'})
      await api('GET', '/apps/missing-app')
      const journal = emu.journal()
      expect(journal.map(e => [e.method, e.path, e.app, e.addon, e.status, e.mutating])).to.deep.equal([
        ['GET', '/apps/prod-app/config-vars', 'prod-app', undefined, 200, false],
        ['PATCH', '/apps/stage-app/config-vars', 'stage-app', undefined, 200, true],
        ['POST', '/addon-attachments', 'stage-app', 'prod-redis', 201, true],
        ['GET', '/addons/prod-redis', 'prod-app', 'prod-redis', 200, false],
        ['POST', '/actions/addons/resolve', 'prod-app', 'prod-redis', 200, false],
        ['GET', '/apps/missing-app', 'missing-app', undefined, 404, false],
      ])
      for (const entry of journal) {
        expect(entry.account).to.equal(emu.accounts[0]!.email)
        expect(entry.api).to.equal('platform')
        expect(Date.parse(entry.time)).to.be.a('number').and.not.NaN
        expect(entry.durationMs).to.be.a('number')
      }

      expect(journal.map(e => e.seq)).to.deep.equal([...journal.map(e => e.seq)].sort((a, b) => a - b))
      emu.clearJournal()
      expect(emu.journal()).to.deep.equal([])
    })

    it('is served over HTTP under /__emulator/ and records control calls as non-mutating', async () => {
      await api('GET', '/apps')
      const journal = (await fetch(`${emu.url}/__emulator/journal`).then(async r => r.json())) as Json[]
      expect(journal[0]).to.include({method: 'GET', path: '/apps', status: 200})
      const control = emu.journal().find(e => e.path === '/__emulator/journal')
      expect(control).to.include({api: 'control', mutating: false})
    })
  })

  describe('faults', () => {
    afterEach(() => emu.clearFaults())

    it('answers a status with a Heroku error body on the Nth matching request, and the request does not take effect', async () => {
      emu.addFault({method: 'PATCH', nth: 2, path: '^/apps/[^/]+/config-vars$', status: 503})
      expect((await api('PATCH', '/apps/stage-app/config-vars', {A: '1'})).status).to.equal(200)
      const faulted = await api('PATCH', '/apps/stage-app/config-vars', {B: '2'})
      expect(faulted.status).to.equal(503)
      expect((faulted.body as Json).id).to.equal('service_unavailable')
      expect((await api('PATCH', '/apps/stage-app/config-vars', {C: '3'})).status).to.equal(200)
      expect((await api('GET', '/apps/stage-app/config-vars')).body).to.deep.equal({A: '1', C: '3'})
    })

    it('drops the connection without answering', async () => {
      emu.addFault({method: 'GET', path: '^/apps$', drop: true})
      let error: Error | undefined
      try {
        await api('GET', '/apps')
      } catch (error_) {
        error = error_ as Error
      }

      expect(error).to.be.instanceOf(Error)
      expect((await api('GET', '/apps')).status).to.equal(200)
      expect(emu.journal().filter(e => e.path === '/apps').map(e => e.status)).to.deep.equal([0, 200])
    })

    it('with applied: true lets the request take effect before dropping the connection', async () => {
      emu.addFault({applied: true, drop: true, method: 'PATCH', path: 'config-vars$'})
      let dropped = false
      try {
        await api('PATCH', '/apps/stage-app/config-vars', {APPLIED: 'yes'})
      } catch {
        dropped = true
      }

      expect(dropped).to.equal(true)
      expect((await api('GET', '/apps/stage-app/config-vars')).body).to.deep.equal({APPLIED: 'yes'})
    })

    it('delays matching requests, times: N fires N times, and rules are managed over HTTP', async () => {
      const created = await fetch(`${emu.url}/__emulator/faults`, {body: JSON.stringify({delayMs: 150, path: '^/account$', times: 2}), method: 'POST'})
      expect(created.status).to.equal(201)
      const durations = []
      for (let i = 0; i < 3; i++) {
        const started = Date.now()
        await api('GET', '/account')
        durations.push(Date.now() - started)
      }

      expect(durations[0]).to.be.greaterThanOrEqual(140)
      expect(durations[1]).to.be.greaterThanOrEqual(140)
      expect(durations[2]).to.be.lessThan(140)
      expect((await fetch(`${emu.url}/__emulator/faults`, {method: 'DELETE'})).status).to.equal(200)
      expect((await fetch(`${emu.url}/__emulator/faults`, {body: JSON.stringify({path: 'x'}), method: 'POST'})).status).to.equal(422)
    })

    it('applies to Data API routes too', async () => {
      emu.addFault({path: '^/client/v11/', status: 500})
      expect((await api('GET', '/client/v11/databases/anything')).status).to.equal(500)
    })
  })

  describe('latency, provisioning delay, reset and seed', () => {
    it('adds global latency to Heroku routes only, settable over HTTP', async () => {
      await fetch(`${emu.url}/__emulator/latency`, {body: JSON.stringify({ms: 120}), method: 'PUT'})
      let started = Date.now()
      await api('GET', '/account')
      expect(Date.now() - started).to.be.greaterThanOrEqual(115)
      started = Date.now()
      await fetch(`${emu.url}/__emulator/status`)
      expect(Date.now() - started).to.be.lessThan(115)
      emu.setLatency(0)
      started = Date.now()
      await api('GET', '/account')
      expect(Date.now() - started).to.be.lessThan(115)
    })

    it('sets the provisioning delay over HTTP: add-ons answer provisioning, then provisioned', async () => {
      await fetch(`${emu.url}/__emulator/provision-delay`, {body: JSON.stringify({ms: 300}), method: 'PUT'})
      const created = (await api('POST', '/apps/stage-app/addons', {plan: {name: 'heroku-redis:mini'}})).body as {name: string; state: string}
      expect(created.state).to.equal('provisioning')
      expect(((await api('GET', '/apps/stage-app/config-vars')).body as Json).REDIS_URL).to.equal(undefined)
      await waitFor('provisioned', async () => (((await api('GET', `/addons/${created.name}`)).body as Json).state === 'provisioned' ? true : undefined))
      expect(((await api('GET', '/apps/stage-app/config-vars')).body as Json).REDIS_URL).to.match(/^redis:/)
      emu.setProvisionDelay(0)
    })

    it('seeds many plain apps with their add-ons in one pass over HTTP (seed-bulk), and refuses Postgres and taken names', async () => {
      const post = async (body: unknown) => fetch(`${emu.url}/__emulator/seed-bulk`, {body: JSON.stringify(body), headers: {'content-type': 'application/json'}, method: 'POST'})
      expect((await post({config: {RACK_ENV: 'x'}, count: 3, plans: ['heroku-redis:mini', 'scheduler:standard'], prefix: 'filler'})).status).to.equal(201)
      const apps = (await api('GET', '/apps')).body as Array<{name: string}>
      expect(apps.map(app => app.name)).to.include.members(['filler-1', 'filler-2', 'filler-3'])
      const config = (await api('GET', '/apps/filler-2/config-vars')).body as Json
      expect(config.RACK_ENV).to.equal('x')
      expect(config.REDIS_URL).to.match(/^redis/)
      const attachments = (await api('GET', '/apps/filler-2/addon-attachments')).body as Array<{name: string}>
      expect(attachments.map(a => a.name).sort()).to.deep.equal(['REDIS', 'SCHEDULER'])
      expect((await post({count: 1, plans: ['heroku-postgresql:essential-0'], prefix: 'pg'})).status).to.equal(422)
      expect((await post({count: 1, prefix: 'filler'})).status).to.equal(422)
    })

    it('resets to an empty Heroku and seeds from a JSON fixture over HTTP', async () => {
      expect((await fetch(`${emu.url}/__emulator/reset`, {method: 'POST'})).status).to.equal(200)
      expect((await api('GET', '/apps')).body).to.deep.equal([])
      const seeded = await fetch(`${emu.url}/__emulator/seed`, {
        body: JSON.stringify({
          addons: [{app: 'seeded-app', as: 'DATABASE', name: 'seeded-db', plan: 'heroku-postgresql:essential-0', sql: 'CREATE TABLE t AS SELECT generate_series(1, 5) AS id'}],
          apps: [{config: {A: '1'}, name: 'seeded-app'}, {name: 'other-app', owner: emu.accounts[1]!.email}],
          pipelines: [{apps: {'seeded-app': 'staging'}, name: 'seeded'}],
        }),
        method: 'POST',
      })
      expect(seeded.status).to.equal(201)
      const config = (await api('GET', '/apps/seeded-app/config-vars')).body as Json
      expect(config.A).to.equal('1')
      expect(await count(config.DATABASE_URL as string, 't')).to.equal(5)
      const {url} = await fetch(`${emu.url}/__emulator/databases/seeded-db`).then(async r => r.json()) as {url: string}
      expect(url).to.equal(config.DATABASE_URL)
      expect((await api('GET', '/apps/other-app')).status).to.equal(403)
      expect(((await api('GET', '/apps/seeded-app/pipeline-couplings')).body as Json).stage).to.equal('staging')
      await emu.reset()
      let dropped: Error | undefined
      try {
        await count(url, 't')
      } catch (error) {
        dropped = error as Error
      }

      expect(dropped, 'reset drops the databases').to.be.instanceOf(Error)
    })
  })

  describe('persistence', () => {
    it('keeps apps, config, attachments, releases and real rows across a restart with dataDir', async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'emulator-persist-'))
      try {
        let first: Emulator | undefined = await startTestEmulator({dataDir})
        await first.seed({
          addons: [{app: 'kept-app', name: 'kept-db', plan: 'heroku-postgresql:essential-0', sql: 'CREATE TABLE t AS SELECT generate_series(1, 42) AS id'}],
          apps: [{config: {KEEP: 'me'}, name: 'kept-app'}],
        })
        const url = first.databaseUrl('kept-db')
        await first.stop()
        first = undefined
        expect(existsSync(path.join(dataDir, 'state.json'))).to.equal(true)
        expect(existsSync(path.join(dataDir, 'pg'))).to.equal(true)

        const second = await startTestEmulator({dataDir})
        try {
          const call = apiClient(second)
          const config = (await call('GET', '/apps/kept-app/config-vars')).body as Json
          expect(config.KEEP).to.equal('me')
          expect(config.DATABASE_URL).to.equal(second.databaseUrl('kept-db'))
          expect(second.databaseUrl('kept-db')).to.equal(url)
          expect(await count(second.databaseUrl('kept-db'), 't')).to.equal(42)
          const releases = (await call('GET', '/apps/kept-app/releases')).body as Json[]
          expect(releases.map(r => r.description)).to.include('Attach DATABASE (@ref:kept-db)')
        } finally {
          await second.stop()
        }
      } finally {
        rmSync(dataDir, {force: true, recursive: true})
      }
    })
  })

  describe('persistence of unfinished work', () => {
    it('finishes provisioning after a restart that interrupted it', async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'emulator-resume-'))
      try {
        const first = await startTestEmulator({dataDir, provisionDelayMs: 60_000})
        await first.seed({apps: [{name: 'slow-app'}]})
        const created = (await apiClient(first)('POST', '/apps/slow-app/addons', {plan: {name: 'heroku-postgresql:essential-0'}})).body as {name: string; state: string}
        expect(created.state).to.equal('provisioning')
        await first.stop()
        const second = await startTestEmulator({dataDir})
        try {
          const call = apiClient(second)
          await waitFor('provisioned after restart', async () => (((await call('GET', `/addons/${created.name}`)).body as Json).state === 'provisioned' ? true : undefined))
          const url = ((await call('GET', '/apps/slow-app/config-vars')).body as Json).DATABASE_URL as string
          expect(url).to.equal(second.databaseUrl(created.name))
        } finally {
          await second.stop()
        }
      } finally {
        rmSync(dataDir, {force: true, recursive: true})
      }
    })
  })

  describe('npm run emulator (emulator/cli.ts)', () => {
    it('prints where it listens and the env, serves the CLI, and Ctrl-C stops it and its PostgreSQL', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'emulator/cli.ts'), '--port', '0'], {cwd: root, stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      child.stdout.on('data', chunk => {
        stdout += String(chunk)
      })
      const exited = new Promise<number | null>(resolve => {
        child.on('exit', code => resolve(code))
      })
      try {
        const url = await waitFor('the listening line', async () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1])
        await waitFor('the env lines', async () => (stdout.includes('DISABLE_TELEMETRY=true') ? true : undefined))
        const port = new URL(url).port
        for (const line of [`HEROKU_HOST=http://127.0.0.1:${port}`, 'HEROKU_DATA_HOST=127.0.0.1', 'HEROKU_API_KEY=', `HEROKU_PARTICLEBOARD_URL=http://localhost:${port}`, 'DISABLE_TELEMETRY=true']) {
          expect(stdout).to.contain(line)
        }

        const token = /HEROKU_API_KEY=(\S+)/.exec(stdout)![1]!
        const headers = {authorization: `Bearer ${token}`, 'content-type': 'application/json'}
        await fetch(`${url}/apps`, {body: JSON.stringify({name: 'cli-app'}), headers, method: 'POST'})
        const addon = await fetch(`${url}/apps/cli-app/addons`, {body: JSON.stringify({plan: 'heroku-postgresql:essential-0'}), headers, method: 'POST'})
        expect(addon.status).to.equal(201)
        const status = await fetch(`${url}/__emulator/status`).then(async r => r.json()) as {postgres: {dataDir: string; pid: number}}
        expect(alive(status.postgres.pid)).to.equal(true)
        child.kill('SIGINT')
        expect(await exited).to.equal(0)
        await waitFor('postgres to exit', async () => (alive(status.postgres.pid) ? undefined : true), 10_000)
        expect(existsSync(status.postgres.dataDir), 'temporary cluster dir removed').to.equal(false)
        expect(stdout).to.contain('stopped')
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL')
      }
    })
  })
})
