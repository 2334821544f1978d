import {flags} from '@heroku-cli/command'
import {Flags, type Interfaces} from '@oclif/core'

import {AuditUsageError, runAudit} from '../../lib/audit/run.js'
import type {AuditResult} from '../../lib/audit/types.js'
import {StagingCommand, StagingError} from '../../lib/command/base.js'
import {ExitCode, exitCodeHelp} from '../../lib/exit-codes.js'
import {ApiError} from '../../lib/heroku/client.js'
import {protectedFile, protectedKeys, readProtectedEntries} from '../../lib/protect/store.js'
import {renderAudit} from '../../lib/render/audit.js'

export default class Audit extends StagingCommand {
  static override description = `find every way a staging app is wired to production
Compares a staging app (or every non-production app of a pipeline) with its production app(s):
shared databases and services (same host, port and database, whatever the credentials), add-ons
owned by production, a DATABASE_URL not set by an attachment, shared secrets, Postgres drift,
side-effect add-ons and workers, and the app's pipeline stage. Each finding has a stable code, a
severity and the exact command that fixes it. Values are never printed: only config var and add-on
names, masked URLs and fingerprints.

Production is --production if given, else the apps at stage production in the audited app's pipeline.

${exitCodeHelp([ExitCode.Ok, ExitCode.Critical, ExitCode.Usage, ExitCode.Api])}`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> --app example-staging', description: 'audit a staging app against its pipeline\'s production app'},
    {command: '<%= config.bin %> <%= command.id %> --app example-staging --production example-app', description: 'name production explicitly (repeatable)'},
    {command: '<%= config.bin %> <%= command.id %> --pipeline example-pipeline --json', description: 'audit every non-production app of a pipeline, as JSON'},
  ]

  static override flags = {
    app: flags.app({description: 'staging app to audit'}),
    pipeline: Flags.string({
      description: 'audit every non-production app of this pipeline against its production app(s), in one report',
      exclusive: ['app', 'remote'],
    }),
    production: Flags.string({
      description: 'production app to compare with (repeatable); default: the apps at stage production in the pipeline',
      multiple: true,
    }),
    remote: flags.remote({description: 'git remote of the staging app to audit'}),
  }

  protected override async catch(err: Interfaces.CommandError): Promise<unknown> {
    const error = err instanceof AuditUsageError ? new StagingError(err.message, err.fix, err.exit) : err
    // Under --json oclif prints the error instead of throwing it and sets exit code 1: keep ours.
    if (this.jsonEnabled()) process.exitCode = error instanceof ApiError ? ExitCode.Api : (error as {oclif?: {exit?: number}}).oclif?.exit ?? 1
    return super.catch(error as Interfaces.CommandError)
  }

  /** Apps marked production with staging:protect; an unreadable list stops the audit rather than ignoring it. */
  private async protectedApps(): Promise<string[]> {
    try {
      return protectedKeys(await readProtectedEntries(this.config.configDir))
    } catch (error) {
      const file = protectedFile(this.config.configDir)
      throw new StagingError(`Cannot read the protected-apps list ${file}: ${(error as Error).message}`, `Fix or delete ${file}, then re-run heroku staging:protect --app PRODUCTION_APP.`, ExitCode.Usage)
    }
  }

  async run(): Promise<AuditResult> {
    const {flags: parsed} = await this.parse(Audit)
    const result = await runAudit(this.client, {
      app: parsed.pipeline ? undefined : parsed.app,
      pipeline: parsed.pipeline,
      production: parsed.production ?? [],
      protectedApps: await this.protectedApps(),
    })
    if (!this.jsonEnabled()) for (const line of renderAudit(result)) this.log(line)
    if (result.summary.critical > 0) {
      // The report (or JSON) is printed either way; the exit code says a critical finding remains.
      if (this.jsonEnabled()) process.exitCode = ExitCode.Critical
      else this.exit(ExitCode.Critical)
    }

    return result
  }
}
