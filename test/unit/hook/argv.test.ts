import {expect} from 'chai'

import {
  chooseApp,
  flagDefsFrom,
  type GitRemotes,
  guardTargets,
  herokuGitApps,
  needsGitRemotes,
  parseGitRemotes,
  parseGuardedArgv,
  undecidableReason,
} from '../../../src/lib/hook/argv.js'
import {guardedCommand} from '../../../src/lib/hook/ids.js'

type Env = Record<string, string | undefined>

interface Row {
  argv: string[]
  env?: Env
  expected: unknown[]
  git?: string
  id: string
  name: string
}

function targetsOf(row: Pick<Row, 'argv' | 'env' | 'git' | 'id'>): unknown[] {
  const parsed = parseGuardedArgv(row.id, row.argv)
  if (!parsed) throw new Error(`${row.id} is not guarded`)
  const env = row.env ?? {}
  const git: GitRemotes | undefined = row.git === undefined ? undefined : parseGitRemotes(row.git)
  return guardTargets(parsed, chooseApp(parsed, env, git))
}

const db = (app: string | undefined, name: string, appSource?: string) => (appSource ? {app, appSource, kind: 'database', name} : {app, kind: 'database', name})
const addon = (app: string | undefined, name: string, appSource?: string) => (appSource ? {app, appSource, kind: 'addon', name} : {app, kind: 'addon', name})

const GIT_ONE = 'remote.origin.url git@github.com:acme/web.git\nremote.heroku.url https://git.heroku.com/acme-staging.git\nremote.heroku.fetch +refs/heads/*:refs/remotes/heroku/*\n'
const GIT_TWO = `${GIT_ONE}remote.prod.url git@heroku.com:acme-production.git\n`

const ROWS: Row[] = [
  // pg:copy: the TARGET, never the source
  {argv: ['DATABASE_URL', 'HEROKU_POSTGRESQL_ROSE', '-a', 'acme-staging'], expected: [db('acme-staging', 'HEROKU_POSTGRESQL_ROSE', 'flag')], id: 'pg:copy', name: 'pg:copy bare attachment name'},
  {argv: ['-a', 'acme-staging', 'acme-production::DATABASE_URL', 'ROSE'], expected: [db('acme-staging', 'ROSE', 'flag')], id: 'pg:copy', name: 'pg:copy flags before args, APP:: on the source only'},
  {argv: ['ROSE', 'acme-production::DATABASE_URL', '-a', 'acme-staging'], expected: [db('acme-production', 'DATABASE_URL', 'target')], id: 'pg:copy', name: 'pg:copy APP::ATTACHMENT target overrides --app'},
  {argv: ['ROSE', 'postgres://u:p@db.example.com:5432/prod', '--app=acme-staging'], expected: [{app: 'acme-staging', appSource: 'flag', kind: 'url', url: 'postgres://u:p@db.example.com:5432/prod'}], id: 'pg:copy', name: 'pg:copy postgres:// URL target, --app='},
  {argv: ['ROSE', 'DATABASE', '--confirm', 'DATABASE', '--app', 'acme-staging', '--verbose', '--wait-interval', '5'], expected: [db('acme-staging', 'DATABASE', 'flag')], id: 'pg:copy', name: 'pg:copy --confirm and other option flags do not shift args'},
  {argv: ['ROSE', 'DATABASE'], env: {HEROKU_APP: 'acme-staging'}, expected: [db('acme-staging', 'DATABASE', 'env')], id: 'pg:copy', name: 'pg:copy HEROKU_APP'},
  {argv: ['ROSE', 'DATABASE', '-a', 'from-flag'], env: {HEROKU_APP: 'from-env'}, expected: [db('from-flag', 'DATABASE', 'flag')], id: 'pg:copy', name: 'pg:copy --app beats HEROKU_APP'},
  {argv: ['ROSE', 'DATABASE'], expected: [db('acme-staging', 'DATABASE', 'git')], git: GIT_ONE, id: 'pg:copy', name: 'pg:copy single Heroku git remote'},
  {argv: ['ROSE', 'DATABASE', '-r', 'prod'], expected: [db('acme-production', 'DATABASE', 'git')], git: GIT_TWO, id: 'pg:copy', name: 'pg:copy -r picks one of several remotes'},
  {argv: ['ROSE', 'DATABASE', '--remote=prod'], expected: [db('acme-production', 'DATABASE', 'git')], git: GIT_TWO, id: 'pg:copy', name: 'pg:copy --remote='},
  {argv: ['ROSE', 'DATABASE'], expected: [db('acme-production', 'DATABASE', 'git')], git: `${GIT_TWO}heroku.remote prod\n`, id: 'pg:copy', name: 'pg:copy git config heroku.remote'},
  {argv: ['ROSE', 'DATABASE', '-r', 'prod'], env: {HEROKU_APP: 'acme-staging'}, expected: [db('acme-staging', 'DATABASE', 'env')], git: GIT_TWO, id: 'pg:copy', name: 'pg:copy HEROKU_APP beats --remote (as flags.app does)'},
  {argv: ['ROSE', 'DATABASE'], expected: [db(undefined, 'DATABASE')], git: GIT_TWO, id: 'pg:copy', name: 'pg:copy several remotes and no -r: no app'},
  {argv: ['ROSE', '--', '-a', 'x'], expected: [db(undefined, '-a')], id: 'pg:copy', name: 'pg:copy -- ends flags'},
  {argv: ['ROSE'], expected: [], id: 'pg:copy', name: 'pg:copy without TARGET: nothing to guard'},
  {argv: ['-aacme-staging', 'ROSE', 'DATABASE'], expected: [db('acme-staging', 'DATABASE', 'flag')], id: 'pg:copy', name: 'pg:copy -aAPP'},
  {argv: ['-a=acme-staging', 'ROSE', 'DATABASE'], expected: [db('acme-staging', 'DATABASE', 'flag')], id: 'pg:copy', name: 'pg:copy -a=APP'},

  // pg:reset
  {argv: ['-a', 'acme-staging'], expected: [db('acme-staging', 'DATABASE_URL', 'flag')], id: 'pg:reset', name: 'pg:reset defaults to DATABASE_URL'},
  {argv: ['HEROKU_POSTGRESQL_ROSE_URL', '--app', 'acme-staging', '--confirm', 'acme-staging'], expected: [db('acme-staging', 'HEROKU_POSTGRESQL_ROSE_URL', 'flag')], id: 'pg:reset', name: 'pg:reset config var name'},
  {argv: ['-c', 'acme-staging', '-e', 'hstore', 'ROSE', '-a', 'acme-staging'], expected: [db('acme-staging', 'ROSE', 'flag')], id: 'pg:reset', name: 'pg:reset -c and -e take values'},
  {argv: ['acme-production::DATABASE', '-a', 'acme-staging'], expected: [db('acme-production', 'DATABASE', 'target')], id: 'pg:reset', name: 'pg:reset APP::DATABASE'},
  {argv: ['DATABASE', '-a', 'one', '-a', 'two'], expected: [db('one', 'DATABASE', 'flag'), db('two', 'DATABASE', 'flag')], id: 'pg:reset', name: 'pg:reset repeated --app: both are checked'},

  // pg:backups:restore: the second positional is the database
  {argv: ['b101', '-a', 'acme-staging'], expected: [db('acme-staging', 'DATABASE_URL', 'flag')], id: 'pg:backups:restore', name: 'restore BACKUP only: DATABASE_URL'},
  {argv: ['b101', 'HEROKU_POSTGRESQL_ROSE', '-a', 'acme-staging'], expected: [db('acme-staging', 'HEROKU_POSTGRESQL_ROSE', 'flag')], id: 'pg:backups:restore', name: 'restore BACKUP DATABASE'},
  {argv: ['acme-production::b101', 'DATABASE_URL', '-a', 'acme-staging'], expected: [db('acme-staging', 'DATABASE_URL', 'flag')], id: 'pg:backups:restore', name: 'restore from another app\'s backup: the target is still --app'},
  {argv: ['-v', 'b101', '--wait-interval', '10', 'DATABASE', '-a', 'acme-production', '--confirm', 'acme-production'], expected: [db('acme-production', 'DATABASE', 'flag')], id: 'pg:backups:restore', name: 'restore -v is boolean, --wait-interval takes a value'},
  {argv: ['-va', 'acme-staging', 'b101', 'ROSE'], expected: [db('acme-staging', 'ROSE', 'flag')], id: 'pg:backups:restore', name: 'restore short cluster -va APP'},
  {argv: ['https://example.com/dump', 'acme-production::DATABASE_URL', '-a', 'acme-staging'], expected: [db('acme-production', 'DATABASE_URL', 'target')], id: 'pg:backups:restore', name: 'restore from URL into APP::DATABASE'},

  // pg:push: the remote target
  {argv: ['mylocaldb', 'HEROKU_POSTGRESQL_ROSE', '-a', 'acme-staging'], expected: [db('acme-staging', 'HEROKU_POSTGRESQL_ROSE', 'flag')], id: 'pg:push', name: 'pg:push local → attachment'},
  {argv: ['postgres://localhost/mydb', 'postgresql-shaped-12345', '--app', 'acme-staging', '--exclude-table-data', 'logs'], expected: [db('acme-staging', 'postgresql-shaped-12345', 'flag')], id: 'pg:push', name: 'pg:push URL source, add-on name target'},
  {argv: ['--exclude-table-data=logs;events', 'mylocaldb', 'acme-production::DATABASE', '-a', 'acme-staging'], expected: [db('acme-production', 'DATABASE', 'target')], id: 'pg:push', name: 'pg:push APP::DATABASE target'},

  // addons:destroy: each ADDON
  {argv: ['postgresql-shaped-12345', '-a', 'acme-staging'], expected: [addon('acme-staging', 'postgresql-shaped-12345', 'flag')], id: 'addons:destroy', name: 'addons:destroy by name with --app'},
  {argv: ['postgresql-a', 'redis-b', '--confirm', 'acme-staging', '-f'], expected: [addon(undefined, 'postgresql-a'), addon(undefined, 'redis-b')], id: 'addons:destroy', name: 'addons:destroy several, no app'},
  {argv: ['acme-production::DATABASE', '-c', 'acme-production'], expected: [addon('acme-production', 'DATABASE', 'target')], id: 'addons:destroy', name: 'addons:destroy APP::ATTACHMENT'},
  {argv: ['HEROKU_POSTGRESQL_ROSE', '--wait'], env: {HEROKU_APP: 'acme-staging'}, expected: [addon('acme-staging', 'HEROKU_POSTGRESQL_ROSE', 'env')], id: 'addons:destroy', name: 'addons:destroy HEROKU_APP scopes the lookup'},
  {argv: ['DATABASE'], expected: [addon('acme-staging', 'DATABASE', 'git')], git: GIT_ONE, id: 'addons:remove', name: 'addons:remove alias, git remote'},
]

describe('hook argv parsing', function () {
  for (const row of ROWS) {
    it(row.name, function () {
      expect(targetsOf(row)).to.deep.equal(row.expected)
    })
  }

  it('names every guarded id and its alias, and nothing else', function () {
    for (const id of ['pg:copy', 'pg:reset', 'pg:backups:restore', 'pg:push', 'addons:destroy', 'addons:remove']) {
      expect(guardedCommand(id), id).to.be.a('string')
    }

    for (const id of ['pg:info', 'pg:pull', 'pg:promote', 'apps', 'apps:destroy', 'addons', 'addons:create', 'pg:backups:capture', 'staging:refresh', 'version', '', undefined]) {
      expect(guardedCommand(id), String(id)).to.equal(undefined)
      expect(parseGuardedArgv(id ?? '', ['-a', 'acme-production'])).to.equal(undefined)
    }
  })

  it('keeps the confirm value out of the targets', function () {
    const parsed = parseGuardedArgv('pg:reset', ['--confirm', 'acme-production', '-a', 'acme-staging'])
    expect(parsed?.options.confirm).to.deep.equal(['acme-production'])
    expect(parsed?.positionals).to.deep.equal([])
  })

  it('a boolean flag given =value leaves the value as an argument, like the stock parser', function () {
    const parsed = parseGuardedArgv('pg:copy', ['--verbose=yes', 'ROSE', '-a', 'x'])
    expect(parsed?.positionals).to.deep.equal(['yes', 'ROSE'])
  })

  it('records unknown flags instead of treating them as arguments', function () {
    const parsed = parseGuardedArgv('pg:reset', ['--nope', 'ROSE', '-a', 'x'])
    expect(parsed?.unknownFlags).to.deep.equal(['--nope'])
    expect(parsed?.args.database).to.equal('ROSE')
  })

  it('learns option flags from the loaded command class', function () {
    const defs = flagDefsFrom('pg:reset', {future: {type: 'option'}})
    const parsed = parseGuardedArgv('pg:reset', ['--future', 'value', 'ROSE', '-a', 'x'], defs)
    expect(parsed?.args.database).to.equal('ROSE')
    const naive = parseGuardedArgv('pg:reset', ['--future', 'value', 'ROSE', '-a', 'x'])
    expect(naive?.args.database).to.equal('value')
  })

  describe('git remotes', function () {
    it('reads remotes and heroku.remote from git config output', function () {
      expect(parseGitRemotes(`${GIT_TWO}heroku.remote prod\nbranch.main.remote origin\n`)).to.deep.equal({
        defaultRemote: 'prod',
        remotes: [
          {name: 'origin', url: 'git@github.com:acme/web.git'},
          {name: 'heroku', url: 'https://git.heroku.com/acme-staging.git'},
          {name: 'prod', url: 'git@heroku.com:acme-production.git'},
        ],
      })
    })

    it('recognises ssh, ssh:// and https Heroku remotes, and not others', function () {
      const git = parseGitRemotes([
        'remote.a.url git@heroku.com:app-a.git',
        'remote.b.url ssh://git@heroku.com/app-b.git',
        'remote.c.url https://git.heroku.com/app-c.git',
        'remote.d.url https://github.com/acme/app-d.git',
      ].join('\n'))
      expect(herokuGitApps(git, {}).map(r => r.app)).to.deep.equal(['app-a', 'app-b', 'app-c'])
    })

    it('follows HEROKU_HOST and HEROKU_GIT_HOST like the stock CLI', function () {
      const git = parseGitRemotes('remote.x.url https://127.0.0.1:5555/emu-app.git\nremote.y.url https://git.example.test/other.git')
      expect(herokuGitApps(git, {HEROKU_HOST: 'http://127.0.0.1:5555'}).map(r => r.app)).to.deep.equal(['emu-app'])
      expect(herokuGitApps(git, {HEROKU_GIT_HOST: 'git.example.test'}).map(r => r.app)).to.deep.equal(['other'])
      // An invalid HEROKU_HOST falls back to heroku.com, so the emulator-style remote is not an app.
      expect(herokuGitApps(git, {HEROKU_HOST: 'http://evil.example'}).map(r => r.app)).to.deep.equal([])
    })

    it('asks for git only when neither --app nor HEROKU_APP names the app', function () {
      const parsed = parseGuardedArgv('pg:reset', ['ROSE'])
      if (!parsed) throw new Error('unparsed')
      expect(needsGitRemotes(parsed, {})).to.equal(true)
      expect(needsGitRemotes(parsed, {HEROKU_APP: 'x'})).to.equal(false)
      const withFlag = parseGuardedArgv('pg:reset', ['ROSE', '-a', 'x'])
      if (!withFlag) throw new Error('unparsed')
      expect(needsGitRemotes(withFlag, {})).to.equal(false)
    })
  })

  describe('undecidable invocations', function () {
    it('fires on --prompt, where the target is chosen after the guard has run', function () {
      const parsed = parseGuardedArgv('pg:reset', ['--prompt', '-a', 'acme-staging'])
      if (!parsed) throw new Error('unparsed')
      expect(undecidableReason(parsed, chooseApp(parsed, {}))).to.contain('--prompt')
    })

    it('fires when a pg command has no app and the target names none', function () {
      const parsed = parseGuardedArgv('pg:reset', ['DATABASE'])
      if (!parsed) throw new Error('unparsed')
      const git = parseGitRemotes(GIT_TWO)
      expect(undecidableReason(parsed, chooseApp(parsed, {}, git))).to.contain('several Heroku apps')
      expect(undecidableReason(parsed, chooseApp(parsed, {}))).to.contain('no app was named')
    })

    it('fires when -r names a remote that is not a Heroku app', function () {
      const parsed = parseGuardedArgv('pg:reset', ['DATABASE', '-r', 'origin'])
      if (!parsed) throw new Error('unparsed')
      expect(undecidableReason(parsed, chooseApp(parsed, {}, parseGitRemotes(GIT_TWO)))).to.contain('git remote origin')
    })

    it('stays silent when the app is known, or when APP:: names it, or for addons:destroy without app', function () {
      const cases: Array<[string, string[]]> = [
        ['pg:reset', ['DATABASE', '-a', 'acme-staging']],
        ['pg:copy', ['ROSE', 'acme-staging::DATABASE']],
        ['addons:destroy', ['postgresql-a']],
      ]
      for (const [id, argv] of cases) {
        const parsed = parseGuardedArgv(id, argv)
        if (!parsed) throw new Error('unparsed')
        expect(undecidableReason(parsed, chooseApp(parsed, {})), `${id} ${argv.join(' ')}`).to.equal(undefined)
      }
    })
  })
})
