import {expect} from 'chai'

import {RefusalCode} from '../../../src/lib/classify/classify.js'
import {
  checkSanitizeSql,
  displayName,
  latestBackup,
  type PlanInput,
  planRefresh,
  type RefreshOptions,
  runningBackground,
} from '../../../src/lib/refresh/plan.js'
import {transferName} from '../../../src/lib/heroku/types.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {attachment, PROD, PROD_DB_URL, production, STAGING, STAGING_DB_URL, staging} from '../classify/fixtures.js'

const defaults: RefreshOptions = {backup: true, backupSource: false, maintenance: true, source: 'DATABASE', target: 'DATABASE'}

function input(overrides: Partial<PlanInput> = {}, options: Partial<RefreshOptions> = {}): PlanInput {
  const prod = production()
  return {
    options: {...defaults, ...options},
    production: [prod],
    protectedApps: [],
    sourceApp: prod,
    staging: staging(),
    ...overrides,
  }
}

function plan(overrides: Partial<PlanInput> = {}, options: Partial<RefreshOptions> = {}) {
  const outcome = planRefresh(input(overrides, options))
  if (outcome.kind !== 'plan') throw new Error(`expected a plan, got ${JSON.stringify(outcome)}`)
  return outcome.plan
}

describe('refresh: planRefresh', function () {
  it('plans the safe order: maintenance, pause, backup, copy, restore, maintenance off', function () {
    const result = plan()
    expect(result.steps.map(s => s.kind)).to.deep.equal(['maintenance-on', 'scale-down', 'backup-target', 'transfer', 'scale-restore', 'maintenance-off'])
    expect(result.confirmWith).to.equal(STAGING.name)
    const transfer = result.steps.find(s => s.kind === 'transfer')
    expect(transfer).to.deep.include({
      billingApp: STAGING.name,
      fromName: 'DATABASE',
      fromUrl: PROD_DB_URL,
      targetAddonId: 'addon-staging-db',
      toName: 'DATABASE',
      toUrl: STAGING_DB_URL,
      totalBytes: 9_000_000,
    })
  })

  it('pauses every running background process and restores the exact quantities and sizes', function () {
    const result = plan()
    const down = result.steps.find(s => s.kind === 'scale-down')
    const up = result.steps.find(s => s.kind === 'scale-restore')
    expect(down && 'processes' in down && down.processes).to.deep.equal([
      {quantity: 1, size: 'basic', type: 'clock'},
      {quantity: 2, size: 'basic', type: 'worker'},
    ])
    expect(up && 'processes' in up && up.processes).to.deep.equal([
      {quantity: 1, size: 'basic', type: 'clock'},
      {quantity: 2, size: 'basic', type: 'worker'},
    ])
  })

  it('describes both sides fully without credentials', function () {
    const result = plan()
    expect(result.source).to.deep.equal({
      addon: {id: 'addon-prod-db', name: 'postgresql-prod-1', owner: PROD.name, plan: 'heroku-postgresql:standard-0'},
      app: PROD.name,
      attachment: 'DATABASE',
      configVar: 'DATABASE_URL',
      hostAndDatabase: 'ec2-1-2-3-4.compute-1.amazonaws.com:5432/dprod',
      numBytes: 9_000_000,
      numTables: undefined,
    })
    expect(result.target.hostAndDatabase).to.equal('ec2-5-6-7-8.compute-1.amazonaws.com:5432/dstg')
    expect(JSON.stringify({source: result.source, target: result.target})).to.not.contain('secretpassword')
  })

  it('honours --no-backup, --no-maintenance, --backup-source and --sanitize', function () {
    const result = plan({}, {backup: false, backupSource: true, maintenance: false, sanitize: {file: 's.sql', sql: 'UPDATE users SET email = null'}})
    expect(result.steps.map(s => s.kind)).to.deep.equal(['backup-source', 'scale-down', 'transfer', 'sanitize', 'scale-restore'])
    expect(result.steps[0]).to.deep.equal({addonId: 'addon-prod-db', addonName: 'postgresql-prod-1', billingApp: PROD.name, kind: 'backup-source'})
    expect(result.steps[3]).to.deep.include({file: 's.sql', url: STAGING_DB_URL})
  })

  it('leaves maintenance alone when it was already on, and skips dynos when none run', function () {
    const quiet = staging({app: {...staging().app, maintenance: true}, formation: [{quantity: 1, size: 'basic', type: 'web'}, {quantity: 0, size: 'basic', type: 'worker'}]})
    const result = plan({staging: quiet})
    expect(result.maintenanceWasOn).to.equal(true)
    expect(result.steps.map(s => s.kind)).to.deep.equal(['backup-target', 'transfer'])
  })

  it('refuses the seed incident with the guard and plans nothing', function () {
    const incident = staging({
      attachments: [attachment({addon: 'postgresql-rose-1', addonId: 'addon-rose', app: STAGING, name: 'HEROKU_POSTGRESQL_ROSE'})],
      configVars: {DATABASE_URL: PROD_DB_URL, HEROKU_POSTGRESQL_ROSE_URL: STAGING_DB_URL},
    })
    const outcome = planRefresh(input({staging: incident}))
    expect(outcome.kind).to.equal('refused')
    if (outcome.kind !== 'refused') return
    expect(outcome.refusals.map(r => r.code)).to.include(RefusalCode.SameDatabaseAsProduction)
    expect(outcome.target.configVar).to.equal('DATABASE_URL')
  })

  it('allows the incident app\'s own ROSE database as an explicit target', function () {
    const incident = staging({
      attachments: [attachment({addon: 'postgresql-rose-1', addonId: 'addon-rose', app: STAGING, name: 'HEROKU_POSTGRESQL_ROSE'})],
      configVars: {DATABASE_URL: PROD_DB_URL, HEROKU_POSTGRESQL_ROSE_URL: STAGING_DB_URL},
    })
    const result = plan({staging: incident}, {target: 'ROSE'})
    expect(result.target.attachment).to.equal('HEROKU_POSTGRESQL_ROSE')
  })

  it('refuses when the staging app itself is protected', function () {
    const outcome = planRefresh(input({protectedApps: [STAGING.name]}))
    expect(outcome.kind).to.equal('refused')
  })

  it('refuses when --from names the staging app', function () {
    const self = staging()
    const outcome = planRefresh(input({from: STAGING.name, production: [self], sourceApp: self}))
    expect(outcome.kind).to.equal('refused')
    if (outcome.kind === 'refused') expect(outcome.refusals.map(r => r.code)).to.include(RefusalCode.SameAddonAsSource)
  })

  it('reports an unknown target or source with the flag that fixes it', function () {
    const target = planRefresh(input({}, {target: 'NOPE'}))
    expect(target).to.deep.include({kind: 'unresolved'})
    expect(target.kind === 'unresolved' && target.fix).to.contain('--target').and.contain('DATABASE')
    const source = planRefresh(input({}, {source: 'REDIS'}))
    expect(source.kind === 'unresolved' && source.message).to.contain('not a Postgres database')
    expect(source.kind === 'unresolved' && source.fix).to.contain('--source')
  })

  it('refuses --backup-source when the source is no add-on', function () {
    const prod: AppSnapshot = production({attachments: [], configVars: {DATABASE_URL: PROD_DB_URL}})
    const outcome = planRefresh(input({production: [prod], sourceApp: prod}, {backupSource: true}))
    expect(outcome.kind === 'unresolved' && outcome.message).to.contain('--backup-source')
  })
})

describe('refresh: helpers', function () {
  it('treats every process type but web and release as background', function () {
    expect(runningBackground([
      {quantity: 2, size: 'basic', type: 'web'},
      {quantity: 1, size: 'basic', type: 'release'},
      {quantity: 3, size: 'std', type: 'sidekiq'},
      {quantity: 0, size: 'std', type: 'clock'},
    ])).to.deep.equal([{quantity: 3, size: 'std', type: 'sidekiq'}])
  })

  it('names attachments and transfers like pg:backups', function () {
    expect(displayName('HEROKU_POSTGRESQL_ROSE_URL')).to.equal('ROSE')
    expect(transferName({from_type: 'pg_dump', num: 3, to_type: 'pg_restore', uuid: 'u'})).to.equal('c003')
    expect(transferName({from_type: 'pg_dump', num: 12, to_type: 'gof3r', uuid: 'u'})).to.equal('b012')
    expect(transferName({uuid: 'u-1'})).to.equal('u-1')
  })

  it('finds the latest successful backup and its age', function () {
    const now = new Date('2026-01-02T12:00:00Z')
    const latest = latestBackup([
      {finished_at: '2026-01-02T10:00:00Z', from_type: 'pg_dump', num: 1, succeeded: true, to_type: 'gof3r', uuid: 'a'},
      {finished_at: '2026-01-02T11:00:00Z', from_type: 'pg_dump', num: 2, succeeded: false, to_type: 'gof3r', uuid: 'b'},
      {finished_at: '2026-01-02T11:30:00Z', from_type: 'pg_dump', num: 3, succeeded: true, to_type: 'pg_restore', uuid: 'c'},
    ], now)
    expect(latest).to.deep.equal({ageSeconds: 7200, finishedAt: '2026-01-02T10:00:00Z', name: 'b001', uuid: 'a'})
    expect(latestBackup([], now)).to.equal(undefined)
  })

  it('accepts sanitize SQL with DO blocks, and refuses its own transaction control', function () {
    expect(checkSanitizeSql('DO $$ BEGIN UPDATE users SET email = null; END $$;\nUPDATE t SET a = 1;')).to.equal(undefined)
    expect(checkSanitizeSql("-- BEGIN here is a comment\nUPDATE t SET a = 'COMMIT';")).to.equal(undefined)
    expect(checkSanitizeSql('BEGIN;\nUPDATE t SET a = 1;\nCOMMIT;')).to.contain('BEGIN')
    expect(checkSanitizeSql('UPDATE t SET a = 1; commit;')).to.contain('COMMIT')
    expect(checkSanitizeSql('  -- nothing\n')).to.contain('no SQL statement')
  })
})
