import {expect} from 'chai'

import {HerokuApi, type Transport} from '../../../../src/lib/heroku/api.js'
import {ApiError} from '../../../../src/lib/heroku/client.js'
import type {AddOn} from '../../../../src/lib/heroku/types.js'
import {poll, waitAddonProvisioned, WaitAbortedError, waitDatabaseAvailable, waitTransfer, waitTransferFinished} from '../../../../src/lib/heroku/wait.js'

/** The resource layer over a transport answering each GET path from a queue of answers (an Error is thrown). */
function reader(answers: Record<string, unknown[]>): HerokuApi & {asked: string[]} {
  const asked: string[] = []
  const refuse = async (): Promise<never> => {
    throw new Error('the waits only read')
  }

  const transport: Transport = {
    async get<T>(path: string): Promise<T> {
      asked.push(path)
      const queue = answers[path]
      if (!queue || queue.length === 0) throw new Error(`unexpected GET ${path}`)
      const answer = queue.length > 1 ? queue.shift() : queue[0]
      if (answer instanceof Error) throw answer
      return answer as T
    },
    delete: refuse,
    list: refuse,
    patch: refuse,
    post: refuse,
    put: refuse,
  }
  return Object.assign(new HerokuApi(transport), {asked})
}

const notFound = () => new ApiError({message: 'not found', method: 'GET', path: '/x', status: 404})

describe('heroku: waiting on Heroku (src/lib/heroku/wait.ts)', function () {
  it('poll waits longer each time, up to the maximum, and stops when the check returns a value', async function () {
    const waits: number[] = []
    let calls = 0
    const value = await poll('x', async () => (++calls === 6 ? 'ready' : undefined), {initialMs: 10, maxMs: 30, sleep: async ms => {
      waits.push(ms)
    }})
    expect(value).to.equal('ready')
    expect(waits).to.deep.equal([10, 15, 23, 30, 30])
  })

  it('poll keeps to the quick maximum during the quick phase, then grows to the maximum', async function () {
    const waits: number[] = []
    let calls = 0
    let now = 0
    const realNow = Date.now
    Date.now = () => now
    try {
      await poll('x', async () => (++calls === 9 ? 'ready' : undefined), {initialMs: 10, maxMs: 100, quick: {forMs: 50, maxMs: 20}, sleep: async ms => {
        waits.push(ms)
        now += ms
      }})
    } finally {
      Date.now = realNow
    }

    // 10 → 15 → 20 (quick cap) → 20 …; once 50 ms have passed, the interval grows by half again, to 100.
    expect(waits).to.deep.equal([10, 15, 20, 20, 30, 45, 68, 100])
  })

  it('poll without a quick phase never waits longer than its maximum, and starts no higher', async function () {
    const waits: number[] = []
    let calls = 0
    await poll('x', async () => (++calls === 3 ? 'ready' : undefined), {initialMs: 500, maxMs: 40, sleep: async ms => {
      waits.push(ms)
    }})
    expect(waits).to.deep.equal([40, 40])
  })

  it('poll gives up after its timeout, and stops at once when aborted', async function () {
    let error: unknown
    try {
      await poll('the thing', async () => undefined, {sleep: async () => {}, timeoutMs: -1})
    } catch (error_) {
      error = error_
    }

    expect((error as Error).message).to.equal('Timed out waiting for the thing.')
    const controller = new AbortController()
    controller.abort()
    try {
      await poll('the backup', async () => 'never asked', {signal: controller.signal})
      expect.fail('an aborted wait returned')
    } catch (error_) {
      expect(error_).to.be.instanceOf(WaitAbortedError)
    }
  })

  it('waits for an add-on to be provisioned, reporting each new state; a deprovisioned one fails', async function () {
    const addon = {id: 'db-1', name: 'postgresql-x', state: 'provisioning'} as AddOn
    const api = reader({'/apps/app-1/addons/db-1': [{...addon, state: 'provisioning'}, {...addon, state: 'provisioned'}]})
    const states: string[] = []
    const done = await waitAddonProvisioned(api, 'app-1', addon, {onState: state => states.push(state), sleep: async () => {}})
    expect(done.state).to.equal('provisioned')
    expect(states).to.deep.equal(['provisioned'])
    const gone = reader({'/apps/app-1/addons/db-1': [{...addon, state: 'deprovisioned'}]})
    try {
      await waitAddonProvisioned(gone, 'app-1', addon, {sleep: async () => {}})
      expect.fail('a deprovisioned add-on was accepted')
    } catch (error) {
      expect((error as Error).message).to.equal('postgresql-x was deprovisioned while waiting for it.')
    }
  })

  it('waits for a database through 404s and "waiting?", and fails on "error?"', async function () {
    const path = '/client/v11/databases/db-1/wait_status'
    const api = reader({[path]: [notFound(), {'error?': false, message: 'Preparing', 'waiting?': true}, {'error?': false, message: 'Available', 'waiting?': false}]})
    const messages: string[] = []
    await waitDatabaseAvailable(api, {id: 'db-1', name: 'postgresql-x'}, {onStatus: message => messages.push(message), sleep: async () => {}})
    expect(api.asked).to.have.length(3)
    expect(messages).to.deep.equal(['Preparing'])
    try {
      await waitDatabaseAvailable(reader({[path]: [{'error?': true, message: 'Broken', 'waiting?': false}]}), {id: 'db-1', name: 'postgresql-x'}, {sleep: async () => {}})
      expect.fail('an errored database was accepted')
    } catch (error) {
      expect((error as Error).message).to.equal('postgresql-x: Broken')
    }
  })

  it('follows a transfer to its end and names pg:backups:info when it failed', async function () {
    const path = '/client/v11/apps/acme-staging/transfers/t-1'
    const ok = reader({[path]: [{finished_at: null, processed_bytes: 5, uuid: 't-1'}, {finished_at: 'now', processed_bytes: 10, succeeded: true, uuid: 't-1'}]})
    const progress: number[] = []
    const done = await waitTransfer(ok, 'acme-staging', {finished_at: null, uuid: 't-1'}, 'b001', {onProgress: t => progress.push(t.processed_bytes ?? 0), sleep: async () => {}})
    expect(done.succeeded).to.equal(true)
    expect(progress).to.deep.equal([5, 10])
    const failed = reader({[path]: [{finished_at: 'now', succeeded: false, uuid: 't-1'}], [`${path}?verbose=true`]: [{logs: [{message: 'disk full'}], uuid: 't-1'}]})
    try {
      await waitTransfer(failed, 'acme-staging', {finished_at: null, uuid: 't-1'}, 'b001', {sleep: async () => {}})
      expect.fail('a failed transfer was accepted')
    } catch (error) {
      expect((error as Error).message).to.equal('b001 did not finish:\ndisk full\nRun heroku pg:backups:info b001 -a acme-staging for more details.')
    }
  })

  it('waitTransferFinished returns a failed transfer as it ended, for the caller to judge', async function () {
    const path = '/client/v11/apps/acme-staging/transfers/t-1'
    const failed = reader({[path]: [{finished_at: null, processed_bytes: 1, uuid: 't-1'}, {finished_at: 'now', succeeded: false, uuid: 't-1'}]})
    const done = await waitTransferFinished(failed, 'acme-staging', {finished_at: null, uuid: 't-1'}, 'the copy', {sleep: async () => {}})
    expect(done).to.deep.include({succeeded: false, uuid: 't-1'})
    expect(failed.asked).to.deep.equal([path, path])
    const finished = reader({})
    const same = {finished_at: 'then', succeeded: true, uuid: 't-2'}
    expect(await waitTransferFinished(finished, 'acme-staging', same, 'the copy')).to.equal(same)
    expect(finished.asked).to.deep.equal([])
  })
})
