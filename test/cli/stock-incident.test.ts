import {expect} from 'chai'

import {query as sql, whereIs} from '../helpers/db.js'
import {mutating, PRODUCTION_SQL, useEmulator} from '../helpers/emulator.js'
import type {HerokuRun} from '../helpers/heroku-cli.js'

/**
 * The seed incident, reproduced with stock `heroku` commands only: a staging app whose
 * DATABASE_URL reaches production's database while its own new database sits under a colour
 * name. Then `heroku pg:promote` fixes it.
 */
describe('stock heroku CLI: the seed incident, reproduced and fixed with pg:promote', function () {
  this.timeout(300_000)
  const fixture = useEmulator({cli: 'none'})
  const {api} = fixture
  const heroku = async (...args: string[]): Promise<HerokuRun> => {
    const result = await fixture.cli.run(args)
    if (result.status !== 0) throw new Error(`heroku ${args.join(' ')} failed (${result.status}): ${result.stderr}`)
    return result
  }

  const config = async (app: string): Promise<Record<string, string>> => (await api('GET', `/apps/${app}/config-vars`)).body as Record<string, string>

  it('reproduces the incident and pg:promote fixes it, without touching production', async () => {
    const {emu} = fixture
    // production: an app with a real database holding rows
    await heroku('apps:create', 'acme-production')
    const prodDb = /Created (\S+) as DATABASE_URL/.exec((await heroku('addons:create', 'heroku-postgresql:standard-0', '-a', 'acme-production')).stdout)?.[1]
    expect(prodDb).to.be.a('string')
    const prodUrl = (await heroku('config:get', 'DATABASE_URL', '-a', 'acme-production')).stdout.trim()
    expect(prodUrl).to.equal(emu.databaseUrl(prodDb!))
    await sql(prodUrl, PRODUCTION_SQL)
    await heroku('pipelines:create', 'acme', '-a', 'acme-production', '--stage', 'production')

    // staging, set up the way the incident happened: DATABASE_URL copied by hand first...
    await heroku('apps:create', 'acme-staging')
    await heroku('pipelines:add', 'acme', '-a', 'acme-staging', '--stage', 'staging')
    await heroku('config:set', `DATABASE_URL=${prodUrl}`, '-a', 'acme-staging')
    // ...then its own database, which cannot take DATABASE any more and gets a colour
    const created = await heroku('addons:create', 'heroku-postgresql:essential-0', '-a', 'acme-staging')
    const [, stagingDb, color] = /Created (\S+) as (HEROKU_POSTGRESQL_[A-Z]+)_URL/.exec(created.stdout) ?? []
    expect(stagingDb, created.stdout).to.be.a('string')

    // the incident: staging's DATABASE_URL reaches production's database
    const broken = await config('acme-staging')
    expect(broken.DATABASE_URL).to.equal(prodUrl)
    expect(await whereIs(broken.DATABASE_URL!)).to.equal(await whereIs(prodUrl))
    expect(broken[`${color}_URL`]).to.equal(emu.databaseUrl(stagingDb!))
    const info = await heroku('pg:info', '-a', 'acme-staging')
    expect(info.stdout).to.contain(`=== ${color}_URL`)
    expect(info.stdout).to.not.contain('=== DATABASE_URL')
    const [seen] = await sql<{n: string}>(broken.DATABASE_URL!, 'SELECT count(*) AS n FROM users')
    expect(Number(seen!.n)).to.equal(2000)

    // the fix
    emu.clearJournal()
    const promote = await heroku('pg:promote', color!, '-a', 'acme-staging')
    expect(promote.stderr).to.contain(`Promoting ${stagingDb} to DATABASE_URL on acme-staging... done`)
    const fixed = await config('acme-staging')
    expect(fixed.DATABASE_URL).to.equal(emu.databaseUrl(stagingDb!))
    expect(await whereIs(fixed.DATABASE_URL!)).to.not.equal(await whereIs(prodUrl))
    expect(fixed[`${color}_URL`]).to.equal(fixed.DATABASE_URL)
    const attachments = (await api('GET', '/apps/acme-staging/addon-attachments')).body as Array<{addon: {name: string}; name: string}>
    expect(attachments.map(a => `${a.name}=${a.addon.name}`).sort()).to.deep.equal([`DATABASE=${stagingDb}`, `${color}=${stagingDb}`].sort())
    const [latest] = (await api('GET', '/apps/acme-staging/releases', undefined, {range: 'version ..; max=1, order=desc'})).body as Array<{description: string}>
    expect(latest!.description).to.equal(`Attach DATABASE (@ref:${stagingDb})`)
    expect(mutating(emu, 'acme-production')).to.deep.equal([])
    expect((await config('acme-production')).DATABASE_URL).to.equal(prodUrl)
    expect(Number((await sql<{n: string}>(prodUrl, 'SELECT count(*) AS n FROM users'))[0]!.n)).to.equal(2000)

    const after = await heroku('pg:info', '-a', 'acme-staging')
    // one database, known under both names (the order follows the attachment list's order)
    const header = /^=== (.+)$/m.exec(after.stdout)?.[1]?.split(', ').sort()
    expect(header).to.deep.equal(['DATABASE_URL', `${color}_URL`])
  })
})
