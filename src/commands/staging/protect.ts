
import {StagingCommand, StagingError} from '../../lib/command/base.js'
import {flags} from '../../lib/command/heroku-command.js'
import {DEBUG_HELP} from '../../lib/command/help.js'
import {ExitCode, exitCodeHelp} from '../../lib/exit-codes.js'
import {listProtected, protect, type ProtectResult} from '../../lib/protect/actions.js'
import {protectedFile} from '../../lib/protect/store.js'
import {renderProtectResult} from '../../lib/protect/render.js'

export default class Protect extends StagingCommand {
  static override summary = 'mark an app as production for every heroku-staging guard, or list them'

  // Paragraphs are single lines and oclif wraps them to the terminal; only the exit codes are a list.
  static override description = [
    'A protected app counts as production exactly like an app at pipeline stage production: the prerun guard refuses whatever would destroy, overwrite, re-wire, rotate the credentials of or demote it, and staging:refresh refuses to write it. Run in a git repository, the mark is recorded in .heroku-staging.json at its root: commit it, and every teammate\'s plugin sees it. It is also kept in the CLI\'s config directory (staging-protected.json), by name and app id, so a renamed app stays protected. Undo with heroku staging:unprotect.',
    '',
    DEBUG_HELP,
    '',
    exitCodeHelp([ExitCode.Ok, ExitCode.Usage, ExitCode.Api, ExitCode.Unexpected]),
  ].join('\n')

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> --app acme-production', description: 'treat acme-production as production even though it is in no pipeline'},
    {command: '<%= config.bin %> <%= command.id %> --list', description: 'list the protected apps'},
    {command: '<%= config.bin %> <%= command.id %> --list --json', description: 'the same, as JSON'},
  ]

  static override flags = {
    app: flags.app({description: 'app to protect'}),
    list: flags.boolean({description: 'list the protected apps instead of protecting one'}),
    remote: flags.remote({description: 'git remote of the app to protect'}),
  }

  async run(): Promise<ProtectResult> {
    const {flags: parsed} = await this.parse(Protect)
    const {configDir} = this.config
    const file = protectedFile(configDir)
    let result: ProtectResult
    if (parsed.list) {
      result = await listProtected(configDir, file)
    } else {
      if (!parsed.app) {
        throw new StagingError('No app to protect was named.', 'Name it: heroku staging:protect -a APP (or list protected apps: heroku staging:protect --list).', ExitCode.Usage)
      }

      result = await protect(this.client, configDir, file, parsed.app)
    }

    if (!this.jsonEnabled()) this.log(renderProtectResult(result))
    return result
  }
}
