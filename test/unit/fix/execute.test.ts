import {APIClient} from '@heroku-cli/command'
import {expect} from 'chai'
import nock from 'nock'

import type {StepEvent} from '../../../src/lib/execute/steps.js'
import {executeFix, FixStepError} from '../../../src/lib/fix/execute.js'
import {stepProgress} from '../../../src/lib/execute/progress.js'
import type {FixPlan, FixStep} from '../../../src/lib/fix/types.js'
import {HerokuClient} from '../../../src/lib/heroku/client.js'
import type {AddOnAttachment} from '../../../src/lib/heroku/types.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {PROD_DATABASE_URL, PROD_REDIS, productionSnapshot, STAGING_DATABASE_URL, STAGING_ID, STAGING_PG} from '../../fixtures/snapshots.js'
import {loadConfig} from '../../helpers/run.js'
import {incidentWithProductionRedis, planOf} from './fixtures.js'

const PLATFORM = 'https://api.heroku.com'
const DATA = 'https://api.data.heroku.com'
const FAST = {initialMs: 1, maxMs: 2}

/**
 * A small stateful Heroku for the executor: the staging app's config vars and attachments change
 * as the executor's requests arrive, so each step's "is it done already?" read sees the truth.
 */
class FakeStaging {
  readonly log: string[] = []
  config: Record<string, string>
  attachments: AddOnAttachment[]
  readonly platform = nock(PLATFORM)
  readonly data = nock(DATA)

  constructor(snapshot: AppSnapshot) {
    this.config = {...snapshot.configVars}
    this.attachments = snapshot.attachments.map(a => ({
      addon: {app: {id: a.addon.owner.id, name: a.addon.owner.name}, id: a.addon.id, name: a.addon.name},
      app: {id: STAGING_ID, name: 'acme-staging'},
      config_vars: a.configVarNames,
      id: a.id,
      name: a.name,
      namespace: a.namespace,
    }) as AddOnAttachment)
    this.platform.get(`/apps/${STAGING_ID}/config-vars`).reply(() => [200, this.config]).persist()
    this.platform.get(`/apps/${STAGING_ID}/addon-attachments`).reply(() => [200, this.attachments]).persist()
    this.platform.get(`/apps/${STAGING_ID}/releases`).matchHeader('range', 'version ..; max=1, order=desc').reply(() => {
      this.log.push('GET releases')
      return [200, [{id: 'release-7', version: 7}]]
    })
  }

  backupSucceeds(): void {
    this.data.post(`/client/v11/databases/${STAGING_PG.id}/backups`).reply(() => {
      this.log.push('POST backup')
      return [201, {finished_at: null, from_type: 'pg_dump', num: 4, to_type: 'gof3r', uuid: 'backup-4'}]
    })
    this.data.get('/client/v11/apps/acme-staging/transfers/backup-4').reply(() => {
      this.log.push('backup finished')
      return [200, {finished_at: '2026-01-01T00:00:00Z', from_type: 'pg_dump', num: 4, processed_bytes: 2048, succeeded: true, to_type: 'gof3r', uuid: 'backup-4'}]
    })
  }

  unsetSucceeds(names: string[]): void {
    this.platform.patch(`/apps/${STAGING_ID}/config-vars`, Object.fromEntries(names.map(name => [name, null]))).reply(() => {
      this.log.push(`PATCH unset ${names.join(',')}`)
      for (const name of names) delete this.config[name]
      return [200, this.config]
    })
  }

  detachSucceeds(id: string): void {
    this.platform.delete(`/addon-attachments/${id}`).reply(() => {
      this.log.push(`DELETE ${id}`)
      const gone = this.attachments.find(a => a.id === id)
      this.attachments = this.attachments.filter(a => a.id !== id)
      for (const name of gone?.config_vars ?? []) delete this.config[name]
      return [200, gone]
    })
  }

  promoteSucceeds(url = STAGING_DATABASE_URL): void {
    this.data.get(`/client/v11/databases/${STAGING_PG.id}/wait_status`).reply(200, {'error?': false, message: 'Available', 'waiting?': false})
    this.platform.post('/addon-attachments', {addon: {id: STAGING_PG.id}, app: {id: STAGING_ID}, name: 'DATABASE', namespace: null}).reply(() => {
      this.log.push('POST attach DATABASE')
      const attachment = {
        addon: {app: {id: STAGING_ID, name: 'acme-staging'}, id: STAGING_PG.id, name: STAGING_PG.name},
        app: {id: STAGING_ID, name: 'acme-staging'},
        config_vars: ['DATABASE_URL'],
        id: 'new-database-attachment',
        name: 'DATABASE',
        namespace: null,
      } as AddOnAttachment
      this.attachments.push(attachment)
      this.config.DATABASE_URL = url
      return [201, attachment]
    })
    this.data.get(`/client/v11/databases/${STAGING_PG.id}`).reply(200, {addon_id: STAGING_PG.id, resource_url: STAGING_DATABASE_URL})
  }

  done(): void {
    this.platform.done()
    this.data.done()
  }
}

async function client(): Promise<HerokuClient> {
  return new HerokuClient(new APIClient(await loadConfig()), {sleep: async () => {}})
}

const REDIS_ATTACHMENT = `staging-redis-${PROD_REDIS.id}`

describe('fix: executeFix', function () {
  let fake: FakeStaging
  let plan: FixPlan
  const production = [productionSnapshot()]

  beforeEach(function () {
    delete process.env.HEROKU_DATA_HOST
    const staging = incidentWithProductionRedis()
    plan = planOf(staging)
    fake = new FakeStaging(staging)
  })

  afterEach(function () {
    nock.cleanAll()
  })

  it('records staging, backs up its own database, then unsets, detaches and promotes, and verifies DATABASE_URL', async function () {
    fake.backupSucceeds()
    fake.unsetSucceeds(['DATABASE_URL'])
    fake.detachSucceeds(REDIS_ATTACHMENT)
    fake.promoteSucceeds()
    const events: StepEvent[] = []
    const execution = await executeFix({client: await client(), onEvent: event => events.push(event), plan, poll: FAST, production})
    fake.done()
    expect(fake.log).to.deep.equal(['GET releases', 'POST backup', 'backup finished', 'PATCH unset DATABASE_URL', `DELETE ${REDIS_ATTACHMENT}`, 'POST attach DATABASE'])
    expect(execution.before.release).to.deep.equal({id: 'release-7', version: 7})
    expect(execution.before.configVarNames).to.include.members(['DATABASE_URL', 'REDIS_URL', 'SECRET_KEY_BASE'])
    expect(execution.before.attachments.map(a => a.name)).to.deep.equal(['HEROKU_POSTGRESQL_ROSE', 'REDIS'])
    expect(JSON.stringify(execution.before), 'names only, never values').to.not.contain(PROD_DATABASE_URL.split('@')[0])
    expect(execution.backups).to.deep.equal([{addon: STAGING_PG.name, app: 'acme-staging', bytes: 2048, name: 'b004', uuid: 'backup-4'}])
    expect(execution.steps.map(s => s.status)).to.deep.equal(['done', 'done', 'done'])
    expect(execution.database).to.deep.equal({addon: {id: STAGING_PG.id, name: STAGING_PG.name}, verified: true})
    const step = (id: string) => [`start ${id}`, `end ${id} done`]
    expect(events.map(e => `${e.kind} ${e.step}${e.kind === 'end' ? ` ${e.status}` : ''}`)).to.deep.equal([
      ...step('record'),
      `start backup:${STAGING_PG.name}`,
      `progress backup:${STAGING_PG.name}`,
      `end backup:${STAGING_PG.name} done`,
      ...step('change:1'),
      ...step('change:2'),
      ...step('change:3'),
    ])
    expect(events.find(e => e.kind === 'progress')).to.deep.include({bytes: {done: 2048, total: undefined}, message: 'b004'})
  })

  it('does again only what is missing: a var already unset, an attachment already gone', async function () {
    delete fake.config.DATABASE_URL
    fake.attachments = fake.attachments.filter(a => a.id !== REDIS_ATTACHMENT)
    fake.backupSucceeds()
    fake.promoteSucceeds()
    const execution = await executeFix({client: await client(), plan, poll: FAST, production})
    fake.done()
    expect(execution.steps.map(s => s.status)).to.deep.equal(['already-done', 'already-done', 'done'])
    expect(fake.log).to.not.include('PATCH unset DATABASE_URL')
  })

  it('leaves a var that changed since the audit (it no longer reaches production), and then stops before DATABASE replaces it', async function () {
    fake.config.DATABASE_URL = 'postgres://someone:else000@db.example.com:5432/other'
    fake.backupSucceeds()
    fake.detachSucceeds(REDIS_ATTACHMENT)
    let caught: unknown
    try {
      await executeFix({client: await client(), plan, poll: FAST, production})
    } catch (error) {
      caught = error
    }

    fake.done()
    expect(caught).to.be.instanceOf(FixStepError)
    const {execution, fix, message} = caught as FixStepError
    expect(execution.steps.map(s => s.status)).to.deep.equal(['skipped', 'done', 'failed'])
    expect(execution.steps[0]?.detail).to.contain('changed since the audit')
    expect(message).to.contain('DATABASE_URL on acme-staging is still a plain config var')
    expect(fix).to.contain('heroku staging:audit -a acme-staging --fix --confirm acme-staging')
    expect(fake.log).to.not.include('POST attach DATABASE')
  })

  it('stops at a failed step: later steps are not run, the error says what was done and how to resume', async function () {
    fake.backupSucceeds()
    fake.platform.patch(`/apps/${STAGING_ID}/config-vars`).reply(422, {id: 'invalid_params', message: 'Cannot overwrite attachment values DATABASE_URL.'})
    let caught: unknown
    try {
      await executeFix({client: await client(), plan, poll: FAST, production})
    } catch (error) {
      caught = error
    }

    fake.done()
    expect(caught).to.be.instanceOf(FixStepError)
    const {execution, fix, message} = caught as FixStepError
    expect(execution.steps.map(s => s.status)).to.deep.equal(['failed', 'not-run', 'not-run'])
    expect(message).to.contain('Cannot overwrite attachment values').and.to.contain('Done before it: nothing')
    expect(fix).to.contain('Re-run heroku staging:audit -a acme-staging --fix').and.to.contain('heroku releases:rollback')
  })

  it('changes nothing when the backup fails', async function () {
    fake.data.post(`/client/v11/databases/${STAGING_PG.id}/backups`).reply(201, {finished_at: null, from_type: 'pg_dump', num: 5, to_type: 'gof3r', uuid: 'backup-5'})
    fake.data.get('/client/v11/apps/acme-staging/transfers/backup-5').reply(200, {finished_at: '2026-01-01T00:00:00Z', num: 5, succeeded: false, uuid: 'backup-5'})
    fake.data.get('/client/v11/apps/acme-staging/transfers/backup-5?verbose=true').reply(200, {logs: [{message: 'pg_dump: error: connection lost'}], uuid: 'backup-5'})
    let caught: unknown
    try {
      await executeFix({client: await client(), plan, poll: FAST, production})
    } catch (error) {
      caught = error
    }

    fake.done()
    expect((caught as FixStepError).message).to.contain('pg_dump: error: connection lost').and.to.contain('Nothing was changed on acme-staging')
    expect((caught as FixStepError).execution.steps.every(s => s.status === 'not-run')).to.equal(true)
  })

  it('a failed backup\'s progress line carries no reason: the error that follows tells it once', async function () {
    fake.data.post(`/client/v11/databases/${STAGING_PG.id}/backups`).reply(201, {finished_at: '2026-01-01T00:00:00Z', num: 6, succeeded: false, uuid: 'backup-6'})
    fake.data.get('/client/v11/apps/acme-staging/transfers/backup-6?verbose=true').reply(200, {logs: [], uuid: 'backup-6'})
    const lines: string[] = []
    const progress = stepProgress()
    const failure = await executeFix({client: await client(), onEvent: event => {
      const line = progress(event)
      if (line !== undefined) lines.push(line)
    }, plan, poll: FAST, production}).then(() => undefined, (error: unknown) => error)
    expect(failure).to.be.instanceOf(FixStepError)
    expect(lines).to.include(`… Back up ${STAGING_PG.name}`)
    expect(lines).to.include(`✗ Back up ${STAGING_PG.name}: failed`)
    expect(lines.filter(line => line.includes('b006'))).to.deep.equal([])
  })

  it('interrupted before anything was read: a step error saying nothing was changed, not a bare error', async function () {
    const controller = new AbortController()
    controller.abort()
    const failure = await executeFix({client: await client(), plan, poll: FAST, production, signal: controller.signal}).then(() => undefined, (error: unknown) => error)
    expect(failure).to.be.instanceOf(FixStepError)
    expect((failure as FixStepError).message).to.equal('Interrupted before any change. Nothing was changed on acme-staging.')
    expect((failure as FixStepError).exit).to.equal(5)
    expect(fake.log).to.deep.equal([])
  })

  it('fails the step when DATABASE_URL still reaches production after the promotion', async function () {
    fake.backupSucceeds()
    fake.unsetSucceeds(['DATABASE_URL'])
    fake.detachSucceeds(REDIS_ATTACHMENT)
    fake.promoteSucceeds(PROD_DATABASE_URL)
    let caught: unknown
    try {
      await executeFix({client: await client(), plan, poll: FAST, production})
    } catch (error) {
      caught = error
    }

    fake.done()
    expect((caught as FixStepError).message).to.contain("DATABASE_URL on acme-staging still reaches acme-production's DATABASE_URL")
  })

  it('refuses, before it is sent, any step that would change production (the runtime guard)', async function () {
    const prodAttachment = productionSnapshot().attachments.find(a => a.name === 'REDIS')!
    const rogue: FixStep = {
      addon: {id: PROD_REDIS.id, name: PROD_REDIS.name, owner: 'acme-production'},
      app: 'acme-staging',
      attachment: {id: prodAttachment.id, name: 'REDIS'},
      change: 'detach production\'s own REDIS',
      command: 'heroku addons:detach REDIS -a acme-production',
      configVars: ['REDIS_URL'],
      fixes: [],
      kind: 'detach',
      loses: [],
    }
    fake.attachments.push({...fake.attachments[0]!, addon: {id: PROD_REDIS.id, name: PROD_REDIS.name}, id: prodAttachment.id, name: 'REDIS'} as AddOnAttachment)
    let caught: unknown
    try {
      await executeFix({client: await client(), plan: {...plan, backups: [], steps: [rogue]}, poll: FAST, production})
    } catch (error) {
      caught = error
    }

    fake.done()
    expect((caught as FixStepError).message).to.contain('staging:audit --fix never sends a mutating request to production')
  })
})
