import {looksRandom} from './classify.js'
import {secretKind} from './kinds.js'
import {splitUrl, urlCarriesToken} from './mask.js'
import type {SecretRegistry} from './registry.js'

/** Flags whose value may be a secret value typed by mistake, with or without `KEY=`. */
const VALUE_FLAGS = new Set(['--copy-config', '--exclude-config', '--set'])
/** `/tmp/x/sanitize.sql`, `./rules.json`, `~/a.sql`, `C:\\x\\a.sql`: a path, with no URL, credential or `=` in it. */
const FILE_PATH = /^(?:\.{0,2}\/|~\/|[a-z]:\\)[^\s:@=]*$/i
/** A config var name: what `--copy-config` and `--exclude-config` take, and `--set`'s KEY. */
const CONFIG_NAME = /^\w+$/

/** A token that is a secret by its shape alone: a vendor key, a generated-looking value, a URL carrying a credential or token. */
export function looksSecretToken(token: string): boolean {
  const text = token.trim()
  // A file path (a sanitize or rules file) is named in messages as it is.
  if (text === '' || FILE_PATH.test(text)) return false
  return looksRandom(text) || secretKind('', text, () => undefined) !== undefined || urlCarriesToken(text) || /password\s*=/i.test(text) || /^(?:Bearer|Basic)\s+\S{8,}$/i.test(text)
}

/**
 * Credentials typed on the command line, registered so no output echoes them: a database URL or a
 * webhook pasted as `-a` or `--production`, a `password=` DSN, a vendor key or generated-looking
 * token anywhere, the VALUE of `--set KEY=VALUE` (and the whole value of `--set` without `KEY=`), and
 * a `--copy-config`/`--exclude-config` value that is no config var name. Names stay printable.
 */
export function registerArgvSecrets(secrets: SecretRegistry, argv: readonly string[]): void {
  for (const [index, token] of argv.entries()) {
    const inline = /^(--[\w-]+)=(.*)$/s.exec(token)
    const flag = inline ? inline[1] ?? '' : argv[index - 1] ?? ''
    const value = inline ? inline[2] ?? '' : token
    if (splitUrl(value)?.password !== undefined || looksSecretToken(value)) secrets.register(value)
    const assignment = /^([A-Za-z_][\w.-]*)=(.*)$/s.exec(value)
    if (assignment && (flag === '--set' || /^[A-Z_][\dA-Z_]*$/.test(assignment[1] ?? '') || looksSecretToken(assignment[2] ?? ''))) secrets.register(assignment[2])
    if (!VALUE_FLAGS.has(flag)) continue
    if (flag === '--set' && !assignment) secrets.register(value)
    if (flag !== '--set' && !CONFIG_NAME.test(value)) secrets.register(value)
  }
}
