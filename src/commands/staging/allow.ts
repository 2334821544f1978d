import {Args} from '@oclif/core'
import {flags} from '@heroku-cli/command'

import {StagingCommand, StagingError} from '../../lib/command/base.js'
import {ConfirmCancelled, terminalConfirmIO} from '../../lib/command/confirm.js'
import {ExitCode, exitCodeHelp} from '../../lib/exit-codes.js'
import {type Consent, consentFile, grantConsent, MAX_CONSENT_MS, parseDuration} from '../../lib/hook/consent.js'

export default class Allow extends StagingCommand {
  static override summary = 'let a coding agent write one production app for a while, with your consent'

  // Paragraphs are single lines and oclif wraps them to the terminal; only the exit codes are a list.
  static override description = [
    'When heroku runs without a terminal under a known coding agent (CLAUDECODE, CURSOR_AGENT, CODEX_SANDBOX, GEMINI_CLI and others; see the README), HEROKU_STAGING_ALLOW_PRODUCTION alone lets nothing through: a person must first allow the app here, at a terminal, by typing its name. The consent covers that one app, expires, and is kept in the CLI\'s config directory. It is refused without a terminal.',
    '',
    exitCodeHelp([ExitCode.Ok, ExitCode.Usage, ExitCode.Refused]),
  ].join('\n')

  static override args = {
    app: Args.string({description: 'the production app to allow', required: true}),
  }

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> acme-production --for 15m', description: 'allow writes to acme-production for 15 minutes (type its name to confirm)'},
  ]

  static override flags = {
    for: flags.string({default: '15m', description: 'how long the consent lasts (e.g. 15m, 1h; at most 4h)'}),
  }

  async run(): Promise<Consent> {
    const {args, flags: parsed} = await this.parse(Allow)
    const duration = parseDuration(parsed.for)
    if (duration === undefined || duration > MAX_CONSENT_MS) {
      throw new StagingError(`--for ${parsed.for} is not a duration of at most 4h.`, 'Give one like --for 15m or --for 1h.', ExitCode.Usage)
    }

    const io = terminalConfirmIO()
    if (!io.isTTY) {
      throw new StagingError('heroku staging:allow needs a terminal: it asks a person to type the app\'s name.', 'A person must run it in a terminal; a coding agent cannot give this consent.', ExitCode.Refused)
    }

    let answer: string
    try {
      answer = (await io.ask(`Allow runs without a terminal to write ${args.app} for ${parsed.for}? Type ${args.app} to confirm: `)).trim()
    } catch (error) {
      if (error instanceof ConfirmCancelled) throw new StagingError('Cancelled. Nothing was allowed.', `Run heroku staging:allow ${args.app} again when you are sure.`, ExitCode.Refused)
      throw error
    }

    if (answer !== args.app) throw new StagingError(`${answer} did not match ${args.app}. Nothing was allowed.`, `Run heroku staging:allow ${args.app} again and type the app's name exactly.`, ExitCode.Refused)
    const consent = await grantConsent(this.config.configDir, args.app, duration)
    this.log(`${args.app}: a run with HEROKU_STAGING_ALLOW_PRODUCTION=${args.app} may write it until ${consent.until} (kept in ${consentFile(this.config.configDir)}).`)
    return consent
  }
}
