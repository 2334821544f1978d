import {expect} from 'chai'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import nock from 'nock'

import Audit from '../../../../src/commands/staging/audit.js'
import type {AuditResult} from '../../../../src/lib/audit/types.js'
import {mockAccount, mockSmallLoad, type Scopes, scopes} from '../../../fixtures/audit.js'
import {cleanStagingSnapshot, FIXTURE_SECRETS, incidentStagingSnapshot, productionSnapshot} from '../../../fixtures/snapshots.js'
import {runCommand} from '../../../helpers/run.js'

/** `staging:audit --format github`: the command's side (the renderer is tested in test/unit/lib/render/github.test.ts). */
describe('staging:audit --format github', function () {
  let s: Scopes
  let configDir: string
  const saved: Record<string, string | undefined> = {}

  beforeEach(async function () {
    s = scopes()
    process.exitCode = undefined
    configDir = await mkdtemp(path.join(tmpdir(), 'audit-format-'))
    for (const key of ['HEROKU_APP', 'HEROKU_CONFIG_DIR']) saved[key] = process.env[key]
    delete process.env.HEROKU_APP
    process.env.HEROKU_CONFIG_DIR = configDir
  })

  afterEach(async function () {
    await rm(configDir, {force: true, recursive: true})
    s.api.done()
    s.data.done()
    nock.cleanAll()
    process.exitCode = undefined
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  })

  it('prints one workflow command per finding and the summary, nothing else, and still exits 1', async function () {
    mockSmallLoad(s, incidentStagingSnapshot())
    mockSmallLoad(s, productionSnapshot())
    mockAccount(s, [productionSnapshot()])
    const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production', '--format', 'github'])
    expect(run.error?.oclif?.exit).to.equal(1)
    const lines = run.stdout.trim().split('\n')
    expect(lines.slice(0, -1).map(line => /^::(\w+) title=([A-Z_]+)::/.exec(line)?.slice(1).join(' '))).to.deep.equal([
      'error SHARED_DATABASE', 'error UNATTACHED_DATABASE_URL', 'error SHARED_SECRET', 'warning ACTIVE_WORKER',
    ])
    expect(lines.at(-1)).to.match(/^3 critical, 1 warning, 0 info across 1 app$/)
    expect(run.stdout, 'not the human report').to.not.contain('=== Audit')
    for (const secret of FIXTURE_SECRETS) expect(run.stdout + run.stderr).to.not.contain(secret)
  })

  it('prints only the summary for a clean app, and exits 0', async function () {
    mockSmallLoad(s, cleanStagingSnapshot())
    mockSmallLoad(s, productionSnapshot())
    mockAccount(s, [productionSnapshot()])
    const run = await runCommand<AuditResult>(Audit, ['-a', 'acme-staging', '--production', 'acme-production', '--format', 'github'])
    expect(run.error).to.equal(undefined)
    expect(run.stdout.trim()).to.equal('0 critical, 0 warnings, 0 info across 1 app')
    expect(process.exitCode ?? 0).to.equal(0)
  })

  it('is a usage error (exit 2, no request) with --fix or for another format', async function () {
    for (const argv of [['--format', 'github', '--fix'], ['--format', 'xml']]) {
      const run = await runCommand(Audit, ['-a', 'acme-staging', ...argv])
      expect(run.error?.oclif?.exit, argv.join(' ')).to.equal(2)
      expect(run.error?.message).to.contain(argv.includes('--fix') ? 'repair with --fix (without --format)' : 'human, github')
    }
  })

  it('is a usage error (exit 2, no request) with --json, printed as JSON', async function () {
    const run = await runCommand(Audit, ['-a', 'acme-staging', '--format', 'github', '--json'])
    expect(process.exitCode).to.equal(2)
    expect((JSON.parse(run.stdout) as {error: {message: string}}).error.message).to.contain('Pass one: --format github for annotations, --json for the result.')
  })
})
