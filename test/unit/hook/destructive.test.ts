import type {Command} from '@oclif/core'
import {expect} from 'chai'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {checkDestructive} from '../../../src/lib/hook/destructive.js'
import {decideDestructive, type DestructiveDecision, renderDestructiveRefusal} from '../../../src/lib/hook/destructive-message.js'
import type {DestructiveCommandId} from '../../../src/lib/hook/ids.js'
import {cleanWorld, fakeClient, markedLoneWorld, PROD_URL, type World} from './world.js'

/** checkDestructive over the fake API, with the stock heroku 11.10 command classes. */

async function stockCommand(id: string): Promise<Command.Class> {
  const file = path.resolve('node_modules/heroku/dist/commands', `${id.replaceAll(':', '/')}.js`)
  const module = await import(pathToFileURL(file).href) as Record<string, Command.Class>
  const command = module.default ?? Object.values(module)[0]
  if (!command) throw new Error(`no command class in ${id}`)
  return Object.assign(command, {id})
}

describe('hook: destructive commands (fake API, no HTTP)', function () {
  let configDir: string

  beforeEach(async function () {
    configDir = await mkdtemp(path.join(tmpdir(), 'hook-destructive-'))
    delete process.env.HEROKU_APP
  })

  afterEach(async function () {
    await rm(configDir, {force: true, recursive: true})
  })

  async function check(id: DestructiveCommandId, argv: string[], world: World = cleanWorld()): Promise<{decision: DestructiveDecision | undefined; requests: string[]}> {
    const {client, requests} = fakeClient(world)
    const decision = await checkDestructive({argv, command: await stockCommand(id), configDir, env: {}, id, makeClient: async () => client})
    return {decision, requests}
  }

  /** The clean world plus staging's database attached to production (production uses it). */
  function sharedWorld(): World {
    const world = cleanWorld()
    world.attachments.push({addon: 'postgresql-stg-1', app: 'acme-production', name: 'STAGING_DB'})
    ;(world.apps[0] as {config: Record<string, string>}).config.STAGING_DB_URL = 'postgres://ustg:stagingpassword12345@db-stg.example.com:5432/dstg'
    return world
  }

  describe('fires', function () {
    const cases: Array<{argv: string[]; id: DestructiveCommandId; mentions: string[]; world?: () => World}> = [
      {argv: ['DATABASE', '-a', 'acme-production'], id: 'data:pg:destroy', mentions: ["acme-production's DATABASE attachment (DATABASE_URL), add-on postgresql-prod-1 (heroku-postgresql:standard-0, owned by acme-production), at db-prod.example.com:5432/dprod"]},
      {argv: ['postgresql-prod-1', '--confirm', 'x'], id: 'data:pg:destroy', mentions: ['add-on postgresql-prod-1 is owned by production app acme-production']},
      {argv: ['acme-production', '--confirm', 'acme-production'], id: 'apps:destroy', mentions: ['app acme-production and the add-ons it owns', 'redis-prod-1']},
      {argv: ['acme-staging', '--confirm', 'acme-staging'], id: 'apps:destroy', mentions: ['add-on postgresql-stg-1 is attached to production app acme-production as STAGING_DB', 'destroying acme-staging destroys it'], world: sharedWorld},
      {argv: ['ROSE', '-a', 'acme-production'], id: 'pg:promote', mentions: ['acme-production is a production app']},
      {argv: ['acme-production::DATABASE', '-a', 'acme-staging'], id: 'pg:promote', mentions: ['acme-production is a production app']},
      {argv: ['DATABASE', '-a', 'acme-staging'], id: 'pg:unfollow', mentions: ['attached to production app acme-production as STAGING_DB'], world: sharedWorld},
      {argv: ['DATABASE', '-a', 'acme-production'], id: 'addons:detach', mentions: ["acme-production's DATABASE attachment"]},
      {argv: ['STAGING_DB', '-a', 'acme-production'], id: 'addons:detach', mentions: ['add-on postgresql-stg-1 (heroku-postgresql:essential-0, owned by acme-staging)'], world: sharedWorld},
      {argv: ['-a', 'acme-production'], id: 'pg:upgrade:run', mentions: ['postgresql-prod-1']},
      {argv: ['DATABASE', '-a', 'acme-production', '--version', '17'], id: 'data:pg:upgrade:run', mentions: ['postgresql-prod-1']},
      {argv: ['-a', 'acme-production'], id: 'data:pg:migrate', mentions: ["app acme-production's databases"]},
      {argv: ['--all', '-a', 'acme-production'], id: 'pg:credentials:rotate', mentions: ['postgresql-prod-1']},
      {argv: ['DATABASE', '--name', 'analyst', '-a', 'acme-production'], id: 'data:pg:credentials:destroy', mentions: ['postgresql-prod-1']},
      {argv: ['DATABASE_URL=postgres://x', '-a', 'acme-production'], id: 'config:set', mentions: ["acme-production's DATABASE attachment (DATABASE_URL)"]},
      {argv: ['STAGING_DB_URL', '-a', 'acme-production'], id: 'config:unset', mentions: ['STAGING_DB_URL'], world: sharedWorld},
    ]
    for (const c of cases) {
      it(`${c.id} ${c.argv.join(' ')}`, async function () {
        const {decision, requests} = await check(c.id, c.argv, c.world?.())
        expect(decision?.allow, JSON.stringify(decision)).to.equal(false)
        expect(decision?.override.apps).to.deep.equal(['acme-production'])
        const text = renderDestructiveRefusal(decision as DestructiveDecision)
        for (const mention of c.mentions) expect(text).to.contain(mention)
        expect(text).to.contain(`HEROKU_STAGING_ALLOW_PRODUCTION=acme-production heroku ${c.id}`)
        expect(text).to.not.contain(PROD_URL)
        expect(requests.every(r => r.startsWith('GET ')), 'only GET requests').to.equal(true)
      })
    }
  })

  describe('stays silent', function () {
    const cases: Array<{argv: string[]; id: DestructiveCommandId; why: string}> = [
      {argv: ['DATABASE', '-a', 'acme-staging'], id: 'data:pg:destroy', why: "staging's own database"},
      {argv: ['acme-staging', '--confirm', 'acme-staging'], id: 'apps:destroy', why: 'staging, whose add-ons production does not use'},
      {argv: ['ROSE', '-a', 'acme-staging'], id: 'pg:promote', why: "staging's own database"},
      {argv: ['REDIS', '-a', 'acme-production'], id: 'addons:detach', why: 'not a database attachment'},
      {argv: ['DATABASE', '--name', 'analyst', '-a', 'acme-production'], id: 'pg:credentials:rotate', why: 'one named credential'},
      {argv: ['FEATURE=on', 'REDIS_URL=redis://x', '-a', 'acme-production'], id: 'config:set', why: 'no database var'},
      {argv: ['DATABASE_URL=postgres://x', '-a', 'acme-staging'], id: 'config:set', why: 'staging'},
      {argv: ['-a', 'acme-staging'], id: 'data:pg:migrate', why: 'staging'},
      {argv: ['nope', '-a', 'acme-staging'], id: 'pg:unfollow', why: 'nothing of that name anywhere: the stock command fails'},
    ]
    for (const c of cases) {
      it(`${c.id} ${c.argv.join(' ')}: ${c.why}`, async function () {
        const {decision, requests} = await check(c.id, c.argv)
        expect(decision?.allow ?? true, JSON.stringify(decision)).to.equal(true)
        expect(decision?.findings ?? []).to.deep.equal([])
        expect(requests.every(r => r.startsWith('GET ')), 'only GET requests').to.equal(true)
      })
    }

    it('sends nothing for a usage error the stock parser stops at', async function () {
      const {decision, requests} = await check('pg:promote', ['ROSE'])
      expect(decision).to.equal(undefined)
      expect(requests).to.deep.equal([])
    })
  })

  it('an app marked only by HEROKU_STAGING_PROTECTED is production for the command-level checks; unmarked, it is not', async function () {
    const marked = markedLoneWorld

    for (const [id, argv] of [['apps:destroy', ['lone-app', '--confirm', 'lone-app']], ['addons:detach', ['DATABASE', '-a', 'lone-app']], ['config:set', ['DATABASE_URL=postgres://x', '-a', 'lone-app']]] as const) {
      const {decision} = await check(id, [...argv], marked(true))
      expect(decision?.allow, id).to.equal(false)
      expect(renderDestructiveRefusal(decision as DestructiveDecision)).to.contain('config var HEROKU_STAGING_PROTECTED set on it')
      expect((await check(id, [...argv], marked(false))).decision?.findings ?? [], id).to.deep.equal([])
    }
  })

  it('fails closed: an API failure refuses, naming the request, and no override covers it', async function () {
    const world = cleanWorld()
    world.failures = {'/apps/acme-staging/config-vars': 500}
    const {decision} = await check('pg:promote', ['ROSE', '-a', 'acme-staging'], world)
    expect(decision?.allow).to.equal(false)
    const text = renderDestructiveRefusal(decision as DestructiveDecision)
    expect(text).to.contain('could not tell whether this touches production data')
    expect(text).to.not.contain('HEROKU_STAGING_ALLOW_PRODUCTION=acme-staging')
    expect(decideDestructive('pg:promote', [], [], decision!.undecided, {HEROKU_STAGING_ALLOW_PRODUCTION: 'acme-staging'}).allow).to.equal(false)
  })
})
