import {flags} from '@heroku-cli/command'
import {Flags} from '@oclif/core'

import {auditExitCode, auditProtectedApps, runAudit} from '../../lib/audit/run.js'
import type {AuditResult} from '../../lib/audit/types.js'
import {StagingCommand, StagingError} from '../../lib/command/base.js'
import {AUDIT_DESCRIPTION, AUDIT_EXAMPLES} from '../../lib/command/audit-help.js'
import {ExitCode} from '../../lib/exit-codes.js'
import {planLines, progressLine, repairConfirmTexts, resultLines} from '../../lib/fix/render.js'
import {fixExitCode, runFix} from '../../lib/fix/run.js'
import type {FixResult} from '../../lib/fix/types.js'
import {renderAudit} from '../../lib/render/audit.js'
import {renderGithub} from '../../lib/render/github.js'

export default class Audit extends StagingCommand {
  static override summary = 'find every way a staging app is wired to production'

  static override description = AUDIT_DESCRIPTION

  static override enableJsonFlag = true

  static override examples = AUDIT_EXAMPLES

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
