import type {Command, Hook} from '@oclif/core'

import {expect} from 'chai'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import hook from '../../../src/hooks/prerun/guard.js'
import {clearInterceptor, interceptorActive} from '../../../src/lib/hook/intercept.js'
import {loadConfig} from '../../helpers/run.js'

/** The hook as oclif calls it: `this` is the hook context, errors carry oclif exit codes. */

interface Captured {
  errors: Array<{exit?: number; message: string}>
  warnings: string[]
}

describe('prerun hook entry point', function () {
  let configDir: string

  beforeEach(async function () {
    configDir = await mkdtemp(path.join(tmpdir(), 'hook-entry-'))
  })

  afterEach(async function () {
    // The hook installed the effect guard in this process: later tests in this worker must not meet it.
    clearInterceptor()
    await rm(configDir, {force: true, recursive: true})
  })

  async function call(id: string, argv: string[], options: {findCommand?: (id: string) => unknown; pluginName?: string; promptable?: boolean} = {}): Promise<Captured> {
    const loaded = await loadConfig()
    const config = options.findCommand ? Object.assign(Object.create(loaded) as object, {findCommand: options.findCommand}) as typeof loaded : loaded
    const captured: Captured = {errors: [], warnings: []}
    const context = {
      config: Object.assign(Object.create(config) as object, {configDir}),
      debug() {},
      error(message: Error | string, options: {exit?: number} = {}) {
        captured.errors.push({exit: options.exit, message: String(message)})
        throw new Error('stopped')
      },
      exit() {},
      log() {},
      warn(message: string) {
        captured.warnings.push(message)
      },
    } as unknown as Hook.Context
    // A promptable class has @heroku-cli/command's --prompt base flag.
    const Command = {baseFlags: options.promptable ? {prompt: {type: 'boolean'}} : {}, flags: {}, id, pluginName: options.pluginName} as unknown as Command.Class
    try {
      await hook.call(context, {argv, Command, config, context})
    } catch (error) {
      if ((error as Error).message !== 'stopped') throw error
    }

    return captured
  }

  it('installs the effect guard for every command but this plugin\'s own staging:* ones (another plugin\'s staging:* is guarded)', async function () {
    await call('staging:audit', ['-a', 'acme-staging'], {pluginName: 'heroku-staging'})
    expect(interceptorActive(), 'our staging:audit').to.equal(false)
    await call('staging:wipe', ['-a', 'acme-production'], {pluginName: 'heroku-staging-evil'})
    expect(interceptorActive(), 'another plugin\'s staging:wipe').to.equal(true)
    clearInterceptor()
    await call('staging:wipe', ['-a', 'acme-production'])
    expect(interceptorActive(), 'a staging:* command of no known plugin').to.equal(true)
    clearInterceptor()
    await call('apps', [])
    expect(interceptorActive(), 'a stock command').to.equal(true)
  })

  it('does nothing for an unguarded command', async function () {
    expect(await call('pg:info', ['-a', 'acme-production'])).to.deep.equal({errors: [], warnings: []})
  })

  it('aborts a guarded command it cannot check with exit 4 (here --prompt, no request needed)', async function () {
    const {errors} = await call('pg:reset', ['--prompt', '-a', 'acme-staging'])
    expect(errors).to.have.length(1)
    expect(errors[0]?.exit).to.equal(4)
    expect(errors[0]?.message).to.contain('heroku-staging refused heroku pg:reset --prompt -a acme-staging')
    expect(errors[0]?.message).to.not.contain('HEROKU_STAGING_ALLOW_PRODUCTION=acme-staging')
  })

  it('--prompt: the first of the two prerun runs is not decided (no refusal, no request), the second is', async function () {
    const found = (id: string) => ({id})
    for (const id of ['pg:reset', 'pg:promote', 'apps:destroy']) {
      expect(await call(id, ['--prompt', '-a', 'acme-production'], {findCommand: found, promptable: true}), id).to.deep.equal({errors: [], warnings: []})
    }

    // The run with the answers has no --prompt: it is decided (here refused, as it cannot be checked offline).
    const second = await call('pg:reset', ['DATABASE', '-a', 'acme-staging'], {findCommand: found, promptable: true})
    expect(second.errors).to.have.length(1)
    expect(second.errors[0]?.exit).to.equal(4)
  })

  it('--prompt: decided at once when the command cannot prompt (oclif cannot find it, so no second run comes)', async function () {
    const {errors} = await call('pg:reset', ['--prompt', '-a', 'acme-staging'], {findCommand: () => undefined, promptable: true})
    expect(errors).to.have.length(1)
    expect(errors[0]?.exit).to.equal(4)
  })

  it('passes the refusal through redaction: a password typed on the command line is masked', async function () {
    const {errors} = await call('pg:copy', ['DATABASE', 'postgres://admin:hunter2hunter2@db.example.com:5432/prod', '--prompt', '-a', 'acme-staging'])
    expect(errors[0]?.message).to.contain('postgres://a***:****@db.example.com:5432/prod')
    expect(errors[0]?.message).to.not.contain('hunter2hunter2')
  })
})
