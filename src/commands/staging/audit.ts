import {flags} from '@heroku-cli/command'
import {Flags} from '@oclif/core'

import {FINDING_CODES} from '../../lib/audit/codes.js'
import {auditExitCode, auditProtectedApps, runAudit} from '../../lib/audit/run.js'
import type {AuditResult} from '../../lib/audit/types.js'
import {StagingCommand, StagingError} from '../../lib/command/base.js'
import {DEBUG_HELP} from '../../lib/command/help.js'
import {ExitCode, exitCodeHelp} from '../../lib/exit-codes.js'
import {planLines, progressLine, repairConfirmTexts, resultLines} from '../../lib/fix/render.js'
import {fixExitCode, runFix} from '../../lib/fix/run.js'
import type {FixResult} from '../../lib/fix/types.js'
import {renderAudit} from '../../lib/render/audit.js'
import {renderGithub} from '../../lib/render/github.js'

export default class Audit extends StagingCommand {
  static override summary = 'find every way a staging app is wired to production'

  // Paragraphs are single lines and oclif wraps them to the terminal; only the exit codes are a list.
  static override description = [
    'Compares a staging app (or every non-production app of a pipeline) with its production app(s): shared databases and services (the same host, by name or address, and database, whatever the credentials, in every form: URLs, JDBC, libpq strings, PGHOST/DB_HOST variables, JSON), add-ons owned by production, a DATABASE_URL not set by an attachment, shared secrets, Postgres drift, side-effect add-ons and workers, and the app\'s pipeline stage. Each finding has a stable code, a severity and the exact command that fixes it. Values are never printed: only config var and add-on names, masked URLs and fingerprints.',
    '',
    'Production is --production if given, else the apps at stage production in the audited app\'s pipeline; for an app in no pipeline with a production stage (e.g. one just forked), every production app of the account: apps at stage production of any pipeline and apps protected with heroku staging:protect. The report (and --json productionFrom) says which.',
    '',
    'With --pipeline it also covers the review apps and the config vars the pipeline gives every review app and Heroku CI run (its review and test stages): a production URL or secret there is STAGE_CONFIG_VAR. A review app audited with -a is compared with its pipeline\'s production.',
    '',
    `Finding codes (the README explains each): ${FINDING_CODES.map(info => `${info.code} (${info.severity})`).join(', ')}. Commit ids, HEROKU_SLUG_COMMIT, SOURCE_VERSION and dyno metadata are never reported as shared secrets.`,
    '',
    'In CI, --format github prints one GitHub Actions annotation per finding (an error for a critical one, a warning for a warning; names only) and keeps the exit codes, so a job fails on 1. --json prints the result described by schemas/staging-audit.v1.schema.json.',
    '',
    'With --fix (one app), the audit is followed by a repair plan: each critical finding with an automatic remedy, the exact change and what the app loses. A DATABASE_URL reaching production is unset (or production\'s database detached) and the app\'s own Postgres attached as DATABASE, as pg:promote does, or a new one created on production\'s major version when it has none (heroku staging:refresh is then the next step for data). An attachment of a production add-on is detached from the staging app; the add-on itself is untouched. Any other config var reaching a production database or service is unset, by name. Identical secrets are listed with the command to set a new value, never guessed.',
    '',
    'You confirm by typing the app\'s name (or --confirm). The app\'s config var names, attachments and release are recorded and its own databases backed up first; then the changes, then the audit again. heroku releases:rollback restores config vars but not attachments: the plan says how to restore each. --fix never changes a production app or add-on: it refuses a production app, and every request passes a guard that refuses any mutating request naming one. --dry-run prints the plan and sends no mutating request.',
    '',
    DEBUG_HELP,
    '',
    exitCodeHelp([ExitCode.Ok, ExitCode.Critical, ExitCode.Usage, ExitCode.Api, ExitCode.Refused, ExitCode.Failed, ExitCode.Unexpected]),
    '',
    '4 and 5 come only with --fix; with --fix, 0 and 1 say whether a critical finding remains after the repair.',
  ].join('\n')

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> --app example-staging', description: 'audit a staging app against its pipeline\'s production app'},
    {command: '<%= config.bin %> <%= command.id %> --app example-staging --production example-app', description: 'name production explicitly (repeatable)'},
    {command: '<%= config.bin %> <%= command.id %> --app example-fork', description: 'audit an app in no pipeline against every production app of the account'},
    {command: '<%= config.bin %> <%= command.id %> --pipeline example-pipeline --json', description: 'audit every non-production app of a pipeline and its review and test stages, as JSON'},
    {command: '<%= config.bin %> <%= command.id %> --pipeline example-pipeline --format github', description: 'in a GitHub Actions job: one annotation per finding, exit 1 on a critical one'},
    {command: '<%= config.bin %> <%= command.id %> --app example-staging --fix --dry-run', description: 'print the repair plan for a staging app wired to production, change nothing'},
    {command: '<%= config.bin %> <%= command.id %> --app example-staging --fix --confirm example-staging', description: 'repair it without a prompt: back up, unset and detach what reaches production, promote its own database, audit again'},
  ]

  static override flags = {
    app: flags.app({description: 'staging app to audit'}),
    confirm: Flags.string({
      dependsOn: ['fix'],
      description: 'with --fix: the staging app\'s name, to confirm the repair without a prompt (required without a TTY)',
    }),
    'dry-run': Flags.boolean({
      dependsOn: ['fix'],
      description: 'with --fix: print the audit and the repair plan, and send no mutating request',
    }),
    fix: Flags.boolean({
      description: 'repair the staging app: remove what reaches production and give it its own DATABASE (asks for confirmation)',
      exclusive: ['pipeline'],
    }),
    format: Flags.string({
      description: 'how to print the audit: human (the report, by default) or github (one GitHub Actions annotation per finding, names only)',
      options: ['human', 'github'],
    }),
    pipeline: Flags.string({
      description: 'audit every non-production app of this pipeline against its production app(s), in one report',
      exclusive: ['app', 'remote'],
    }),
    production: Flags.string({
      description: 'production app to compare with (repeatable); default: the apps at stage production in the pipeline, or for an app in no pipeline every production app of the account',
      multiple: true,
    }),
    remote: flags.remote({description: 'git remote of the staging app to audit'}),
  }

  async run(): Promise<AuditResult | FixResult> {
    const {flags: parsed} = await this.parse(Audit)
    // Checked here, not with `exclusive`: --json is a global flag, and `exclusive` garbles the usage line.
    if (parsed.format === 'github' && this.jsonEnabled()) throw new StagingError('--format github and --json both choose what is printed.', 'Pass one: --format github for annotations, --json for the result.', ExitCode.Usage)
    if (parsed.format === 'github' && parsed.fix) throw new StagingError('--format github prints an audit, and --fix repairs.', 'Audit with --format github, or repair with --fix (without --format).', ExitCode.Usage)
    if (parsed.fix) return this.fix(parsed)
    const result = await runAudit(this.client, {
      app: parsed.pipeline ? undefined : parsed.app,
      pipeline: parsed.pipeline,
      production: parsed.production ?? [],
      protectedApps: await auditProtectedApps(this.config.configDir),
    })
    for (const line of parsed.format === 'github' ? renderGithub(result) : renderAudit(result)) this.log(line)
    // The report (or JSON) is printed either way; the exit code says a critical finding remains.
    if (auditExitCode(result) !== ExitCode.Ok) this.exitAfterResult(auditExitCode(result))
    return result
  }

  /** --fix: audit, plan, confirm, repair, audit again (src/lib/fix/run.ts); this only prints. */
  private async fix(parsed: {app?: string; confirm?: string; 'dry-run'?: boolean; production?: string[]}): Promise<FixResult> {
    if (!parsed.app) throw new StagingError('--fix repairs one staging app, and none was named.', 'Pass it with -a STAGING_APP.', ExitCode.Usage)
    const request = {app: parsed.app, dryRun: parsed['dry-run'] ?? false, production: parsed.production ?? [], protectedApps: await auditProtectedApps(this.config.configDir)}
    const result = await runFix(this.client, request, {
      audited: audit => {
        for (const line of renderAudit(audit)) this.log(line)
      },
      confirm: async plan => this.requireConfirmation(plan.app.name, parsed.confirm, repairConfirmTexts(plan.app.name)),
      interruptible: async work => this.interruptible(work),
      onEvent: event => {
        const line = progressLine(event)
        if (line !== undefined) this.logToStderr(line)
      },
      planned: plan => {
        for (const line of ['', ...planLines(plan), '']) this.log(line)
      },
    })
    for (const line of resultLines(result)) this.log(line)
    if (fixExitCode(result) !== ExitCode.Ok) this.exitAfterResult(fixExitCode(result))
    return result
  }
}
