import {expect} from 'chai'

import {StagingCommand} from '../../../../src/lib/command/base.js'
import {SCHEMA_VERSIONS, schemaVersion} from '../../../../src/lib/schema/versions.js'
import {runCommand} from '../../../helpers/run.js'

/** A command returning a fixed result, under whatever id the test gives it. */
class Returns extends StagingCommand {
  static override description = 'returns a result'
  static override enableJsonFlag = true

  async run(): Promise<{app: string}> {
    await this.parse(Returns)
    return {app: 'acme-staging'}
  }
}

describe('command: every --json result carries schemaVersion (src/lib/schema/versions.ts)', function () {
  afterEach(function () {
    Returns.id = undefined as unknown as string
  })

  it('adds the command\'s schema version, first, to its JSON result', async function () {
    Returns.id = 'staging:protect'
    const run = await runCommand(Returns, ['--json'])
    expect(run.error).to.equal(undefined)
    expect(run.stdout.trimStart().startsWith('{\n  "schemaVersion": 1,'), run.stdout).to.equal(true)
    expect(JSON.parse(run.stdout)).to.deep.equal({app: 'acme-staging', schemaVersion: SCHEMA_VERSIONS['staging:protect']})
  })

  it('adds nothing for a command with no schema', async function () {
    Returns.id = 'staging:unknown'
    const run = await runCommand(Returns, ['--json'])
    expect(JSON.parse(run.stdout)).to.deep.equal({app: 'acme-staging'})
    expect(schemaVersion(undefined)).to.equal(undefined)
    expect(schemaVersion('toString'), 'not an inherited property').to.equal(undefined)
    expect(schemaVersion('staging:audit')).to.equal(1)
  })
})
