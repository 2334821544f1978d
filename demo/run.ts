/**
 * `npm run demo [-- --keep]`: the incident and its cure, for real, on the local Heroku emulator.
 *
 * 1. acme-production: a pipeline, a real Postgres with a few thousand rows, a Redis, a scheduler, secrets.
 * 2. acme-staging made the way the old `heroku fork` did it, with the stock heroku CLI: DATABASE_URL is
 *    production's, and staging's own new database only sits under a colour name.
 * 3. `heroku staging:audit` finds it; `--fix` repairs it.    4. `heroku staging:fork` makes a clean copy.
 * 5. `heroku staging:refresh` refreshes it and sanitises.     6. The audit of the fork comes back clean.
 * 7. A stock `heroku pg:copy` onto production is refused by the plugin's hook.
 *
 * Plugin commands run through the plugin's own bin/run.js (built by `npm run build`); stock commands
 * run through the real `heroku` CLI (npm package heroku) with the plugin linked. Everything printed
 * passes through the plugin's redaction, so no password reaches the terminal.
 */
import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import pg from 'pg'

import {startEmulator} from '../emulator/index.js'
import type {Emulator} from '../emulator/types.js'
import {SecretRegistry} from '../src/lib/secrets/index.js'
import {HerokuCli} from '../test/helpers/heroku-cli.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const keep = process.argv.includes('--keep')
const started = Date.now()

const bold = (text: string): string => (process.stdout.isTTY ? `\u001B[1m${text}\u001B[22m` : text)
const dim = (text: string): string => (process.stdout.isTTY ? `\u001B[2m${text}\u001B[22m` : text)

// The demo prints what the CLI printed, through the same redaction as the plugin's own output.
const secrets = new SecretRegistry()

function say(text = ''): void {
  process.stdout.write(secrets.redact(text) + '\n')
}

function step(n: number | string, title: string): void {
  say()
  say(bold(`── ${n}. ${title}`))
}

function indent(output: string): string {
  return output.trimEnd().split('\n').map(line => `   ${line}`).join('\n')
}

interface Run {
  code: number
  ms: number
  stderr: string
  stdout: string
}

/** Runs `node bin/run.js ARGS` (the plugin as published) against the emulator. */
async function plugin(env: NodeJS.ProcessEnv, args: string[]): Promise<Run> {
  const t0 = Date.now()
  return new Promise(resolve => {
    execFile(process.execPath, [path.join(root, 'bin', 'run.js'), ...args], {cwd: env.HOME, env, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({code, ms: Date.now() - t0, stderr, stdout})
    })
  })
}

function show(label: string, run: Run, {stderr = false} = {}): void {
  say(dim(`   $ ${label}   (exit ${run.code}, ${(run.ms / 1000).toFixed(1)} s)`))
  if (stderr && run.stderr.trim()) say(dim(indent(run.stderr)))
  if (run.stdout.trim()) say(indent(run.stdout))
}

async function count(url: string, table: string): Promise<number> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    const result = await client.query<{n: string}>(`SELECT count(*) AS n FROM ${table}`)
    return Number(result.rows[0]?.n ?? 0)
  } finally {
    await client.end()
  }
}

const PRODUCTION_SQL = `
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL, api_token text);
INSERT INTO users (email, name, api_token)
  SELECT 'customer' || g || '@acme.example', 'Customer ' || g, md5(g::text) FROM generate_series(1, 2000) g;
CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), total_cents int NOT NULL);
INSERT INTO orders (user_id, total_cents) SELECT 1 + g % 2000, (g * 37) % 100000 FROM generate_series(1, 3000) g;
`

async function seedProduction(emu: Emulator): Promise<void> {
  await emu.seed({
    addons: [
      {app: 'acme-production', as: 'DATABASE', name: 'acme-production-db', plan: 'heroku-postgresql:standard-0', sql: PRODUCTION_SQL, version: '16'},
      {app: 'acme-production', name: 'acme-production-redis', plan: 'heroku-redis:premium-0'},
      {app: 'acme-production', name: 'acme-production-scheduler', plan: 'scheduler:standard'},
    ],
    apps: [{
      buildpacks: ['heroku/nodejs'],
      config: {NODE_ENV: 'production', SECRET_KEY_BASE: 'acme0production0secret0key0base0000000000000000000000000000000000', STRIPE_API_KEY: 'sk_live_acmeDemo000000000000000000000000'},
      formation: [{quantity: 2, size: 'Standard-1X', type: 'web'}, {quantity: 1, size: 'Standard-1X', type: 'worker'}],
      name: 'acme-production',
    }],
    pipelines: [{apps: {'acme-production': 'production'}, name: 'acme'}],
  })
}

async function main(): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), 'heroku-staging-demo-'))
  say(bold('heroku-staging demo: the staging app that wrote to production, and how the plugin prevents it'))
  const emu = await startEmulator({provisionDelayMs: 300})
  for (const account of emu.accounts) secrets.register(account.token)
  const env: NodeJS.ProcessEnv = {...process.env, ...emu.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local/share'), XDG_CACHE_HOME: path.join(home, '.cache'), NO_COLOR: '1'}
  const heroku = await HerokuCli.create({env: emu.env})
  let failed = false
  try {
    say(dim(`   emulator on ${emu.url} (Platform + Data API, real PostgreSQL); HOME=${home}`))

    step(1, 'acme-production: pipeline "acme", Postgres 16 with real rows, Redis, scheduler, secrets')
    await seedProduction(emu)
    const productionUrl = emu.databaseUrl('acme-production-db')
    secrets.register(productionUrl)
    say(`   users: ${await count(productionUrl, 'users')} rows, orders: ${await count(productionUrl, 'orders')} rows`)

    step(2, 'acme-staging, made the way the old `heroku fork` made it (stock heroku CLI)')
    const prodConfig = JSON.parse((await heroku.run(['config', '--json', '-a', 'acme-production'])).stdout) as Record<string, string>
    secrets.registerConfig(prodConfig)
    const stock: Array<[string, string[]]> = [
      ['heroku apps:create acme-staging', ['apps:create', 'acme-staging']],
      ['heroku config:set DATABASE_URL=… REDIS_URL=… SECRET_KEY_BASE=… STRIPE_API_KEY=… -a acme-staging   (copied from production)',
        ['config:set', `DATABASE_URL=${prodConfig.DATABASE_URL}`, `REDIS_URL=${prodConfig.REDIS_URL}`, `SECRET_KEY_BASE=${prodConfig.SECRET_KEY_BASE}`, `STRIPE_API_KEY=${prodConfig.STRIPE_API_KEY}`, '-a', 'acme-staging']],
      ['heroku addons:create heroku-postgresql:essential-0 -a acme-staging', ['addons:create', 'heroku-postgresql:essential-0', '-a', 'acme-staging']],
      ['heroku pipelines:add acme -a acme-staging --stage staging', ['pipelines:add', 'acme', '-a', 'acme-staging', '--stage', 'staging']],
    ]
    for (const [label, args] of stock) {
      // eslint-disable-next-line no-await-in-loop -- each stock command depends on the one before
      const run = await heroku.run(args)
      say(dim(`   $ ${label}   (exit ${run.status}, ${(run.durationMs / 1000).toFixed(1)} s)`))
      if (run.status !== 0) throw new Error(`stock command failed: ${label}\n${run.stderr}`)
    }

    await heroku.run(['addons:wait', '-a', 'acme-staging'])
    const info = await heroku.run(['pg:info', '-a', 'acme-staging'])
    say(indent(info.stdout.split('\n').filter(line => /^===|Add-on|PG Version|Billing App/.test(line)).join('\n')))
    say('   staging\'s own database only sits under a colour name; DATABASE_URL is still production\'s.')

    step(3, 'heroku staging:audit -a acme-staging')
    const audit = await plugin(env, ['staging:audit', '-a', 'acme-staging'])
    show('heroku staging:audit -a acme-staging', audit)
    if (audit.code !== 1) throw new Error(`expected the audit to find critical wiring (exit 1), got exit ${audit.code}`)

    step(3.5, 'heroku staging:audit -a acme-staging --fix   (repair the broken app in place)')
    // Secrets are never guessed: the team rotates them with the stock CLI, then --fix repairs the wiring.
    const rotate = await heroku.run(['config:set', 'SECRET_KEY_BASE=staging0rotated0secret0key0base00000000000000000000000000000000', 'STRIPE_API_KEY=sk_test_acmeStagingRotated0000000000000', '-a', 'acme-staging'])
    say(dim(`   $ heroku config:set SECRET_KEY_BASE=… STRIPE_API_KEY=sk_test_… -a acme-staging   (exit ${rotate.status}, ${(rotate.durationMs / 1000).toFixed(1)} s)`))
    const repair = await plugin(env, ['staging:audit', '-a', 'acme-staging', '--fix', '--confirm', 'acme-staging'])
    show('heroku staging:audit -a acme-staging --fix --confirm acme-staging', repair)
    if (repair.code !== 0) throw new Error(`expected --fix to leave no critical finding (exit 0), got exit ${repair.code}: ${repair.stderr}`)
    const mutatedProduction = emu.journal().filter(entry => entry.mutating && entry.app === 'acme-production')
    say(`   production rows: ${await count(productionUrl, 'users')} users; mutating requests to acme-production so far: ${mutatedProduction.length}`)

    step(4, 'heroku staging:fork --from acme-production --set …   (a clean staging app: acme-production-staging)')
    // Secrets are never guessed: the fork gets its own values, or its audit fails on SHARED_SECRET.
    const forkArgs = ['--from', 'acme-production', '--set', 'SECRET_KEY_BASE=staging0only0secret0key0base0000000000000000000000000000000000', '--set', 'STRIPE_API_KEY=sk_test_acmeDemoStaging00000000000000000']
    const fork = await plugin(env, ['staging:fork', ...forkArgs])
    show('heroku staging:fork --from acme-production --set SECRET_KEY_BASE=… --set STRIPE_API_KEY=sk_test_…', fork)
    if (fork.code !== 0) throw new Error(`staging:fork failed (exit ${fork.code}): ${fork.stderr}`)
    const forkConfig = JSON.parse((await heroku.run(['config', '--json', '-a', 'acme-production-staging'])).stdout) as Record<string, string>
    secrets.register(forkConfig.DATABASE_URL)
    say(`   rows in the fork's own database: users ${await count(forkConfig.DATABASE_URL ?? '', 'users')}, orders ${await count(forkConfig.DATABASE_URL ?? '', 'orders')}`)

    step(5, 'heroku staging:refresh -a acme-production-staging --rules examples/sanitize-rules.yml')
    const refresh = await plugin(env, ['staging:refresh', '-a', 'acme-production-staging', '--confirm', 'acme-production-staging', '--rules', path.join(root, 'examples', 'sanitize-rules.yml')])
    show('heroku staging:refresh -a acme-production-staging --confirm acme-production-staging --rules examples/sanitize-rules.yml', refresh)
    if (refresh.code !== 0) throw new Error(`staging:refresh failed (exit ${refresh.code}): ${refresh.stderr}`)
    const sample = new pg.Client({connectionString: forkConfig.DATABASE_URL})
    await sample.connect()
    const emails = await sample.query<{email: string}>('SELECT email FROM users ORDER BY id LIMIT 2')
    await sample.end()
    say(`   after sanitising, staging's first users: ${emails.rows.map(row => row.email).join(', ')}`)

    step(6, 'heroku staging:audit -a acme-production-staging   (the fork is clean)')
    const clean = await plugin(env, ['staging:audit', '-a', 'acme-production-staging'])
    show('heroku staging:audit -a acme-production-staging', clean)
    if (clean.code !== 0) throw new Error(`expected a clean audit (exit 0), got exit ${clean.code}`)

    step(7, 'stock `heroku pg:copy` onto production, with the plugin installed')
    const before = await count(productionUrl, 'users')
    const copy = await heroku.run(['pg:copy', 'acme-production-staging::DATABASE_URL', 'acme-production::DATABASE_URL', '-a', 'acme-production', '--confirm', 'acme-production'])
    say(dim(`   $ heroku pg:copy acme-production-staging::DATABASE_URL acme-production::DATABASE_URL -a acme-production --confirm acme-production   (exit ${copy.status})`))
    say(indent(copy.stderr))
    const mutating = emu.journal().filter(entry => entry.mutating && entry.app === 'acme-production')
    say(`   production rows before ${before}, after ${await count(productionUrl, 'users')}; mutating requests to acme-production: ${mutating.length}`)
    if (copy.status !== 4 || !copy.stderr.includes('HEROKU_STAGING_ALLOW_PRODUCTION=acme-production')) {
      throw new Error(`expected the hook to refuse pg:copy onto production (exit 4), got exit ${copy.status}: ${copy.stderr}`)
    }

    if (mutating.length > 0 || await count(productionUrl, 'users') !== before) throw new Error('production was changed by the refused pg:copy')

    say()
    say(bold(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`))
  } catch (error) {
    failed = true
    say(`\nDemo failed: ${(error as Error).message}`)
  } finally {
    if (keep && !failed) {
      say()
      say('The emulator keeps running. Point the heroku CLI at it:')
      // The emulator's local token is printed on purpose: it only opens this loopback emulator.
      for (const [key, value] of Object.entries(emu.env)) process.stdout.write(`   export ${key}=${value}\n`)
      say('   heroku apps   # then: heroku staging:audit -a acme-staging')
      say('Ctrl-C stops it.')
      await new Promise<void>(resolve => {
        process.once('SIGINT', () => resolve())
      })
    }

    await heroku.cleanup()
    await emu.stop()
    await rm(home, {force: true, recursive: true})
  }

  process.exitCode = failed ? 1 : 0
}

await main()
