import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {ActionableError} from '../../../src/lib/errors.js'
import {loadProtected, POLICY_FILE, writePolicy} from '../../../src/lib/protect/policy.js'
import {
  protectApp,
  protectedFile,
  protectedKeys,
  readProtectedApps,
  readProtectedEntries,
  unprotectApp,
  writeProtectedApps,
} from '../../../src/lib/protect/store.js'

describe('protected-apps store', function () {
  let dir: string

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), 'protect-store-'))
  })

  afterEach(async function () {
    await rm(dir, {force: true, recursive: true})
  })

  it('loadProtected: the entries and the keys the guard matches', async function () {
    await protectApp(dir, {id: 'id-1', name: 'a-prod'})
    expect(await loadProtected(dir, dir)).to.deep.include({keys: ['a-prod', 'id-1']})
  })

  it('loadProtected: the repository\'s policy file counts too, as the hook reads it', async function () {
    execFileSync('git', ['init', '-q', dir])
    await protectApp(dir, {id: 'id-1', name: 'a-prod'})
    await writePolicy(dir, {id: 'id-2', name: 'b-prod'}, 'add')
    expect((await loadProtected(dir, dir)).keys.sort()).to.deep.equal(['a-prod', 'b-prod', 'id-1', 'id-2'])
    // Outside the repository, only this machine's list.
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'protect-elsewhere-'))
    expect((await loadProtected(dir, elsewhere)).keys.sort()).to.deep.equal(['a-prod', 'id-1'])
    await rm(elsewhere, {force: true, recursive: true})
  })

  it('loadProtected: a corrupt policy file stops the command with exit 4, naming it', async function () {
    execFileSync('git', ['init', '-q', dir])
    await writeFile(path.join(dir, POLICY_FILE), '{"production": "a-prod"}')
    const error = await loadProtected(dir, dir).then(() => undefined, (error_: unknown) => error_)
    expect(error).to.be.instanceOf(ActionableError)
    expect((error as ActionableError).exit).to.equal(4)
    expect((error as ActionableError).message).to.contain(path.join(dir, POLICY_FILE))
  })

  it('loadProtected: a corrupt file stops every command with exit 4 (refused: fail closed), naming the file', async function () {
    await writeFile(protectedFile(dir), '{not json')
    const error = await loadProtected(dir, dir).then(() => undefined, (error_: unknown) => error_)
    expect(error).to.be.instanceOf(ActionableError)
    expect((error as ActionableError).exit).to.equal(4)
    expect((error as ActionableError).message).to.contain(protectedFile(dir))
    expect((error as ActionableError).fix).to.contain('heroku staging:protect --list')
  })

  it('is empty when the file does not exist', async function () {
    expect(await readProtectedApps(dir)).to.deep.equal([])
    expect(await readProtectedEntries(dir)).to.deep.equal([])
  })

  it('protects, lists and unprotects, keeping names sorted and ids', async function () {
    const now = new Date('2025-01-02T03:04:05.000Z')
    expect((await protectApp(dir, {id: 'id-b', name: 'b-prod'}, now)).changed).to.equal(true)
    expect((await protectApp(dir, {id: 'id-a', name: 'a-prod'}, now)).changed).to.equal(true)
    expect(await readProtectedApps(dir)).to.deep.equal(['a-prod', 'b-prod'])
    expect(protectedKeys(await readProtectedEntries(dir))).to.deep.equal(['a-prod', 'id-a', 'b-prod', 'id-b'])
    const again = await protectApp(dir, {id: 'id-a', name: 'a-prod'}, now)
    expect(again.changed).to.equal(false)
    const removed = await unprotectApp(dir, {name: 'a-prod'})
    expect(removed.changed).to.equal(true)
    expect(removed.apps.map(e => e.name)).to.deep.equal(['b-prod'])
    expect((await unprotectApp(dir, {name: 'a-prod'})).changed).to.equal(false)
  })

  it('follows a renamed app by id', async function () {
    const since = new Date('2024-06-01T00:00:00.000Z')
    await protectApp(dir, {id: 'id-1', name: 'old-name'}, since)
    const renamed = await protectApp(dir, {id: 'id-1', name: 'new-name'})
    expect(renamed.changed).to.equal(true)
    expect(await readProtectedEntries(dir)).to.deep.equal([{id: 'id-1', name: 'new-name', since: since.toISOString()}])
    expect((await unprotectApp(dir, {id: 'id-1', name: 'whatever'})).changed).to.equal(true)
    expect(await readProtectedApps(dir)).to.deep.equal([])
  })

  it('reads files written before ids were kept, and writeProtectedApps keeps known records', async function () {
    await writeFile(protectedFile(dir), JSON.stringify({apps: ['legacy-prod', 'legacy-prod', 42]}))
    expect(await readProtectedEntries(dir)).to.deep.equal([{name: 'legacy-prod'}])
    await protectApp(dir, {id: 'id-x', name: 'x-prod'}, new Date('2025-01-01T00:00:00.000Z'))
    await writeProtectedApps(dir, ['x-prod', 'y-prod'])
    expect(await readProtectedEntries(dir)).to.deep.equal([{id: 'id-x', name: 'x-prod', since: '2025-01-01T00:00:00.000Z'}, {name: 'y-prod'}])
    const raw = JSON.parse(await readFile(protectedFile(dir), 'utf8')) as {apps: string[]}
    expect(raw.apps).to.deep.equal(['x-prod', 'y-prod'])
  })

  it('throws on a corrupt file rather than reading it as "nothing protected"', async function () {
    await writeFile(protectedFile(dir), '{not json')
    let error: unknown
    try {
      await readProtectedApps(dir)
    } catch (error_) {
      error = error_
    }

    expect(error).to.be.instanceOf(SyntaxError)
  })
})
