import type {AppSnapshot, AttachmentRef} from '../../../src/lib/snapshot/types.js'

/** Plain snapshot builders for the guard and refresh unit tests. */

export const PROD_DB_URL = 'postgres://uprod:prodsecretpassword@ec2-1-2-3-4.compute-1.amazonaws.com:5432/dprod'
export const PROD_FOLLOWER_URL = 'postgres://ufollow:followsecretpassword@ec2-9-9-9-9.compute-1.amazonaws.com:5432/dfollow'
export const STAGING_DB_URL = 'postgres://ustg:stagingsecretpassword@ec2-5-6-7-8.compute-1.amazonaws.com:5432/dstg'
export const REDIS_URL = 'redis://h:redissecretpassword@ec2-7-7-7-7.compute-1.amazonaws.com:6379'

export function attachment(opts: {
  app: {id: string; name: string}
  addon: string
  addonId: string
  name: string
  owner?: {id: string; name: string}
  plan?: string
  service?: string
}): AttachmentRef {
  const service = opts.service ?? 'heroku-postgresql'
  return {
    addon: {
      id: opts.addonId,
      name: opts.addon,
      owner: opts.owner ?? opts.app,
      plan: opts.plan ?? `${service}:essential-0`,
      service,
    },
    configVarNames: [`${opts.name}_URL`],
    id: `att-${opts.app.name}-${opts.name}`,
    name: opts.name,
    namespace: null,
  }
}

export const PROD = {id: 'app-prod-id', name: 'acme-production'}
export const STAGING = {id: 'app-staging-id', name: 'acme-staging'}

export function production(overrides: Partial<AppSnapshot> = {}): AppSnapshot {
  return {
    app: {buildpacks: [], id: PROD.id, maintenance: false, name: PROD.name},
    attachments: [
      attachment({addon: 'postgresql-prod-1', addonId: 'addon-prod-db', app: PROD, name: 'DATABASE', plan: 'heroku-postgresql:standard-0'}),
      attachment({addon: 'postgresql-prod-follower', addonId: 'addon-prod-follower', app: PROD, name: 'HEROKU_POSTGRESQL_GRAY'}),
      attachment({addon: 'redis-prod-1', addonId: 'addon-prod-redis', app: PROD, name: 'REDIS', service: 'heroku-redis'}),
    ],
    configVars: {
      DATABASE_URL: PROD_DB_URL,
      HEROKU_POSTGRESQL_GRAY_URL: PROD_FOLLOWER_URL,
      REDIS_URL,
      SECRET_KEY_BASE: 'prod-secret-key-base-value',
    },
    databases: {
      'addon-prod-db': {addonId: 'addon-prod-db', addonName: 'postgresql-prod-1', following: null, majorVersion: '15', numBytes: 9_000_000, plan: 'standard-0'},
      'addon-prod-follower': {addonId: 'addon-prod-follower', addonName: 'postgresql-prod-follower', following: 'postgresql-prod-1', numBytes: 9_000_000},
    },
    formation: [{quantity: 2, size: 'standard-2X', type: 'web'}, {quantity: 1, size: 'standard-1X', type: 'worker'}],
    pipeline: {id: 'pipe-1', name: 'acme', stage: 'production'},
    ...overrides,
  }
}

export function staging(overrides: Partial<AppSnapshot> = {}): AppSnapshot {
  return {
    app: {buildpacks: [], id: STAGING.id, maintenance: false, name: STAGING.name},
    attachments: [
      attachment({addon: 'postgresql-staging-1', addonId: 'addon-staging-db', app: STAGING, name: 'DATABASE'}),
    ],
    configVars: {DATABASE_URL: STAGING_DB_URL, SECRET_KEY_BASE: 'staging-secret-key-base'},
    databases: {
      'addon-staging-db': {addonId: 'addon-staging-db', addonName: 'postgresql-staging-1', following: null, majorVersion: '15', numBytes: 1_000_000, plan: 'essential-0'},
    },
    formation: [
      {quantity: 1, size: 'basic', type: 'web'},
      {quantity: 2, size: 'basic', type: 'worker'},
      {quantity: 1, size: 'basic', type: 'clock'},
    ],
    pipeline: {id: 'pipe-1', name: 'acme', stage: 'staging'},
    ...overrides,
  }
}
