import type {ExitCodeValue} from './exit-codes.js'

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
