import {expect} from 'chai'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {ActionableError} from '../../../src/lib/errors.js'
import {allProtected, loadProtected, POLICY_FILE, readPolicy, repositoryRoot} from '../../../src/lib/protect/policy.js'

/**
 * The policy file is read from the repository root found by walking up to `.git` (a directory, or a file
 * in a worktree), never by running git: git refusing the repository (ownership), or missing, cannot turn
 * the protection off. A read that fails for any reason but "not there" refuses.
 */

describe('policy file: read without git, failing closed', function () {
  let dir: string
  let configDir: string
  let path_: string | undefined

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), 'policy-repo-'))
    configDir = await mkdtemp(path.join(tmpdir(), 'policy-config-'))
    path_ = process.env.PATH
  })

  afterEach(async function () {
    process.env.PATH = path_
    await rm(dir, {force: true, recursive: true})
    await rm(configDir, {force: true, recursive: true})
  })

  it('finds the root from a nested directory, with .git a directory or a file (worktree), and none outside a repository', async function () {
    const nested = path.join(dir, 'a', 'b')
    await mkdir(nested, {recursive: true})
    expect(await repositoryRoot(nested)).to.equal(undefined)
    await writeFile(path.join(dir, '.git'), 'gitdir: /elsewhere/.git/worktrees/x\n')
    expect(await repositoryRoot(nested)).to.equal(dir)
    await rm(path.join(dir, '.git'))
    await mkdir(path.join(dir, '.git'))
    expect(await repositoryRoot(nested)).to.equal(dir)
  })

  it('reads the policy file with no git on the PATH (what a refusing or missing git looked like to the old read)', async function () {
    await mkdir(path.join(dir, '.git'))
    await writeFile(path.join(dir, POLICY_FILE), JSON.stringify({production: ['acme-production']}))
    process.env.PATH = '/nonexistent'
    expect((await allProtected(configDir, dir)).map(entry => entry.name)).to.deep.equal(['acme-production'])
    expect((await loadProtected(configDir, dir)).keys).to.deep.equal(['acme-production'])
  })

  it('a policy file that cannot be read (here a directory) refuses: allProtected throws, loadProtected stops with exit 4', async function () {
    await mkdir(path.join(dir, '.git'))
    await mkdir(path.join(dir, POLICY_FILE))
    const thrown = await allProtected(configDir, dir).then(() => undefined, (error: unknown) => error)
    expect((thrown as NodeJS.ErrnoException | undefined)?.code).to.equal('EISDIR')
    const error = await loadProtected(configDir, dir).then(() => undefined, (caught: unknown) => caught)
    expect(error).to.be.instanceOf(ActionableError)
    expect((error as ActionableError).exit).to.equal(4)
  })

  it('no policy file in the repository: none, no error', async function () {
    await mkdir(path.join(dir, '.git'))
    expect(await allProtected(configDir, dir)).to.deep.equal([])
  })

  it('keeps an entry with an id and no name (matched by id), trims names, drops empty ones', async function () {
    await writeFile(path.join(dir, POLICY_FILE), JSON.stringify({production: [{id: '01234567-89ab-cdef-0123-456789abcdef'}, ' acme-production ', '  ', {name: ' acme-api ', id: 'id-api'}, {}]}))
    expect(await readPolicy(dir)).to.deep.equal([
      {id: '01234567-89ab-cdef-0123-456789abcdef', name: '01234567-89ab-cdef-0123-456789abcdef'},
      {name: 'acme-production'},
      {id: 'id-api', name: 'acme-api'},
    ])
  })
})
