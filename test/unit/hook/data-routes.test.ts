import {expect} from 'chai'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {classifyRequest, knownRoute, NO_EFFECT_ROUTES} from '../../../src/lib/heroku/routes.js'

/**
 * Every write the pinned `heroku` CLI sends to the Data and Key-Value Store APIs (`/client/v11/`,
 * `/postgres/v0/`, `/data/`, `/redis/v0/`) is known to the effect guard: classified into an effect in
 * heroku/routes.ts, or listed there as changing nothing, with why. Read from the compiled JS: a path
 * literal with a POST/PUT/PATCH/DELETE call around it. A route neither classified nor listed fails here.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const DIST = path.join(ROOT, 'node_modules', 'heroku', 'dist')
const LITERAL = /([`'])(\/(?:client\/v11|postgres\/v0|data|redis\/v0)\/[^`']*)\1/g

/** Path literals built into a variable first, read by hand: each is only ever sent with GET. */
const READ_BY_HAND = [
  // pg:backups polls a transfer's status: this.heroku.get(quietUrl or verboseUrl).
  'lib/pg/backups.js: /client/v11/apps/${appId ?? this.app}/transfers/${transferID}',
]

function files(directory: string): string[] {
  return readdirSync(directory, {withFileTypes: true}).flatMap(entry => {
    const full = path.join(directory, entry.name)
    if (entry.isDirectory()) return files(full)
    return entry.name.endsWith('.js') ? [full] : []
  })
}

/** The method a path literal is sent with: `.post(\`...\``, or `.request(\`...\`, 'PATCH'`, or `method: 'DELETE'` in the same call. */
function methodOf(source: string, index: number, literal: string): string {
  const before = source.slice(Math.max(0, index - 40), index)
  const call = /\.(get|post|put|patch|delete)\(\s*$/i.exec(before)
  if (call) return call[1]!.toUpperCase()
  const after = source.slice(index + literal.length, index + literal.length + 200)
  const positional = /^\s*,\s*['"](GET|POST|PUT|PATCH|DELETE)['"]/i.exec(after)
  if (positional) return positional[1]!.toUpperCase()
  const option = /^[^;]*?method:\s*['"](GET|POST|PUT|PATCH|DELETE)['"]/i.exec(after)
  if (option) return option[1]!.toUpperCase()
  // A literal built into a variable, or a `.request(path)` without a method (GET).
  return /\.request\(\s*$/.test(before) ? 'GET' : 'UNKNOWN'
}

/** `/client/v11/databases/${db.id}/links/${encodeURIComponent(x)}` → `/client/v11/databases/p1/links/p2`. */
function sample(template: string): string {
  let count = 0
  return template.replaceAll(/\$\{(?:[^{}]|\{[^{}]*\})*\}/g, () => `p${++count}`).split('?')[0]!
}

describe('every Data and Key-Value Store API write of the pinned heroku CLI is classified or listed', function () {
  const writes = new Map<string, string>()
  const unknownMethod: string[] = []
  for (const file of files(DIST)) {
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(LITERAL)) {
      const method = methodOf(source, match.index, match[0])
      const where = path.relative(DIST, file)
      if (method === 'UNKNOWN') unknownMethod.push(`${where}: ${match[2]}`)
      else if (method !== 'GET') writes.set(`${method} ${sample(match[2]!)}`, where)
    }
  }

  it('finds the writes it knows are there (so the scan itself can fail)', function () {
    const found = [...writes.keys()]
    for (const expected of ['PUT /client/v11/databases/p1/reset', 'POST /client/v11/databases/p1/upgrade/prepare', 'POST /data/maintenances/v1/p1/run', 'PATCH /redis/v0/databases/p1/config', 'PATCH /postgres/v0/databases/p1/config']) {
      expect(found).to.include(expected)
    }

    expect(writes.size).to.be.greaterThan(30)
  })

  it('reads the method of every path literal that is not clearly a read', function () {
    // A literal whose method the scan cannot tell is looked at by hand and listed here, or the scan is taught.
    expect(unknownMethod.filter(line => !READ_BY_HAND.includes(line))).to.deep.equal([])
  })

  it('classifies or lists each of them', function () {
    const unknown = [...writes].filter(([route]) => {
      const [method, pathname] = route.split(' ') as [string, string]
      return knownRoute(method, pathname) === undefined
    }).map(([route, file]) => `${route} (${file})`)
    expect(unknown, 'add each to heroku/routes.ts: an effect route, or NO_EFFECT_ROUTES with why').to.deep.equal([])
  })

  it('every no-effect entry says why, and none is also classified', function () {
    for (const entry of NO_EFFECT_ROUTES) {
      expect(entry.reason.length, entry.path).to.be.greaterThan(10)
      expect(knownRoute(entry.method, entry.path.replaceAll(':p', 'x')), `${entry.method} ${entry.path}`).to.equal('no-effect')
    }
  })
})

describe('effect guard: another plugin\'s Data API writes name the data store they touch', function () {
  it('a kafka cluster write is a write to that add-on (refused only when it is production\'s), not an unknown route refused everywhere', function () {
    expect(classifyRequest({body: {name: 'events'}, method: 'POST', path: '/data/kafka/v0/clusters/kafka-stg-1/topics'})).to.deep.equal({database: 'kafka-stg-1', kind: 'database-write', what: 'unknown'})
    // A write under /data/ that names no add-on still cannot be placed: refused, the guard cannot tell.
    expect(classifyRequest({body: {}, method: 'POST', path: '/data/cdc/v0/anything'})).to.have.property('kind', 'unknown')
  })
})
