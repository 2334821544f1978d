import type {AddonPlanItem, ConfigDecision, ForkOptions, ForkPlan, PlanCatalogue} from '../../../src/lib/fork/types.js'
import type {AddonRef, AppSnapshot, AttachmentRef} from '../../../src/lib/snapshot/types.js'

/** Plain typed fixtures for the fork's pure functions: a production app with every kind of add-on and config var. */

export const PROD_ID = '11111111-1111-4111-8111-111111111111'
export const SHARED_ID = '22222222-2222-4222-8222-222222222222'
export const GB = 1024 ** 3

export const PROD_DB_URL = 'postgres://u1abc:prodDbPassw0rd1@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8prod'
export const PROD_REDIS_URL = 'rediss://:prodRedisPassw0rd2@ec2-5-6-7-8.compute-1.amazonaws.com:6380'
export const SECRET_KEY_BASE = '9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928'
export const STRIPE_API_KEY = 'sk_live_51HcXyZaBcDeFgHiJkLmNoPqRsTuV'

export function addon(id: string, name: string, plan: string, owner: {id: string; name: string} = {id: PROD_ID, name: 'acme-production'}): AddonRef {
  return {id, name, owner, plan, service: plan.split(':')[0] ?? plan, state: 'provisioned'}
}

export function attachment(id: string, name: string, ref: AddonRef, configVarNames: string[] = [`${name}_URL`]): AttachmentRef {
  return {addon: ref, configVarNames, id, name, namespace: null}
}

const pg = addon('aaaa0000-0000-4000-8000-000000000001', 'postgresql-shiny-12345', 'heroku-postgresql:standard-0')
const redis = addon('aaaa0000-0000-4000-8000-000000000002', 'redis-round-23456', 'heroku-redis:premium-0')
const scheduler = addon('aaaa0000-0000-4000-8000-000000000003', 'scheduler-flat-34567', 'scheduler:standard')
const mailgun = addon('aaaa0000-0000-4000-8000-000000000004', 'mailgun-tall-45678', 'mailgun:starter')
const memcachier = addon('aaaa0000-0000-4000-8000-000000000005', 'memcachier-wide-56789', 'memcachier:dev', {id: SHARED_ID, name: 'acme-shared'})

export const ADDONS = {mailgun, memcachier, pg, redis, scheduler}

/** A production app: its own Postgres (DATABASE + ROSE), Redis, scheduler and mail; a cache owned by another app. */
export function production(): AppSnapshot {
  return {
    app: {buildpacks: ['heroku/ruby'], id: PROD_ID, maintenance: false, name: 'acme-production', region: 'us', stack: 'heroku-24'},
    attachments: [
      attachment('bbbb0000-0000-4000-8000-000000000001', 'DATABASE', pg),
      attachment('bbbb0000-0000-4000-8000-000000000002', 'HEROKU_POSTGRESQL_ROSE', pg),
      attachment('bbbb0000-0000-4000-8000-000000000003', 'REDIS', redis),
      attachment('bbbb0000-0000-4000-8000-000000000004', 'SCHEDULER', scheduler, []),
      attachment('bbbb0000-0000-4000-8000-000000000005', 'MAILGUN', mailgun, ['MAILGUN_API_KEY', 'MAILGUN_DOMAIN', 'MAILGUN_SMTP_PASSWORD']),
      attachment('bbbb0000-0000-4000-8000-000000000006', 'MEMCACHIER', memcachier, ['MEMCACHIER_SERVERS', 'MEMCACHIER_PASSWORD']),
    ],
    configVars: {
      ANALYTICS_DB: 'postgres://warehouse:whPassw0rd3@warehouse.example.com:5432/analytics',
      CDN_URL: 'https://cdn.example.com/acme',
      DATABASE_URL: PROD_DB_URL,
      HEROKU_POSTGRESQL_ROSE_URL: PROD_DB_URL,
      LOG_LEVEL: 'info',
      MAILGUN_API_KEY: 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0',
      MAILGUN_DOMAIN: 'mg.acme.example.com',
      MAILGUN_SMTP_PASSWORD: 'mgSmtpPassw0rd4',
      MEMCACHIER_PASSWORD: 'memPassw0rd5',
      MEMCACHIER_SERVERS: 'mc1.memcachier.example.com:11211',
      RACK_ENV: 'production',
      READONLY_DATABASE_URL: 'postgres://readonly:roPassw0rd6@EC2-1-2-3-4.compute-1.amazonaws.com/d8prod?sslmode=require',
      REDIS_URL: PROD_REDIS_URL,
      SEARCH_URL: 'https://elastic:searchPassw0rd7@search.example.com/acme',
      SECRET_KEY_BASE,
      STRIPE_API_KEY,
      WEB_CONCURRENCY: '2',
    },
    databases: {
      [pg.id]: {addonId: pg.id, addonName: pg.name, following: null, majorVersion: '16', numBytes: 5 * GB, numTables: 12, plan: pg.plan},
    },
    formation: [
      {quantity: 3, size: 'standard-2X', type: 'web'},
      {quantity: 2, size: 'standard-2X', type: 'worker'},
      {quantity: 1, size: 'standard-1X', type: 'clock'},
    ],
    pipeline: {id: 'cccc0000-0000-4000-8000-000000000001', name: 'acme', stage: 'production'},
    release: {description: 'Deploy 3f2a9c1', id: 'dddd0000-0000-4000-8000-000000000001', slugId: 'eeee0000-0000-4000-8000-000000000001', version: 42},
  }
}

export function options(overrides: Partial<ForkOptions> = {}): ForkOptions {
  return {
    copyConfig: [],
    excludeConfig: [],
    from: 'acme-production',
    plans: {},
    scale: {},
    set: {},
    shareAddons: [],
    to: 'acme-production-staging',
    ...overrides,
  }
}

export function catalogue(): PlanCatalogue {
  return {
    'heroku-postgresql': [
      {installable: false, name: 'heroku-postgresql:mini', priceCents: 500},
      {installable: true, name: 'heroku-postgresql:essential-0', priceCents: 500},
      {installable: true, name: 'heroku-postgresql:essential-1', priceCents: 900},
      {installable: true, name: 'heroku-postgresql:essential-2', priceCents: 2000},
      {installable: true, name: 'heroku-postgresql:standard-0', priceCents: 5000},
      {installable: true, name: 'heroku-postgresql:standard-2', priceCents: 20_000},
    ],
    'heroku-redis': [
      {installable: true, name: 'heroku-redis:mini', priceCents: 300},
      {installable: true, name: 'heroku-redis:premium-0', priceCents: 1500},
    ],
    mailgun: [{installable: true, name: 'mailgun:starter', priceCents: 0}],
    scheduler: [{installable: true, name: 'scheduler:standard', priceCents: 0}],
  }
}

/** A fork of production, as it looks once created: marked, with its own database attached as DATABASE. */
export function fork(marker: null | string = PROD_ID): AppSnapshot {
  const own = addon('ffff0000-0000-4000-8000-000000000001', 'postgresql-new-99999', 'heroku-postgresql:essential-1', {id: 'ffff0000-0000-4000-8000-0000000000ff', name: 'acme-production-staging'})
  return {
    app: {buildpacks: [], id: 'ffff0000-0000-4000-8000-0000000000ff', maintenance: false, name: 'acme-production-staging', region: 'us', stack: 'heroku-24'},
    attachments: [attachment('ffff0000-0000-4000-8000-000000000002', 'DATABASE', own)],
    configVars: {
      DATABASE_URL: 'postgres://u9:stagingPassw0rd8@ec2-9-9-9-9.compute-1.amazonaws.com:5432/d8staging',
      ...(marker === null ? {} : {HEROKU_STAGING_FORKED_FROM: marker}),
    },
    databases: {},
    formation: [],
  }
}

/** The plan's item for one of production's add-ons, by name. */
export function item(plan: ForkPlan, name: string): AddonPlanItem {
  const found = plan.addons.find(a => a.source.name === name)
  if (!found) throw new Error(`no plan item for ${name}`)
  return found
}

/** The plan's decision for one config var. */
export function decision(plan: ForkPlan, key: string): ConfigDecision | undefined {
  return plan.config.find(d => d.key === key)
}
