import {expect} from 'chai'
import {Errors} from '@oclif/core'

import {StagingCommand} from '../../../../src/lib/command/base.js'
import {ActionableError} from '../../../../src/lib/errors.js'
import {ExitCode} from '../../../../src/lib/exit-codes.js'
import {ApiError} from '../../../../src/lib/heroku/client.js'
import {runCommand} from '../../../helpers/run.js'

const SECRET = 'base-test-secret-value-0123456789'

/** A command that throws what the test puts in `Throws.error`. */
class Throws extends StagingCommand {
  static override description = 'throws the error a test gives it'
  static override enableJsonFlag = true
  static error: Error = new Error('unset')
  /** a value this run has loaded, as a loader would register it */
  static loaded: string | undefined

  async run(): Promise<void> {
    await this.parse(Throws)
    this.secrets.register(Throws.loaded)
    throw Throws.error
  }
}

describe('command: StagingCommand.catch (src/lib/command/base.ts)', function () {
  beforeEach(function () {
    process.exitCode = undefined
  })

  afterEach(function () {
    process.exitCode = undefined
  })

  it('prints an ActionableError as its message and fix, with its exit code', async function () {
    Throws.error = new ActionableError('The thing is wrong.', 'Run heroku staging:thing --fix.', ExitCode.Refused)
    const run = await runCommand(Throws, [])
    expect(run.error?.oclif?.exit).to.equal(4)
    expect(run.error?.message).to.equal('The thing is wrong.\nRun heroku staging:thing --fix.')
  })

  it('keeps an ActionableError\'s exit code under --json, and prints it as JSON', async function () {
    Throws.error = new ActionableError('The thing failed midway.', 'Run the same command again.', ExitCode.Failed)
    const run = await runCommand(Throws, ['--json'])
    expect(process.exitCode).to.equal(5)
    const parsed = JSON.parse(run.stdout) as {error: {message: string}}
    expect(parsed.error.message).to.equal('The thing failed midway.\nRun the same command again.')
  })

  it('maps an API error to exit 3, human and --json', async function () {
    Throws.error = new ApiError({id: 'not_found', message: 'Couldn\'t find that app.', method: 'GET', path: '/apps/x', status: 404})
    const human = await runCommand(Throws, [])
    expect(human.error?.oclif?.exit).to.equal(3)
    expect(human.error?.message).to.equal('Couldn\'t find that app. (not_found)\nCheck the name: heroku apps lists your apps, heroku addons -a APP an app\'s add-ons.')
    const json = await runCommand(Throws, ['--json'])
    expect(process.exitCode).to.equal(3)
    expect((JSON.parse(json.stdout) as {error: {message: string}}).error.message).to.contain('Couldn\'t find that app.')
  })

  it('gives an unexpected error (a bug) exit 6, never 1 (a finding), human and --json, with how to report it', async function () {
    Throws.error = new TypeError('unexpected')
    const human = await runCommand(Throws, [])
    expect(human.error?.oclif?.exit).to.equal(6)
    expect(human.error?.message).to.equal('unexpected\nThis is a bug in heroku-staging: re-run with HEROKU_DEBUG=1 and report what it prints.')
    const run = await runCommand(Throws, ['--json'])
    expect(process.exitCode).to.equal(6)
    expect((JSON.parse(run.stdout) as {error: {message: string}}).error.message).to.contain('unexpected')
  })

  it('keeps the exit code of an error oclif raised on purpose (a parse error is 2)', async function () {
    Throws.error = new Errors.CLIError('Expected --app', {exit: 2})
    const run = await runCommand(Throws, [])
    expect(run.error?.oclif?.exit).to.equal(2)
    expect(run.error?.message).to.equal('Expected --app')
  })

  it('redacts a registered secret from the error, human and --json', async function () {
    Throws.loaded = SECRET
    Throws.error = new ActionableError(`Bad value ${SECRET}.`, `Do not pass ${SECRET}.`, ExitCode.Usage)
    const human = await runCommand(Throws, [])
    expect(human.error?.oclif?.exit).to.equal(2)
    expect(human.error?.message).not.to.contain(SECRET)
    const json = await runCommand(Throws, ['--json'])
    expect(json.stdout).not.to.contain(SECRET)
    expect(process.exitCode).to.equal(2)
  })
})
