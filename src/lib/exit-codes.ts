/**
 * Exit codes are a public contract: CI pipelines branch on them. Each command lists the ones
 * it uses in its help (see `exitCodeHelp`).
 */
export const ExitCode = {
  /** success; for the audit: no critical finding */
  Ok: 0,
  /** the audit found a critical finding, or a command's final verification did */
  Critical: 1,
  /** bad flags or arguments, or something the command needs to be told (e.g. --production) */
  Usage: 2,
  /** the Heroku API or the network failed after retries */
  Api: 3,
  /** refused on purpose: the guard, a confirmation mismatch, an app this command must not touch */
  Refused: 4,
  /** a step failed midway; the message says how to resume */
  Failed: 5,
  /** an error the plugin did not expect (a bug): never mistaken for a finding (1) in CI */
  Unexpected: 6,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

const MEANINGS: Record<ExitCodeValue, string> = {
  0: 'success',
  1: 'a critical finding remains',
  2: 'usage error: a flag or argument is missing or wrong',
  3: 'Heroku API or network error (after retries)',
  4: 'refused on purpose: unsafe target, wrong confirmation or protected app',
  5: 'a step failed; re-run the same command to resume',
  6: 'unexpected error, a bug: re-run with HEROKU_DEBUG=1 and report it',
}

/**
 * The EXIT CODES list of a command's description. A list, so one line per code: each meaning is
 * short enough that `N  meaning` fits an 80-column terminal and oclif never wraps an item.
 */
export function exitCodeHelp(codes: readonly ExitCodeValue[]): string {
  return ['EXIT CODES', ...codes.map(code => `  ${code}  ${MEANINGS[code]}`)].join('\n')
}
