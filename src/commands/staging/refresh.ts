import {flags} from '@heroku-cli/command'
import {Flags} from '@oclif/core'
import {createInterface} from 'node:readline/promises'

import type {Finding} from '../../lib/audit/types.js'
import {StagingCommand, StagingError} from '../../lib/command/base.js'
import {ExitCode, exitCodeHelp} from '../../lib/exit-codes.js'
import type {Refusal} from '../../lib/guard/classify.js'
import {executeRefresh, type ExecutionResult, type RefreshEvent} from '../../lib/refresh/execute.js'
import {loadLatestBackup, loadRefreshInputs, readProtected, readSanitizeFile, verifyRefresh} from '../../lib/refresh/load.js'
import {type DatabaseSide, planRefresh, type ProcessQuantity} from '../../lib/refresh/plan.js'
import {findingLines, planLines, refusalText, transferLine} from '../../lib/refresh/render.js'
import {formatBytes, formatDuration} from '../../lib/render/format.js'

/** The `--json` result of `staging:refresh`: a public contract, documented in the README. */
export interface RefreshResult {
  app: string
  backups: ExecutionResult['backups']
  /** total wall time of the command's steps, in ms */
  durationMs: number
  findings: Finding[]
  formation: {paused: ProcessQuantity[]; restored: boolean; verified: boolean}
  from: string
  latestProductionBackup: null | {ageSeconds: number; finishedAt: string; name: string}
  maintenance: {after: boolean; before: boolean}
  sanitize: null | {durationMs: number; file: string}
  source: DatabaseSide
  target: DatabaseSide
  transfer: ExecutionResult['transfer']
  warnings: string[]
}

export default class Refresh extends StagingCommand {
  static override description = [
    'copy production\'s database into a staging app, behind a guard that refuses any production target',
    '',
    'The source defaults to production\'s DATABASE (production: the pipeline\'s production app, or --from); the target',
    'defaults to the staging app\'s DATABASE. Before anything is written, the guard refuses a target that is owned by',
    'or attached to a production app, reaches the same physical database as any production credential, is the source,',
    'is a follower, or is not a heroku-postgresql database. Both sides are printed in full and you confirm by typing the',
    'staging app\'s name (or pass --confirm). Then: a backup of the target, maintenance on, background dynos scaled',
    'to 0, a server-side copy with progress, the optional --sanitize SQL in one transaction, dynos and maintenance',
    'restored, and the audit again. Nothing is ever written to production, except the backup --backup-source asks for.',
    '',
    exitCodeHelp([ExitCode.Ok, ExitCode.Critical, ExitCode.Usage, ExitCode.Api, ExitCode.Refused, ExitCode.Failed]),
  ].join('\n')

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> -a acme-staging', description: 'copy the pipeline\'s production DATABASE into acme-staging\'s DATABASE (asks for confirmation)'},
    {command: '<%= config.bin %> <%= command.id %> -a acme-staging --from acme-production --confirm acme-staging --sanitize sanitize.sql', description: 'non-interactive, then scrub personal data in one transaction'},
    {command: '<%= config.bin %> <%= command.id %> -a acme-staging --target HEROKU_POSTGRESQL_ROSE --backup-source --confirm acme-staging --json', description: 'refresh another attachment, capture a fresh production backup first, typed JSON result'},
  ]

  static override flags = {
    app: flags.app({required: true}),
    backup: Flags.boolean({allowNo: true, default: true, description: 'capture a backup of the target before wiping it (--no-backup skips it: the target\'s data is then lost for good)'}),
    'backup-source': Flags.boolean({default: false, description: 'capture a fresh backup of the production source first (the only write to production any staging command makes)'}),
    confirm: Flags.string({description: 'the staging app\'s name, to confirm without a prompt (required without a TTY)'}),
    from: Flags.string({description: 'the production app to copy from (default: the production app of the staging app\'s pipeline)'}),
    maintenance: Flags.boolean({allowNo: true, default: true, description: 'put the staging app in maintenance mode for the duration (--no-maintenance skips it)'}),
    remote: flags.remote(),
    sanitize: Flags.string({description: 'SQL file run against the refreshed database in one transaction (see examples/sanitize.sql)'}),
    source: Flags.string({default: 'DATABASE', description: 'attachment or config var of the source database on the production app'}),
    target: Flags.string({default: 'DATABASE', description: 'attachment or config var of the target database on the staging app'}),
  }

  private lastProgress = 0
  private stopInterrupt?: () => void

  async run(): Promise<RefreshResult> {
    const {flags: opts} = await this.parse(Refresh)
    const started = Date.now()
    const sanitize = opts.sanitize ? await readSanitizeFile(opts.sanitize) : undefined
    const protectedApps = await readProtected(this.config.configDir)
    const inputs = await loadRefreshInputs(this.client, {app: opts.app, from: opts.from, protectedApps: protectedApps.entries})
    const outcome = planRefresh({
      from: opts.from,
      options: {
        backup: opts.backup,
        backupSource: opts['backup-source'],
        maintenance: opts.maintenance,
        sanitize,
        source: opts.source,
        target: opts.target,
      },
      production: inputs.production,
      protectedApps: protectedApps.keys,
      sourceApp: inputs.sourceApp,
      staging: inputs.staging,
    })
    for (const warning of inputs.warnings) this.warn(warning)

    if (outcome.kind === 'unresolved') throw new StagingError(outcome.message, outcome.fix, ExitCode.Usage)
    if (outcome.kind === 'refused') this.refuse(outcome.source, outcome.target, outcome.refusals)
    const {plan} = outcome

    const backup = await loadLatestBackup(this.client, plan)
    if (backup.warning) this.warn(backup.warning)
    for (const line of planLines(plan, backup.latest)) this.logToStderr(line)
    await this.confirmTarget(plan.confirmWith, opts.confirm)

    const rerun = this.rerunCommand(opts)
    const execution = await this.execute(() => executeRefresh(this.client, plan, {onEvent: event => this.progress(event), rerun, signal: this.interruptSignal()}))
    const verification = await verifyRefresh(this.client, inputs)

    const result: RefreshResult = {
      app: plan.staging.name,
      backups: execution.backups,
      durationMs: Date.now() - started,
      findings: verification.findings,
      formation: {paused: execution.formation.paused, restored: execution.formation.restored, verified: verification.formation.same},
      from: inputs.sourceApp.app.name,
      latestProductionBackup: backup.latest ? {ageSeconds: backup.latest.ageSeconds, finishedAt: backup.latest.finishedAt, name: backup.latest.name} : null,
      maintenance: {after: verification.maintenance, before: plan.maintenanceWasOn},
      sanitize: execution.sanitize ?? null,
      source: plan.source,
      target: plan.target,
      transfer: execution.transfer,
      warnings: [...inputs.warnings, ...(backup.warning ? [backup.warning] : [])],
    }
    if (!verification.formation.same) {
      const now = verification.formation.after.map(p => `${p.type}=${p.quantity}`).join(' ') || 'none'
      const before = verification.formation.before.map(p => `${p.type}=${p.quantity}`).join(' ') || 'none'
      this.warn(`${plan.staging.name}'s background dynos are ${now}, not ${before} as before: check heroku ps -a ${plan.staging.name}.`)
    }

    this.summary(result)
    // The summary (or JSON) is printed either way; the exit code says a critical finding remains.
    if (result.findings.some(f => f.severity === 'critical')) this.exitAfterResult(ExitCode.Critical)

    return result
  }

  /** Confirmation by the target app's name: --confirm must match exactly; without it a TTY prompt, else refuse. */
  private async confirmTarget(expected: string, given: string | undefined): Promise<void> {
    if (given !== undefined) {
      if (given === expected) return
      throw new StagingError(`Confirmation ${given} did not match ${expected}. Nothing was changed.`, `Re-run with --confirm ${expected} to wipe ${expected}'s target database.`, ExitCode.Refused)
    }

    if (!process.stdin.isTTY || !process.stderr.isTTY) {
      throw new StagingError(`Refusing to wipe ${expected}'s database without confirmation: no TTY to ask on.`, `Re-run with --confirm ${expected}.`, ExitCode.Refused)
    }

    const prompt = createInterface({input: process.stdin, output: process.stderr})
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        prompt.on('SIGINT', () => reject(new StagingError('Cancelled. Nothing was changed.', `Re-run with --confirm ${expected} when you are sure.`, ExitCode.Refused)))
        prompt.question(`To proceed, type ${expected} or re-run this command with --confirm ${expected}: `).then(resolve, reject)
      })
      if (answer.trim() !== expected) {
        throw new StagingError(`Confirmation did not match ${expected}. Nothing was changed.`, `Re-run with --confirm ${expected} to wipe ${expected}'s target database.`, ExitCode.Refused)
      }
    } finally {
      prompt.close()
    }
  }

  private async execute(fn: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    try {
      return await fn()
    } finally {
      this.stopInterrupt?.()
    }
  }

  /** Ctrl-C during the steps aborts polling; the executor then says what still runs on Heroku. */
  private interruptSignal(): AbortSignal {
    const controller = new AbortController()
    const onSigint = (): void => controller.abort()
    process.once('SIGINT', onSigint)
    this.stopInterrupt = () => process.removeListener('SIGINT', onSigint)
    return controller.signal
  }

  private progress(event: RefreshEvent): void {
    if (event.kind === 'step-start') this.logToStderr(`→ ${event.step}`)
    if (event.kind === 'progress') {
      const now = Date.now()
      if (now - this.lastProgress < 1000) return
      this.lastProgress = now
      const total = event.totalBytes === undefined ? '' : ` / ${formatBytes(event.totalBytes)}`
      this.logToStderr(`  ${event.name}: ${formatBytes(event.processedBytes)}${total}`)
    }
  }

  private refuse(source: DatabaseSide, target: DatabaseSide, refusals: Refusal[]): never {
    const {fix, message} = refusalText({source, target}, refusals)
    throw new StagingError(message, fix, ExitCode.Refused)
  }

  private rerunCommand(opts: {app: string; backup: boolean; 'backup-source': boolean; from?: string; maintenance: boolean; sanitize?: string; source: string; target: string}): string {
    const parts = ['heroku staging:refresh', `-a ${opts.app}`]
    if (opts.from) parts.push(`--from ${opts.from}`)
    if (opts.source !== 'DATABASE') parts.push(`--source ${opts.source}`)
    if (opts.target !== 'DATABASE') parts.push(`--target ${opts.target}`)
    if (!opts.backup) parts.push('--no-backup')
    if (opts['backup-source']) parts.push('--backup-source')
    if (!opts.maintenance) parts.push('--no-maintenance')
    if (opts.sanitize) parts.push(`--sanitize ${opts.sanitize}`)
    return parts.join(' ')
  }

  private summary(result: RefreshResult): void {
    const paused = result.formation.paused.map(p => `${p.type}=${p.quantity}`).join(' ')
    const lines = [
      `Refreshed ${result.app}'s ${result.target.attachment ?? result.target.configVar} from ${result.from}'s ${result.source.attachment ?? result.source.configVar}.`,
      `  bytes copied ${formatBytes(result.transfer.bytes)} (${result.transfer.name})`,
      `  duration     ${formatDuration(result.durationMs)} (copy ${formatDuration(result.transfer.durationMs)})`,
      `  backup       ${result.backups.target ? `${transferLine(result.backups.target)}; restore with heroku pg:backups:restore ${result.backups.target.app}::${result.backups.target.name} ${result.target.attachment ?? 'DATABASE'} -a ${result.app}` : 'none (--no-backup)'}`,
    ]
    if (result.backups.source) lines.push(`  production   fresh backup ${transferLine(result.backups.source)}`)
    lines.push(
      `  sanitize     ${result.sanitize ? `${result.sanitize.file} applied in ${formatDuration(result.sanitize.durationMs)}` : 'none'}`,
      `  maintenance  ${result.maintenance.after ? 'on' : 'off'}${result.maintenance.before ? ' (it was on before)' : ''}`,
      `  dynos        ${paused ? `${paused} ${result.formation.verified ? 'restored' : 'NOT as before'}` : 'no background dynos were running'}`,
      ...findingLines(result.findings),
    )
    const critical = result.findings.filter(f => f.severity === 'critical').length
    if (critical > 0) lines.push(`${critical} critical finding${critical === 1 ? '' : 's'} remain on ${result.app}: heroku staging:audit -a ${result.app} names the fix for each.`)
    for (const line of lines) this.log(line)
  }
}
