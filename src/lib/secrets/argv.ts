import {splitUrl} from './mask.js'
import type {SecretRegistry} from './registry.js'

/**
 * Credentials typed on the command line: a database URL pasted as `-a` or `--production`, a
 * `password=` DSN, or the VALUE of `--set KEY=VALUE`. Other arguments are names and stay printable.
 */
export function registerArgvSecrets(secrets: SecretRegistry, argv: readonly string[]): void {
  for (const [index, token] of argv.entries()) {
    const assignment = /^[A-Za-z_][\w.-]*=(.*)$/s.exec(token)
    if (splitUrl(token)?.password !== undefined || /password\s*=/i.test(token)) secrets.register(token)
    if (assignment && (argv[index - 1] === '--set' || /^[A-Z_][\dA-Z_]*=/.test(token))) secrets.register(assignment[1])
    const inline = /^--set=[^=]+=(.*)$/s.exec(token)
    if (inline) secrets.register(inline[1])
  }
}
