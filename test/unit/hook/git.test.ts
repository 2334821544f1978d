import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {chooseApp, parseGuardedArgv, type ParsedArgv} from '../../../src/lib/hook/argv.js'
import {readGitRemotes} from '../../../src/lib/hook/git.js'

/** The app from git remotes as the stock CLI reads them: `git remote -v`, with git's insteadOf applied. */
describe('hook: git remotes as the stock CLI reads them', function () {
  let repo: string
  const git = (...args: string[]) => execFileSync('git', args, {cwd: repo, env: {...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1'}})

  beforeEach(async function () {
    repo = await mkdtemp(path.join(tmpdir(), 'hook-git-'))
    git('init', '-q')
  })

  afterEach(async function () {
    await rm(repo, {force: true, recursive: true})
  })

  it('applies url.<base>.insteadOf: the raw remote names staging, git (and the CLI) use production', async function () {
    git('remote', 'add', 'heroku', 'https://git.heroku.com/acme-staging.git')
    git('config', 'url.https://git.heroku.com/acme-production.git.insteadOf', 'https://git.heroku.com/acme-staging.git')
    const remotes = await readGitRemotes(repo)
    expect(remotes.remotes).to.deep.equal([{name: 'heroku', url: 'https://git.heroku.com/acme-production.git'}])
    const parsed = parseGuardedArgv('pg:reset', ['DATABASE']) as ParsedArgv
    expect(chooseApp(parsed, {}, remotes).apps).to.deep.equal(['acme-production'])
  })

  it('reads heroku.remote; outside a repository there are no remotes', async function () {
    git('remote', 'add', 'prod', 'https://git.heroku.com/acme-production.git')
    git('config', 'heroku.remote', 'prod')
    expect(await readGitRemotes(repo)).to.deep.equal({defaultRemote: 'prod', remotes: [{name: 'prod', url: 'https://git.heroku.com/acme-production.git'}]})
    expect(await readGitRemotes(tmpdir())).to.deep.equal({remotes: []})
  })
})
