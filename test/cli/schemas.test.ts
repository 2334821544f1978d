import {expect} from 'chai'

import {SCHEMA_VERSIONS, type SchemaCommand} from '../../src/lib/schema/versions.js'
import {seedIncident, useEmulator} from '../helpers/emulator.js'
import type {HerokuRun} from '../helpers/heroku-cli.js'
import {schemaErrors} from '../helpers/schema.js'

/**
 * The --json result of every staging:* command, printed by the REAL `heroku` binary against the
 * emulator, conforms to its committed schema (schemas/) and carries its schemaVersion: the schema is
 * the contract CI scripts rely on. The schemas are exact, so a field the types do not declare fails.
 */

const NEW_SECRETS = ['SECRET_KEY_BASE=staging0only0secret0key0base000000000000000000000000000000000000', 'STRIPE_API_KEY=sk_test_acmeStagingCli000000000000000000']

describe('--json results conform to schemas/ (real heroku CLI, emulator)', function () {
  this.timeout(300_000)
  const fixture = useEmulator({cli: 'link', seed: async emu => seedIncident(emu)})

  /** Runs a command with --json, expects `status`, and returns its parsed result after checking it against the schema. */
  async function conforms(command: SchemaCommand, args: string[], status: number): Promise<Record<string, unknown>> {
    const run: HerokuRun = await fixture.cli.run([command, ...args, '--json'])
    expect(run.status, `${command} ${args.join(' ')}: ${run.stderr}`).to.equal(status)
    const result = JSON.parse(run.stdout) as Record<string, unknown>
    expect(result.schemaVersion, 'schemaVersion').to.equal(SCHEMA_VERSIONS[command])
    expect(schemaErrors(command, result), `${command} ${args.join(' ')}`).to.deep.equal([])
    return result
  }

  it('staging:audit: one app (exit 1) and a whole pipeline', async function () {
    const one = await conforms('staging:audit', ['-a', 'acme-staging'], 1)
    expect((one.findings as unknown[]).length).to.be.greaterThan(0)
    await conforms('staging:audit', ['--pipeline', 'acme'], 1)
  })

  it('the schema fails a result with an undeclared field, a missing one or another version', async function () {
    const run = await fixture.cli.run(['staging:audit', '-a', 'acme-staging', '--json'])
    const result = JSON.parse(run.stdout) as Record<string, unknown>
    expect(schemaErrors('staging:audit', result)).to.deep.equal([])
    expect(schemaErrors('staging:audit', {...result, extra: true})).to.not.deep.equal([])
    const {summary: _summary, ...withoutSummary} = result
    expect(schemaErrors('staging:audit', withoutSummary)).to.not.deep.equal([])
    expect(schemaErrors('staging:audit', {...result, schemaVersion: 2})).to.not.deep.equal([])
  })

  it('staging:audit --fix: the plan (--dry-run) and the repair', async function () {
    await conforms('staging:audit', ['-a', 'acme-staging', '--fix', '--dry-run'], 1)
    const set = await fixture.cli.run(['config:set', ...NEW_SECRETS, '-a', 'acme-staging'])
    expect(set.status, set.stderr).to.equal(0)
    const fixed = await conforms('staging:audit', ['-a', 'acme-staging', '--fix', '--confirm', 'acme-staging'], 0)
    expect(fixed.remaining).to.deep.equal([])
  })

  it('staging:fork: the plan (--dry-run) and a real fork', async function () {
    await conforms('staging:fork', ['--from', 'acme-production', '--dry-run'], 0)
    const fork = await conforms('staging:fork', ['--from', 'acme-production', '--set', NEW_SECRETS[0]!, '--set', NEW_SECRETS[1]!], 0)
    expect((fork.app as {name: string}).name).to.equal('acme-production-staging')
  })

  it('staging:refresh of the fork', async function () {
    const refresh = await conforms('staging:refresh', ['-a', 'acme-production-staging', '--confirm', 'acme-production-staging'], 0)
    expect(refresh.from).to.equal('acme-production')
  })

  it('staging:protect, --list and staging:unprotect', async function () {
    await conforms('staging:protect', ['-a', 'acme-staging'], 0)
    const list = await conforms('staging:protect', ['--list'], 0)
    expect((list.protected as Array<{name: string}>).map(entry => entry.name)).to.deep.equal(['acme-staging'])
    await conforms('staging:unprotect', ['-a', 'acme-staging'], 0)
  })
})
