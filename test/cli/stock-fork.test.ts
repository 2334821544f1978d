import {expect} from 'chai'

import {checksum} from '../helpers/db.js'
import {useEmulator} from '../helpers/emulator.js'
import {type HerokuRun} from '../helpers/heroku-cli.js'

/** The unmodified `heroku` CLI forks a database on the emulator as on Heroku: addons:create --fork, pg:wait, pg:info. */
describe('stock heroku CLI: addons:create heroku-postgresql:standard-0 --fork APP::DATABASE', function () {
  this.timeout(240_000)
  const fixture = useEmulator({
    cli: 'none',
    emulator: {provisionDelayMs: 1500},
    seed: async emu => emu.seed({
      addons: [
        {app: 'fork-production', as: 'DATABASE', name: 'fork-production-db', plan: 'heroku-postgresql:standard-0', sql: 'CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 500)'},
        {app: 'fork-tiny', as: 'DATABASE', name: 'fork-tiny-db', plan: 'heroku-postgresql:essential-0'},
      ],
      apps: [{name: 'fork-production'}, {name: 'fork-staging'}, {name: 'fork-tiny'}],
    }),
  })
  const heroku = async (...args: string[]): Promise<HerokuRun> => fixture.cli.run(args)

  it('creates the fork, pg:wait waits for it, pg:info shows Forked From, and the data is production\'s', async () => {
    const created = await heroku('addons:create', 'heroku-postgresql:standard-0', '--as', 'FORKED', '-a', 'fork-staging', '--', '--fork', 'fork-production::DATABASE')
    expect(created.status, created.stderr).to.equal(0)
    // with a provisioning delay the CLI says it is being created in the background, as Heroku's does
    const name = /(\S+) is being created in the background/.exec(created.stdout)?.[1]
    expect(name, created.stdout).to.be.a('string')
    const wait = await heroku('pg:wait', '-a', 'fork-staging')
    expect(wait.status, wait.stderr).to.equal(0)
    const info = await heroku('pg:info', 'FORKED', '-a', 'fork-staging')
    expect(info.status, info.stderr).to.equal(0)
    expect(info.stdout).to.match(/Forked From:\s+\S+/)
    expect(await checksum(fixture.emu.databaseUrl(name!))).to.equal(await checksum(fixture.emu.databaseUrl('fork-production-db')))
  })

  it('refuses to fork an Essential database, as Heroku does', async () => {
    const refused = await heroku('addons:create', 'heroku-postgresql:standard-0', '-a', 'fork-staging', '--', '--fork', 'fork-tiny::DATABASE')
    expect(refused.status).to.not.equal(0)
    expect(refused.stderr).to.contain('cannot be forked')
  })
})
