import {flags} from '@heroku-cli/command'
import {Flags} from '@oclif/core'

import {StagingCommand} from '../../lib/command/base.js'
import {REFRESH_DESCRIPTION, REFRESH_EXAMPLES} from '../../lib/command/refresh-help.js'
import {refreshHooks} from '../../lib/command/terminal.js'
import {ExitCode} from '../../lib/exit-codes.js'
import {dryRunLines, summaryLines} from '../../lib/refresh/render.js'
import {refreshExitCode, refreshRequest, runRefresh} from '../../lib/refresh/run.js'
import type {RefreshDryRun, RefreshResult} from '../../lib/refresh/types.js'

/** The `--json` result, kept importable from the command (tests and users import it from here). */
export type {RefreshDryRun, RefreshResult} from '../../lib/refresh/types.js'

export default class Refresh extends StagingCommand {
  static override summary = 'copy production\'s database into a staging app behind a production guard'

  static override description = REFRESH_DESCRIPTION

  static override enableJsonFlag = true

  static override examples = REFRESH_EXAMPLES

  static override flags = {
    'allow-pii': Flags.string({description: 'accept a likely-PII column on purpose, as TABLE.COLUMN (repeatable)', multiple: true}),
    app: flags.app({description: 'staging app to refresh', required: true}),
    backup: Flags.boolean({allowNo: true, default: true, description: 'back up the target before it is wiped or destroyed (--no-backup skips it: its data is then lost for good)'}),
    'backup-source': Flags.boolean({default: false, description: 'capture a fresh backup of the production source first (the only write to production any staging command makes)'}),
    data: Flags.string({description: 'copy (a transfer) or fork (blue-green, a Postgres fork)', options: ['copy', 'fork']}),
    confirm: Flags.string({description: 'the staging app\'s name, to confirm without a prompt (required without a TTY)'}),
    'dry-run': Flags.boolean({description: 'print the plan, the SQL and unhandled PII columns; change nothing'}),
    from: Flags.string({description: 'the production app to copy from (default: the production app of the staging app\'s pipeline)'}),
    maintenance: Flags.boolean({allowNo: true, default: true, description: 'put the staging app in maintenance mode for the duration (--no-maintenance skips it)'}),
    remote: flags.remote({description: 'git remote of the staging app to refresh'}),
    rules: Flags.string({description: 'YAML or JSON sanitising rules, with the PII guard (examples/sanitize-rules.yml)'}),
    sanitize: Flags.string({description: 'SQL file run against the refreshed database in one transaction (see examples/sanitize.sql)'}),
    source: Flags.string({default: 'DATABASE', description: 'attachment or config var of the source database on the production app'}),
    target: Flags.string({default: 'DATABASE', description: 'attachment or config var of the target database on the staging app'}),
  }

  async run(): Promise<RefreshDryRun | RefreshResult> {
    const {flags: parsed} = await this.parse(Refresh)
    const result = await runRefresh(this.client, refreshRequest(parsed, this.config.configDir), refreshHooks(this.terminal, parsed.confirm))
    for (const line of 'dryRun' in result ? dryRunLines(result) : summaryLines(result)) this.log(line)
    // The summary (or JSON) is printed either way; the exit code says what remains to be done.
    const code = refreshExitCode(result, parsed.rules !== undefined)
    if (code !== ExitCode.Ok) this.exitAfterResult(code)
    return result
  }
}
