
import {StagingCommand, StagingError} from '../../lib/command/base.js'
import {flags} from '../../lib/command/heroku-command.js'
import {DEBUG_HELP} from '../../lib/command/help.js'
import {ExitCode, exitCodeHelp} from '../../lib/exit-codes.js'
import {agentRun, hasConsent} from '../../lib/hook/consent.js'
import {type ProtectResult, unprotect} from '../../lib/protect/actions.js'
import {renderProtectResult} from '../../lib/protect/render.js'
import {protectedFile} from '../../lib/protect/store.js'

export default class Unprotect extends StagingCommand {
  static override summary = 'remove an app from the list heroku staging:protect keeps'

  // Paragraphs are single lines and oclif wraps them to the terminal; only the exit codes are a list.
  static override description = [
    'The app then counts as production only if its pipeline stage is production. Unprotecting an app that is not protected changes nothing and is not an error.',
    '',
    DEBUG_HELP,
    '',
    exitCodeHelp([ExitCode.Ok, ExitCode.Usage, ExitCode.Api, ExitCode.Refused, ExitCode.Unexpected]),
  ].join('\n')

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> --app acme-production', description: 'stop treating acme-production as protected'},
  ]

  static override flags = {
    app: flags.app({description: 'app to unprotect'}),
    remote: flags.remote({description: 'git remote of the app to unprotect'}),
  }

  async run(): Promise<ProtectResult> {
    const {flags: parsed} = await this.parse(Unprotect)
    if (!parsed.app) {
      throw new StagingError('No app to unprotect was named.', 'Name it: heroku staging:unprotect -a APP (heroku staging:protect --list shows the protected apps).', ExitCode.Usage)
    }

    const {configDir} = this.config
    // Removing protection is a demotion: a coding agent without a terminal needs a person's consent for it.
    const agent = agentRun(process.env, process.stdin.isTTY)
    if (agent && !await hasConsent(configDir, parsed.app)) {
      throw new StagingError(`Refusing to unprotect ${parsed.app}: this run looks like a coding agent's (${agent} is set, no terminal), and removing protection demotes production.`, `A person must run heroku staging:allow ${parsed.app} --for 15m at a terminal first.`, ExitCode.Refused)
    }

    const result = await unprotect(this.client, configDir, protectedFile(configDir), parsed.app)
    if (!this.jsonEnabled()) this.log(renderProtectResult(result))
    return result
  }
}
