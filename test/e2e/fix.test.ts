import {expect} from 'chai'

import Audit from '../../src/commands/staging/audit.js'
import type {AuditResult} from '../../src/lib/audit/types.js'
import type {FixResult} from '../../src/lib/fix/types.js'
import {sameEndpoint} from '../../src/lib/snapshot/identity.js'
import {apiGet} from '../helpers/api.js'
import {checksum, query} from '../helpers/db.js'
import {
  type Emulator,
  INCIDENT_ROWS,
  isolateCommandEnv,
  type JournalEntry,
  mutating,
  PRODUCTION_SECRETS,
  PRODUCTION_SQL,
  productionWrites,
  seedIncident,
  type Topology,
  useEmulator,
  withEmulatorEnv,
} from '../helpers/emulator.js'
import type {HerokuCli, HerokuRun} from '../helpers/heroku-cli.js'
import {type RunResult, runCommand} from '../helpers/run.js'

/**
 * `heroku staging:audit --fix` end to end against the emulator (real PostgreSQL), on the seed
 * incident built by `seedIncident`: acme-staging's DATABASE_URL is a plain config var holding
 * production's database URL, its own database sits under HEROKU_POSTGRESQL_ROSE, production's
 * Redis is attached to it, and production's secrets were copied.
 *
 * Secrets: the incident copies SECRET_KEY_BASE and STRIPE_API_KEY, which --fix reports with the
 * command to set a new value but never changes (it cannot guess a value). So a --fix of the raw
 * incident ends with exactly those two SHARED_SECRET findings and exit 1; once new secrets are set
 * with the stock `heroku config:set`, the same --fix ends clean with exit 0. Both are tested.
 *
 * The same incident is also built with stock `heroku` commands only (`buildStockIncident`, no
 * `emu.seed`), with staging's own secrets, and --fix must end it clean without writing to production.
 */

interface Attachment {
  addon: {app: {name: string}; id: string; name: string}
  config_vars?: string[]
  name: string
}

async function attachments(emu: Emulator, app: string): Promise<Attachment[]> {
  return apiGet<Attachment[]>(emu, `/apps/${app}/addon-attachments`, {accept: 'application/vnd.heroku+json; version=3.sdk', 'accept-inclusion': 'addon:plan,config_vars'})
}

async function config(emu: Emulator, app: string): Promise<Record<string, string>> {
  return apiGet<Record<string, string>>(emu, `/apps/${app}/config-vars`)
}

/** Production as the tests compare it before and after: config, attachments, releases, rows. */
async function productionState(emu: Emulator, topology: Topology): Promise<unknown> {
  const app = topology.production.app
  const [vars, attached, releases, rows] = await Promise.all([
    config(emu, app),
    attachments(emu, app),
    apiGet<unknown[]>(emu, `/apps/${app}/releases`),
    checksum(topology.production.databaseUrl),
  ])
  return {attached, releases, rows, vars}
}

async function fix(emu: Emulator, argv: string[]): Promise<RunResult<AuditResult | FixResult>> {
  return withEmulatorEnv(emu, () => runCommand<AuditResult | FixResult>(Audit, argv))
}

const STAGING_SECRETS = {
  SECRET_KEY_BASE: 'stock0staging0only0secret0key0base00000000000000000000000000000000',
  STRIPE_API_KEY: 'sk_test_stockStaging0000000000000000',
}

/**
 * The seed incident built with stock `heroku` commands only (no `emu.seed`), the way it happens by
 * hand: production gets its database (rows loaded through its own URL), Redis, scheduler, Mailgun and
 * secrets; staging joins the pipeline, DATABASE_URL is copied from production with config:set BEFORE
 * staging's own Postgres is created, so that one cannot take DATABASE and lands under a colour;
 * production's Redis is attached to staging. Staging's secrets are its own, so --fix can end clean.
 */
async function buildStockIncident(cli: HerokuCli, emu: Emulator): Promise<Topology & {stagingColor: string}> {
  const heroku = async (...args: string[]): Promise<HerokuRun> => {
    const result = await cli.run(args)
    if (result.status !== 0) throw new Error(`heroku ${args.join(' ')} failed (${result.status}): ${result.stderr}`)
    return result
  }

  const created = async (app: string, plan: string, as: RegExp): Promise<[string, string | undefined]> => {
    const {stdout} = await heroku('addons:create', plan, '-a', app)
    // Redis also exposes REDIS_TLS_URL: `Created redis-… as REDIS_TLS_URL, REDIS_URL`; a scheduler exposes no var.
    const match = new RegExp(`Created (\\S+)(?: as (?:\\S+, )?(${as.source})_URL)?`).exec(stdout)
    if (match) return [match[1]!, match[2]]
    // With a provisioning delay the CLI says `NAME is being created in the background`: wait, then read the attachment.
    const background = /(\S+) is being created in the background/.exec(stdout)
    if (!background) throw new Error(`addons:create ${plan} -a ${app} printed no add-on name:\n${stdout}`)
    const name = background[1]!
    await heroku('addons:wait', name, '-a', app)
    const attachments = await apiGet<Array<{app: {name: string}; name: string}>>(emu, `/addons/${name}/addon-attachments`)
    const own = attachments.find(a => a.app.name === app)
    return [name, own && new RegExp(`^(?:${as.source})$`).test(own.name) ? own.name : undefined]
  }

  const production = 'stock-production'
  const staging = 'stock-staging'
  await heroku('apps:create', production)
  const [database, attachment] = await created(production, 'heroku-postgresql:standard-0', /DATABASE/)
  if (attachment !== 'DATABASE') throw new Error(`production's database was attached as ${attachment}`)
  const databaseUrl = (await heroku('config:get', 'DATABASE_URL', '-a', production)).stdout.trim()
  if (databaseUrl !== emu.databaseUrl(database)) throw new Error(`production's DATABASE_URL is not ${database}'s URL`)
  await query(databaseUrl, PRODUCTION_SQL)
  const [redis] = await created(production, 'heroku-redis:premium-0', /REDIS/)
  const [scheduler] = await created(production, 'scheduler:standard', /SCHEDULER/)
  const [mail] = await created(production, 'mailgun:starter', /MAILGUN/)
  await heroku('config:set', ...Object.entries(PRODUCTION_SECRETS).map(([key, value]) => `${key}=${value}`), 'NODE_ENV=production', '-a', production)
  await heroku('pipelines:create', 'stock', '-a', production, '--stage', 'production')

  await heroku('apps:create', staging)
  await heroku('pipelines:add', 'stock', '-a', staging, '--stage', 'staging')
  await heroku('config:set', `DATABASE_URL=${databaseUrl}`, '-a', staging)
  const [stagingDatabase, stagingColor] = await created(staging, 'heroku-postgresql:essential-0', /HEROKU_POSTGRESQL_[A-Z]+/)
  if (!stagingColor) throw new Error(`staging's own database ${stagingDatabase} did not land under a colour`)
  await heroku('addons:attach', redis, '-a', staging)
  await heroku('config:set', ...Object.entries(STAGING_SECRETS).map(([key, value]) => `${key}=${value}`), 'NODE_ENV=staging', '-a', staging)
  await heroku('addons:wait', '-a', staging)
  await heroku('addons:wait', '-a', production)
  return {
    pipeline: 'stock',
    production: {app: production, database, databaseUrl, mail, redis, scheduler},
    rows: INCIDENT_ROWS,
    secrets: PRODUCTION_SECRETS,
    staging: {app: staging, database: stagingDatabase, databaseAttachment: stagingColor, databaseUrl: emu.databaseUrl(stagingDatabase)},
    stagingColor,
  }
}

describe('staging:audit --fix against the emulator', function () {
  this.timeout(180_000)
  const fixture = useEmulator({cli: 'none', provisioning: 'short', seed: async emu => seedIncident(emu)})
  isolateCommandEnv()
  let emu: Emulator
  before(function () {
    emu = fixture.emu
  })

  describe('the seed incident, repaired', function () {
    let topology: Topology
    let productionBefore: unknown
    let run: RunResult<AuditResult | FixResult>
    let result: FixResult
    let exitCode: number | string | undefined
    let writes: JournalEntry[]

    // One --fix for the whole block: each test reads what it left (state, result, journal, exit code).
    before(async function () {
      topology = await fixture.reseed()
      productionBefore = await productionState(emu, topology)
      run = await fix(emu, ['-a', 'acme-staging', '--fix', '--confirm', 'acme-staging', '--json'])
      exitCode = process.exitCode
      writes = mutating(emu)
      result = JSON.parse(run.stdout) as FixResult
    })

    it("gives DATABASE_URL staging's own database, promoted as pg:promote does (ROSE stays as its alias)", async function () {
      expect(result.mode).to.equal('fix')
      const vars = await config(emu, 'acme-staging')
      expect(sameEndpoint(vars.DATABASE_URL, topology.staging.databaseUrl), 'DATABASE_URL reaches acme-staging-db').to.equal(true)
      expect(sameEndpoint(vars.DATABASE_URL, topology.production.databaseUrl), 'DATABASE_URL reaches production').to.equal(false)
      // Connected through DATABASE_URL itself: it is the staging database, not production's.
      const [row] = await query<{db: string}>(vars.DATABASE_URL as string, 'SELECT current_database() AS db')
      expect(row?.db).to.equal(new URL(topology.staging.databaseUrl).pathname.slice(1))
      const staging = await attachments(emu, 'acme-staging')
      expect(staging.filter(a => a.addon.name === topology.staging.database).map(a => a.name).sort()).to.deep.equal(['DATABASE', 'HEROKU_POSTGRESQL_ROSE'])
      expect(result.execution?.database).to.deep.include({verified: true})
    })

    it('leaves exactly the two copied secrets as critical findings, names the command for each, and exits 1', async function () {
      expect(run.error).to.equal(undefined)
      expect(exitCode).to.equal(1)
      expect(result.after?.findings.filter(f => f.severity === 'critical').map(f => `${f.code} ${f.configVars[0]}`)).to.deep.equal([
        'SHARED_SECRET SECRET_KEY_BASE',
        'SHARED_SECRET STRIPE_API_KEY',
      ])
      expect(result.remaining.map(f => f.remedy)).to.deep.equal([
        'heroku config:set SECRET_KEY_BASE=<new value> -a acme-staging',
        'heroku config:set STRIPE_API_KEY=<new value> -a acme-staging',
      ])
      expect(result.plan.manual.map(m => m.code)).to.deep.equal(['SHARED_SECRET', 'SHARED_SECRET'])
      // The secrets themselves were left alone.
      const vars = await config(emu, 'acme-staging')
      expect(vars.SECRET_KEY_BASE).to.equal(topology.secrets.SECRET_KEY_BASE)
    })

    it("detaches production's Redis from staging; production keeps its own attachment and the add-on", async function () {
      const staging = await attachments(emu, 'acme-staging')
      expect(staging.map(a => a.addon.name)).to.not.include(topology.production.redis)
      const vars = await config(emu, 'acme-staging')
      expect(Object.keys(vars)).to.not.include.members(['REDIS_URL'])
      const production = await attachments(emu, 'acme-production')
      expect(production.filter(a => a.addon.name === topology.production.redis).map(a => a.name)).to.deep.equal(['REDIS'])
      const addon = await apiGet<{state: string}>(emu, `/addons/${topology.production.redis}`)
      expect(addon.state).to.equal('provisioned')
    })

    it("leaves production's config, attachments, releases and rows unchanged, and sends it no mutating request", async function () {
      expect(await productionState(emu, topology)).to.deep.equal(productionBefore)
      expect(writes.filter(entry => entry.app === 'acme-production')).to.deep.equal([])
      // The one write that names a production add-on is the DELETE of staging's own attachment of it.
      const touchingProductionAddons = writes.filter(entry => entry.addon !== undefined && [topology.production.database, topology.production.redis, topology.production.mail, topology.production.scheduler].includes(entry.addon))
      expect(touchingProductionAddons.map(entry => `${entry.method} ${entry.app}`)).to.deep.equal(['DELETE acme-staging'])
      expect(touchingProductionAddons[0]?.path).to.match(/^\/addon-attachments\//)
    })

    it("backs up staging's own database before the first change, and records what staging was", async function () {
      const backup = writes.findIndex(entry => entry.method === 'POST' && /\/backups$/.test(entry.path) && entry.addon === topology.staging.database)
      expect(backup, 'backup first').to.equal(0)
      expect(writes.map(entry => `${entry.method} ${entry.path.replace(/[0-9a-f-]{36}/g, ':id')}`)).to.deep.equal([
        'POST /client/v11/databases/:id/backups',
        'PATCH /apps/:id/config-vars',
        'DELETE /addon-attachments/:id',
        'POST /addon-attachments',
      ])
      const execution = result.execution!
      expect(execution.backups).to.have.length(1)
      expect(execution.backups[0]).to.deep.include({addon: topology.staging.database, app: 'acme-staging'})
      const transfers = await apiGet<Array<{succeeded: boolean; uuid: string}>>(emu, '/client/v11/apps/acme-staging/transfers')
      expect(transfers.find(t => t.uuid === execution.backups[0]!.uuid)?.succeeded).to.equal(true)
      expect(execution.before.configVarNames).to.include.members(['DATABASE_URL', 'REDIS_URL', 'SECRET_KEY_BASE', 'HEROKU_POSTGRESQL_ROSE_URL'])
      expect(execution.before.attachments.map(a => a.name).sort()).to.deep.equal(['HEROKU_POSTGRESQL_ROSE', 'REDIS'])
      expect(execution.before.release?.version).to.be.a('number')
      expect(result.plan.restore.join(' ')).to.contain(`heroku releases:rollback v${execution.before.release?.version} -a acme-staging`).and.to.contain('not attachments')
    })

    it('prints no secret: the JSON carries names, masked URLs and fingerprints only', async function () {
      for (const value of [...Object.values(topology.secrets), new URL(topology.production.databaseUrl).password, new URL(topology.staging.databaseUrl).password]) {
        expect(run.stdout, 'a value leaked').to.not.contain(value)
      }
    })

    it('is idempotent: a second --fix finds nothing left to change', async function () {
      emu.clearJournal()
      const again = await fix(emu, ['-a', 'acme-staging', '--fix', '--confirm', 'acme-staging', '--json'])
      const second = JSON.parse(again.stdout) as FixResult
      expect(second.plan.steps).to.deep.equal([])
      expect(second.execution).to.equal(null)
      expect(mutating(emu)).to.deep.equal([])
      expect(process.exitCode).to.equal(1)
    })
  })

  it('ends clean (exit 0) once new secrets are set with the stock heroku config:set first', async function () {
    const topology = await fixture.reseed()
    const set = await fixture.cli.run(['config:set', 'SECRET_KEY_BASE=staging0only0secret0key0base0000000000000000000000000000000000000', 'STRIPE_API_KEY=sk_test_acmeStaging000000000000000000', '-a', 'acme-staging'])
    expect(set.status, set.stderr).to.equal(0)
    const run = await fix(emu, ['-a', 'acme-staging', '--fix', '--confirm', 'acme-staging'])
    expect(run.error, run.stderr).to.equal(undefined)
    expect(process.exitCode ?? 0).to.equal(0)
    expect(run.stdout).to.contain('Audit after the fix: 0 critical')
    expect(run.stdout).to.contain('No critical finding remains on acme-staging.')
    const audit = await fix(emu, ['-a', 'acme-staging', '--json'])
    expect((JSON.parse(audit.stdout) as AuditResult).summary.critical).to.equal(0)
    const vars = await config(emu, 'acme-staging')
    expect(sameEndpoint(vars.DATABASE_URL, topology.staging.databaseUrl)).to.equal(true)
  })

  it('gives an app with no Postgres of its own a new DATABASE on production\'s major version, and unsets every other var reaching production', async function () {
    const topology = await fixture.reseed(async emu => seedIncident(emu, {version: '15'}))
    const productionVars = await config(emu, topology.production.app)
    const reporting = new URL(topology.production.databaseUrl)
    reporting.username = 'reporting'
    await emu.seed({apps: [{
      config: {CACHE_URL: productionVars.REDIS_URL as string, DATABASE_URL: topology.production.databaseUrl, NODE_ENV: 'sandbox', REPORTING_DATABASE_URL: reporting.toString()},
      name: 'acme-sandbox',
    }]})
    const before = await productionState(emu, topology)
    emu.clearJournal()
    const run = await fix(emu, ['-a', 'acme-sandbox', '--production', 'acme-production', '--fix', '--confirm', 'acme-sandbox', '--json'])
    const result = JSON.parse(run.stdout) as FixResult
    expect(run.error, run.stderr).to.equal(undefined)
    expect(result.plan.steps.map(step => step.kind)).to.deep.equal(['unset-config', 'provision'])
    const unset = result.plan.steps[0]
    expect(unset?.kind === 'unset-config' && unset.vars.map(v => v.name)).to.deep.equal(['CACHE_URL', 'DATABASE_URL', 'REPORTING_DATABASE_URL'])
    expect(result.plan.next.join(' ')).to.contain('heroku staging:refresh -a acme-sandbox')
    expect(result.plan.backups).to.deep.equal([])

    const vars = await config(emu, 'acme-sandbox')
    expect(Object.keys(vars)).to.not.include.members(['CACHE_URL', 'REPORTING_DATABASE_URL'])
    const database = (await attachments(emu, 'acme-sandbox')).find(a => a.name === 'DATABASE')
    expect(database?.addon.app.name).to.equal('acme-sandbox')
    const info = await apiGet<{info: Array<{name: string; values: string[]}>; resource_url: string}>(emu, `/client/v11/databases/${database!.addon.id}`)
    expect(String(info.info.find(row => row.name === 'PG Version')?.values[0])).to.match(/^15\./)
    expect(sameEndpoint(vars.DATABASE_URL, info.resource_url)).to.equal(true)
    expect(sameEndpoint(vars.DATABASE_URL, topology.production.databaseUrl)).to.equal(false)
    expect(result.remaining).to.deep.equal([])
    expect(await productionState(emu, topology)).to.deep.equal(before)
    expect(mutating(emu, 'acme-production')).to.deep.equal([])
  })

  describe('the incident built with stock heroku commands, repaired', function () {
    let topology: Topology & {stagingColor: string}
    let productionId: string
    let productionBefore: unknown
    let stagingBefore: Record<string, string>
    let stagingAttachedBefore: string[]
    let audit: AuditResult
    let run: RunResult<AuditResult | FixResult>
    let result: FixResult
    let exitCode: number | string | undefined
    let writes: JournalEntry[]
    let afterwards: AuditResult

    before(async function () {
      topology = await fixture.reseed(async running => buildStockIncident(fixture.cli, running))
      productionId = (await apiGet<{id: string}>(emu, `/apps/${topology.production.app}`)).id
      productionBefore = await productionState(emu, topology)
      stagingBefore = await config(emu, topology.staging.app)
      stagingAttachedBefore = (await attachments(emu, topology.staging.app)).map(a => `${a.name}=${a.addon.name}`).sort()
      const audited = await fix(emu, ['-a', topology.staging.app, '--json'])
      audit = JSON.parse(audited.stdout) as AuditResult
      emu.clearJournal()
      process.exitCode = undefined
      run = await fix(emu, ['-a', topology.staging.app, '--fix', '--confirm', topology.staging.app, '--json'])
      exitCode = process.exitCode
      writes = mutating(emu)
      result = JSON.parse(run.stdout) as FixResult
      afterwards = JSON.parse((await fix(emu, ['-a', topology.staging.app, '--json'])).stdout) as AuditResult
    })

    it('starts as the incident: DATABASE_URL is production\'s, staging\'s own database sits under a colour, production\'s Redis is attached', async function () {
      expect(stagingBefore.DATABASE_URL).to.equal(topology.production.databaseUrl)
      expect(stagingBefore[`${topology.stagingColor}_URL`]).to.equal(topology.staging.databaseUrl)
      expect(topology.stagingColor).to.match(/^HEROKU_POSTGRESQL_[A-Z]+$/)
      expect(stagingBefore.SECRET_KEY_BASE).to.equal(STAGING_SECRETS.SECRET_KEY_BASE)
      const [row] = await query<{n: string}>(stagingBefore.DATABASE_URL!, 'SELECT count(*) AS n FROM users')
      expect(Number(row?.n)).to.equal(INCIDENT_ROWS.users)
      expect(audit.summary.critical).to.be.greaterThan(0)
      expect(audit.findings.filter(f => f.severity === 'critical').map(f => f.code)).to.include('UNATTACHED_DATABASE_URL')
      expect(audit.findings.filter(f => f.code === 'SHARED_SECRET')).to.deep.equal([])
      expect(stagingAttachedBefore).to.deep.equal([`${topology.stagingColor}=${topology.staging.database}`, `REDIS=${topology.production.redis}`].sort())
    })

    it('exits 0 with no critical finding left, after the fix and in a fresh audit', function () {
      expect(run.error, run.stderr).to.equal(undefined)
      expect(exitCode ?? 0).to.equal(0)
      expect(result.mode).to.equal('fix')
      expect(result.execution).to.not.equal(null)
      expect(result.remaining).to.deep.equal([])
      expect(result.after?.summary.critical).to.equal(0)
      expect(afterwards.summary.critical).to.equal(0)
    })

    it("gives DATABASE_URL staging's own database", async function () {
      const vars = await config(emu, topology.staging.app)
      expect(sameEndpoint(vars.DATABASE_URL, topology.staging.databaseUrl), "DATABASE_URL reaches staging's database").to.equal(true)
      expect(sameEndpoint(vars.DATABASE_URL, topology.production.databaseUrl), 'DATABASE_URL reaches production').to.equal(false)
      const [row] = await query<{db: string}>(vars.DATABASE_URL as string, 'SELECT current_database() AS db')
      expect(row?.db).to.equal(new URL(topology.staging.databaseUrl).pathname.slice(1))
      const staging = await attachments(emu, topology.staging.app)
      expect(staging.map(a => `${a.name}=${a.addon.name}`).sort()).to.deep.equal([`DATABASE=${topology.staging.database}`, `${topology.stagingColor}=${topology.staging.database}`].sort())
      expect(result.execution?.database).to.deep.include({verified: true})
      expect(vars.SECRET_KEY_BASE).to.equal(STAGING_SECRETS.SECRET_KEY_BASE)
    })

    it("leaves production's config, attachments, releases and rows unchanged", async function () {
      expect(await productionState(emu, topology)).to.deep.equal(productionBefore)
      const [row] = await query<{n: string}>(topology.production.databaseUrl, 'SELECT count(*) AS n FROM orders')
      expect(Number(row?.n)).to.equal(INCIDENT_ROWS.orders)
    })

    it("sends production no write but the DELETE of staging's attachment of production's Redis", function () {
      expect(writes.length).to.be.greaterThan(1)
      expect(mutating(emu, topology.production.app)).to.deep.equal([])
      const touching = productionWrites(emu, topology, productionId)
      expect(touching.map(entry => `${entry.method} ${entry.app} ${entry.addon}`)).to.deep.equal([`DELETE ${topology.staging.app} ${topology.production.redis}`])
      expect(touching[0]?.path).to.match(/^\/addon-attachments\/[\da-f-]{36}$/)
      expect(touching[0]?.status).to.equal(200)
    })
  })

  describe('what --fix refuses or only shows', function () {
    let topology: Topology

    beforeEach(async function () {
      topology = await fixture.reseed()
    })

    it('--dry-run prints the plan and sends no mutating request', async function () {
      const run = await fix(emu, ['-a', 'acme-staging', '--fix', '--dry-run'])
      expect(run.error?.oclif?.exit).to.equal(1)
      expect(run.stdout).to.contain('=== Repair plan for acme-staging (production: acme-production)')
      expect(run.stdout).to.contain('heroku addons:detach REDIS -a acme-staging')
      expect(run.stdout).to.contain('Dry run: nothing was changed.')
      expect(mutating(emu)).to.deep.equal([])
      const vars = await config(emu, 'acme-staging')
      expect(vars.DATABASE_URL).to.equal(topology.production.databaseUrl)
    })

    it('refuses a wrong --confirm (exit 4) with no mutating request', async function () {
      const run = await fix(emu, ['-a', 'acme-staging', '--fix', '--confirm', 'acme-production'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('Confirmation acme-production did not match acme-staging')
      expect(mutating(emu)).to.deep.equal([])
    })

    it('refuses --fix on the production app (exit 4) with no mutating request', async function () {
      const run = await fix(emu, ['-a', 'acme-production', '--fix', '--confirm', 'acme-production'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(run.error?.message).to.contain('Refusing to repair acme-production: it is a production app')
      expect(run.error?.message).to.contain('heroku staging:audit -a STAGING_APP --fix')
      expect(mutating(emu)).to.deep.equal([])
    })

    it('refuses an app named as production with --production (exit 4) with no mutating request', async function () {
      const run = await fix(emu, ['-a', 'acme-staging', '--production', 'acme-staging', '--fix', '--confirm', 'acme-staging'])
      expect(run.error?.oclif?.exit).to.equal(4)
      expect(mutating(emu)).to.deep.equal([])
    })
  })
})
