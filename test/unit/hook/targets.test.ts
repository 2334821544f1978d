import type {Command} from '@oclif/core'
import {expect} from 'chai'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {decideDestructive, type Finding, renderDestructiveRefusal} from '../../../src/lib/hook/destructive-message.js'
import {DESTRUCTIVE_COMMANDS, type DestructiveCommandId, destructiveCommand, hookedCommand} from '../../../src/lib/hook/ids.js'
import {isPromptFirstRun, parseStock} from '../../../src/lib/hook/parse.js'
import {databaseVariables, destructiveIntents, type Intent, isDatabaseVariableName, scopedDatabase, setNames} from '../../../src/lib/hook/targets.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'

/**
 * Target extraction for the destructive commands, with the STOCK heroku 11.10 command classes (loaded from
 * node_modules/heroku) parsed by `parseStock`, as the hook receives and parses them.
 */

const STOCK = path.resolve('node_modules/heroku/dist/commands')

async function stockCommand(id: string): Promise<Command.Class> {
  const module = await import(pathToFileURL(path.join(STOCK, `${id.replaceAll(':', '/')}.js`)).href) as Record<string, Command.Class>
  // Most export the class as default; config:unset exports it by name only.
  const command = module.default ?? Object.values(module)[0]
  if (!command) throw new Error(`no command class in ${id}`)
  return Object.assign(command, {id})
}

async function intentsOf(id: DestructiveCommandId, argv: string[], env: Record<string, string> = {}): Promise<Intent[] | string> {
  const saved = {...process.env}
  delete process.env.HEROKU_APP
  Object.assign(process.env, env)
  try {
    const parsed = await parseStock(await stockCommand(id), argv)
    return parsed.ok ? destructiveIntents(id, parsed.parsed).intents : `parse error: ${parsed.error}`
  } finally {
    process.env = saved
  }
}

describe('hook: destructive command ids', function () {
  it('lists every destructive command, canonical ids only, and nothing else', function () {
    for (const id of DESTRUCTIVE_COMMANDS) expect(destructiveCommand(id)).to.equal(id)
    for (const id of ['pg:info', 'config:get', 'config', 'apps:info', 'data:pg:info', 'data:pg:create', undefined]) {
      expect(destructiveCommand(id), String(id)).to.equal(undefined)
      expect(hookedCommand(id), String(id)).to.equal(false)
    }

    expect(hookedCommand('pg:copy')).to.equal(true)
    expect(hookedCommand('apps:destroy')).to.equal(true)
  })

  it('every id is a stock heroku 11.10 command', async function () {
    for (const id of DESTRUCTIVE_COMMANDS) expect((await stockCommand(id)).flags, id).to.be.an('object')
  })
})

describe('hook: target extraction with the stock parser (fires)', function () {
  const rows: Array<{argv: string[]; env?: Record<string, string>; expected: Intent[]; id: DestructiveCommandId}> = [
    {argv: ['DB', '-a', 'prod', '--confirm', 'prod'], expected: [{app: 'prod', database: 'DB', kind: 'database'}], id: 'data:pg:destroy'},
    {argv: ['prod::DB', '-a', 'staging'], expected: [{app: 'prod', database: 'DB', kind: 'database'}], id: 'data:pg:destroy'},
    {argv: ['advanced-prod', '--confirm', 'x'], expected: [{app: undefined, database: 'advanced-prod', kind: 'database'}], id: 'data:pg:destroy'},
    {argv: ['prod', '--confirm', 'prod'], expected: [{app: 'prod', kind: 'app'}], id: 'apps:destroy'},
    {argv: ['prod', '-a', 'other'], expected: [{app: 'prod', kind: 'app'}], id: 'apps:destroy'},
    {argv: ['--confirm', 'prod'], env: {HEROKU_APP: 'prod'}, expected: [{app: 'prod', kind: 'app'}], id: 'apps:destroy'},
    {argv: ['FOLLOWER', '-a', 'prod'], expected: [{app: 'prod', database: 'FOLLOWER', kind: 'database'}], id: 'pg:promote'},
    {argv: ['FOLLOWER'], env: {HEROKU_APP: 'prod'}, expected: [{app: 'prod', database: 'FOLLOWER', kind: 'database'}], id: 'pg:promote'},
    {argv: ['prod::FOLLOWER', '-a', 'staging'], expected: [{app: 'prod', database: 'FOLLOWER', kind: 'database'}], id: 'pg:unfollow'},
    {argv: ['DATABASE', '-a', 'prod'], expected: [{app: 'prod', attachment: 'DATABASE', kind: 'attachment'}], id: 'addons:detach'},
    {argv: ['-a', 'prod', '--confirm', 'prod'], expected: [{app: 'prod', database: 'DATABASE_URL', kind: 'database'}], id: 'pg:upgrade:run'},
    {argv: ['ANALYTICS', '-a', 'prod', '--version', '17'], expected: [{app: 'prod', database: 'ANALYTICS', kind: 'database'}], id: 'data:pg:upgrade:run'},
    {argv: ['-a', 'prod'], expected: [{app: 'prod', kind: 'app'}], id: 'data:pg:migrate'},
    {argv: ['--all', '-a', 'prod'], expected: [{app: 'prod', database: 'DATABASE_URL', kind: 'database'}], id: 'pg:credentials:rotate'},
    {argv: ['ROSE', '--force', '--name', 'analyst', '-a', 'prod'], expected: [{app: 'prod', database: 'ROSE', kind: 'database'}], id: 'pg:credentials:rotate'},
    // Without --name (or with --name default) the default credential, the one in DATABASE_URL, is rotated.
    {argv: ['DATABASE', '-a', 'prod', '--confirm', 'prod'], expected: [{app: 'prod', database: 'DATABASE', kind: 'database'}], id: 'pg:credentials:rotate'},
    {argv: ['-a', 'prod', '--name', 'default'], expected: [{app: 'prod', database: 'DATABASE_URL', kind: 'database'}], id: 'pg:credentials:rotate'},
    {argv: ['DB', '--name', 'analyst', '-a', 'prod'], expected: [{app: 'prod', database: 'DB', kind: 'database'}], id: 'data:pg:credentials:destroy'},
    {argv: ['DATABASE_URL=postgres://x', 'A=b=c', '-a', 'prod'], expected: [{app: 'prod', kind: 'config', names: ['DATABASE_URL', 'A']}], id: 'config:set'},
    {argv: ['DATABASE_URL', 'OTHER', '-a', 'prod'], expected: [{app: 'prod', kind: 'config', names: ['DATABASE_URL', 'OTHER']}], id: 'config:unset'},
  ]
  for (const row of rows) {
    it(`${row.id} ${row.argv.join(' ')}${row.env ? ` (${JSON.stringify(row.env)})` : ''}`, async function () {
      expect(await intentsOf(row.id, row.argv, row.env)).to.deep.equal(row.expected)
    })
  }
})

describe('hook: target extraction with the stock parser (silent)', function () {
  const rows: Array<{argv: string[]; id: DestructiveCommandId; why: string}> = [
    {argv: ['DATABASE', '--name', 'analyst', '-a', 'prod'], id: 'pg:credentials:rotate', why: 'one named credential, without --all or --force'},
    {argv: ['-a', 'prod'], id: 'config:set', why: 'nothing to set'},
    {argv: ['--confirm', 'x'], id: 'apps:destroy', why: 'no app: the stock command stops ("No app specified")'},
  ]
  for (const row of rows) {
    it(`${row.id} ${row.argv.join(' ')}: ${row.why}`, async function () {
      expect(await intentsOf(row.id, row.argv)).to.deep.equal([])
    })
  }

  it('a usage error the stock parser stops at is not a target (the stock command stops before any request)', async function () {
    expect(await intentsOf('pg:promote', ['FOLLOWER'])).to.match(/^parse error: .*Missing required flag app/s)
    expect(await intentsOf('addons:detach', ['-a', 'prod'])).to.match(/^parse error: .*attachment_name/s)
    expect(await intentsOf('pg:unfollow', ['DB', '-a', 'prod', '--bogus'])).to.match(/^parse error: .*--bogus/s)
  })
})

describe('hook: --prompt runs prerun twice', function () {
  it('skips the first run (argv with --prompt on a promptable class) and decides on the second', async function () {
    const promote = await stockCommand('pg:promote')
    expect(isPromptFirstRun(promote, ['--prompt'])).to.equal(true)
    expect(isPromptFirstRun(promote, ['FOLLOWER', '-a', 'prod', '--prompt'])).to.equal(true)
    expect(isPromptFirstRun(promote, ['FOLLOWER', '-a', 'prod'])).to.equal(false)
    // @heroku-cli/command prompts only on the exact token; anything else is an ordinary run the guard decides.
    expect(isPromptFirstRun(promote, ['FOLLOWER', '-a', 'prod', '--', '--promptx'])).to.equal(false)
    const optedOut = Object.assign(Object.create(promote) as Command.Class, {promptFlagActive: false})
    expect(isPromptFirstRun(optedOut, ['--prompt'])).to.equal(false)
  })
})

describe('hook: database config vars', function () {
  const snapshot = {
    attachments: [
      {addon: {id: 'a1', name: 'postgresql-prod', owner: {name: 'prod'}, service: 'heroku-postgresql'}, configVarNames: ['FOLLOWER_URL'], id: 'x1', name: 'FOLLOWER', namespace: null},
      {addon: {id: 'a2', name: 'redis-prod', owner: {name: 'prod'}, service: 'heroku-redis'}, configVarNames: ['REDIS_URL'], id: 'x2', name: 'REDIS', namespace: null},
    ],
    configVars: {LEGACY: 'postgresql://u:p@h:5432/d', REDIS_URL: 'redis://h:6379', SECRET: 'x'},
  } as unknown as AppSnapshot

  it('fires on database names, Postgres values and Postgres attachments', function () {
    expect(databaseVariables(['DATABASE_URL', 'ANALYTICS_DATABASE_URL', 'HEROKU_POSTGRESQL_RED_URL', 'LEGACY', 'FOLLOWER_URL'], snapshot))
      .to.deep.equal(['DATABASE_URL', 'ANALYTICS_DATABASE_URL', 'HEROKU_POSTGRESQL_RED_URL', 'LEGACY', 'FOLLOWER_URL'])
  })

  it('stays silent on other config vars', function () {
    expect(databaseVariables(['SECRET', 'REDIS_URL', 'NEW_VAR', 'DATABASE', 'DATABASE_URL_OLD'], snapshot)).to.deep.equal([])
    expect(isDatabaseVariableName('HEROKU_POSTGRESQL_URL')).to.equal(false)
  })

  it('config:set names split at the first =, APP::DB split at the first ::', function () {
    expect(setNames(['A=1', 'B==2', '=x', 'C'])).to.deep.equal(['A', 'B', 'C'])
    expect(scopedDatabase('prod::DB', 'staging')).to.deep.equal({app: 'prod', database: 'DB'})
    expect(scopedDatabase('DB', 'staging')).to.deep.equal({app: 'staging', database: 'DB'})
    expect(scopedDatabase('postgres://u:p@h/d', 'staging')).to.deep.equal({app: 'staging', database: 'postgres://u:p@h/d'})
  })
})

describe('hook: destructive decision and refusal', function () {
  const finding: Finding = {apps: ['prod'], fix: 'name the staging app', reasons: ['prod is a production app (pipeline stage production, pipeline acme).'], target: "prod's DATABASE attachment (DATABASE_URL), add-on pg-1 (heroku-postgresql:standard-0, owned by prod), at h:5432/d"}

  it('refuses a finding; says both sides and the exact override', function () {
    const decision = decideDestructive('pg:promote', ['FOLLOWER', '-a', 'prod'], [finding], [], {})
    expect(decision.allow).to.equal(false)
    const text = renderDestructiveRefusal(decision)
    expect(text).to.contain('heroku-staging refused heroku pg:promote FOLLOWER -a prod')
    expect(text).to.contain(`Would hit: ${finding.target}`)
    expect(text).to.contain('  - prod is a production app (pipeline stage production, pipeline acme).')
    expect(text).to.contain('HEROKU_STAGING_ALLOW_PRODUCTION=prod heroku pg:promote FOLLOWER -a prod')
  })

  it('allows nothing found; the override only with the one app involved', function () {
    expect(decideDestructive('pg:promote', [], [], [], {}).allow).to.equal(true)
    expect(decideDestructive('pg:promote', [], [finding], [], {HEROKU_STAGING_ALLOW_PRODUCTION: 'prod'}).allow).to.equal(true)
    for (const value of ['1', 'true', 'staging', 'PROD']) {
      expect(decideDestructive('pg:promote', [], [finding], [], {HEROKU_STAGING_ALLOW_PRODUCTION: value}).allow, value).to.equal(false)
    }

    const two = decideDestructive('apps:destroy', [], [finding, {...finding, apps: ['prod-eu']}], [], {HEROKU_STAGING_ALLOW_PRODUCTION: 'prod'})
    expect(two.allow).to.equal(false)
    expect(renderDestructiveRefusal(two)).to.contain('several production apps (prod, prod-eu)')
  })

  it('refuses what it could not check (fail closed)', function () {
    const decision = decideDestructive('data:pg:destroy', ['DB', '-a', 'x'], [], [{app: 'x', what: 'DB on x', why: 'GET /apps/x failed: 500'}], {})
    expect(decision.allow).to.equal(false)
    expect(renderDestructiveRefusal(decision)).to.contain('Could not check DB on x: GET /apps/x failed: 500')
  })
})
