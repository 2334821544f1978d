import type {Command} from '@oclif/core'

import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {chooseApp, guardTargets} from '../../../src/lib/hook/argv.js'
import {parsedFromStock} from '../../../src/lib/hook/parse.js'

/**
 * The command-level checks parse with oclif's Parser and the pinned stock command's own class (heroku 11.10),
 * so the app is the one the stock command will use: -a, else HEROKU_APP, else the Heroku git remote as
 * `git remote -v` gives it (git's insteadOf applied), limited by -r.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

async function stockCommand(relative: string): Promise<Command.Class> {
  return (await import(pathToFileURL(path.join(ROOT, 'node_modules/heroku/dist/commands', relative)).href) as {default: Command.Class}).default
}

describe('hook: the guarded command parsed as the stock command parses it', function () {
  let repo: string
  let cwd: string
  const saved = process.env.HEROKU_APP

  beforeEach(async function () {
    repo = await mkdtemp(path.join(tmpdir(), 'stock-parse-'))
    cwd = process.cwd()
    delete process.env.HEROKU_APP
  })

  afterEach(async function () {
    process.chdir(cwd)
    if (saved === undefined) delete process.env.HEROKU_APP
    else process.env.HEROKU_APP = saved
    await rm(repo, {force: true, recursive: true})
  })

  it('-a, then HEROKU_APP, name the app; APP::DATABASE still names its own', async function () {
    const reset = await stockCommand('pg/reset.js')
    expect((await parsedFromStock('pg:reset', reset, ['DATABASE', '-a', 'acme-staging']))?.options.app).to.deep.equal(['acme-staging'])
    process.env.HEROKU_APP = 'acme-production'
    const parsed = await parsedFromStock('pg:reset', reset, ['--confirm', 'x'])
    expect(parsed?.options.app).to.deep.equal(['acme-production'])
    const copy = await parsedFromStock('pg:copy', await stockCommand('pg/copy.js'), ['DATABASE', 'acme-production::DATABASE', '-a', 'acme-staging'])
    expect(guardTargets(copy!, chooseApp(copy!, {}))).to.deep.equal([{app: 'acme-production', appSource: 'target', kind: 'database', name: 'DATABASE'}])
  })

  it('a git remote rewritten by insteadOf names the app git (and the stock CLI) will use', async function () {
    const git = (...args: string[]) => execFileSync('git', args, {cwd: repo})
    git('init', '-q')
    git('remote', 'add', 'heroku', 'https://git.heroku.com/acme-staging.git')
    git('config', 'url.https://git.heroku.com/acme-production.git.insteadOf', 'https://git.heroku.com/acme-staging.git')
    process.chdir(repo)
    const parsed = await parsedFromStock('pg:reset', await stockCommand('pg/reset.js'), ['DATABASE', '--confirm', 'acme-production'])
    expect(parsed?.options.app).to.deep.equal(['acme-production'])
  })

  it('a command line the stock parser rejects is not parsed (the table-driven parse decides)', async function () {
    expect(await parsedFromStock('pg:reset', await stockCommand('pg/reset.js'), ['--no-such-flag', '-a', 'x'])).to.equal(undefined)
  })
})
