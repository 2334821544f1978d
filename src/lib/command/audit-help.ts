import {FINDING_CODES} from '../audit/codes.js'
import {ExitCode, exitCodeHelp} from '../exit-codes.js'
import {DEBUG_HELP} from './help.js'

/**
 * staging:audit's help: what it compares, how production is found, --fix, and the exit codes.
 * Paragraphs are single lines and oclif wraps them to the terminal; only the exit codes are a list.
 */
export const AUDIT_DESCRIPTION = [
  'Compares a staging app (or every non-production app of a pipeline) with its production app(s): shared databases and services (the same host, by name or address, and database, whatever the credentials, in every form: URLs, JDBC, libpq strings, PGHOST/DB_HOST variables, JSON), add-ons owned by production, a DATABASE_URL not set by an attachment, shared secrets, Postgres drift, side-effect add-ons and workers, and the app\'s pipeline stage. Each finding has a stable code, a severity and the exact command that fixes it. Values are never printed: only config var and add-on names, masked URLs and fingerprints.',
  '',
  'Production is --production if given, else the apps at stage production in the audited app\'s pipeline; for an app in no pipeline with a production stage (e.g. one just forked), every production app of the account: apps at stage production of any pipeline and apps protected with heroku staging:protect. The report (and --json productionFrom) says which. Every audited app (and with --pipeline, the review and test stage config vars) is also compared with every other production app of the account (credentials, secrets, add-ons), with or without --production; drift and NO_PIPELINE name its own production only (in no pipeline: the related one, by name, else by what it shares).',
  '',
  'With --pipeline it also covers the review apps and the config vars the pipeline gives every review app and Heroku CI run (its review and test stages): a production URL or secret there is STAGE_CONFIG_VAR. A review app audited with -a is compared with its pipeline\'s production.',
  '',
  `Finding codes (the README explains each): ${FINDING_CODES.map(info => `${info.code} (${info.severity})`).join(', ')}. Commit ids, HEROKU_SLUG_COMMIT, SOURCE_VERSION and dyno metadata are never reported as shared secrets.`,
  '',
  'In CI, --format github prints one GitHub Actions annotation per finding (an error for a critical one, a warning for a warning; names only) and keeps the exit codes, so a job fails on 1. --json prints the result described by schemas/staging-audit.v1.schema.json.',
  '',
  'With --fix (one app), the audit is followed by a repair plan: each critical finding with an automatic remedy, the exact change and what the app loses. A DATABASE_URL reaching production is unset (or production\'s database detached) and the app\'s own Postgres attached as DATABASE, as pg:promote does, or a new one created on production\'s major version when it has none (heroku staging:refresh is then the next step for data). An attachment of a production add-on is detached from the staging app; the add-on itself is untouched. Any other config var reaching a production database or service is unset, by name. Identical secrets are listed with the command to set a new value, never guessed.',
  '',
  'You confirm by typing the app\'s name (or --confirm). The app\'s config var names, attachments and release are recorded and its own databases backed up first; then the changes, then the audit again. heroku releases:rollback restores config vars but not attachments: the plan says how to restore each. --fix never changes a production app or add-on: it refuses a production app, and every request passes a guard that refuses any mutating request naming one. --dry-run prints the plan and sends no mutating request.',
  '',
  DEBUG_HELP,
  '',
  'Exit codes mean the same in every staging command: an unreadable protected-apps list (staging:protect) is refused with 4, as in staging:fork and staging:refresh (the audit exited 2 before).',
  '',
  exitCodeHelp([ExitCode.Ok, ExitCode.Critical, ExitCode.Usage, ExitCode.Api, ExitCode.Refused, ExitCode.Failed, ExitCode.Unexpected]),
  '',
  '5 comes only with --fix, and 4 only with --fix or an unreadable protected-apps list; with --fix, 0 and 1 say whether a critical finding remains after the repair.',
].join('\n')

/** staging:audit's examples, one per way it is run. */
export const AUDIT_EXAMPLES = [
  {command: '<%= config.bin %> <%= command.id %> --app example-staging', description: 'audit a staging app against its pipeline\'s production app'},
  {command: '<%= config.bin %> <%= command.id %> --app example-staging --production example-app', description: 'name production explicitly (repeatable)'},
  {command: '<%= config.bin %> <%= command.id %> --app example-fork', description: 'audit an app in no pipeline against every production app of the account'},
  {command: '<%= config.bin %> <%= command.id %> --pipeline example-pipeline --json', description: 'audit every non-production app of a pipeline and its review and test stages, as JSON'},
  {command: '<%= config.bin %> <%= command.id %> --pipeline example-pipeline --format github', description: 'in a GitHub Actions job: one annotation per finding, exit 1 on a critical one'},
  {command: '<%= config.bin %> <%= command.id %> --app example-staging --fix --dry-run', description: 'print the repair plan for a staging app wired to production, change nothing'},
  {command: '<%= config.bin %> <%= command.id %> --app example-staging --fix --confirm example-staging', description: 'repair it without a prompt: back up, unset and detach what reaches production, promote its own database, audit again'},
]
