import {APIClient} from '@heroku-cli/command'
import {expect} from 'chai'
import nock from 'nock'

import type {AuditFinding} from '../../../src/lib/audit/types.js'
import {HerokuClient} from '../../../src/lib/heroku/client.js'
import type {StepEvent} from '../../../src/lib/execute/steps.js'
import {executeRefresh, RefreshStepError} from '../../../src/lib/refresh/execute.js'
import {planRefresh, type RefreshPlan} from '../../../src/lib/refresh/plan.js'
import {loadConfig} from '../../helpers/run.js'
import {production, STAGING, staging} from '../classify/fixtures.js'

const PLATFORM = 'https://api.heroku.com'
const DATA = 'https://api.data.heroku.com'
const FAST = {initialMs: 1, maxMs: 2}
const NEW_URL = 'postgres://unew:newPassw0rd@ec2-9-9-9-9.compute-1.amazonaws.com:5432/dnew'

function forkPlan(): RefreshPlan {
  const prod = production()
  const outcome = planRefresh({
    options: {backup: true, backupSource: false, data: 'fork', maintenance: false, source: 'DATABASE', target: 'DATABASE'},
    production: [prod],
    protectedApps: [],
    sourceApp: prod,
    staging: staging(),
  })
  if (outcome.kind !== 'plan') throw new Error('expected a plan')
  return outcome.plan
}

const oldAttachment = {addon: {app: {id: STAGING.id, name: STAGING.name}, id: 'addon-staging-db', name: 'postgresql-staging-1'}, app: {id: STAGING.id, name: STAGING.name}, id: 'att-old', name: 'DATABASE'}
const temporary = {addon: {app: {id: STAGING.id, name: STAGING.name}, id: 'new-id', name: 'postgresql-new-1'}, app: {id: STAGING.id, name: STAGING.name}, id: 'att-temp', name: 'STAGING_REFRESH'}

/** Up to the audit: the fork created (config.fork), waited for, promoted as pg:promote does. */
function untilAudit(): void {
  nock(PLATFORM)
    .get('/apps/acme-staging/addon-attachments').reply(200, [oldAttachment])
    .post('/apps/acme-staging/addons', {attachment: {name: 'STAGING_REFRESH'}, config: {fork: 'addon-prod-db'}, plan: {name: 'heroku-postgresql:standard-0'}})
    .reply(201, {app: {id: STAGING.id, name: STAGING.name}, id: 'new-id', name: 'postgresql-new-1', plan: {name: 'heroku-postgresql:standard-0'}, state: 'provisioning'})
    .get('/apps/acme-staging/addons/new-id').reply(200, {app: {id: STAGING.id, name: STAGING.name}, id: 'new-id', name: 'postgresql-new-1', plan: {name: 'heroku-postgresql:standard-0'}, state: 'provisioned'})
    .get('/apps/acme-staging/config-vars').reply(200, {DATABASE_URL: 'postgres://x:y@ec2-1-1-1-1.compute-1.amazonaws.com:5432/dold', STAGING_REFRESH_URL: NEW_URL})
    .get('/apps/acme-staging/addon-attachments').reply(200, [oldAttachment, temporary])
    .post('/addon-attachments', {addon: {id: 'addon-staging-db'}, app: {id: STAGING.id}, name: 'STAGING_REFRESH_OLD'}).reply(201, {})
    .post('/addon-attachments', {addon: {id: 'new-id'}, app: {id: STAGING.id}, confirm: 'acme-staging', name: 'DATABASE'}).reply(201, {})
    .get('/apps/acme-staging/addon-attachments').reply(200, [{...temporary, id: 'att-new', name: 'DATABASE'}, temporary])
    .delete('/addon-attachments/att-temp').reply(200, {})
  nock(DATA)
    .get('/client/v11/databases/new-id/wait_status').reply(200, {'error?': false, message: 'Preparing fork', 'waiting?': true})
    .get('/client/v11/databases/new-id/wait_status').reply(200, {'error?': false, message: 'Available', 'waiting?': false})
}

const critical: AuditFinding = {code: 'SHARED_SECRET', message: 'shares a secret', remedy: 'heroku config:set', severity: 'critical'} as unknown as AuditFinding

describe('refresh: the blue-green executor (--data fork)', function () {
  afterEach(function () {
    nock.cleanAll()
  })

  it('backs the old database up, then destroys it, only after the audit passed, and reports the fork', async function () {
    untilAudit()
    const order: string[] = []
    nock(DATA)
      .post('/client/v11/databases/addon-staging-db/backups').reply(() => {
        order.push('backup')
        return [201, {finished_at: null, from_type: 'pg_dump', num: 9, to_type: 'gof3r', uuid: 'backup-9'}]
      })
      .get('/client/v11/apps/acme-staging/transfers/backup-9').reply(200, {finished_at: '2026-12-01T00:00:00Z', from_type: 'pg_dump', num: 9, processed_bytes: 4096, succeeded: true, to_type: 'gof3r', uuid: 'backup-9'})
    const destroy = nock(PLATFORM).delete('/apps/acme-staging/addons/addon-staging-db').reply(() => {
      order.push('destroy')
      return [200, {}]
    })
    const events: StepEvent[] = []
    const result = await executeRefresh(new HerokuClient(new APIClient(await loadConfig()), {sleep: async () => {}}), forkPlan(), {
      audit: async () => [],
      onEvent: event => events.push(event),
      poll: FAST,
      production: [production()],
    })
    expect(destroy.isDone()).to.equal(true)
    expect(result.transfer).to.equal(null)
    expect(result.fork).to.deep.include({addon: 'postgresql-new-1', oldAddon: 'postgresql-staging-1', oldDestroyed: true, promoted: true})
    expect(order).to.deep.equal(['backup', 'destroy'])
    expect(result.backups.target).to.deep.include({app: 'acme-staging', bytes: 4096, name: 'b009'})
    const waiting = events.find(e => e.kind === 'progress' && e.step === 'fork' && e.message.endsWith('Preparing fork'))
    expect(waiting).to.deep.include({bytes: undefined, kind: 'progress', message: 'postgresql-new-1: Preparing fork', step: 'fork'})
    // Steps carry a human label (the id stays the plan step's kind).
    expect(waiting?.label).to.match(/^Fork \S+ into a new heroku-postgresql:\S+ as \S+$/)
    expect(nock.pendingMocks()).to.deep.equal([])
  })

  it('keeps the old database when its backup fails, and names the capture and the destroy (fires)', async function () {
    untilAudit()
    nock(DATA)
      .post('/client/v11/databases/addon-staging-db/backups').reply(201, {finished_at: '2026-12-01T00:00:00Z', num: 10, succeeded: false, uuid: 'backup-10'})
      .get('/client/v11/apps/acme-staging/transfers/backup-10?verbose=true').reply(200, {logs: [{message: 'pg_dump: error: disk full'}], uuid: 'backup-10'})
    const destroy = nock(PLATFORM).delete('/apps/acme-staging/addons/addon-staging-db').reply(200, {})
    const error = await executeRefresh(new HerokuClient(new APIClient(await loadConfig()), {sleep: async () => {}}), forkPlan(), {audit: async () => [], poll: FAST, production: [production()]})
      .then(() => undefined, (caught: unknown) => caught)
    expect(error).to.be.instanceOf(RefreshStepError)
    const stepError = error as RefreshStepError
    expect(stepError.step).to.equal('backup-target')
    expect(stepError.message).to.contain('pg_dump: error: disk full').and.to.contain('postgresql-staging-1 was kept (attached as STAGING_REFRESH_OLD), not destroyed')
    expect(stepError.fix).to.contain('heroku pg:backups:capture postgresql-staging-1 -a acme-staging')
    expect(destroy.isDone(), 'no DELETE of the old database').to.equal(false)
  })

  it('Ctrl-C during the old database\'s backup: says the backup continues on Heroku, and to destroy only once it finished', async function () {
    untilAudit()
    const controller = new AbortController()
    nock(DATA)
      .post('/client/v11/databases/addon-staging-db/backups').reply(201, {finished_at: null, from_type: 'pg_dump', num: 11, to_type: 'gof3r', uuid: 'backup-11'})
      .get('/client/v11/apps/acme-staging/transfers/backup-11').times(50).reply(() => {
        controller.abort()
        return [200, {finished_at: null, num: 11, processed_bytes: 10, uuid: 'backup-11'}]
      })
    const destroy = nock(PLATFORM).delete('/apps/acme-staging/addons/addon-staging-db').reply(200, {})
    const error = await executeRefresh(new HerokuClient(new APIClient(await loadConfig()), {sleep: async () => {}}), forkPlan(), {audit: async () => [], poll: FAST, production: [production()], signal: controller.signal})
      .then(() => undefined, (caught: unknown) => caught)
    expect(error).to.be.instanceOf(RefreshStepError)
    const stepError = error as RefreshStepError
    expect(stepError.step).to.equal('backup-target')
    expect(stepError.message).to.contain('the backup b011 continues on Heroku')
    expect(stepError.fix).to.equal('Follow it with heroku pg:backups:info b011 -a acme-staging; once it has finished: heroku addons:destroy postgresql-staging-1 -a acme-staging --confirm acme-staging.')
    expect(stepError.fix).not.to.contain('pg:backups:capture')
    expect(destroy.isDone(), 'no DELETE of the old database').to.equal(false)
  })

  it('refuses before the slow fork when the name the old database would keep is taken by an earlier run (fires)', async function () {
    const earlierOld = {...oldAttachment, addon: {...oldAttachment.addon, id: 'addon-earlier', name: 'postgresql-earlier-1'}, id: 'att-earlier', name: 'STAGING_REFRESH_OLD'}
    nock(PLATFORM).get('/apps/acme-staging/addon-attachments').reply(200, [oldAttachment, earlierOld])
    const create = nock(PLATFORM).post('/apps/acme-staging/addons').reply(201, {})
    let error: unknown
    try {
      await executeRefresh(new HerokuClient(new APIClient(await loadConfig()), {sleep: async () => {}}), forkPlan(), {audit: async () => [], poll: FAST, production: [production()]})
    } catch (caught) {
      error = caught
    }

    expect(error).to.be.instanceOf(RefreshStepError)
    expect((error as RefreshStepError).message).to.contain('already has STAGING_REFRESH_OLD (postgresql-earlier-1)')
    expect((error as RefreshStepError).fix).to.contain('heroku addons:detach STAGING_REFRESH_OLD -a acme-staging')
    expect(create.isDone(), 'no fork was created').to.equal(false)
  })

  it('keeps the old database when the audit after the promote finds a critical finding (fires)', async function () {
    untilAudit()
    const destroy = nock(PLATFORM).delete('/apps/acme-staging/addons/addon-staging-db').reply(200, {})
    let error: unknown
    try {
      await executeRefresh(new HerokuClient(new APIClient(await loadConfig()), {sleep: async () => {}}), forkPlan(), {
        audit: async () => [critical],
        poll: FAST,
        production: [production()],
      })
    } catch (caught) {
      error = caught
    }

    expect(error).to.be.instanceOf(RefreshStepError)
    const stepError = error as RefreshStepError
    expect(stepError.step).to.equal('audit')
    expect(stepError.message).to.contain('the old database postgresql-staging-1 was kept (attached as STAGING_REFRESH_OLD), not destroyed')
    expect(stepError.fix).to.contain('heroku pg:promote postgresql-staging-1 -a acme-staging')
    expect(destroy.isDone(), 'no DELETE of the old database').to.equal(false)
  })
})
