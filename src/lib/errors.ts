import {ExitCode, type ExitCodeValue} from './exit-codes.js'

/**
 * A failure the library detected and the user can act on: one line (or a few), the fix naming the
 * exact command or flag, and the documented exit code. Library code throws it and knows nothing of
 * oclif; `StagingCommand.catch` turns it into a `StagingError`, so every command prints it the same
 * way, human or `--json`, with this exit code.
 */
export class ActionableError extends Error {
  constructor(message: string, readonly fix: string, readonly exit: ExitCodeValue) {
    super(message)
    this.name = 'ActionableError'
  }
}

/** Something the user fixes on the command line (a flag missing, malformed or in conflict): exit 2. */
export class UsageError extends ActionableError {
  constructor(message: string, fix: string) {
    super(message, fix, ExitCode.Usage)
    this.name = 'UsageError'
  }
}
