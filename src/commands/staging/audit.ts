// Subpath, not the package index (which loads all of oclif on every start).
import * as Flags from '@oclif/core/flags'

import {auditExitCode, auditProtectedApps, checkAuditFlags, runAudit} from '../../lib/audit-flow/run.js'
import type {AuditResult} from '../../lib/audit/types.js'
import {AUDIT_DESCRIPTION, AUDIT_EXAMPLES} from '../../lib/command/audit-help.js'
import {StagingCommand} from '../../lib/command/base.js'
import {flags} from '../../lib/command/heroku-command.js'
import {ExitCode, type ExitCodeValue} from '../../lib/exit-codes.js'
import type {FixResult} from '../../lib/fix/types.js'
import {renderAudit} from '../../lib/render/audit.js'

export default class Audit extends StagingCommand {
  static override summary = 'find every way a staging app is wired to production'

  static override description = AUDIT_DESCRIPTION

  static override enableJsonFlag = true

  static override examples = AUDIT_EXAMPLES

  static override flags = {
    app: flags.app({description: 'staging app to audit'}),
    confirm: Flags.string({dependsOn: ['fix'], description: 'with --fix: the staging app\'s name, to confirm the repair without a prompt (required without a TTY)'}),
    'dry-run': Flags.boolean({dependsOn: ['fix'], description: 'with --fix: print the audit and the repair plan, and send no mutating request'}),
    fix: Flags.boolean({description: 'repair the staging app: remove what reaches production and give it its own DATABASE (asks for confirmation)', exclusive: ['pipeline']}),
    format: Flags.string({description: 'how to print the audit: human (the report, by default) or github (one GitHub Actions annotation per finding, names only)', options: ['human', 'github']}),
    pipeline: Flags.string({description: 'audit every non-production app of this pipeline against its production app(s), in one report', exclusive: ['app', 'remote']}),
    production: Flags.string({description: 'production app to compare with (repeatable); default: the apps at stage production in the pipeline, or for an app in no pipeline every production app of the account', multiple: true}),
    remote: flags.remote({description: 'git remote of the staging app to audit'}),
  }

  /**
   * The audit's second round trip asks for every production app of the account at once (config vars
   * and attachments, 2 requests an app, beside the pipeline's production and staging's databases):
   * 48 in flight keeps an account of 20 production apps in that one round. The count of requests,
   * what the rate limit meters, is the same either way.
   */
  protected override readonly clientConcurrency = 48

  async run(): Promise<AuditResult | FixResult> {
    const {flags: parsed} = await this.parse(Audit)
    checkAuditFlags(parsed, this.jsonEnabled())
    // --fix without -a is a usage error before the protected list is even read.
    // The repair and the annotations are loaded only when asked for: a plain audit starts lean.
    const fix = parsed.fix ? await fixFlow() : undefined
    const request = fix?.run.fixRequest(parsed)
    const protectedApps = await auditProtectedApps(this.config.configDir)
    let result: AuditResult | FixResult
    let code: ExitCodeValue
    if (fix && request) {
      // --fix: audit, plan, confirm, repair, audit again (src/lib/fix/run.ts).
      result = await fix.run.runFix(this.client, {...request, protectedApps}, fix.terminal.fixHooks(this.terminal, parsed.confirm))
      for (const line of fix.render.resultLines(result)) this.log(line)
      code = fix.run.fixExitCode(result)
    } else {
      result = await runAudit(this.client, {app: parsed.pipeline ? undefined : parsed.app, pipeline: parsed.pipeline, production: parsed.production ?? [], protectedApps})
      const lines = parsed.format === 'github' ? (await import('../../lib/render/github.js')).renderGithub(result) : renderAudit(result)
      for (const line of lines) this.log(line)
      code = auditExitCode(result)
    }

    // The report (or JSON) is printed either way; the exit code says a critical finding remains.
    if (code !== ExitCode.Ok) this.exitAfterResult(code)
    return result
  }
}

/** The --fix flow's modules, imported on demand. */
async function fixFlow() {
  const [run, render, terminal] = await Promise.all([
    import('../../lib/fix/run.js'),
    import('../../lib/fix/render.js'),
    import('../../lib/command/terminal.js'),
  ])
  return {render, run, terminal}
}
