import {APIClient} from '@heroku-cli/command'
import {expect} from 'chai'
import nock from 'nock'

import {ApiError, apiErrorFix, HerokuClient, mapBounded, Semaphore} from '../../../../src/lib/heroku/client.js'
import {loadConfig} from '../../../helpers/run.js'

const API = 'https://api.heroku.com'
const DATA_API = 'https://api.data.heroku.com'

interface Harness {
  client: HerokuClient
  sleeps: number[]
}

async function harness(options: {baseDelayMs?: number; concurrency?: number; maxRetries?: number; rateLimitFloor?: number} = {}): Promise<Harness> {
  const sleeps: number[] = []
  const api = new APIClient(await loadConfig())
  const client = new HerokuClient(api, {
    baseDelayMs: 10,
    ...options,
    async sleep(ms) {
      sleeps.push(ms)
    },
  })
  return {client, sleeps}
}

describe('HerokuClient', function () {
  let api: nock.Scope
  let data: nock.Scope

  beforeEach(function () {
    api = nock(API)
    data = nock(DATA_API)
  })

  afterEach(function () {
    api.done()
    data.done()
    nock.cleanAll()
  })

  describe('Range paging', function () {
    it('follows Next-Range page by page and concatenates', async function () {
      const {client} = await harness()
      api.get('/apps').matchHeader('range', (value: string | undefined) => value === undefined).reply(206, [{id: 1}, {id: 2}], {'Next-Range': 'id ]2..; max=2'})
      api.get('/apps').matchHeader('range', 'id ]2..; max=2').reply(206, [{id: 3}, {id: 4}], {'Next-Range': 'id ]4..; max=2'})
      api.get('/apps').matchHeader('range', 'id ]4..; max=2').reply(200, [{id: 5}])
      const apps = await client.list<{id: number}>('/apps')
      expect(apps.map(app => app.id)).to.deep.equal([1, 2, 3, 4, 5])
      expect(client.records.map(record => record.status)).to.deep.equal([206, 206, 200])
    })

    it('stops on a page without Next-Range, and on an empty page', async function () {
      const {client} = await harness()
      api.get('/addons').reply(206, [{id: 'a'}], {'Next-Range': 'id ]a..'})
      api.get('/addons').matchHeader('range', 'id ]a..').reply(206, [], {'Next-Range': 'id ]b..'})
      expect(await client.list('/addons')).to.deep.equal([{id: 'a'}])
    })

    it('keeps the caller\'s headers on every page', async function () {
      const {client} = await harness()
      api.get('/apps/a/addon-attachments').matchHeader('accept-inclusion', 'addon:plan,config_vars').reply(206, [1], {'Next-Range': 'id ]1..'})
      api.get('/apps/a/addon-attachments').matchHeader('accept-inclusion', 'addon:plan,config_vars').matchHeader('range', 'id ]1..').reply(200, [2])
      expect(await client.list('/apps/a/addon-attachments', {headers: {'accept-inclusion': 'addon:plan,config_vars'}})).to.deep.equal([1, 2])
    })
  })

  describe('retries', function () {
    it('retries a 429 after the Retry-After it was given, then succeeds', async function () {
      const {client, sleeps} = await harness()
      api.get('/apps/a').reply(429, {id: 'rate_limit', message: 'Your account reached the API rate limit'}, {'Retry-After': '2'})
      api.get('/apps/a').reply(200, {id: 'a', name: 'a'})
      expect(await client.get('/apps/a')).to.deep.equal({id: 'a', name: 'a'})
      expect(sleeps).to.deep.equal([2000])
      expect(client.records.map(record => [record.attempt, record.status])).to.deep.equal([[1, 429], [2, 200]])
    })

    it('retries a 429 even on POST: the request was not processed', async function () {
      const {client} = await harness()
      api.post('/apps').reply(429, {id: 'rate_limit', message: 'slow down'})
      api.post('/apps').reply(201, {id: 'new'})
      expect(await client.post('/apps', {body: {name: 'x'}})).to.deep.equal({id: 'new'})
    })

    it('retries a 503 with backoff, then succeeds', async function () {
      const {client, sleeps} = await harness()
      api.get('/apps/a/config-vars').reply(503, {id: 'unavailable', message: 'try later'})
      api.get('/apps/a/config-vars').reply(200, {X: '1'})
      expect(await client.get('/apps/a/config-vars')).to.deep.equal({X: '1'})
      expect(sleeps).to.have.length(1)
      expect(sleeps[0]).to.be.within(10, 20)
    })

    it('backs off exponentially and gives up after maxRetries with the API error', async function () {
      const {client, sleeps} = await harness({maxRetries: 2})
      api.get('/apps/a').times(3).reply(500, {id: 'internal', message: 'Internal server error'})
      let caught: unknown
      try {
        await client.get('/apps/a')
      } catch (error) {
        caught = error
      }

      expect(caught).to.be.instanceOf(ApiError)
      expect((caught as ApiError).status).to.equal(500)
      expect(sleeps).to.have.length(2)
      expect(sleeps[0]).to.be.within(10, 20)
      expect(sleeps[1]).to.be.within(20, 30)
    })

    it('retries a dropped connection on GET', async function () {
      const {client} = await harness()
      // (nock 14 hangs on replyWithError({code}); an Error instance carries the code)
      api.get('/apps/a/formation').replyWithError(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}))
      api.get('/apps/a/formation').reply(200, [{quantity: 1, type: 'web'}])
      expect(await client.get('/apps/a/formation')).to.deep.equal([{quantity: 1, type: 'web'}])
    })

    it('sends a POST whose connection dropped only once: the transport must not re-send it either', async function () {
      const {client} = await harness()
      api.post('/apps/a/addons').replyWithError(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}))
      // http-call on its own would re-send the POST and get this second answer: a second add-on.
      api.post('/apps/a/addons').reply(201, {id: 'second-addon'})
      let caught: unknown
      try {
        await client.post('/apps/a/addons', {body: {plan: {name: 'heroku-redis:mini'}}})
      } catch (error) {
        caught = error
      }

      expect(caught).to.be.instanceOf(ApiError)
      expect(client.records.map(record => `${record.method} ${record.status}`)).to.deep.equal(['POST ECONNRESET'])
      expect(api.pendingMocks()).to.have.length(1)
      // Consume the second interceptor on purpose, so the scope is done.
      expect(await client.post('/apps/a/addons', {body: {}})).to.deep.equal({id: 'second-addon'})
    })

    it('sends nothing after a call has failed: the transport never re-sends on its own', async function () {
      const {client} = await harness()
      // An error code the client does not retry; http-call alone would re-send it 200-300 ms later, after the call had failed.
      api.get('/apps/a').replyWithError(Object.assign(new Error('no match'), {code: 'ERR_SOMETHING_ELSE'}))
      api.get('/apps/a').reply(200, {id: 'late'})
      let caught: unknown
      try {
        await client.get('/apps/a')
      } catch (error) {
        caught = error
      }

      expect(caught).to.be.instanceOf(ApiError)
      await new Promise(resolve => {
        setTimeout(resolve, 600)
      })
      expect(api.pendingMocks(), 'the second answer is still unasked').to.have.length(1)
      expect(await client.get('/apps/a')).to.deep.equal({id: 'late'})
    })

    it('retries a GET itself when the transport gives up on a dropped connection, but not a POST', async function () {
      // A stand-in for APIClient whose transport fails once with ECONNRESET, as http-call does after its own retries.
      const calls: string[] = []
      let failNext = true
      const fake = {
        async request(path: string, options: {method: string}) {
          calls.push(`${options.method} ${path}`)
          if (failNext) {
            failNext = false
            throw Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'})
          }

          return {body: {ok: true}, headers: {}, statusCode: 200}
        },
      }
      const sleeps: number[] = []
      const client = new HerokuClient(fake as unknown as APIClient, {baseDelayMs: 10, async sleep(ms) {
        sleeps.push(ms)
      }})
      expect(await client.get('/apps/a')).to.deep.equal({ok: true})
      expect(calls).to.deep.equal(['GET /apps/a', 'GET /apps/a'])
      expect(client.records.map(record => record.status)).to.deep.equal(['ECONNRESET', 200])
      expect(sleeps).to.have.length(1)

      failNext = true
      let caught: unknown
      try {
        await client.post('/apps', {body: {}})
      } catch (error) {
        caught = error
      }

      expect(caught).to.be.instanceOf(ApiError)
      expect((caught as ApiError).message).to.contain('ECONNRESET')
      expect(calls.slice(2)).to.deep.equal(['POST /apps'])
    })

    it('does not retry a POST that answered 500: it may have been processed', async function () {
      const {client, sleeps} = await harness()
      api.post('/addon-attachments').reply(500, {id: 'internal', message: 'Internal server error'})
      let caught: unknown
      try {
        await client.post('/addon-attachments', {body: {addon: 'x', app: 'y'}})
      } catch (error) {
        caught = error
      }

      expect((caught as ApiError).status).to.equal(500)
      expect(sleeps).to.deep.equal([])
      expect(client.records).to.have.length(1)
    })

    it('does not retry a 404, and keeps the error id and resource', async function () {
      const {client} = await harness()
      api.get('/apps/nope').reply(404, {id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'})
      let caught: unknown
      try {
        await client.get('/apps/nope')
      } catch (error) {
        caught = error
      }

      expect(caught).to.be.instanceOf(ApiError)
      expect(caught).to.deep.include({id: 'not_found', resource: 'app', status: 404})
      expect((caught as ApiError).isNotFound).to.equal(true)
    })

    it('never puts a credential from the error body in the error message', async function () {
      const {client} = await harness()
      api.get('/apps/a').reply(403, {id: 'forbidden', message: 'bad postgres://admin:s3cretpw@db.example.com/app'})
      let caught: unknown
      try {
        await client.get('/apps/a')
      } catch (error) {
        caught = error
      }

      expect((caught as Error).message).to.not.contain('s3cretpw')
    })
  })

  describe('rate limit', function () {
    it('slows down when RateLimit-Remaining runs low', async function () {
      const {client, sleeps} = await harness({baseDelayMs: 10, rateLimitFloor: 20})
      api.get('/apps/a').reply(200, {}, {'RateLimit-Remaining': '5'})
      api.get('/apps/b').reply(200, {}, {'RateLimit-Remaining': '4000'})
      await client.get('/apps/a')
      await client.get('/apps/b')
      // (20 - 5) × 10 ms, minus the time that passed
      expect(sleeps).to.have.length(1)
      expect(sleeps[0]).to.be.within(1, 150)
    })

    it('does not slow down while tokens remain', async function () {
      const {client, sleeps} = await harness()
      api.get('/apps/a').reply(200, {}, {'RateLimit-Remaining': '4000'})
      api.get('/apps/b').reply(200, {}, {'RateLimit-Remaining': '3999'})
      await client.get('/apps/a')
      await client.get('/apps/b')
      expect(sleeps).to.deep.equal([])
    })
  })

  describe('concurrency', function () {
    it('never has more requests in flight than its bound', async function () {
      const {client} = await harness({concurrency: 3})
      let inFlight = 0
      let most = 0
      api.get(/^\/apps\/app-\d+$/).times(10).reply((uri, _body, callback) => {
        inFlight++
        most = Math.max(most, inFlight)
        setTimeout(() => {
          inFlight--
          callback(null, [200, {uri}])
        }, 20)
      })
      const results = await Promise.all(Array.from({length: 10}, async (_, index) => client.get<{uri: string}>(`/apps/app-${index}`)))
      expect(results.map(result => result.uri)).to.deep.equal(Array.from({length: 10}, (_, index) => `/apps/app-${index}`))
      expect(most).to.equal(3)
    })

    it('mapBounded keeps the input order and its own bound', async function () {
      let active = 0
      let most = 0
      const out = await mapBounded([5, 1, 3, 2, 4], 2, async (value, index) => {
        active++
        most = Math.max(most, active)
        await new Promise(resolve => {
          setTimeout(resolve, value * 2)
        })
        active--
        return `${index}:${value}`
      })
      expect(out).to.deep.equal(['0:5', '1:1', '2:3', '3:2', '4:4'])
      expect(most).to.equal(2)
    })

    it('mapBounded starts nothing after a failure and throws only once the running items settled', async function () {
      const started: number[] = []
      const settled: number[] = []
      const failure = await mapBounded([0, 1, 2, 3, 4, 5], 2, async value => {
        started.push(value)
        await new Promise(resolve => {
          setTimeout(resolve, value === 0 ? 1 : 20)
        })
        settled.push(value)
        if (value === 0) throw new Error('first fails')
        return value
      }).then(() => undefined, (error: unknown) => error)
      expect((failure as Error).message).to.equal('first fails')
      expect(started).to.deep.equal([0, 1])
      // item 1 was running when 0 failed: the call waited for it
      expect(settled).to.deep.equal([0, 1])
    })

    it('mapBounded of nothing is nothing', async function () {
      expect(await mapBounded([], 4, async () => 1)).to.deep.equal([])
    })

    it('a Semaphore releases its slot when a task throws', async function () {
      const gate = new Semaphore(1)
      let failed = false
      try {
        await gate.run(async () => {
          throw new Error('boom')
        })
      } catch {
        failed = true
      }

      expect(failed).to.equal(true)
      expect(await gate.run(async () => 'next')).to.equal('next')
    })
  })

  describe('hosts', function () {
    it('sends host: data requests to the Data API and records every request', async function () {
      const {client} = await harness()
      data.get('/client/v11/databases/abc').reply(200, {addon_id: 'abc'})
      api.get('/apps/a').reply(200, {id: 'a'})
      await client.get('/client/v11/databases/abc', {host: 'data'})
      await client.get('/apps/a')
      expect(client.requestCount).to.equal(2)
      expect(client.records.map(record => `${record.method} ${record.path} ${record.status}`)).to.deep.equal([
        'GET /client/v11/databases/abc 200',
        'GET /apps/a 200',
      ])
    })
  })
})

describe('heroku client: apiErrorFix', function () {
  const error = (status?: number, resource?: string): ApiError => new ApiError({message: 'm', method: 'GET', path: '/apps/x', resource, status})
  const cases: Array<[string, ApiError, string]> = [
    ['a dropped connection names HEROKU_HOST', error(), 'Check your network and HEROKU_HOST (http://127.0.0.1:5555), then re-run the same command.'],
    ['401 names heroku login', error(401), 'Log in with heroku login, or set HEROKU_API_KEY to a valid token, then re-run the same command.'],
    ['403 names heroku access:add', error(403), 'Check the app with heroku apps:info -a APP; its owner can give you access with heroku access:add EMAIL -a APP.'],
    ['404 names the resource and heroku apps', error(404, 'app'), 'Check the name of the app: heroku apps lists your apps, heroku addons -a APP an app\'s add-ons.'],
    ['429 says to wait', error(429), 'The API rate limit held after retries: wait a minute, then re-run the same command.'],
    ['5xx names the status page', error(503), 'Heroku\'s API is failing (see https://status.heroku.com): re-run the same command later.'],
    ['another refusal says to correct it', error(422), 'Heroku refused the request for the reason above: correct it, then re-run the same command.'],
  ]
  for (const [name, apiError, fix] of cases) {
    it(name, function () {
      expect(apiErrorFix(apiError, {HEROKU_HOST: 'http://127.0.0.1:5555'})).to.equal(fix)
    })
  }
})
