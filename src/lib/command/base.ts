import type {Interfaces} from '@oclif/core'
// Subpaths, not the package index: the index loads all of oclif (help, config, semver) on every start.
import * as Errors from '@oclif/core/errors'

import {ActionableError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {ApiError, apiErrorFix, HerokuClient} from '../heroku/client.js'
import {schemaVersion} from '../schema/versions.js'
import {redact, redactDeep, registerArgvSecrets, SecretRegistry, withSecrets} from '../secrets/index.js'
import {confirmByName, type ConfirmTexts, terminalConfirmIO} from './confirm.js'
import {Command} from './heroku-command.js'
import type {Terminal} from './terminal.js'

/** A failure the plugin detected itself: one line, then the fix naming the exact command or flag. */
export class StagingError extends Errors.CLIError {
  constructor(message: string, fix: string, exit: number) {
    super(redact(`${message}\n${fix}`), {exit})
  }
}

type Output = Record<string, unknown>

/**
 * Plumbing shared by every staging:* command, and nothing else: typed parse, the client layer,
 * redaction of everything printed, and errors mapped to the documented exit code (API errors to 3,
 * the library's ActionableError to its own code), human or --json.
 */
export abstract class StagingCommand extends Command {
  static override baseFlags = Command.baseFlagsWithoutPrompt()
  /** this run's secrets: every value loaded, sent or typed that must never be printed */
  protected readonly secrets = new SecretRegistry()
  private _client?: HerokuClient

  /** requests this command's client keeps in flight at once (undefined: the client's default, 8) */
  protected readonly clientConcurrency?: number

  protected get client(): HerokuClient {
    this._client ??= new HerokuClient(this.heroku, {concurrency: this.clientConcurrency, secrets: this.secrets})
    return this._client
  }

  /** The whole run (parse, run, catch, --json output) sees this run's registry and no other. */
  protected override async _run<T>(): Promise<T> {
    this.secrets.registerToken(process.env.HEROKU_API_KEY)
    registerArgvSecrets(this.secrets, this.argv)
    return withSecrets(this.secrets, () => super._run<T>())
  }

  protected override async catch(err: Interfaces.CommandError): Promise<unknown> {
    let error = err
    if (err instanceof ApiError) {
      error = new StagingError(`${err.message}${err.id ? ` (${err.id})` : ''}`, apiErrorFix(err), ExitCode.Api) as Interfaces.CommandError
    } else if (err instanceof ActionableError) {
      error = new StagingError(err.message, err.fix, err.exit) as Interfaces.CommandError
    } else if ((err as {oclif?: {exit?: number}}).oclif?.exit === undefined) {
      // Not an error the plugin or oclif raised on purpose: a bug, with its own code so CI never reads it as a finding.
      error = new StagingError(err.message, 'This is a bug in heroku-staging: re-run with HEROKU_DEBUG=1 and report what it prints.', ExitCode.Unexpected) as Interfaces.CommandError
      error.stack = err.stack && redact(err.stack)
    } else {
      err.message = redact(err.message)
    }

    // Under --json oclif prints the error and exits 1 whatever the error says; keep the documented code.
    const exit = (error as {oclif?: {exit?: number}}).oclif?.exit
    if (this.jsonEnabled() && typeof exit === 'number') process.exitCode = exit
    return super.catch(error)
  }

  /**
   * Runs `work` with a signal that Ctrl-C aborts while it runs, instead of killing the process:
   * the executor then stops polling, starts no further step and says where it stopped. Ctrl-C is
   * taken over only for `work` (the changes), never while the command merely reads or asks.
   */
  protected async interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController()
    const onSigint = (): void => controller.abort()
    process.once('SIGINT', onSigint)
    try {
      return await work(controller.signal)
    } finally {
      process.removeListener('SIGINT', onSigint)
    }
  }

  /** This command's output, confirmation and Ctrl-C, for the flows' hooks (terminal.ts). */
  protected get terminal(): Terminal {
    return {
      confirm: async (expected, given, texts) => this.requireConfirmation(expected, given, texts),
      interruptible: async work => this.interruptible(work),
      json: this.jsonEnabled(),
      log: line => this.log(line),
      logToStderr: line => this.logToStderr(line),
      warn: message => {
        this.warn(message)
      },
    }
  }

  /** Confirmation by `expected` (an app's name): --confirm, else a prompt on a TTY; refuses with exit 4. */
  protected async requireConfirmation(expected: string, given: string | undefined, texts: ConfirmTexts): Promise<void> {
    const outcome = await confirmByName(expected, given, terminalConfirmIO(), texts)
    if (!outcome.ok) throw new StagingError(outcome.message, outcome.fix, ExitCode.Refused)
  }

  /**
   * Ends with `code` once the result is out (e.g. 1: a critical finding remains): a human run exits
   * here; under --json `run()` goes on to return its result, which oclif prints, then exits with it.
   */
  protected exitAfterResult(code: ExitCodeValue): void {
    if (this.jsonEnabled()) process.exitCode = code
    else this.exit(code)
  }

  override log(message = '', ...args: unknown[]): void {
    super.log(redact(message), ...args.map(arg => (typeof arg === 'string' ? redact(arg) : arg)))
  }

  override logToStderr(message = '', ...args: unknown[]): void {
    super.logToStderr(redact(message), ...args.map(arg => (typeof arg === 'string' ? redact(arg) : arg)))
  }

  /** @heroku-cli/command types parse() as `any`; this restores oclif's typed flags and args. */
  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>, argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    return super.parse(options, argv) as Promise<Interfaces.ParserOutput<F, B, A>>
  }

  protected override toErrorJson(err: unknown): unknown {
    return redactDeep(super.toErrorJson(err))
  }

  protected override toSuccessJson(result: unknown): unknown {
    // Every --json result names the version of its schema (schemas/, src/lib/schema/versions.ts).
    const version = schemaVersion(this.id)
    const versioned = version !== undefined && typeof result === 'object' && result !== null && !Array.isArray(result) ? {schemaVersion: version, ...result} : result
    return redactDeep(super.toSuccessJson(versioned))
  }

  override warn(input: Error | string): Error | string {
    return super.warn(typeof input === 'string' ? redact(input) : Object.assign(input, {message: redact(input.message)}))
  }
}
