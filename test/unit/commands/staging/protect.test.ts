import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdir, mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import nock from 'nock'

import Protect from '../../../../src/commands/staging/protect.js'
import Unprotect from '../../../../src/commands/staging/unprotect.js'
import type {ProtectResult} from '../../../../src/lib/protect/actions.js'
import {AGENT_VARIABLES} from '../../../../src/lib/hook/consent.js'
import {protectApp, readProtectedEntries} from '../../../../src/lib/protect/store.js'
import {runCommand} from '../../../helpers/run.js'

const API = 'https://api.heroku.com'

describe('staging:protect / staging:unprotect', function () {
  let dir: string
  let cwd: string
  const saved: Record<string, string | undefined> = {}

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), 'protect-cmd-'))
    // Outside any git repository (the policy file is written at the git root of the working directory).
    cwd = process.cwd()
    await mkdir(path.join(dir, 'work'))
    process.chdir(path.join(dir, 'work'))
    // Whoever runs the tests (a person at a terminal, a coding agent) must not change what unprotect does.
    for (const key of ['HEROKU_APP', 'HEROKU_CONFIG_DIR', ...AGENT_VARIABLES]) saved[key] = process.env[key]
    for (const key of ['HEROKU_APP', ...AGENT_VARIABLES]) delete process.env[key]
    // oclif reads <BIN>_CONFIG_DIR when it loads the config for each run: keep the real config dir untouched.
    process.env.HEROKU_CONFIG_DIR = dir
  })

  afterEach(async function () {
    process.chdir(cwd)
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }

    await rm(dir, {force: true, recursive: true})
  })

  it('protects an app that exists, by name and id', async function () {
    const api = nock(API).get('/apps/acme-production').reply(200, {id: 'app-prod-id', name: 'acme-production'})
    const {error, stdout} = await runCommand<ProtectResult>(Protect, ['-a', 'acme-production'])
    api.done()
    expect(error).to.equal(undefined)
    expect(stdout).to.contain('Protected acme-production')
    const entries = await readProtectedEntries(dir)
    expect(entries.map(e => [e.name, e.id])).to.deep.equal([['acme-production', 'app-prod-id']])
  })

  it('in a git repository, records the app in .heroku-staging.json at its root, where every teammate sees it; unprotect removes it', async function () {
    const repo = path.join(dir, 'repo')
    await mkdir(path.join(repo, 'sub'), {recursive: true})
    execFileSync('git', ['init', '-q', repo])
    process.chdir(path.join(repo, 'sub'))
    nock(API).get('/apps/acme-production').reply(200, {id: 'app-prod-id', name: 'acme-production'})
    const {error, stdout} = await runCommand<ProtectResult>(Protect, ['-a', 'acme-production'])
    expect(error).to.equal(undefined)
    expect(stdout).to.contain('.heroku-staging.json: commit it so every teammate')
    expect(JSON.parse(await readFile(path.join(repo, '.heroku-staging.json'), 'utf8'))).to.deep.equal({production: [{id: 'app-prod-id', name: 'acme-production'}]})
    const removed = await runCommand<ProtectResult>(Unprotect, ['-a', 'acme-production'])
    expect(removed.error).to.equal(undefined)
    expect(JSON.parse(await readFile(path.join(repo, '.heroku-staging.json'), 'utf8'))).to.deep.equal({production: []})
  })

  it('a coding agent without a terminal cannot unprotect (a demotion) without a person\'s consent', async function () {
    await protectApp(dir, {id: 'app-prod-id', name: 'acme-production'})
    process.env.CLAUDECODE = '1'
    const tty = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY')
    Object.defineProperty(process.stdin, 'isTTY', {configurable: true, value: false})
    try {
      const {error} = await runCommand<ProtectResult>(Unprotect, ['-a', 'acme-production'])
      expect(error?.message).to.contain("this run looks like a coding agent's (CLAUDECODE is set, no terminal)")
      expect((await readProtectedEntries(dir)).map(e => e.name)).to.deep.equal(['acme-production'])
    } finally {
      if (tty) Object.defineProperty(process.stdin, 'isTTY', tty)
      else delete (process.stdin as {isTTY?: boolean}).isTTY
    }
  })

  it('outside a git repository, says only this machine knows', async function () {
    nock(API).get('/apps/acme-production').reply(200, {id: 'app-prod-id', name: 'acme-production'})
    const {stdout} = await runCommand<ProtectResult>(Protect, ['-a', 'acme-production'])
    expect(stdout).to.contain('Not in a git repository: only this machine knows')
  })

  it('says so when the app already is protected', async function () {
    await protectApp(dir, {id: 'app-prod-id', name: 'acme-production'})
    const api = nock(API).get('/apps/acme-production').reply(200, {id: 'app-prod-id', name: 'acme-production'})
    const {error, stdout} = await runCommand<ProtectResult>(Protect, ['--app', 'acme-production'])
    api.done()
    expect(error).to.equal(undefined)
    expect(stdout).to.contain('already protected')
  })

  it('refuses to protect an app that does not exist (exit 2) and writes nothing', async function () {
    const api = nock(API).get('/apps/acme-typo').reply(404, {id: 'not_found', message: 'Couldn\'t find that app.', resource: 'app'})
    const {error} = await runCommand<ProtectResult>(Protect, ['-a', 'acme-typo'])
    api.done()
    expect(error?.message).to.contain('acme-typo was not found')
    expect(error?.message).to.contain('heroku apps')
    expect(error?.oclif?.exit).to.equal(2)
    expect(await readProtectedEntries(dir)).to.deep.equal([])
  })

  it('maps an API failure to exit 3', async function () {
    const api = nock(API).get('/apps/acme-production').reply(401, {id: 'unauthorized', message: 'Invalid credentials provided.'})
    const {error} = await runCommand<ProtectResult>(Protect, ['-a', 'acme-production'])
    api.done()
    expect(error?.oclif?.exit).to.equal(3)
  })

  it('needs an app unless --list (exit 2, naming the flag)', async function () {
    const {error} = await runCommand<ProtectResult>(Protect, [])
    expect(error?.message).to.contain('heroku staging:protect -a APP')
    expect(error?.oclif?.exit).to.equal(2)
  })

  it('lists protected apps, human and --json, without calling the API', async function () {
    const empty = await runCommand<ProtectResult>(Protect, ['--list'])
    expect(empty.error).to.equal(undefined)
    expect(empty.stdout).to.contain('No app is protected')

    await protectApp(dir, {id: 'b-id', name: 'b-prod'}, new Date('2025-02-03T00:00:00.000Z'))
    await protectApp(dir, {id: 'a-id', name: 'a-prod'}, new Date('2025-02-03T00:00:00.000Z'))
    const human = await runCommand<ProtectResult>(Protect, ['--list'])
    expect(human.stdout).to.match(/a-prod\s+since 2025-02-03T00:00:00.000Z\n\s+b-prod/)

    const json = await runCommand<ProtectResult>(Protect, ['--list', '--json'])
    expect(json.error).to.equal(undefined)
    const parsed = JSON.parse(json.stdout) as ProtectResult
    expect(parsed.action).to.equal('list')
    expect(parsed.protected.map(e => e.name)).to.deep.equal(['a-prod', 'b-prod'])
    expect(parsed.file).to.equal(path.join(dir, 'staging-protected.json'))
  })

  it('round-trips: protect, list, unprotect, list', async function () {
    const api = nock(API).get('/apps/acme-production').reply(200, {id: 'app-prod-id', name: 'acme-production'})
    const protectedRun = await runCommand<ProtectResult>(Protect, ['-a', 'acme-production', '--json'])
    api.done()
    expect(protectedRun.result?.changed).to.equal(true)
    expect((await runCommand<ProtectResult>(Protect, ['--list', '--json'])).result?.protected.map(e => e.name)).to.deep.equal(['acme-production'])

    const removed = await runCommand<ProtectResult>(Unprotect, ['-a', 'acme-production', '--json'])
    expect(removed.error).to.equal(undefined)
    expect(removed.result?.changed).to.equal(true)
    expect((await runCommand<ProtectResult>(Protect, ['--list', '--json'])).result?.protected).to.deep.equal([])
  })

  it('unprotects a renamed app through its id', async function () {
    await protectApp(dir, {id: 'app-prod-id', name: 'acme-old-name'})
    const api = nock(API).get('/apps/acme-production').reply(200, {id: 'app-prod-id', name: 'acme-production'})
    const {error, stdout} = await runCommand<ProtectResult>(Unprotect, ['-a', 'acme-production'])
    api.done()
    expect(error).to.equal(undefined)
    expect(stdout).to.contain('no longer protected')
    expect(await readProtectedEntries(dir)).to.deep.equal([])
  })

  it('unprotecting an app that is not protected changes nothing and exits 0', async function () {
    const api = nock(API).get('/apps/acme-staging').reply(404, {id: 'not_found', message: 'Couldn\'t find that app.'})
    const {error, stdout} = await runCommand<ProtectResult>(Unprotect, ['-a', 'acme-staging'])
    api.done()
    expect(error).to.equal(undefined)
    expect(stdout).to.contain('was not protected')
  })

  it('unprotect needs an app (exit 2)', async function () {
    const {error} = await runCommand<ProtectResult>(Unprotect, [])
    expect(error?.oclif?.exit).to.equal(2)
    expect(error?.message).to.contain('heroku staging:unprotect -a APP')
  })
})
