import {APIClient} from '@heroku-cli/command'
import {expect} from 'chai'
import nock from 'nock'

import {HerokuClient} from '../../../src/lib/heroku/client.js'
import type {StepEvent} from '../../../src/lib/execute/steps.js'
import {executeRefresh, RefreshStepError} from '../../../src/lib/refresh/execute.js'
import {planRefresh, type RefreshOptions, type RefreshPlan} from '../../../src/lib/refresh/plan.js'
import {parseRules} from '../../../src/lib/refresh/rules.js'
import {loadConfig} from '../../helpers/run.js'
import {PROD_DB_URL, production, STAGING, STAGING_DB_URL, staging} from '../classify/fixtures.js'

const PLATFORM = 'https://api.heroku.com'
const DATA = 'https://api.data.heroku.com'
const FAST = {initialMs: 1, maxMs: 2}

function makePlan(options: Partial<RefreshOptions> = {}): RefreshPlan {
  const prod = production()
  const outcome = planRefresh({
    options: {backup: true, backupSource: false, maintenance: true, source: 'DATABASE', target: 'DATABASE', ...options},
    production: [prod],
    protectedApps: [],
    sourceApp: prod,
    staging: staging(),
  })
  if (outcome.kind !== 'plan') throw new Error('expected a plan')
  return outcome.plan
}

async function client(): Promise<HerokuClient> {
  return new HerokuClient(new APIClient(await loadConfig()), {sleep: async () => {}})
}

const backup = {finished_at: null, from_type: 'pg_dump', num: 7, to_type: 'gof3r', uuid: 'backup-uuid'}
const copy = {finished_at: null, from_type: 'pg_dump', num: 3, to_type: 'pg_restore', uuid: 'copy-uuid'}
const done = (t: object, bytes: number) => ({...t, finished_at: '2026-01-01T00:00:00Z', processed_bytes: bytes, source_bytes: bytes, succeeded: true})

describe('refresh: executeRefresh', function () {
  let order: string[]
  const note = (label: string) => () => {
    order.push(label)
  }

  beforeEach(function () {
    order = []
    delete process.env.HEROKU_DATA_HOST
  })
  afterEach(function () {
    nock.cleanAll()
  })

  it('runs every step in order and restores exactly what it changed', async function () {
    const platform = nock(PLATFORM)
      .patch('/apps/acme-staging', {maintenance: true}).reply(200, function () {
        note('maintenance-on')()
        return {}
      })
      .patch('/apps/acme-staging/formation', {updates: [{quantity: 0, type: 'clock'}, {quantity: 0, type: 'worker'}]}).reply(200, function () {
        note('scale-down')()
        return []
      })
      .patch('/apps/acme-staging/formation', {updates: [{quantity: 1, size: 'basic', type: 'clock'}, {quantity: 2, size: 'basic', type: 'worker'}]}).reply(200, function () {
        note('scale-restore')()
        return []
      })
      .patch('/apps/acme-staging', {maintenance: false}).reply(200, function () {
        note('maintenance-off')()
        return {}
      })
    const data = nock(DATA)
      .post('/client/v11/databases/addon-staging-db/backups').reply(201, function () {
        note('backup')()
        return backup
      })
      .get('/client/v11/apps/acme-staging/transfers/backup-uuid').reply(200, {...backup, processed_bytes: 10})
      .get('/client/v11/apps/acme-staging/transfers/backup-uuid').reply(200, done(backup, 1000))
      .post('/client/v11/databases/addon-staging-db/transfers', {from_name: 'DATABASE', from_url: PROD_DB_URL, to_name: 'DATABASE', to_url: STAGING_DB_URL}).reply(201, function () {
        note('transfer')()
        return copy
      })
      .get('/client/v11/apps/acme-staging/transfers/copy-uuid').reply(200, {...copy, processed_bytes: 4000, source_bytes: 9000})
      .get('/client/v11/apps/acme-staging/transfers/copy-uuid').reply(200, done(copy, 9000))

    const events: StepEvent[] = []
    const sql: string[] = []
    const result = await executeRefresh(await client(), makePlan({sanitize: {file: 's.sql', sql: 'UPDATE users SET email = null'}}), {
      production: [production()],
      onEvent: event => events.push(event),
      poll: FAST,
      runSql: async (url, text) => {
        sql.push(`${url} ${text}`)
        order.push('sanitize')
      },
    })
    platform.done()
    data.done()

    expect(order).to.deep.equal(['maintenance-on', 'scale-down', 'backup', 'transfer', 'sanitize', 'scale-restore', 'maintenance-off'])
    expect(sql).to.deep.equal([`${STAGING_DB_URL} UPDATE users SET email = null`])
    expect(result.transfer).to.deep.include({app: 'acme-staging', bytes: 9000, name: 'c003', uuid: 'copy-uuid'})
    expect(result.backups.target).to.deep.include({app: 'acme-staging', bytes: 1000, name: 'b007'})
    expect(result.maintenance).to.deep.include({turnedOff: true, turnedOn: true})
    expect(result.maintenance.durationMs).to.be.a('number').and.be.greaterThan(0)
    expect(result.formation.restored).to.equal(true)
    expect(result.sanitize?.file).to.equal('s.sql')
    const copying = events.filter(e => e.kind === 'progress' && e.step === 'transfer')
    expect(copying.map(({label: _, ...rest}) => rest)).to.deep.include({bytes: {done: 4000, total: 9000}, kind: 'progress', message: 'c003', step: 'transfer'})
    // Steps carry a human label (the id stays the plan step's kind).
    expect(copying[0]?.label).to.match(/^Copy \S+ → \S+$/)
    expect(events.filter(e => e.kind === 'start').map(e => e.label)).to.include.members(['Maintenance on for acme-staging', 'Maintenance off on acme-staging'])
  })

  it('undoes maintenance and dynos when the backup fails before anything is copied', async function () {
    const platform = nock(PLATFORM)
      .patch('/apps/acme-staging', {maintenance: true}).reply(200, {})
      .patch('/apps/acme-staging/formation').reply(200, [])
      .patch('/apps/acme-staging/formation', {updates: [{quantity: 1, size: 'basic', type: 'clock'}, {quantity: 2, size: 'basic', type: 'worker'}]}).reply(200, [])
      .patch('/apps/acme-staging', {maintenance: false}).reply(200, {})
    const data = nock(DATA)
      .post('/client/v11/databases/addon-staging-db/backups').reply(422, {id: 'invalid_params', message: 'backups are not available on this plan'})

    const error = await executeRefresh(await client(), makePlan(), {production: [production()], poll: FAST}).then(() => undefined, (error_: unknown) => error_)
    platform.done()
    data.done()
    expect(error).to.be.instanceOf(RefreshStepError)
    const failure = error as RefreshStepError
    expect(failure.step).to.equal('backup-target')
    expect(failure.message).to.contain('Nothing was copied').and.contain('back as it was')
    expect(failure.fix).to.contain('--no-backup')
    expect(failure.state).to.deep.include({copyStarted: false, maintenanceOn: false, paused: []})
  })

  it('keeps staging in maintenance with dynos paused when the copy fails, naming the backup to restore', async function () {
    const platform = nock(PLATFORM)
      .patch('/apps/acme-staging', {maintenance: true}).reply(200, {})
      .patch('/apps/acme-staging/formation').reply(200, [])
    const data = nock(DATA)
      .post('/client/v11/databases/addon-staging-db/backups').reply(201, done(backup, 1000))
      .post('/client/v11/databases/addon-staging-db/transfers').reply(201, copy)
      .get('/client/v11/apps/acme-staging/transfers/copy-uuid').reply(200, {...copy, finished_at: '2026-01-01T00:00:00Z', succeeded: false})
      .get('/client/v11/apps/acme-staging/transfers/copy-uuid?verbose=true').reply(200, {...copy, logs: [{message: 'pg_restore: error: out of disk'}]})

    const error = await executeRefresh(await client(), makePlan(), {production: [production()], poll: FAST}).then(() => undefined, (error_: unknown) => error_)
    platform.done()
    data.done()
    const failure = error as RefreshStepError
    expect(failure.step).to.equal('transfer')
    expect(failure.message).to.contain('out of disk').and.contain('IN maintenance mode')
    expect(failure.fix).to.contain('heroku pg:backups:restore acme-staging::b007 DATABASE -a acme-staging --confirm acme-staging')
    expect(failure.fix).to.contain('heroku ps:scale clock=1 worker=2 -a acme-staging && heroku maintenance:off -a acme-staging')
  })

  it('restores the target from the backup taken first when the sanitize file fails, then brings staging back', async function () {
    const platform = nock(PLATFORM)
      .patch('/apps/acme-staging', {maintenance: true}).reply(200, {})
      .patch('/apps/acme-staging/formation').reply(200, [])
      .patch('/apps/acme-staging/formation', {updates: [{quantity: 1, size: 'basic', type: 'clock'}, {quantity: 2, size: 'basic', type: 'worker'}]}).reply(200, [])
      .patch('/apps/acme-staging', {maintenance: false}).reply(200, {})
    const restore = {finished_at: null, from_type: 'gof3r', num: 8, to_type: 'pg_restore', uuid: 'restore-uuid'}
    const data = nock(DATA)
      .post('/client/v11/databases/addon-staging-db/backups').reply(201, done(backup, 1000))
      .post('/client/v11/databases/addon-staging-db/transfers').reply(201, done(copy, 9000))
      .get('/client/v11/apps/acme-staging/transfers/backup-uuid').reply(200, {...done(backup, 1000), to_url: 'https://backups.example/b007'})
      .post('/client/v11/databases/addon-staging-db/restores', {backup_url: 'https://backups.example/b007'}).reply(201, done(restore, 1000))

    const plan = makePlan({sanitize: {file: 'bad.sql', sql: 'UPDATE nope SET x = 1'}})
    const error = await executeRefresh(await client(), plan, {production: [production()],
      poll: FAST,
      rerun: 'heroku staging:refresh -a acme-staging --sanitize bad.sql',
      runSql: async () => {
        throw new Error('relation "nope" does not exist')
      },
    }).then(() => undefined, (error_: unknown) => error_)
    platform.done()
    data.done()
    const failure = error as RefreshStepError
    expect(failure.step).to.equal('sanitize')
    expect(failure.message).to.contain('rolled back').and.contain('relation "nope" does not exist')
    expect(failure.message).to.contain('No unsanitized production data stayed: DATABASE on acme-staging was restored from backup b007')
    expect(failure.message).to.contain('not in maintenance mode')
    expect(failure.fix).to.contain('fix bad.sql and run heroku staging:refresh -a acme-staging --sanitize bad.sql again')
    expect(failure.state).to.deep.include({copyStarted: true, maintenanceOn: false, purge: {backup: 'b007', kind: 'restored'}})
  })

  it('the backstop: a likely-PII column found in the copy stops with exit 4 and restores the backup; a clean copy passes (silent)', async function () {
    const rules = parseRules('r.yml', 'tables:\n  users:\n    email: fake_email\n')
    const schema = [{column: 'email', dataType: 'text', schema: 'public', table: 'users'}, {column: 'phone', dataType: 'text', schema: 'public', table: 'users'}]
    nock(PLATFORM)
      .patch('/apps/acme-staging', {maintenance: true}).reply(200, {})
      .patch('/apps/acme-staging/formation').reply(200, [])
      .patch('/apps/acme-staging/formation').reply(200, [])
      .patch('/apps/acme-staging', {maintenance: false}).reply(200, {})
    const data = nock(DATA)
      .post('/client/v11/databases/addon-staging-db/backups').reply(201, done(backup, 1000))
      .post('/client/v11/databases/addon-staging-db/transfers').reply(201, done(copy, 9000))
      .get('/client/v11/apps/acme-staging/transfers/backup-uuid').reply(200, {...done(backup, 1000), to_url: 'https://backups.example/b007'})
      .post('/client/v11/databases/addon-staging-db/restores').reply(201, done({from_type: 'gof3r', num: 9, to_type: 'pg_restore', uuid: 'restore-uuid'}, 1000))
    let sanitized = false
    const plan = makePlan({pii: {allow: [], rules}, sanitize: {file: 'r.yml', sql: 'SELECT 1'}})
    const error = await executeRefresh(await client(), plan, {production: [production()], poll: FAST, readSchema: async () => schema, runSql: async () => {
      sanitized = true
    }}).then(() => undefined, (error_: unknown) => error_)
    data.done()
    const failure = error as RefreshStepError
    expect(failure.exit).to.equal(4)
    expect(failure.message).to.contain('users.phone (phone)').and.contain('restored from backup b007')
    expect(sanitized, 'the sanitize SQL never ran').to.equal(false)
  })

  it('resets the target when the sanitize file fails with --no-backup, and keeps staging out of service', async function () {
    const platform = nock(PLATFORM)
      .patch('/apps/acme-staging', {maintenance: true}).reply(200, {})
      .patch('/apps/acme-staging/formation').reply(200, [])
    const data = nock(DATA)
      .post('/client/v11/databases/addon-staging-db/transfers').reply(201, done(copy, 9000))
      .put('/client/v11/databases/addon-staging-db/reset').reply(200, {message: 'reset'})

    const plan = makePlan({backup: false, sanitize: {file: 'bad.sql', sql: 'UPDATE nope SET x = 1'}})
    const error = await executeRefresh(await client(), plan, {production: [production()], poll: FAST, runSql: async () => {
      throw new Error('boom')
    }}).then(() => undefined, (error_: unknown) => error_)
    platform.done()
    data.done()
    const failure = error as RefreshStepError
    expect(failure.message).to.contain('was reset (emptied), since --no-backup took no backup to restore').and.contain('IN maintenance mode')
    expect(failure.fix).to.contain('heroku maintenance:off -a acme-staging')
  })

  it('says the copy is still there, and the command that removes it, when the restore fails', async function () {
    nock(PLATFORM)
      .patch('/apps/acme-staging', {maintenance: true}).reply(200, {})
      .patch('/apps/acme-staging/formation').reply(200, [])
    nock(DATA)
      .post('/client/v11/databases/addon-staging-db/backups').reply(201, done(backup, 1000))
      .post('/client/v11/databases/addon-staging-db/transfers').reply(201, done(copy, 9000))
      .get('/client/v11/apps/acme-staging/transfers/backup-uuid').reply(200, {...done(backup, 1000), to_url: 'https://backups.example/b007'})
      .post('/client/v11/databases/addon-staging-db/restores').times(5).reply(500, {id: 'internal', message: 'restore broke'})
    const plan = makePlan({sanitize: {file: 'bad.sql', sql: 'x'}})
    const error = await executeRefresh(await client(), plan, {production: [production()], poll: FAST, runSql: async () => {
      throw new Error('boom')
    }}).then(() => undefined, (error_: unknown) => error_)
    const failure = error as RefreshStepError
    expect(failure.message).to.contain('STILL HOLDS the unsanitized copy')
    expect(failure.fix).to.match(/^heroku pg:backups:restore acme-staging::b007 DATABASE -a acme-staging --confirm acme-staging, then fix bad.sql/)
  })

  it('on Ctrl-C during a copy that sanitising would follow, cancels the copy, waits for it and restores the backup', async function () {
    const controller = new AbortController()
    nock(PLATFORM)
      .patch('/apps/acme-staging', {maintenance: true}).reply(200, {})
      .patch('/apps/acme-staging/formation').reply(200, [])
      .patch('/apps/acme-staging/formation').reply(200, [])
      .patch('/apps/acme-staging', {maintenance: false}).reply(200, {})
    const data = nock(DATA)
      .post('/client/v11/databases/addon-staging-db/backups').reply(201, done(backup, 1000))
      .post('/client/v11/databases/addon-staging-db/transfers').reply(201, function () {
        controller.abort()
        return copy
      })
      .post('/client/v11/apps/acme-staging/transfers/copy-uuid/actions/cancel').reply(200, {})
      .get('/client/v11/apps/acme-staging/transfers/copy-uuid').reply(200, {...copy, finished_at: '2026-01-01T00:00:00Z', succeeded: false})
      .get('/client/v11/apps/acme-staging/transfers/backup-uuid').reply(200, {...done(backup, 1000), to_url: 'https://backups.example/b007'})
      .post('/client/v11/databases/addon-staging-db/restores').reply(201, done({from_type: 'gof3r', num: 9, to_type: 'pg_restore', uuid: 'restore-uuid'}, 1000))

    const plan = makePlan({sanitize: {file: 's.sql', sql: 'SELECT 1'}})
    const error = await executeRefresh(await client(), plan, {production: [production()], poll: FAST, signal: controller.signal})
      .then(() => undefined, (error_: unknown) => error_)
    data.done()
    const failure = error as RefreshStepError
    expect(failure.interrupted).to.equal(true)
    expect(failure.message).to.contain('restored from backup b007').and.not.contain('continues on Heroku')
    expect(failure.state.purge).to.deep.equal({backup: 'b007', kind: 'restored'})
  })

  it('on Ctrl-C during the copy, says the transfer continues on Heroku and how to follow it', async function () {
    const controller = new AbortController()
    const platform = nock(PLATFORM)
      .patch('/apps/acme-staging', {maintenance: true}).reply(200, {})
      .patch('/apps/acme-staging/formation').reply(200, [])
    const data = nock(DATA)
      .post('/client/v11/databases/addon-staging-db/transfers').reply(201, function () {
        controller.abort()
        return copy
      })

    const error = await executeRefresh(await client(), makePlan({backup: false}), {production: [production()], poll: FAST, signal: controller.signal})
      .then(() => undefined, (error_: unknown) => error_)
    platform.done()
    data.done()
    const failure = error as RefreshStepError
    expect(failure.interrupted).to.equal(true)
    expect(failure.message).to.contain('The copy c003 continues on Heroku').and.contain('acme-staging is IN maintenance mode')
    expect(failure.fix).to.contain('heroku pg:backups:info c003 -a acme-staging')
    expect(failure.fix).to.contain('heroku maintenance:off -a acme-staging')
  })

  it('on Ctrl-C before the copy starts, puts staging back and copies nothing', async function () {
    const controller = new AbortController()
    const platform = nock(PLATFORM)
      .patch('/apps/acme-staging', {maintenance: true}).reply(200, function () {
        controller.abort()
        return {}
      })
      .patch('/apps/acme-staging', {maintenance: false}).reply(200, {})
    const error = await executeRefresh(await client(), makePlan(), {production: [production()], poll: FAST, signal: controller.signal})
      .then(() => undefined, (error_: unknown) => error_)
    platform.done()
    const failure = error as RefreshStepError
    expect(failure.interrupted).to.equal(true)
    expect(failure.message).to.contain('Nothing was copied')
    expect(STAGING.name).to.equal(failure.state.app)
  })

  describe('the production guard at run time', function () {
    it('refuses a write naming production before it is sent, whatever the plan says', async function () {
      const plan = makePlan()
      const tampered: RefreshPlan = {...plan, steps: plan.steps.map(step => (step.kind === 'maintenance-on' ? {...step, app: 'acme-production'} : step))}
      const scope = nock(PLATFORM).patch('/apps/acme-production').reply(200, {})
      const error = await executeRefresh(await client(), tampered, {poll: FAST, production: [production()]}).then(() => undefined, (error_: unknown) => error_)
      expect(error).to.be.instanceOf(RefreshStepError)
      expect((error as Error).message).to.contain('Refused PATCH /apps/acme-production')
      expect(scope.isDone(), 'the request never left').to.equal(false)
    })

    it('refuses to run sanitize SQL on a database production reaches', async function () {
      const plan = makePlan({sanitize: {file: 's.sql', sql: 'DELETE FROM users'}})
      const sanitize = plan.steps.find(step => step.kind === 'sanitize')!
      // Other user and query, default port left out, host in capitals: the same physical database.
      const tampered: RefreshPlan = {...plan, steps: [{...sanitize, url: 'postgresql://other:pw@EC2-1-2-3-4.compute-1.amazonaws.com/dprod?sslmode=require'}]}
      const ran: string[] = []
      const error = await executeRefresh(await client(), tampered, {poll: FAST, production: [production()], runSql: async url => ran.push(url)}).then(() => undefined, (error_: unknown) => error_)
      expect((error as Error).message).to.contain('Refused to run the sanitize SQL')
      expect(ran).to.deep.equal([])
    })

    it('lets the sanitize SQL run on staging\'s own database', async function () {
      const plan = makePlan({sanitize: {file: 's.sql', sql: 'DELETE FROM users'}})
      const sanitize = plan.steps.find(step => step.kind === 'sanitize')!
      const ran: string[] = []
      const error = await executeRefresh(await client(), {...plan, steps: [sanitize]}, {poll: FAST, production: [production()], runSql: async url => ran.push(url)}).then(() => undefined, (error_: unknown) => error_)
      // The plan has no transfer, so it ends in an error after the SQL ran; the SQL itself was allowed.
      expect(ran).to.deep.equal([STAGING_DB_URL])
      expect((error as Error).message).to.contain('no transfer step')
    })
  })
})
