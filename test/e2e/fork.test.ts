import {expect} from 'chai'

import Fork from '../../src/commands/staging/fork.js'
import type {ForkResult} from '../../src/lib/fork/types.js'
import {ATTACHMENT_HEADERS} from '../../src/lib/heroku/types.js'
import {credentialsOf, sameEndpoint} from '../../src/lib/snapshot/identity.js'
import {apiClient, apiGet as api} from '../helpers/api.js'
import {checksum, count} from '../helpers/db.js'
import {
  type Emulator,
  type FaultRule,
  isolateCommandEnv,
  mutating,
  productionWrites,
  seedIncident,
  type Topology,
  useEmulator,
  withEmulatorEnv,
} from '../helpers/emulator.js'
import {asRules, MUTATING_STEPS} from '../helpers/fork-steps.js'
import {type RunResult, runCommand} from '../helpers/run.js'

interface Attachment {
  addon: {app: {id: string; name: string}; id: string; name: string; plan?: {name: string}}
  config_vars?: string[]
  name: string
}

const FORK = 'acme-production-staging'

async function fork(emu: Emulator, argv: string[]): Promise<RunResult<ForkResult>> {
  return withEmulatorEnv(emu, () => runCommand<ForkResult>(Fork, argv))
}

/**
 * The fork as Heroku holds it, in a form two runs can be compared by: app settings, config (values
 * for copied keys, names only for add-on vars whose credentials differ per add-on), attachments and
 * add-ons (with owner and plan; duplicates would show), buildpacks, formation, release slug,
 * pipeline stage, and the data itself.
 */
async function endState(emu: Emulator): Promise<Record<string, unknown>> {
  const app = await api<{id: string; region: {name: string}; stack: {name: string}}>(emu, `/apps/${FORK}`)
  const [config, attachments, addons, buildpacks, formation, releases, coupling] = await Promise.all([
    api<Record<string, string>>(emu, `/apps/${FORK}/config-vars`),
    api<Attachment[]>(emu, `/apps/${FORK}/addon-attachments`, ATTACHMENT_HEADERS),
    api<Array<{app: {name: string}; plan: {name: string}}>>(emu, `/apps/${FORK}/addons`),
    api<Array<{buildpack: {url: string}}>>(emu, `/apps/${FORK}/buildpack-installations`),
    api<Array<{quantity: number; size: string; type: string}>>(emu, `/apps/${FORK}/formation`),
    api<Array<{current?: boolean; description?: string; slug?: {id: string}; version: number}>>(emu, `/apps/${FORK}/releases`),
    api<{pipeline: {name?: string}; stage: string}>(emu, `/apps/${FORK}/pipeline-couplings`),
  ])
  const addonVars = new Set(attachments.flatMap(a => a.config_vars ?? []))
  const database = attachments.find(a => a.name === 'DATABASE')
  const current = releases.find(r => r.current) ?? releases.at(-1)
  return {
    addons: addons.map(a => `${a.plan.name} owned by ${a.app.name === FORK ? 'the fork' : a.app.name}`).sort(),
    attachments: attachments.map(a => `${a.name} → ${a.addon.plan?.name ?? '?'} owned by ${a.addon.app.name === FORK ? 'the fork' : a.addon.app.name}`).sort(),
    buildpacks: buildpacks.map(b => b.buildpack.url),
    config: Object.fromEntries(Object.entries(config).sort().map(([key, value]) => [key, addonVars.has(key) ? '(add-on)' : key === 'HEROKU_STAGING_FORKED_FROM' ? '(marker)' : value])),
    data: database ? await checksum(emu.databaseUrl(database.addon.name)) : null,
    formation: formation.map(f => `${f.type} ${f.quantity} ${f.size}`).sort(),
    pipeline: `${coupling.pipeline.name ?? '?'} ${coupling.stage}`,
    region: app.region.name,
    // The emulator gives a released copy of a slug its own id: the description says which release it is.
    release: `${current?.description ?? '?'}${current?.slug?.id ? ' (with a slug)' : ''}`,
    stack: app.stack.name,
  }
}

describe('staging:fork against the emulator', function () {
  this.timeout(180_000)
  /** The incident with production on Postgres 14 (not the emulator's default 16), so pinning shows. */
  const fixture = useEmulator({provisioning: 'short', seed: async emu => seedIncident(emu, {version: '14'})})
  isolateCommandEnv()
  let emu: Emulator
  let topology: Topology
  let productionId: string
  let secrets: string[]

  before(function () {
    emu = fixture.emu
  })

  async function seed(): Promise<void> {
    topology = await fixture.reseed()
    productionId = (await api<{id: string}>(emu, `/apps/${topology.production.app}`)).id
    secrets = Object.keys(topology.secrets).map(key => `${key}=staging-only-${key.toLowerCase()}-0123456789`)
    emu.clearJournal()
  }

  function argv(...extra: string[]): string[] {
    return ['--from', topology.production.app, ...secrets.flatMap(set => ['--set', set]), ...extra]
  }

  describe('a clean fork of the seed incident\'s production', function () {
    let run: RunResult<ForkResult>
    let result: ForkResult
    let exitCode: number | string | undefined

    before(async function () {
      await seed()
      run = await fork(emu, argv('--json'))
      exitCode = process.exitCode
      result = JSON.parse(run.stdout) as ForkResult
    })

    it('succeeds, with no critical finding', function () {
      expect(run.error, run.stdout).to.equal(undefined)
      expect(exitCode ?? 0).to.equal(0)
      expect(result.verification?.critical).to.equal(0)
      expect(result.steps.map(s => s.status)).to.not.include('failed')
    })

    it('cannot repeat the seed incident: DATABASE_URL is the fork\'s own database, production\'s never appears', async function () {
      const config = await api<Record<string, string>>(emu, `/apps/${FORK}/config-vars`)
      const productionConfig = await api<Record<string, string>>(emu, `/apps/${topology.production.app}/config-vars`)
      expect(config.DATABASE_URL).to.be.a('string')
      for (const [key, value] of Object.entries(config)) {
        expect(sameEndpoint(value, topology.production.databaseUrl), key).to.equal(false)
        expect(value, key).not.to.equal(topology.production.databaseUrl)
        for (const [prodKey, prodValue] of Object.entries(productionConfig)) {
          if (/_URL$/.test(prodKey)) expect(sameEndpoint(value, prodValue), `${key} vs production's ${prodKey}`).to.equal(false)
        }
      }

      const attachments = await api<Attachment[]>(emu, `/apps/${FORK}/addon-attachments`, ATTACHMENT_HEADERS)
      const database = attachments.find(a => a.name === 'DATABASE')
      expect(database?.addon.app.name).to.equal(FORK)
      expect(database?.config_vars).to.include('DATABASE_URL')
      expect(sameEndpoint(config.DATABASE_URL, emu.databaseUrl(database?.addon.name ?? ''))).to.equal(true)
      expect(attachments.every(a => a.addon.app.name === FORK), 'every add-on is the fork\'s own').to.equal(true)
      expect(result.verification?.database).to.deep.include({attachment: 'DATABASE', ownedByFork: true, owner: FORK, reachesProduction: false})
    })

    it('pins Postgres to production\'s major version', async function () {
      const attachments = await api<Attachment[]>(emu, `/apps/${FORK}/addon-attachments`, ATTACHMENT_HEADERS)
      const database = attachments.find(a => a.name === 'DATABASE')
      const version = async (addonId: string) => {
        const info = await api<{info: Array<{name: string; values: string[]}>}>(emu, `/client/v11/databases/${addonId}`)
        return String(info.info.find(row => row.name === 'PG Version')?.values[0]).split('.')[0]
      }

      const productionDb = (await api<Attachment[]>(emu, `/apps/${topology.production.app}/addon-attachments`)).find(a => a.name === 'DATABASE')
      expect(await version(database?.addon.id ?? '')).to.equal('14')
      expect(await version(productionDb?.addon.id ?? '')).to.equal('14')
      expect(result.verification?.database).to.deep.include({productionVersion: '14', version: '14'})
    })

    it('holds production\'s rows', async function () {
      const attachments = await api<Attachment[]>(emu, `/apps/${FORK}/addon-attachments`, ATTACHMENT_HEADERS)
      const url = emu.databaseUrl(attachments.find(a => a.name === 'DATABASE')?.addon.name ?? '')
      expect(await count(url, 'users')).to.equal(topology.rows.users)
      expect(await count(url, 'orders')).to.equal(topology.rows.orders)
      expect(await checksum(url)).to.equal(await checksum(topology.production.databaseUrl))
    })

    it('sent no mutating request to production or its add-ons (journal)', function () {
      expect(mutating(emu).length).to.be.greaterThan(5)
      expect(productionWrites(emu, topology, productionId)).to.deep.equal([])
    })

    it('sent exactly the mutating requests the interruption tests cover', function () {
      // MUTATING_STEPS is what test/unit/fork/execute.test.ts checks its scripted Heroku's clean run against.
      const expected = MUTATING_STEPS.map(step => `${step.method} ${step.path} #${step.nth}`).sort()
      expect(asRules(mutating(emu, FORK))).to.deep.equal(expected)
    })

    it('copies the release, the formation (web 1, worker 0, same sizes), buildpacks and the pipeline stage', async function () {
      const state = await endState(emu)
      const productionRelease = (await api<Array<{current?: boolean; version: number}>>(emu, `/apps/${topology.production.app}/releases`)).find(r => r.current)
      expect(state.release).to.equal(`Forked from ${topology.production.app} v${productionRelease?.version} (with a slug)`)
      expect(state.formation).to.deep.equal(['web 1 Standard-1X', 'worker 0 Standard-1X'])
      expect(state.buildpacks).to.deep.equal(['urn:buildpack:heroku/nodejs'], 'the official buildpack as Heroku lists it')
      expect(state.pipeline).to.equal(`${topology.pipeline} staging`)
      expect(state.config).to.include({NODE_ENV: 'production'})
    })

    it('continues as a no-op when run again', async function () {
      emu.clearJournal()
      const again = await fork(emu, argv('--json'))
      expect(again.error, again.stdout).to.equal(undefined)
      const steps = (JSON.parse(again.stdout) as ForkResult).steps
      expect(steps.filter(s => s.status === 'done')).to.deep.equal([])
      expect(mutating(emu)).to.deep.equal([])
    })
  })

  describe('production\'s database written in every form an app uses', function () {
    it('copies none of them into the fork, and the fork verifies clean', async function () {
      await seed()
      const url = new URL(topology.production.databaseUrl)
      const database = url.pathname.slice(1)
      const forms = {
        DATABASES: JSON.stringify({default: {url: topology.production.databaseUrl}}),
        DATABASE_DSN: `host=${url.hostname} port=${url.port} dbname=${database} user=${url.username} password=${url.password}`,
        JDBC_DATABASE_URL: `jdbc:postgresql://${url.hostname}:${url.port}/${database}?user=${url.username}&password=${url.password}`,
        PGDATABASE: database,
        PGHOST: url.hostname,
        PGPORT: url.port,
        READ_URL: `postgres://${url.username}:${url.password}@replica.invalid:5432,${url.hostname}:${url.port}/${database}`,
      }
      expect((await apiClient(emu)('PATCH', `/apps/${topology.production.app}/config-vars`, forms)).status).to.equal(200)
      emu.clearJournal()
      const run = await fork(emu, argv('--skip-data', '--json'))
      expect(run.error, run.stdout).to.equal(undefined)
      const result = JSON.parse(run.stdout) as ForkResult
      expect(result.verification?.critical).to.equal(0)
      const config = await api<Record<string, string>>(emu, `/apps/${FORK}/config-vars`)
      for (const key of Object.keys(forms)) expect(config, key).to.not.have.property(key)
      for (const credential of credentialsOf(config)) {
        expect(credential.endpoints.some(e => e.path === database), credential.vars.join('+')).to.equal(false)
      }

      expect(productionWrites(emu, topology, productionId)).to.deep.equal([])
    })
  })

  describe('refusals and the dry run', function () {
    beforeEach(async function () {
      await seed()
    })

    it('--dry-run prints the plan and sends no mutating request at all', async function () {
      const run = await fork(emu, argv('--dry-run'))
      expect(run.error, run.stderr).to.equal(undefined)
      expect(run.stdout).to.contain(`Fork ${topology.production.app} → ${FORK} (new app)`)
      expect(run.stdout).to.match(/heroku-postgresql:essential-0 \(Postgres 14\)/)
      expect(emu.journal().length).to.be.greaterThan(5)
      expect(mutating(emu)).to.deep.equal([])
      expect(`${run.stdout}${run.stderr}`).not.to.contain(topology.production.databaseUrl)
      for (const value of Object.values(topology.secrets)) expect(`${run.stdout}${run.stderr}`).not.to.contain(value)
    })

    it('refuses an existing --to that it did not create, sending no mutating request', async function () {
      const run = await fork(emu, argv('--to', topology.staging.app))
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain(`Refusing to fork into ${topology.staging.app}: it exists and was not created by heroku staging:fork`)
      expect(mutating(emu)).to.deep.equal([])
    })

    it('refuses a production app as --to, sending no mutating request', async function () {
      const run = await fork(emu, ['--from', topology.staging.app, '--to', topology.production.app])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('coupled at stage production')
      expect(mutating(emu)).to.deep.equal([])
    })

    it('exits 1 when the audit finds a critical finding (secrets copied on purpose), naming each', async function () {
      const run = await fork(emu, ['--from', topology.production.app, '--copy-config', 'SECRET_KEY_BASE', '--copy-config', 'STRIPE_API_KEY'])
      expect(run.error?.oclif?.exit).to.equal(1)
      expect(run.stdout).to.contain(`The fork ${FORK} has 2 critical findings: its dynos stay at 0.`)
      expect(run.stdout).to.contain(`Fork ${FORK} is made but production's code is not released and no dyno runs`)
      // Nothing of production's code reached the fork, so no dyno ever ran: no release request, no formation.
      expect(mutating(emu, FORK).filter(entry => entry.method === 'POST' && entry.path.endsWith('/releases'))).to.deep.equal([])
      expect(await api<unknown[]>(emu, `/apps/${FORK}/formation`)).to.deep.equal([])
      expect(run.stdout).to.match(/critical\s+SHARED_SECRET: SECRET_KEY_BASE/)
      expect(run.stdout).to.match(/critical\s+SHARED_SECRET: STRIPE_API_KEY/)
      expect(run.stdout).to.contain(`DATABASE_URL of ${FORK} belongs to`)
      expect(run.stdout).to.contain('Postgres 14 (production: 14)')
      for (const value of Object.values(topology.secrets)) expect(`${run.stdout}${run.stderr}${run.error?.message}`).not.to.contain(value)
      expect(productionWrites(emu, topology, productionId)).to.deep.equal([])
    })

    it('leaves a failed fork in place and says how to resume; --destroy-on-failure removes it', async function () {
      emu.addFault({method: 'POST', path: '^/apps/[^/]+/releases$', status: 500})
      const kept = await fork(emu, argv())
      expect(kept.error?.oclif?.exit).to.equal(5)
      expect(kept.error?.message).to.contain('Nothing was destroyed. Re-run the same command to continue where it stopped: heroku staging:fork --from acme-production')
      expect(kept.error?.message).not.to.contain('staging-only-')
      await api(emu, `/apps/${FORK}`)
      emu.clearFaults()
      emu.addFault({method: 'POST', path: '^/apps/[^/]+/releases$', status: 500})
      const destroyed = await fork(emu, argv('--destroy-on-failure'))
      expect(destroyed.error?.oclif?.exit).to.equal(5)
      expect(destroyed.error?.message).to.contain(`${FORK} was destroyed (--destroy-on-failure)`)
      const gone = await fixture.api('GET', `/apps/${FORK}`)
      expect(gone.status).to.equal(404)
      expect(productionWrites(emu, topology, productionId)).to.deep.equal([])
    })
  })

  /**
   * A few real interruptions, in both fault modes, each followed by a re-run that must end where a
   * clean fork does. Every mutating step runs in both modes against a scripted Heroku in
   * test/unit/fork/execute.test.ts, whose clean run is checked against MUTATING_STEPS, which the clean
   * run above checks against this emulator. Here the steps where the real thing adds most: the app's
   * creation (the ledger against real creation times), a provisioning (the other add-ons provision on
   * while the run stops), the data copy (a real pg copy in flight when the run looks again) and the release
   * (sent only after the fork's audit passed).
   */
  describe('an interruption at the first step, a provisioning, the data copy and the release, then a re-run', function () {
    let reference: Record<string, unknown>

    before(async function () {
      await seed()
      const run = await fork(emu, argv())
      expect(run.error, run.stderr).to.equal(undefined)
      reference = await endState(emu)
    })

    /**
     * `injected`: the status the journal records for the faulted request (0 is a dropped connection,
     * emulator/server.ts `drop()`); `fails`: every attempt of the step fails (10 faults outlast the
     * client's retries), so the first run must stop with exit 5 and say how to resume. A dropped
     * request that took effect may be recognised on a retry or a re-read, so that run may succeed.
     */
    type Mode = {fails: boolean; fault: Partial<FaultRule>; injected: number; name: string}
    const refused: Mode = {fails: true, fault: {status: 500, times: 10}, injected: 500, name: 'refused with 500 before it runs'}
    const dropped: Mode = {fails: false, fault: {applied: true, drop: true}, injected: 0, name: 'connection dropped after it took effect'}
    const named = (name: string) => {
      const found = MUTATING_STEPS.find(candidate => candidate.step === name)
      if (!found) throw new Error(`MUTATING_STEPS has no step "${name}"`)
      return found
    }

    // The release runs after the fork's audit (issue 26): its interruption stops the run after a passing audit.
    const steps = ['create the app', 'provision the 1st add-on', 'start the data transfer', 'release the slug once the audit passed'].map(name => named(name))
    const cases = [refused, dropped].flatMap(mode => steps.map(step => ({mode, step})))
    for (const {mode, step} of cases) {
      it(`${step.step} (${step.method} #${step.nth}): ${mode.name}`, async function () {
        await seed()
        emu.addFault({method: step.method, nth: step.nth, path: step.path, ...mode.fault})
        const first = await fork(emu, argv())
        // The fault hit: a clean run answers none of these requests with 500 or a drop (status 0). The journal
        // is in completion order and the add-ons are provisioned concurrently, so the faulted request is found
        // by its status, not by its position.
        const matching = emu.journal().filter(entry => entry.method === step.method && new RegExp(step.path).test(entry.path))
        expect(matching.length, 'the step was reached').to.be.at.least(step.nth)
        const hit = matching.filter(entry => entry.status === mode.injected)
        expect(hit.length, `${step.method} ${step.path} #${step.nth} answered ${mode.injected}: ${matching.map(entry => entry.status).join(' ')}`).to.be.at.least(1)
        if (mode.fault.drop) expect(hit, 'one dropped connection').to.have.length(1)
        if (mode.fails) expect(first.error, 'the first run fails').to.not.equal(undefined)

        if (first.error) {
          expect(first.error.oclif?.exit, first.error.message).to.equal(5)
          expect(first.error.message).to.contain('Re-run the same command to continue where it stopped')
        }

        emu.clearFaults()
        const second = await fork(emu, argv())
        expect(second.error, second.error?.message).to.equal(undefined)
        expect(await endState(emu)).to.deep.equal(reference)
        expect(productionWrites(emu, topology, productionId)).to.deep.equal([])
      })
    }
  })
})
