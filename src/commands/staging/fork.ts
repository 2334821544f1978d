import {Flags} from '@oclif/core'

import {FORK_DESCRIPTION, FORK_EXAMPLES} from '../../lib/command/fork-help.js'
import {StagingCommand} from '../../lib/command/base.js'
import {ExitCode} from '../../lib/exit-codes.js'
import {stepProgress} from '../../lib/execute/progress.js'
import {renderPlan, renderResult} from '../../lib/fork/render.js'
import {criticalLines, forkExitCode, runFork} from '../../lib/fork/run.js'
import type {ForkResult} from '../../lib/fork/types.js'

export default class Fork extends StagingCommand {
  static override summary = 'make a staging copy of a production app that shares nothing with it'

  static override description = FORK_DESCRIPTION

  static override enableJsonFlag = true

  static override examples = FORK_EXAMPLES

  static override flags = {
    'copy-config': Flags.string({description: 'copy this secret config var from production on purpose (repeatable); secrets are otherwise never copied', multiple: true}),
    data: Flags.string({description: 'how production\'s data gets in: copy, fork (a Postgres fork) or none', options: ['copy', 'fork', 'none']}),
    'destroy-on-failure': Flags.boolean({description: 'if a step fails, destroy the fork app (by default nothing is destroyed and a re-run resumes)'}),
    'dry-run': Flags.boolean({description: 'print the plan and stop: no request that changes anything is sent'}),
    'exclude-config': Flags.string({description: 'config var not to copy (repeatable)', multiple: true}),
    from: Flags.string({description: 'production app to fork', required: true}),
    plan: Flags.string({description: 'plan for an add-on service, as SERVICE=PLAN (repeatable), e.g. heroku-postgresql=essential-1', multiple: true}),
    region: Flags.string({description: 'region of the fork (default: production\'s)'}),
    scale: Flags.string({description: 'dynos for a process type, as TYPE=QUANTITY (repeatable); default web=1 and every other type 0', multiple: true}),
    set: Flags.string({description: 'config var to set on the fork, as KEY=VALUE (repeatable); wins over every copy and exclusion', multiple: true}),
    'share-addon': Flags.string({description: 'attach this add-on owned by another app to the fork too (repeatable; it is then shared)', multiple: true}),
    'skip-data': Flags.boolean({deprecated: {message: '--skip-data is now --data none; it still works.', to: 'data'}, description: 'deprecated alias of --data none'}),
    space: Flags.string({description: 'space to create the fork in (default: production\'s for Fir; needed for Shield)'}),
    team: Flags.string({description: 'team that owns the fork (default: production\'s)'}),
    to: Flags.string({description: 'name of the fork (default: <from>-staging)'}),
  }

  async run(): Promise<ForkResult> {
    const {flags} = await this.parse(Fork)
    const progress = stepProgress()
    const result = await runFork(this.client, {configDir: this.config.configDir, dataDir: this.config.dataDir, flags}, {
      onEvent: event => {
        const line = progress(event)
        if (line !== undefined) this.logToStderr(line)
      },
      planned: plan => this.log(renderPlan(plan).join('\n')),
      progress: line => this.logToStderr(line),
      warn: message => this.warn(message),
    })
    this.log(result.dryRun ? '\nDry run: nothing was changed.' : renderResult(result).join('\n'))
    const code = forkExitCode(result)
    // Like audit and refresh: the report says what remains and its fix, then the command exits with its code.
    if (code !== ExitCode.Ok && !this.jsonEnabled()) this.log(criticalLines(result, flags).join('\n'))
    if (code !== ExitCode.Ok) this.exitAfterResult(code)
    return result
  }
}
