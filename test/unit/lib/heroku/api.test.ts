import {expect} from 'chai'

import {apiOf, HerokuApi, type Transport} from '../../../../src/lib/heroku/api.js'
import {ApiError, type RequestOptions} from '../../../../src/lib/heroku/client.js'

interface Sent {
  method: string
  options: RequestOptions
  path: string
}

/** A transport that records each request and answers from `answer` (an Error is thrown). */
function recording(answer: (method: string, path: string) => unknown = () => ({})): {sent: Sent[]; transport: Transport} {
  const sent: Sent[] = []
  const send = (method: string) => async <T>(path: string, options: RequestOptions = {}): Promise<T> => {
    sent.push({method, options, path})
    const value = answer(method, path)
    if (value instanceof Error) throw value
    return value as T
  }

  return {sent, transport: {delete: send('DELETE'), get: send('GET'), list: send('LIST'), patch: send('PATCH'), post: send('POST'), put: send('PUT')}}
}

const status = (code: number, path = '/x') => new ApiError({message: String(code), method: 'GET', path, status: code})

describe('heroku: the typed resource layer (src/lib/heroku/api.ts)', function () {
  it('encodes every reference into its path, once', async function () {
    const {sent, transport} = recording()
    const api = new HerokuApi(transport)
    await api.configVars('my app/x')
    await api.appAddon('a', 'db 1')
    await api.transfer('billing app', 'u/1', {verbose: true})
    expect(sent.map(s => s.path)).to.deep.equal([
      '/apps/my%20app%2Fx/config-vars',
      '/apps/a/addons/db%201',
      '/client/v11/apps/billing%20app/transfers/u%2F1?verbose=true',
    ])
  })

  it('sends each resource\'s headers and host: attachments with inclusions, releases with a Range, Data API on its host', async function () {
    const {sent, transport} = recording((_method, path) => (path.endsWith('/releases') ? [{id: 'r', version: 3}] : []))
    const api = new HerokuApi(transport)
    await api.attachments('a')
    expect(await api.releases('a', 10)).to.deep.equal([{id: 'r', version: 3}])
    await api.database('db')
    expect(sent[0]?.options.headers?.['accept-inclusion']).to.equal('addon:plan,config_vars')
    expect(sent[1]?.options.headers?.range).to.equal('version ..; max=10, order=desc')
    expect(sent[2]).to.deep.include({method: 'GET', path: '/client/v11/databases/db'})
    expect(sent[2]?.options.host).to.equal('data')
  })

  it('a single release answered as an object still comes back as a list', async function () {
    const {transport} = recording(() => ({id: 'r', version: 1}))
    expect(await new HerokuApi(transport).releases('a', 1)).to.deep.equal([{id: 'r', version: 1}])
  })

  it('find* turns a 404 into undefined and lets every other failure through', async function () {
    const missing = new HerokuApi(recording(() => status(404)).transport)
    expect(await missing.findApp('a')).to.equal(undefined)
    expect(await missing.findCoupling('a')).to.equal(undefined)
    expect(await missing.findWaitStatus('db')).to.equal(undefined)
    const forbidden = new HerokuApi(recording(() => status(403)).transport)
    const failure = await forbidden.findApp('a').then(() => undefined, (error: unknown) => error)
    expect(failure).to.be.instanceOf(ApiError).and.have.property('status', 403)
  })

  it('asks /filters/apps once per 1,000 ids, and creates team apps through /teams/apps', async function () {
    const {sent, transport} = recording((method, path) => (path === '/filters/apps' ? [{id: 'x', name: 'x'}] : {}))
    const api = new HerokuApi(transport)
    const ids = Array.from({length: 1500}, (_, index) => `id-${index}`)
    expect(await api.appsById(ids)).to.have.length(2)
    expect(sent.map(s => (s.options.body as {in: {id: string[]}}).in.id.length)).to.deep.equal([1000, 500])
    await api.createApp({name: 'n'}, {team: true})
    await api.createApp({name: 'n'}, {team: false})
    expect(sent.slice(2).map(s => `${s.method} ${s.path}`)).to.deep.equal(['POST /teams/apps', 'POST /apps'])
  })

  it('missingApp names the app a 404 was about, and nothing for another path', function () {
    expect(HerokuApi.missingApp(status(404, '/apps/acme%20x'), ['other', 'acme x'])).to.equal('acme x')
    expect(HerokuApi.missingApp(status(404, '/apps/acme/config-vars'), ['acme'])).to.equal(undefined)
  })

  it('apiOf gives one resource layer per transport', function () {
    const a = recording().transport
    expect(apiOf(a)).to.equal(apiOf(a))
    expect(apiOf(a)).not.to.equal(apiOf(recording().transport))
  })
})
