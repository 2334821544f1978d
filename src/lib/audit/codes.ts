import type {FindingCode, FindingCodeInfo, Severity} from './types.js'

/**
 * The finding codes: a public contract (CI greps them, the README is generated from this table).
 * The order here is the order findings of equal severity are listed in.
 */
export const FINDING_CODES: readonly FindingCodeInfo[] = [
  {
    code: 'PRODUCTION_STAGE',
    explanation: 'The audited app is itself production: coupled at stage `production`, named with `--production`, or marked with `heroku staging:protect`.',
    remedy: 'heroku pipelines:update --stage staging -a STAGING_APP or heroku staging:unprotect -a STAGING_APP (if it really is a staging app)',
    severity: 'critical',
  },
  {
    code: 'SHARED_DATABASE',
    explanation: 'A config var (any name) or a group of split variables reaches the same physical Postgres database as a production credential, in any form: a URL (also `postgresql+psycopg2://`, `ecto://`, several hosts, libpq\'s `?host=`/`?hostaddr=`/`?port=`/`?dbname=` overrides), a JDBC URL, a libpq `host=… dbname=…` string, `PGHOST`+`PGDATABASE` or `DB_HOST`+`DB_NAME` variables, or any of these inside JSON. Same host (by name or resolved address) and database, whatever the user, password, query or port (another port on the same host and database is its connection pooler).',
    remedy: 'heroku pg:promote HEROKU_POSTGRESQL_COLOR_URL -a STAGING_APP, heroku addons:detach ATTACHMENT -a STAGING_APP or heroku config:unset NAME -a STAGING_APP',
    severity: 'critical',
  },
  {
    code: 'SHARED_SERVICE',
    explanation: 'A URL-valued credential (Redis, AMQP, Kafka, Elasticsearch, any scheme://host/path with credentials or owned by an add-on) reaches the same service as production. On a multi-tenant endpoint (SearchBox, Fixie, QuotaGuard, MemCachier, a Basic Kafka cluster, an SMTP relay) the same service means the same tenant too: the same user and password, SMTP login, vhost or Kafka prefix.',
    remedy: 'heroku addons:detach ATTACHMENT -a STAGING_APP or heroku config:set NAME=<staging-only URL> -a STAGING_APP',
    severity: 'critical',
    severityNote: 'warning when the shared value is public telemetry (a Sentry DSN: staging\'s errors land in production\'s project), info once staging sets its own SENTRY_ENVIRONMENT',
  },
  {
    code: 'PRODUCTION_ADDON',
    explanation: 'An add-on attached to the staging app is owned (billed) by a production app or also attached to one.',
    remedy: 'heroku addons:detach ATTACHMENT -a STAGING_APP',
    severity: 'critical',
  },
  {
    code: 'UNATTACHED_DATABASE_URL',
    explanation: '`DATABASE_URL` is a plain config var, not exposed by an attachment named DATABASE: `pg:*` commands and forks do not see which database it reaches (the original incident).',
    remedy: 'heroku pg:promote HEROKU_POSTGRESQL_COLOR_URL -a STAGING_APP, or heroku config:unset DATABASE_URL -a STAGING_APP && heroku addons:create heroku-postgresql:PLAN -a STAGING_APP',
    severity: 'critical',
    severityNote: 'warning when it aliases one of the app\'s own databases and reaches no production credential',
  },
  {
    code: 'SHARED_SECRET',
    explanation: 'A config var not owned by an add-on holds a production secret: the same value after trimming whitespace, or a secret of 16 characters or more inside a longer value or JSON. A production value is secret by its name or the staging name (KEY, SECRET, TOKEN, PASSWORD, CREDENTIALS, DSN…), by being long and random, by being an add-on\'s own config var on production (`MAILGUN_API_KEY` copied by hand, under any name; hosts and addresses excepted), or by being production\'s database password (in any URL or form). Never secret, even when identical: commit ids, `HEROKU_SLUG_COMMIT`, `SOURCE_VERSION` and the platform\'s dyno metadata (`HEROKU_APP_ID`, `HEROKU_APP_NAME`, `HEROKU_DYNO_ID`, `HEROKU_RELEASE_*`, `HEROKU_SLUG_*`, `HEROKU_BUILD_*`), and names saying COMMIT, SHA, REVISION or VERSION. Shown only as a fingerprint.',
    remedy: 'heroku config:set NAME=<new value> -a STAGING_APP',
    severity: 'critical',
  },
  {
    code: 'STAGE_CONFIG_VAR',
    explanation: 'With `--pipeline`: a config var the pipeline gives every review app (stage `review`) or every Heroku CI run (stage `test`) reaches a production database or service, or holds a production secret, by the same rules as `SHARED_DATABASE`, `SHARED_SERVICE`, `SHARED_SECRET` and `IDENTITY_UNKNOWN` (`subject.rule` says which). Every future review app or test run starts wired to production; the apps of that stage that already have the value are named, and get their own findings.',
    remedy: 'heroku ci:config:set NAME=<a test-only value> -p PIPELINE (test stage), or heroku pipelines:open PIPELINE and change NAME under Settings → Review Apps (review stage: the CLI cannot set it)',
    severity: 'critical',
    severityNote: 'warning when it matched IDENTITY_UNKNOWN',
  },
  {
    code: 'POSTGRES_VERSION_DRIFT',
    explanation: 'The staging database runs a different Postgres major version than production\'s.',
    remedy: 'heroku pg:upgrade:run DATABASE_URL --version N -a STAGING_APP (or heroku addons:create heroku-postgresql:PLAN -a STAGING_APP -- --version N when staging is newer)',
    severity: 'warning',
  },
  {
    code: 'POSTGRES_VERSION_UNKNOWN',
    explanation: 'The Data API gave no Postgres version for the staging or the production database (not found, or still provisioning), so version drift could not be checked.',
    remedy: 'heroku pg:info ADDON -a APP, then run the audit again',
    severity: 'warning',
  },
  {
    code: 'IDENTITY_UNKNOWN',
    explanation: 'A Postgres (or MySQL, MongoDB) credential names the same database as a production credential on another host name, and one of the host names did not resolve (`dns.lookup`, all addresses, 2 s timeout, once per run): whether it is the same server is unknown. Host names are otherwise compared by their addresses: a DNS alias of production\'s host is production.',
    remedy: 'heroku staging:audit -a STAGING_APP again once HOST resolves, or heroku config:set NAME=<a staging-only URL> -a STAGING_APP',
    severity: 'warning',
  },
  {
    code: 'FOLLOWS_PRODUCTION',
    explanation: 'A staging database is a follower of a production database: production data streams into staging.',
    remedy: 'heroku pg:unfollow HEROKU_POSTGRESQL_COLOR_URL -a STAGING_APP',
    severity: 'warning',
  },
  {
    code: 'SIDE_EFFECT_ADDON',
    explanation: 'An add-on that acts on the outside world (scheduler, mail, SMS, payments) is attached to the staging app.',
    remedy: 'heroku addons:open ADDON -a STAGING_APP (schedulers: review the jobs) or heroku addons:destroy ADDON -a STAGING_APP',
    severity: 'warning',
  },
  {
    code: 'ACTIVE_WORKER',
    explanation: 'A worker, clock or scheduler-like process type is scaled above zero on the staging app: it acts without a request.',
    remedy: 'heroku ps:scale TYPE=0 -a STAGING_APP',
    severity: 'warning',
  },
  {
    code: 'POSTGRES_PLAN_DRIFT',
    explanation: 'The staging database is on a different plan tier (essential, standard, premium, …) than production\'s.',
    remedy: 'heroku addons:upgrade ADDON heroku-postgresql:TIER-0 -a STAGING_APP',
    severity: 'info',
  },
  {
    code: 'NO_PIPELINE',
    explanation: 'The audited app is in no pipeline, so nothing records that it is staging.',
    remedy: 'heroku pipelines:add PIPELINE --stage staging -a STAGING_APP',
    severity: 'info',
  },
]

const BY_CODE = new Map(FINDING_CODES.map(info => [info.code, info]))

export function codeInfo(code: FindingCode): FindingCodeInfo {
  const info = BY_CODE.get(code)
  if (!info) throw new Error(`unknown finding code ${code}`)
  return info
}

export function codeRank(code: string): number {
  const index = FINDING_CODES.findIndex(info => info.code === code)
  return index === -1 ? FINDING_CODES.length : index
}

export function defaultSeverity(code: FindingCode): Severity {
  return codeInfo(code).severity
}

/** The finding-code table as Markdown, for the README. */
export function findingCodesMarkdown(): string {
  const escape = (text: string): string => text.replaceAll('|', '\\|')
  return [
    '| Code | Severity | Meaning | Remedy |',
    '|---|---|---|---|',
    ...FINDING_CODES.map(info => `| \`${info.code}\` | ${info.severity}${info.severityNote ? ` (${escape(info.severityNote)})` : ''} | ${escape(info.explanation)} | \`${escape(info.remedy)}\` |`),
  ].join('\n')
}
