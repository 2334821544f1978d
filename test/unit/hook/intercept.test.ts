import {expect} from 'chai'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {clearInterceptor, installInterceptor, type InterceptedRequest, stockHttpCall} from '../../../src/lib/hook/intercept.js'

/** The patch point on the pinned CLI's own http-call: found, checked before a mutating request is sent, absent elsewhere. */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const CLI_ROOT = path.join(ROOT, 'node_modules', 'heroku')

describe('hook: the interceptor on the stock CLI\'s http-call', function () {
  let server: Server
  let base: string
  const received: string[] = []

  before(async function () {
    server = createServer((req, res) => {
      received.push(`${req.method} ${req.url}`)
      res.writeHead(200, {'content-type': 'application/json'}).end('{}')
    })
    await new Promise<void>(resolve => {
      server.listen(0, '127.0.0.1', resolve)
    })
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  after(async function () {
    await new Promise(resolve => {
      server.close(resolve)
    })
  })

  afterEach(function () {
    clearInterceptor()
    received.length = 0
  })

  it('finds the patch point from the pinned CLI\'s root (the copy @heroku-cli/command loads), and none elsewhere', function () {
    const http = stockHttpCall(CLI_ROOT)
    const fromCommand = createRequire(createRequire(path.join(CLI_ROOT, 'package.json')).resolve('@heroku-cli/command'))('@heroku/http-call') as unknown
    expect(http).to.equal(fromCommand)
    expect(stockHttpCall('/nonexistent')).to.equal(undefined)
    expect(installInterceptor('/nonexistent', async () => {})).to.equal(false)
  })

  it('a mutating request is checked before it is sent, and a refusal stops it; a GET is not checked', async function () {
    const seen: InterceptedRequest[] = []
    expect(installInterceptor(CLI_ROOT, async request => {
      seen.push(request)
      throw new Error('refused by the test')
    })).to.equal(true)
    const {HTTP} = stockHttpCall(CLI_ROOT) as unknown as {HTTP: {get(url: string): Promise<unknown>; post(url: string, options?: object): Promise<unknown>}}
    const error = await HTTP.post(`${base}/apps/acme-production/config-vars?x=1`, {body: {DATABASE_URL: null}}).then(() => undefined, (caught: Error) => caught)
    expect(error?.message).to.equal('refused by the test')
    expect(received, 'never sent').to.deep.equal([])
    expect(seen).to.have.length(1)
    expect(seen[0]).to.deep.include({method: 'POST', path: '/apps/acme-production/config-vars?x=1'})
    expect(JSON.parse(String(seen[0]?.body))).to.deep.equal({DATABASE_URL: null})
    await HTTP.get(`${base}/apps`)
    expect(seen, 'a GET is not checked').to.have.length(1)
    expect(received).to.deep.equal(['GET /apps'])
  })

  it('a mutating request the check lets through is sent as it was', async function () {
    installInterceptor(CLI_ROOT, async () => {})
    const {HTTP} = stockHttpCall(CLI_ROOT) as unknown as {HTTP: {patch(url: string, options?: object): Promise<unknown>}}
    await HTTP.patch(`${base}/apps/acme-production/formation`, {body: {updates: []}})
    expect(received).to.deep.equal(['PATCH /apps/acme-production/formation'])
  })
})
