import {expect} from 'chai'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {OUTSIDE_THE_CLIENT} from '../../../src/lib/hook/coverage.js'
import {DESTRUCTIVE_COMMANDS, GUARDED_COMMANDS} from '../../../src/lib/hook/ids.js'

/**
 * Every command of the pinned stock CLI is classified: it sends its writes through the API client the
 * effect guard intercepts (covered by effects), or it is listed in lib/hook/coverage.ts. A command that
 * reaches outside the client (child processes, sockets, psql) and is not listed fails here, as does a
 * listed or command-level id the pinned CLI does not have.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const CLI = path.join(ROOT, 'node_modules', 'heroku')
const OUTSIDE = /child_process|\bspawn\(|execSync|execFile|from 'node:https?'|\bfetch\(|psql/i

interface Manifest {
  commands: Record<string, {aliases?: string[]; hiddenAliases?: string[]; relativePath: string[]}>
}

/** The files a module imports, relative imports only, transitively. */
function closure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen
  seen.add(file)
  for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    const target = path.resolve(path.dirname(file), match[1]!)
    const found = existsSync(target) ? target : existsSync(`${target}.js`) ? `${target}.js` : undefined
    if (found) closure(found, seen)
  }

  return seen
}

describe('every command of the pinned heroku CLI is classified', function () {
  const manifest = JSON.parse(readFileSync(path.join(CLI, 'oclif.manifest.json'), 'utf8')) as Manifest
  const outside = new Map<string, string[]>()
  const names = new Map<string, string>()
  for (const [id, command] of Object.entries(manifest.commands)) {
    for (const name of [id, ...(command.aliases ?? []), ...(command.hiddenAliases ?? [])]) names.set(name, id)
    const files = [...closure(path.join(CLI, ...command.relativePath))].filter(file => OUTSIDE.test(readFileSync(file, 'utf8')))
    if (files.length > 0) outside.set(id, files.map(file => path.relative(CLI, file)))
  }

  it('reads the pinned CLI (11.10.0) with its aliases', function () {
    expect((JSON.parse(readFileSync(path.join(CLI, 'package.json'), 'utf8')) as {version: string}).version).to.equal('11.10.0')
    expect(Object.keys(manifest.commands).length).to.be.greaterThan(300)
    expect(names.get('psql')).to.equal('pg:psql')
    expect(names.get('login')).to.equal('auth:login')
  })

  it('a command reaching outside the API client is listed with how it is guarded', function () {
    const unlisted = [...outside.keys()].filter(id => !(id in OUTSIDE_THE_CLIENT)).map(id => `${id} (${outside.get(id)!.join(', ')})`)
    expect(unlisted, 'add these to lib/hook/coverage.ts').to.deep.equal([])
  })

  it('every listed, command-level and destructive id is a command (or alias) of the pinned CLI', function () {
    const ids = [...Object.keys(OUTSIDE_THE_CLIENT), ...GUARDED_COMMANDS, ...DESTRUCTIVE_COMMANDS]
    expect(ids.filter(id => !names.has(id))).to.deep.equal([])
  })

  it('a listed command reaches outside the client indeed, or is guarded at command level (the list holds no stale entry)', function () {
    const stale = Object.entries(OUTSIDE_THE_CLIENT).filter(([id, entry]) => !outside.has(id) && entry.coverage !== 'command-level').map(([id]) => id)
    expect(stale).to.deep.equal([])
  })

  it('what never goes through the API and writes a Heroku database is checked at command level', function () {
    for (const [id, entry] of Object.entries(OUTSIDE_THE_CLIENT)) {
      if (entry.coverage === 'command-level') expect((GUARDED_COMMANDS as readonly string[]).includes(id) || (DESTRUCTIVE_COMMANDS as readonly string[]).includes(id), id).to.equal(true)
    }
  })
})
