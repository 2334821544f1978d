import {expect} from 'chai'
import {cp, mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:http'
import {tmpdir} from 'node:os'
import type {AddressInfo} from 'node:net'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {clearInterceptor, httpCallsOf, installInterceptor, type InterceptedRequest, stockHttpCall} from '../../../src/lib/hook/intercept.js'

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

  it('patches every distinct copy the loaded plugins resolve: a plugin installed with its own http-call is checked too', async function () {
    // A plugin root with its own copy of @heroku/http-call (as plugins:install leaves one), its dependencies linked.
    const plugin = await mkdtemp(path.join(tmpdir(), 'intercept-plugin-'))
    try {
      const copy = path.join(plugin, 'node_modules', '@heroku', 'http-call')
      await mkdir(path.dirname(copy), {recursive: true})
      await cp(path.join(ROOT, 'node_modules', '@heroku', 'http-call'), copy, {recursive: true})
      await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'))
      await writeFile(path.join(plugin, 'package.json'), JSON.stringify({name: 'other-plugin', version: '1.0.0'}))
      const copies = httpCallsOf([CLI_ROOT, plugin, CLI_ROOT])
      // The stock copy, the plugin's, and the unscoped http-call the CLI's tree also holds (older
      // @heroku-cli/command versions send through it), once each.
      const unscoped = createRequire(path.join(CLI_ROOT, 'package.json'))('http-call') as unknown
      expect(copies, 'three distinct copies').to.have.length(3)
      expect(copies).to.include(stockHttpCall(CLI_ROOT)).and.include(unscoped)
      const seen: string[] = []
      expect(installInterceptor(CLI_ROOT, async request => {
        seen.push(`${request.method} ${request.path}`)
        throw new Error('refused by the test')
      }, [plugin])).to.equal(true)
      const other = copies.find(copy_ => copy_ !== stockHttpCall(CLI_ROOT) && copy_ !== unscoped) as unknown as {HTTP: {delete(url: string): Promise<unknown>}}
      const error = await other.HTTP.delete(`${base}/apps/acme-production`).then(() => undefined, (caught: Error) => caught)
      expect(error?.message).to.equal('refused by the test')
      expect(seen).to.deep.equal(['DELETE /apps/acme-production'])
      expect(received, 'never sent').to.deep.equal([])
      // Without that plugin's root, only the CLI's own two copies are found.
      expect(httpCallsOf([CLI_ROOT])).to.have.length(2)
    } finally {
      await rm(plugin, {force: true, recursive: true})
    }
  })
})
