import {ExitCode, exitCodeHelp} from '../exit-codes.js'
import {DEBUG_HELP} from './help.js'

/**
 * staging:refresh's help, beside the command so its file stays parse, run, render.
 * Paragraphs are single lines and oclif wraps them to the terminal; only the exit codes are a list.
 */
export const REFRESH_DESCRIPTION = [
  'The source defaults to production\'s DATABASE (production: the pipeline\'s production app, or --from; for a review app, its pipeline\'s); the target defaults to the staging app\'s DATABASE.',
  '',
  'Before anything is written, the guard refuses a target that is owned by or attached to a production app, reaches the same physical database as any production credential, is the source, is a follower, or is not a heroku-postgresql database. Both sides are printed in full and you confirm by typing the staging app\'s name (or pass --confirm).',
  '',
  '--rules FILE maps tables and columns to rules (null, constant, hash, keep, fake_email, fake_phone, fake_name, random_int, random_date, truncate), compiled to SQL that runs as the database owner. With --rules, the PII guard reads the source\'s schema in a read-only transaction before any data moves: a likely-PII column that no rule handles, and no --allow-pii TABLE.COLUMN accepts, refuses the refresh with exit 4, staging untouched and never in maintenance; the guard runs again on the copy. With strict: true in the rules file, every column of every table needs a rule or keep, so a column added since the rules were written fails. fake_email, fake_phone, fake_name and hash are keyed (HMAC-SHA-256) with a key from HEROKU_STAGING_PSEUDONYM_KEY, or generated once into the plugin\'s config directory; it is never in the rules file, the database or any output. If anything fails between the copy and the end of sanitising (the guard, the --sanitize SQL, Ctrl-C), no unsanitized data stays: a copy is undone by restoring the backup taken first (reset with --no-backup), a blue-green fork is destroyed while the old database keeps serving, and the message says which. --dry-run prints the plan, the SQL and the unhandled columns, changes nothing, and exits 4 when --rules leaves a column unhandled.',
  '',
  '--data fork refreshes blue-green: a Heroku Postgres fork of production\'s database is created on staging and waited for, checked and sanitized while the old database still serves, promoted in its place (maintenance only around the switch), and the old database is backed up (unless --no-backup) and destroyed only once staging passes the audit again (a Shield one, which has no PGBackups, is kept); if anything fails, staging keeps a working database and the message names what was left. Without --data: fork above the 10 GB transfer limit (unless the source is Essential), else copy.',
  '',
  'With copy: a backup of the target, maintenance on, background dynos scaled to 0, a server-side copy with progress, the optional --rules and --sanitize SQL in one transaction, dynos and maintenance restored, and the audit again. Nothing is ever written to production, except the backup --backup-source asks for.',
  '',
  DEBUG_HELP,
  '',
  'Exit codes mean the same in every staging command: --data fork of a database that cannot be forked (Essential) is a usage error, 2, as in staging:fork (it exited 4 before); an unreadable protected-apps list is refused with 4.',
  '',
  exitCodeHelp([ExitCode.Ok, ExitCode.Critical, ExitCode.Usage, ExitCode.Api, ExitCode.Refused, ExitCode.Failed, ExitCode.Unexpected]),
].join('\n')

/** staging:refresh's examples, one per way it is run. */
export const REFRESH_EXAMPLES = [
  {command: '<%= config.bin %> <%= command.id %> -a acme-staging', description: 'copy the pipeline\'s production DATABASE into acme-staging\'s DATABASE (asks for confirmation)'},
  {command: '<%= config.bin %> <%= command.id %> -a acme-staging --from acme-production --confirm acme-staging --sanitize sanitize.sql', description: 'non-interactive, then scrub personal data in one transaction'},
  {command: '<%= config.bin %> <%= command.id %> -a acme-staging --rules examples/sanitize-rules.yml --dry-run', description: 'print the SQL the rules compile to and the likely-PII columns they leave unhandled; change nothing'},
  {command: '<%= config.bin %> <%= command.id %> -a acme-staging --data fork --rules examples/sanitize-rules.yml --confirm acme-staging', description: 'blue-green: fork production\'s database, sanitize it, promote it, then destroy the old one'},
  {command: '<%= config.bin %> <%= command.id %> -a acme-staging --target HEROKU_POSTGRESQL_ROSE --backup-source --confirm acme-staging --json', description: 'refresh another attachment, capture a fresh production backup first, typed JSON result'},
]
