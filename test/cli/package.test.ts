import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import {homedir, tmpdir} from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {startEmulator} from '../../emulator/index.js'
import type {Emulator} from '../../emulator/types.js'
import {HerokuCli, ROOT} from '../helpers/heroku-cli.js'

const run = promisify(execFile)

/**
 * Packaging: the tarball `npm pack` makes holds only what users need, and installing it into the REAL
 * heroku CLI (`heroku plugins:install file:./heroku-staging-x.y.z.tgz`, which installs its dependencies with npm)
 * gives working staging:* commands and the hook. Needs the build that `npm test` runs first.
 *
 * The install resolves the tarball's dependencies as a user's would, but from npm's local cache first
 * (`npm ci` filled it with every one of them): --prefer-offline, so the network is asked only for what the
 * cache lacks, and a slow registry does not decide how long the suite takes.
 */

/** npm's cache: the one `npm test` runs with (npm exports it to scripts), else npm's default. */
const NPM_CACHE = process.env.npm_config_cache || path.join(homedir(), '.npm')
const OFFLINE_FIRST = {
  npm_config_audit: 'false',
  npm_config_cache: NPM_CACHE,
  npm_config_fund: 'false',
  npm_config_prefer_offline: 'true',
  npm_config_update_notifier: 'false',
}
describe('the npm package installed into the real heroku CLI', function () {
  this.timeout(240_000)
  let emu: Emulator
  let cli: HerokuCli
  let packDir: string
  let tarball: string
  let files: string[]

  before(async function () {
    expect(existsSync(path.join(ROOT, 'dist', 'commands', 'staging', 'audit.js')), 'run `npm run build` first').to.equal(true)
    packDir = await mkdtemp(path.join(tmpdir(), 'heroku-staging-pack-'))
    // --ignore-scripts: dist/ is already built; a prepack rebuild would rewrite it under the running suite.
    const {stdout} = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], {cwd: ROOT, maxBuffer: 16 * 1024 * 1024})
    const [packed] = JSON.parse(stdout) as Array<{files: Array<{path: string}>; filename: string}>
    files = packed?.files.map(file => file.path) ?? []
    tarball = path.join(packDir, (await readdir(packDir)).find(name => name.endsWith('.tgz')) ?? 'missing.tgz')
    emu = await startEmulator({})
    await emu.seed({
      addons: [
        {app: 'shop-production', as: 'DATABASE', name: 'shop-production-db', plan: 'heroku-postgresql:essential-0', sql: 'create table t(id int); insert into t values (1)'},
        {app: 'shop-staging', as: 'HEROKU_POSTGRESQL_ROSE', name: 'shop-staging-db', plan: 'heroku-postgresql:essential-0'},
      ],
      apps: [{name: 'shop-production'}, {name: 'shop-staging'}],
      pipelines: [{apps: {'shop-production': 'production', 'shop-staging': 'staging'}, name: 'shop'}],
    })
    cli = await HerokuCli.create({env: emu.env, plugin: false})
  })

  after(async function () {
    await cli?.cleanup()
    await emu?.stop()
    if (packDir) await rm(packDir, {force: true, recursive: true})
  })

  it('packs dist/, the manifest, the result schemas, the README and the licence, and nothing from tests, benches, the emulator or the demo', function () {
    expect(files).to.include.members(['README.md', 'LICENSE', 'oclif.manifest.json', 'package.json', 'dist/commands/staging/audit.js', 'dist/hooks/prerun/guard.js', 'schemas/staging-audit.v1.schema.json'])
    const stray = files.filter(file => !/^(dist\/|schemas\/|README\.md$|LICENSE$|oclif\.manifest\.json$|package\.json$)/.test(file))
    expect(stray).to.deep.equal([])
  })

  it('installs with `heroku plugins:install` and its commands and hook work', async function () {
    // A bare path with a slash is taken for a GitHub repo by plugins:install; `file:` makes npm read the tarball.
    const installed = await cli.run(['plugins:install', `file:${tarball}`], {env: OFFLINE_FIRST, timeoutMs: 180_000})
    expect(installed.status, installed.stderr).to.equal(0)
    const plugins = await cli.run(['plugins'])
    expect(plugins.stdout).to.match(/heroku-staging \d+\.\d+\.\d+/)

    const help = await cli.run(['staging:audit', '--help'])
    expect(help.status).to.equal(0)
    expect(help.stdout).to.contain('EXIT CODES')

    // The staging app whose DATABASE_URL is production's: the installed audit finds it and exits 1.
    await cli.run(['config:set', `DATABASE_URL=${emu.databaseUrl('shop-production-db')}`, '-a', 'shop-staging'])
    const audit = await cli.run(['staging:audit', '-a', 'shop-staging', '--json'])
    expect(audit.status, audit.stderr).to.equal(1)
    const codes = (JSON.parse(audit.stdout) as {findings: Array<{code: string}>}).findings.map(finding => finding.code)
    expect(codes).to.include('SHARED_DATABASE')

    // The installed hook refuses a stock pg:reset of production before any mutating request.
    emu.clearJournal()
    const reset = await cli.run(['pg:reset', 'DATABASE', '-a', 'shop-production', '--confirm', 'shop-production'])
    expect(reset.status).to.equal(4)
    expect(reset.stderr).to.contain('shop-production')
    expect(emu.journal().filter(entry => entry.mutating)).to.deep.equal([])
  })
})
