import {ExitCode, exitCodeHelp} from '../exit-codes.js'
import {FORK_MARKER} from '../fork/types.js'
import {DEBUG_HELP} from './help.js'

/**
 * staging:fork's help, beside the command so its file stays parse, run, render.
 * Paragraphs are single lines and oclif wraps them to the terminal; only the exit codes are a list.
 */
export const FORK_DESCRIPTION = [
  'Creates <from>-staging (or --to) with production\'s region, stack, team and buildpacks; provisions a new add-on for every add-on production owns (Postgres pinned to production\'s major version, on the smallest plan that holds its data unless --plan says otherwise) and copies production\'s database into it server side; decides every config var: never copies a var an add-on attachment exposes or a value that reaches a production database or service; gives app-local signing keys (SECRET_KEY_BASE, DJANGO_SECRET_KEY, JWT_SECRET, Laravel\'s APP_KEY, …) a fresh random value of the same length and alphabet; copies no key that decrypts committed files (RAILS_MASTER_KEY), no third-party credential (live Stripe, SendGrid, AWS, Twilio, Mailgun, …) and no other secret-looking value, and no value holding a credential anywhere inside it (a private key, a connection string, a token URL, JSON or YAML holding one), unless --copy-config names it (--set gives staging its own); copies public material (publishable and browser-bundled keys, certificates, bucket names, host lists) and plain settings; --exclude-config leaves a var out, --set wins over all. It couples the app at stage staging of production\'s pipeline and audits the fork against production; only when the audit has no critical finding does it release production\'s current slug (or OCI image) and scale web to 1 and other process types to 0 (or --scale), so no dyno runs before the audit passes. With a critical finding it exits 1, releases nothing and keeps the dynos at 0; fix it and run the same command again.',
  '',
  'It prints the whole plan first (names only, never values); --dry-run stops there and changes nothing. It never sends a mutating request to production or its add-ons. Add-ons owned by another app are not attached unless --share-addon names them.',
  '',
  `The fork is marked with the config var ${FORK_MARKER}; an existing --to app without that mark (or marked for another source) is refused, and so is any production app. If a step fails, nothing is destroyed (unless --destroy-on-failure): run the same command again and it continues where it stopped. Progress goes to stderr, the result to stdout.`,
  '',
  DEBUG_HELP,
  '',
  'Exit codes mean the same in every staging command: when the fork\'s audit has a critical finding, the report ends with what remains and its fix, then the command exits 1, as staging:audit and staging:refresh do (it ended with an error message before); an unreadable protected-apps list is refused with 4.',
  '',
  exitCodeHelp([ExitCode.Ok, ExitCode.Critical, ExitCode.Usage, ExitCode.Api, ExitCode.Refused, ExitCode.Failed, ExitCode.Unexpected]),
].join('\n')

/** staging:fork's examples, one per way it is run. */
export const FORK_EXAMPLES = [
  {command: '<%= config.bin %> <%= command.id %> --from example-app --dry-run', description: 'print the plan for example-app-staging and change nothing'},
  {command: '<%= config.bin %> <%= command.id %> --from example-app --set STRIPE_SECRET_KEY=sk_test_…', description: 'fork example-app into example-app-staging with its own (test-mode) Stripe key'},
  {command: '<%= config.bin %> <%= command.id %> --from example-app --copy-config ALGOLIA_APP_KEY', description: 'copy one secret from production on purpose'},
  {command: '<%= config.bin %> <%= command.id %> --from example-app --to example-qa --plan heroku-postgresql=essential-2 --data none', description: 'fork onto a chosen Postgres plan and leave the new database empty'},
  {command: '<%= config.bin %> <%= command.id %> --from example-app --data fork', description: 'give the fork a Heroku Postgres fork of production\'s database (no transfer)'},
  {command: '<%= config.bin %> <%= command.id %> --from example-app --share-addon example-shared-redis --exclude-config PAYMENTS_WEBHOOK_URL', description: 'share one add-on owned by another app and leave one config var out'},
]
