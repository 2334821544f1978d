/**
 * Helpers for end-to-end tests against the local Heroku emulator (emulator/index.ts):
 * start one on a random port, point the plugin's in-process commands (or the real `heroku`
 * binary) at it, and build the topologies the tests need (the seed incident, a clean pair).
 *
 * These exports are a stable contract for every e2e suite: add to them, never break them.
 */

import {execFile} from 'node:child_process'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import nock from 'nock'

import {startEmulator} from '../../emulator/index.js'
import type {Account, Emulator, EmulatorOptions} from '../../emulator/types.js'

export type {Account, Emulator, EmulatorOptions, FaultRule, JournalEntry, SeedFixture} from '../../emulator/types.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The real CLI (npm package heroku, a dev dependency). */
export const HEROKU_BIN = path.join(root, 'node_modules', '.bin', 'heroku')

/** Starts an emulator on a random port. Stop it in `after()` with `await emu.stop()`. */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  // init.ts allows 127.0.0.1 only; particleboard is reached as localhost (see emulator env).
  nock.enableNetConnect(host => /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host))
  return startEmulator({port: 0, ...options})
}

/** The env vars that point a Heroku client at the emulator, as `account` (default accounts[0]). */
export function emulatorEnv(emu: Emulator, account: Account = emu.accounts[0]!): Record<string, string> {
  return {...emu.env, HEROKU_API_KEY: account.token}
}

/**
 * Runs `fn` with process.env pointing at the emulator (HEROKU_HOST, HEROKU_DATA_HOST=127.0.0.1,
 * HEROKU_API_KEY, HEROKU_PARTICLEBOARD_URL, DISABLE_TELEMETRY), then restores the env exactly.
 * Use it around `runCommand(...)` of the plugin's commands.
 */
export async function withEmulatorEnv<T>(emu: Emulator, fn: () => Promise<T>, account?: Account): Promise<T> {
  const vars = emulatorEnv(emu, account)
  const saved = new Map(Object.keys(vars).map(key => [key, process.env[key]]))
  Object.assign(process.env, vars)
  try {
    return await fn()
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

let cliHome: string | undefined

/**
 * A private HOME for the real CLI: caches, config and a git config of its own, with the
 * terms-of-service banner already seen, so runs are quiet and touch nothing of the user's.
 */
function stockCliHome(): string {
  if (cliHome) return cliHome
  cliHome = mkdtempSync(path.join(os.tmpdir(), 'heroku-cli-home-'))
  mkdirSync(path.join(cliHome, 'cache', 'heroku'), {recursive: true})
  writeFileSync(path.join(cliHome, 'cache', 'heroku', 'terms-of-service'), '')
  writeFileSync(path.join(cliHome, 'gitconfig'), '')
  return cliHome
}

/**
 * The environment for running the real `heroku` binary against the emulator without it calling
 * out anywhere: no telemetry, no update checks or autoupdate, private caches and git config.
 */
export function stockCliEnv(emu: Emulator, account?: Account, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = stockCliHome()
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...emulatorEnv(emu, account),
    COLUMNS: '200',
    GIT_CONFIG_GLOBAL: path.join(home, 'gitconfig'),
    HEROKU_DISABLE_AUTOUPDATE: 'true',
    HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
    HOME: home,
    NO_COLOR: '1',
    TERM: 'dumb',
    XDG_CACHE_HOME: path.join(home, 'cache'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_DATA_HOME: path.join(home, 'data'),
    ...extra,
  }
  return env
}

export interface StockResult {
  code: number
  stderr: string
  stdout: string
}

/** oclif's wrapped warning/error text (` ›   ` prefixes, hard line breaks) as single-spaced text. */
export function unwrap(text: string): string {
  return text.replaceAll(/^ *› *(Error: |Warning: )?/gm, '').replaceAll(/\s+/g, ' ').trim()
}

/** Runs the real `heroku` binary against the emulator; never rejects (assert on `code`). */
export async function runStockHeroku(emu: Emulator, args: string[], options: {account?: Account; env?: Record<string, string>; timeoutMs?: number} = {}): Promise<StockResult> {
  return new Promise(resolve => {
    execFile(HEROKU_BIN, args, {
      cwd: stockCliHome(),
      env: stockCliEnv(emu, options.account, options.env),
      maxBuffer: 32 * 1024 * 1024,
      timeout: options.timeoutMs ?? 120_000,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({code, stderr: String(stderr), stdout: String(stdout)})
    })
  })
}

// ---------------------------------------------------------------------- topologies

export const INCIDENT_ROWS = {orders: 3000, users: 2000}

/** SQL that creates the production schema with `INCIDENT_ROWS` deterministic rows. */
export const PRODUCTION_SQL = `
CREATE TABLE users (
  id serial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO users (email, name, created_at)
  SELECT 'user' || g || '@example.com', 'User ' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour'
  FROM generate_series(1, ${INCIDENT_ROWS.users}) g;
CREATE TABLE orders (
  id serial PRIMARY KEY,
  user_id int NOT NULL REFERENCES users(id),
  total_cents int NOT NULL,
  status text NOT NULL
);
INSERT INTO orders (user_id, total_cents, status)
  SELECT 1 + (g % ${INCIDENT_ROWS.users}), (g * 37) % 100000, CASE WHEN g % 10 = 0 THEN 'refunded' ELSE 'paid' END
  FROM generate_series(1, ${INCIDENT_ROWS.orders}) g;
CREATE INDEX orders_user_id ON orders (user_id);
`

export const PRODUCTION_SECRETS = {
  SECRET_KEY_BASE: 'c0ffee5ecret0base0for0acme0production0do0not0share0000000000000000',
  STRIPE_API_KEY: 'sk_live_acmeProduction0000000000000000',
}

export interface ProductionTopology {
  app: string
  /** the Postgres add-on attached as DATABASE (owned by production) */
  database: string
  databaseUrl: string
  mail: string
  redis: string
  scheduler: string
}

export interface StagingTopology {
  app: string
  /** staging's own Postgres add-on */
  database: string
  /** the attachment name of staging's own database (`HEROKU_POSTGRESQL_ROSE` in the incident, `DATABASE` when clean) */
  databaseAttachment: string
  databaseUrl: string
  /** staging's own Redis add-on (clean pair only; in the incident staging uses production's) */
  redis?: string
}

export interface Topology {
  pipeline: string
  production: ProductionTopology
  /** rows in production's `users` and `orders` tables */
  rows: typeof INCIDENT_ROWS
  secrets: typeof PRODUCTION_SECRETS
  staging: StagingTopology
}

export interface TopologyOptions {
  /** app and pipeline prefix (default `acme`): apps `<prefix>-production` and `<prefix>-staging` */
  prefix?: string
  /** Postgres major of both databases (default `16`) */
  version?: string
}

async function seedProduction(emu: Emulator, prefix: string, version: string): Promise<ProductionTopology> {
  const app = `${prefix}-production`
  const names = {database: `${prefix}-production-db`, mail: `${prefix}-production-mailgun`, redis: `${prefix}-production-redis`, scheduler: `${prefix}-production-scheduler`}
  await emu.seed({
    addons: [
      {app, as: 'DATABASE', name: names.database, plan: 'heroku-postgresql:standard-0', sql: PRODUCTION_SQL, version},
      {app, name: names.redis, plan: 'heroku-redis:premium-0'},
      {app, name: names.scheduler, plan: 'scheduler:standard'},
      {app, name: names.mail, plan: 'mailgun:starter'},
    ],
    apps: [{
      buildpacks: ['heroku/nodejs'],
      config: {...PRODUCTION_SECRETS, NODE_ENV: 'production'},
      formation: [{quantity: 2, size: 'Standard-1X', type: 'web'}, {quantity: 1, size: 'Standard-1X', type: 'worker'}],
      name: app,
    }],
  })
  return {app, ...names, databaseUrl: emu.databaseUrl(names.database)}
}

/**
 * The seed incident: `acme-production` (pipeline `acme`, stage production) with a real
 * Postgres as DATABASE holding a few thousand rows, a Redis, a scheduler, a Mailgun, secrets and
 * a web/worker formation; and `acme-staging` (stage staging) whose DATABASE_URL is a PLAIN config
 * var equal to production's database URL, while its own new database sits under
 * HEROKU_POSTGRESQL_ROSE, with production's secrets copied and production's Redis attached.
 */
export async function seedIncident(emu: Emulator, options: TopologyOptions = {}): Promise<Topology> {
  const prefix = options.prefix ?? 'acme'
  const version = options.version ?? '16'
  const production = await seedProduction(emu, prefix, version)
  const app = `${prefix}-staging`
  const database = `${prefix}-staging-db`
  await emu.seed({
    addons: [{app, as: 'HEROKU_POSTGRESQL_ROSE', name: database, plan: 'heroku-postgresql:essential-0', version}],
    apps: [{
      buildpacks: ['heroku/nodejs'],
      config: {...PRODUCTION_SECRETS, DATABASE_URL: production.databaseUrl, NODE_ENV: 'staging'},
      formation: [{quantity: 1, size: 'Basic', type: 'web'}, {quantity: 0, size: 'Basic', type: 'worker'}],
      name: app,
    }],
    attachments: [{addon: production.redis, app}],
    pipelines: [{apps: {[production.app]: 'production', [app]: 'staging'}, name: prefix}],
  })
  return {
    pipeline: prefix,
    production,
    rows: INCIDENT_ROWS,
    secrets: PRODUCTION_SECRETS,
    staging: {app, database, databaseAttachment: 'HEROKU_POSTGRESQL_ROSE', databaseUrl: emu.databaseUrl(database)},
  }
}

/** Production as in the incident, plus a correctly separated staging: own DATABASE, own Redis, own secrets. */
export async function seedCleanPair(emu: Emulator, options: TopologyOptions = {}): Promise<Topology> {
  const prefix = options.prefix ?? 'acme'
  const version = options.version ?? '16'
  const production = await seedProduction(emu, prefix, version)
  const app = `${prefix}-staging`
  const database = `${prefix}-staging-db`
  const redis = `${prefix}-staging-redis`
  await emu.seed({
    addons: [
      {app, as: 'DATABASE', name: database, plan: 'heroku-postgresql:essential-0', version},
      {app, name: redis, plan: 'heroku-redis:mini'},
    ],
    apps: [{
      buildpacks: ['heroku/nodejs'],
      config: {NODE_ENV: 'staging', SECRET_KEY_BASE: 'staging0only0secret0key0base000000000000000000000000000000000000', STRIPE_API_KEY: 'sk_test_acmeStaging000000000000000000'},
      formation: [{quantity: 1, size: 'Basic', type: 'web'}, {quantity: 0, size: 'Basic', type: 'worker'}],
      name: app,
    }],
    pipelines: [{apps: {[production.app]: 'production', [app]: 'staging'}, name: prefix}],
  })
  return {
    pipeline: prefix,
    production,
    rows: INCIDENT_ROWS,
    secrets: PRODUCTION_SECRETS,
    staging: {app, database, databaseAttachment: 'DATABASE', databaseUrl: emu.databaseUrl(database), redis},
  }
}
