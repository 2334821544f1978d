import {Flags} from '@oclif/core'

import {StagingCommand} from '../../lib/command/base.js'
import {DEBUG_HELP} from '../../lib/command/help.js'
import {ExitCode, exitCodeHelp} from '../../lib/exit-codes.js'
import {renderEvent, renderPlan, renderResult} from '../../lib/fork/render.js'
import {criticalFork, forkExitCode, runFork} from '../../lib/fork/run.js'
import {FORK_MARKER, type ForkResult} from '../../lib/fork/types.js'

export default class Fork extends StagingCommand {
  static override summary = 'make a staging copy of a production app that shares nothing with it'

  // Paragraphs are single lines and oclif wraps them to the terminal; only the exit codes are a list.
  static override description = [
    'Creates <from>-staging (or --to) with production\'s region, stack, team and buildpacks; provisions a new add-on for every add-on production owns (Postgres pinned to production\'s major version, on the smallest plan that holds its data unless --plan says otherwise) and copies production\'s database into it server side; copies config vars except every var an add-on attachment exposes, every value that reaches a production database or service, and --exclude-config keys (--set wins); releases production\'s current slug; scales web to 1 and other process types to 0; couples the app at stage staging of production\'s pipeline; then audits the fork against production.',
    '',
    'It prints the whole plan first (names only, never values); --dry-run stops there and changes nothing. It never sends a mutating request to production or its add-ons. Add-ons owned by another app are not attached unless --share-addon names them.',
    '',
    `The fork is marked with the config var ${FORK_MARKER}; an existing --to app without that mark (or marked for another source) is refused, and so is any production app. If a step fails, nothing is destroyed (unless --destroy-on-failure): run the same command again and it continues where it stopped. Progress goes to stderr, the result to stdout.`,
    '',
    DEBUG_HELP,
    '',
    exitCodeHelp([ExitCode.Ok, ExitCode.Critical, ExitCode.Usage, ExitCode.Api, ExitCode.Refused, ExitCode.Failed, ExitCode.Unexpected]),
  ].join('\n')

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> --from example-app --dry-run', description: 'print the plan for example-app-staging and change nothing'},
    {command: '<%= config.bin %> <%= command.id %> --from example-app --set SECRET_KEY_BASE=$(openssl rand -hex 64)', description: 'fork example-app into example-app-staging with its own secret'},
    {command: '<%= config.bin %> <%= command.id %> --from example-app --to example-qa --plan heroku-postgresql=essential-2 --data none', description: 'fork onto a chosen Postgres plan and leave the new database empty'},
    {command: '<%= config.bin %> <%= command.id %> --from example-app --data fork', description: 'give the fork a Heroku Postgres fork of production\'s database (no transfer)'},
    {command: '<%= config.bin %> <%= command.id %> --from example-app --share-addon example-shared-redis --exclude-config PAYMENTS_WEBHOOK_URL', description: 'share one add-on owned by another app and leave one config var out'},
  ]

  static override flags = {
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
    space: Flags.string({description: 'space to create the fork in (default: production\'s, for a Fir app)'}),
    team: Flags.string({description: 'team that owns the fork (default: production\'s)'}),
    to: Flags.string({description: 'name of the fork (default: <from>-staging)'}),
  }

  async run(): Promise<ForkResult> {
    const {flags} = await this.parse(Fork)
    const result = await runFork(this.client, {configDir: this.config.configDir, dataDir: this.config.dataDir, flags}, {
      onEvent: event => this.logToStderr(renderEvent(event)),
      planned: plan => this.log(renderPlan(plan).join('\n')),
      progress: line => this.logToStderr(line),
      warn: message => this.warn(message),
    })
    this.log(result.dryRun ? '\nDry run: nothing was changed.' : renderResult(result).join('\n'))
    const code = forkExitCode(result)
    if (code !== ExitCode.Ok && !this.jsonEnabled()) throw criticalFork(result, flags)
    if (code !== ExitCode.Ok) this.exitAfterResult(code)
    return result
  }
}
