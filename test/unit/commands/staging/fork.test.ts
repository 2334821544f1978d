import {expect} from 'chai'
import nock from 'nock'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import Fork from '../../../../src/commands/staging/fork.js'
import type {ForkResult} from '../../../../src/lib/fork/types.js'
import type {AppSnapshot} from '../../../../src/lib/snapshot/types.js'
import type {DataDatabase} from '../../../../src/lib/heroku/types.js'
import {addonsBody, API, appBody, attachmentsBody, couplingBody, DATA_API, formationBody, postgresAddonIds} from '../../../fixtures/audit.js'
import {runCommand} from '../../../helpers/run.js'
import {catalogue, fork, PROD_ID, production} from '../../fork/fixtures.js'

/** Every request the command sent, by method, from nock's point of view (matched or not). */
const sent: string[] = []
function record(req: {method?: string; path?: string}): void {
  sent.push(`${req.method ?? '?'} ${req.path ?? '?'}`)
}

function mutating(): string[] {
  return sent.filter(line => !line.startsWith('GET '))
}

/** Data API info of a database, from the snapshot: its Postgres version and size. */
function databaseBody(snapshot: AppSnapshot, addonId: string): DataDatabase {
  const info = snapshot.databases[addonId]
  return {
    addon_id: addonId,
    following: info?.following ?? null,
    info: info?.majorVersion ? [{name: 'PG Version', values: [`${info.majorVersion}.4`]}] : [],
    name: info?.addonName,
    num_bytes: info?.numBytes,
    num_tables: info?.numTables,
    plan: info?.plan,
  }
}

interface Scopes {
  api: nock.Scope
  data: nock.Scope
}

/** The requests `loadApp(…, {databases, formation, release, buildpacks})` makes for production, by its name. */
function mockProduction(s: Scopes, snapshot: AppSnapshot): void {
  const id = snapshot.app.name // the loader asks by the name given
  s.api.get(`/apps/${snapshot.app.name}`).reply(200, appBody(snapshot))
  s.api.get(`/apps/${id}/config-vars`).reply(200, snapshot.configVars)
  s.api.get(`/apps/${id}/addon-attachments`).reply(200, attachmentsBody(snapshot))
  s.api.get(`/apps/${id}/addons`).reply(200, addonsBody(snapshot))
  s.api.get(`/apps/${id}/pipeline-couplings`).reply(200, couplingBody(snapshot))
  // The production registry's one list (optional: a fork refused before planning never asks it).
  s.api.get('/pipeline-couplings').optionally().reply(200, [couplingBody(snapshot)])
  s.api.get(`/apps/${id}/formation`).reply(200, formationBody(snapshot))
  s.api.get(`/apps/${id}/releases`).reply(200, [{current: true, id: snapshot.release?.id, slug: {id: snapshot.release?.slugId}, status: 'succeeded', version: snapshot.release?.version}])
  s.api.get(`/apps/${id}/buildpack-installations`).reply(200, snapshot.app.buildpacks.map((url, ordinal) => ({buildpack: {name: url, url}, ordinal})))
  for (const addonId of postgresAddonIds(snapshot)) s.data.get(`/client/v11/databases/${addonId}`).reply(200, databaseBody(snapshot, addonId))
}

/** `--to` exists: the app by name, then its snapshot by id (config vars, attachments, add-ons, coupling). */
function mockExisting(s: Scopes, snapshot: AppSnapshot, ref = snapshot.app.name): void {
  const {id} = snapshot.app
  s.api.get(`/apps/${ref}`).reply(200, {...appBody(snapshot), created_at: '2026-01-01T00:00:00Z'})
  s.api.get(`/apps/${id}`).reply(200, appBody(snapshot))
  s.api.get(`/apps/${id}/config-vars`).reply(200, snapshot.configVars)
  s.api.get(`/apps/${id}/addon-attachments`).reply(200, attachmentsBody(snapshot))
  s.api.get(`/apps/${id}/addons`).reply(200, addonsBody(snapshot))
  const coupling = couplingBody(snapshot)
  if (coupling) s.api.get(`/apps/${id}/pipeline-couplings`).reply(200, coupling)
  else s.api.get(`/apps/${id}/pipeline-couplings`).reply(404, {id: 'not_found', message: 'Couldn\'t find that pipeline coupling.', resource: 'pipeline_coupling'})
}

function mockAbsent(s: Scopes, name: string): void {
  s.api.get(`/apps/${name}`).reply(404, {id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'})
}

function mockCatalogue(s: Scopes): void {
  const plans = catalogue()
  for (const service of ['heroku-postgresql', 'heroku-redis', 'mailgun', 'scheduler']) {
    s.api.get(`/addon-services/${service}/plans`).reply(200, (plans[service] ?? []).map(plan => ({
      id: `plan-${plan.name}`,
      name: plan.name,
      price: {cents: plan.priceCents, unit: 'month'},
      state: plan.installable ? 'public' : 'shutdown',
    })))
  }
}

function everything(run: {error?: Error; stderr: string; stdout: string}): string {
  return `${run.stdout}\n${run.stderr}\n${run.error?.message ?? ''}`
}

describe('staging:fork', function () {
  let s: Scopes

  beforeEach(function () {
    s = {api: nock(API), data: nock(DATA_API)}
    sent.length = 0
    nock.emitter.on('no match', record)
    process.exitCode = undefined
  })

  afterEach(function () {
    nock.emitter.removeListener('no match', record)
    // Done before cleanAll: a request the command never made fails the test here.
    s.api.done()
    s.data.done()
    nock.cleanAll()
    process.exitCode = undefined
  })

  function trackMatched(): void {
    s.api.on('request', record)
    s.data.on('request', record)
  }

  describe('--dry-run', function () {
    it('prints the whole plan and sends no mutating request', async function () {
      trackMatched()
      mockProduction(s, production())
      mockAbsent(s, 'acme-production-staging')
      mockCatalogue(s)
      const run = await runCommand<ForkResult>(Fork, ['--from', 'acme-production', '--dry-run'])
      expect(run.error).to.equal(undefined)
      expect(mutating()).to.deep.equal([])
      expect(sent.length).to.be.greaterThan(10)
      expect(run.stdout).to.contain('Fork acme-production → acme-production-staging (new app)')
      expect(run.stdout).to.match(/provision\s+postgresql-shiny-12345\s+acme-production\s+DATABASE, HEROKU_POSTGRESQL_ROSE\s+heroku-postgresql:essential-1 \(Postgres 16\)\s+\$9\/mo/)
      expect(run.stdout).to.match(/skip\s+memcachier-wide-56789\s+acme-shared/)
      expect(run.stdout).to.match(/Never copied: add-on-owned, or reaching production\n(?: {4}.*\n)* {4}READONLY_DATABASE_URL\s+reaches the same database as production's DATABASE_URL/)
      expect(run.stdout).to.match(/Regenerated: a fresh random value of the same length and alphabet\n {4}SECRET_KEY_BASE\s+app-local signing key: staging gets its own/)
      expect(run.stdout).to.match(/ {4}STRIPE_API_KEY\s+Stripe live secret key: not copied; give staging its own\s+--set STRIPE_API_KEY=VALUE/)
      expect(run.stdout).to.contain('web     1 × standard-2X  (production: 3)')
      expect(run.stdout).to.contain('production\'s slug of v42')
      expect(run.stdout).to.contain('acme, stage staging')
      expect(run.stdout).to.contain('Dry run: nothing was changed.')
      for (const value of Object.values(production().configVars).filter(v => v.length > 12)) expect(everything(run)).not.to.contain(value)
    })

    it('returns the typed plan under --json', async function () {
      mockProduction(s, production())
      mockAbsent(s, 'acme-qa')
      mockCatalogue(s)
      const run = await runCommand<ForkResult>(Fork, ['--from', 'acme-production', '--to', 'acme-qa', '--dry-run', '--json', '--set', 'SECRET_KEY_BASE=staging-only-value'])
      expect(run.error).to.equal(undefined)
      const json = JSON.parse(run.stdout) as ForkResult
      expect(json.dryRun).to.equal(true)
      expect(json.steps).to.deep.equal([])
      expect(json.plan.target.name).to.equal('acme-qa')
      expect(json.plan.config.find(d => d.key === 'SECRET_KEY_BASE')).to.deep.equal({action: 'override', group: 'set', key: 'SECRET_KEY_BASE', reason: '--set'})
      expect(json.plan.identicalSecrets).to.deep.equal([])
      expect(json.plan.config.find(d => d.key === 'STRIPE_API_KEY')).to.deep.include({action: 'withhold', fix: '--set STRIPE_API_KEY=VALUE', live: true})
      expect(json.plan.addons.find(a => a.source.service === 'heroku-postgresql')).to.deep.include({plan: 'heroku-postgresql:essential-1', version: '16'})
      expect(run.stdout).not.to.contain('staging-only-value')
      expect(run.stderr).to.equal('')
    })

    it('continues an existing fork of the same source (and still changes nothing)', async function () {
      mockProduction(s, production())
      mockExisting(s, fork())
      mockCatalogue(s)
      const run = await runCommand<ForkResult>(Fork, ['--from', 'acme-production', '--dry-run'])
      expect(run.error).to.equal(undefined)
      expect(run.stdout).to.contain('(existing fork: continuing)')
      expect(run.stderr).to.contain('is a fork of acme-production made by heroku staging:fork')
    })
  })

  describe('refusals', function () {
    it('refuses on an unreadable protected-apps list before any request (exit 4)', async function () {
      trackMatched()
      const dir = await mkdtemp(path.join(tmpdir(), 'fork-protect-'))
      await writeFile(path.join(dir, 'staging-protected.json'), '{not json')
      const saved = process.env.HEROKU_CONFIG_DIR
      process.env.HEROKU_CONFIG_DIR = dir
      try {
        const run = await runCommand<ForkResult>(Fork, ['--from', 'acme-production'])
        expect(run.error?.oclif?.exit).to.equal(4)
        expect(run.error?.message).to.contain('Cannot read the protected apps').and.contain('heroku staging:protect --list')
        expect(sent).to.deep.equal([])
      } finally {
        if (saved === undefined) delete process.env.HEROKU_CONFIG_DIR
        else process.env.HEROKU_CONFIG_DIR = saved
        await rm(dir, {force: true, recursive: true})
      }
    })

    it('refuses an existing --to that this command did not create (exit 4)', async function () {
      trackMatched()
      mockProduction(s, production())
      mockExisting(s, fork(null))
      const run = await runCommand<ForkResult>(Fork, ['--from', 'acme-production'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('Refusing to fork into acme-production-staging: it exists and was not created by heroku staging:fork')
      expect(run.error?.message).to.contain('--to')
      expect(mutating()).to.deep.equal([])
    })

    it('refuses an existing --to marked as a fork of another app (exit 4)', async function () {
      mockProduction(s, production())
      mockExisting(s, fork('99999999-9999-4999-8999-999999999999'))
      const run = await runCommand<ForkResult>(Fork, ['--from', 'acme-production'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('a fork of another app')
    })

    it('refuses a --to coupled at stage production (exit 4), even under --json', async function () {
      trackMatched()
      const other = fork(PROD_ID)
      other.app = {...other.app, id: '44444444-4444-4444-8444-444444444444', name: 'acme-eu-production'}
      other.pipeline = {id: 'cccc0000-0000-4000-8000-000000000001', name: 'acme', stage: 'production'}
      mockProduction(s, production())
      mockExisting(s, other)
      const run = await runCommand<ForkResult>(Fork, ['--from', 'acme-production', '--to', 'acme-eu-production', '--json'])
      expect(run.error).to.equal(undefined)
      expect(run.stdout).to.contain('coupled at stage production')
      expect(process.exitCode).to.equal(4)
      expect(mutating()).to.deep.equal([])
    })

    it('refuses production itself as --to (exit 4)', async function () {
      const prod = production()
      mockProduction(s, prod)
      mockExisting(s, prod)
      const run = await runCommand<ForkResult>(Fork, ['--from', 'acme-production', '--to', 'acme-production'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('it is the production app itself')
    })

    it('stops before any change on a plan that cannot be provisioned (exit 2)', async function () {
      trackMatched()
      mockProduction(s, production())
      mockAbsent(s, 'acme-production-staging')
      mockCatalogue(s)
      const run = await runCommand<ForkResult>(Fork, ['--from', 'acme-production', '--plan', 'heroku-postgresql=mini'])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('heroku-postgresql:mini cannot be provisioned')
      expect(run.error?.message).to.contain('--plan heroku-postgresql=PLAN')
      expect(run.stdout).to.contain('Problems (the fork cannot start)')
      expect(mutating()).to.deep.equal([])
    })

    it('rejects a malformed flag before any request (exit 2)', async function () {
      const run = await runCommand<ForkResult>(Fork, ['--from', 'acme-production', '--set', 'NOVALUE'])
      expect(run.error?.oclif?.exit).to.equal(2)
      expect(run.error?.message).to.contain('--set KEY=VALUE')
    })
  })
})
