import {expect} from 'chai'

import Fork from '../../src/commands/staging/fork.js'
import type {ForkResult} from '../../src/lib/fork/types.js'
import {apiGet as api} from '../helpers/api.js'
import {type Emulator, isolateCommandEnv, mutating, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {type RunResult, runCommand} from '../helpers/run.js'

/**
 * `staging:fork` copies no secret of production's unless named, and starts no dyno before its audit
 * passes. A small production (one tiny database, no data copied) keeps each fork quick.
 */

const PRODUCTION = 'shop-production'
const FORK = 'shop-production-staging'

/** Production's secrets: live third-party credentials, signing keys, a key that decrypts committed files. */
const SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7PRODXMP',
  AWS_SECRET_ACCESS_KEY: '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',
  DJANGO_SECRET_KEY: 'prod-9f$x!k2@q8#mz^4r0w(1l)7v&c%e+j*h_u-p=t',
  INTERNAL_API_TOKEN: 'prod-internal-token-0123456789abcdef',
  RAILS_MASTER_KEY: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  REDIS_URL: 'redis://h:prodRedisPassw0rd1@prod-redis.shop.internal:6379',
  SECRET_KEY_BASE: 'c0ffee5ecret0base0for0shop0production0do0not0share0000000000000000',
  SENDGRID_API_KEY: 'SG.prodSendgridKey0000001.prodSendgridSecret00000000000000000000002',
  STRIPE_SECRET_KEY: 'sk_live_51ShopProduction000000000000000',
  TWILIO_AUTH_TOKEN: '0123456789abcdef0123456789abcdef',
}
/** Copied: plain settings and public material (a publishable key, secrets/public.ts). */
const PLAIN = {FEATURE_CHECKOUT_V2: 'true', NODE_ENV: 'production', STRIPE_PUBLISHABLE_KEY: 'pk_live_51ShopProductionPublishable000', WEB_CONCURRENCY: '4'}

async function seed(emu: Emulator): Promise<void> {
  await emu.seed({
    addons: [{app: PRODUCTION, as: 'DATABASE', name: 'shop-production-db', plan: 'heroku-postgresql:standard-0', sql: 'CREATE TABLE t (id int); INSERT INTO t VALUES (1)'}],
    apps: [{
      buildpacks: ['heroku/nodejs'],
      config: {...SECRETS, ...PLAIN},
      formation: [{quantity: 2, size: 'Standard-1X', type: 'web'}, {quantity: 1, size: 'Standard-1X', type: 'worker'}],
      name: PRODUCTION,
    }],
  })
}

async function fork(emu: Emulator, argv: string[]): Promise<RunResult<ForkResult>> {
  return withEmulatorEnv(emu, () => runCommand<ForkResult>(Fork, ['--from', PRODUCTION, '--data', 'none', ...argv]))
}

async function formation(emu: Emulator): Promise<{sum: number; types: string[]}> {
  const list = await api<Array<{quantity: number; type: string}>>(emu, `/apps/${FORK}/formation`)
  return {sum: list.reduce((total, f) => total + f.quantity, 0), types: list.map(f => `${f.type}=${f.quantity}`).sort()}
}

/** The fork's releases of code: a slug or an OCI image (config changes write releases without one, until the first code release). */
async function codeReleases(emu: Emulator): Promise<string[]> {
  const list = await api<Array<{description?: string; oci_image?: {id: string} | null; slug?: {id: string} | null; version: number}>>(emu, `/apps/${FORK}/releases`)
  return list.filter(r => r.slug?.id || r.oci_image?.id).map(r => `v${r.version} ${r.description ?? ''}`)
}

/** The journal's requests sending production's code to the fork: `POST /apps/{fork}/releases`. */
function releasePosts(emu: Emulator): number[] {
  return mutating(emu, FORK).filter(entry => entry.method === 'POST' && /^\/apps\/[^/]+\/releases$/.test(entry.path)).map(entry => entry.seq)
}

/** Every production secret value found in `config`, equal or inside a longer value. */
function productionSecretsIn(config: Record<string, string>): string[] {
  return Object.entries(SECRETS).filter(([, secret]) => Object.values(config).some(value => value.includes(secret))).map(([key]) => key)
}

describe('staging:fork copies no secret, and releases nothing and starts no dyno before its audit passes (emulator)', function () {
  this.timeout(120_000)
  const fixture = useEmulator({emulator: {provisionDelayMs: 200}, fresh: 'each', seed})
  isolateCommandEnv()

  it('gives staging no value of production\'s secrets, a fresh SECRET_KEY_BASE of the same length, and the plain settings', async function () {
    const emu = fixture.emu
    const run = await fork(emu, ['--set', 'REDIS_URL=redis://h:stagingOnly@staging-redis.shop.internal:6379', '--json'])
    expect(run.error, run.stdout).to.equal(undefined)
    const result = JSON.parse(run.stdout) as ForkResult
    const config = await api<Record<string, string>>(emu, `/apps/${FORK}/config-vars`)
    expect(productionSecretsIn(config)).to.deep.equal([])
    expect(config.SECRET_KEY_BASE).to.have.length(SECRETS.SECRET_KEY_BASE.length).and.match(/^[\da-z]+$/).and.not.equal(SECRETS.SECRET_KEY_BASE)
    expect(config.DJANGO_SECRET_KEY).to.have.length(SECRETS.DJANGO_SECRET_KEY.length)
    expect(config).to.include(PLAIN)
    for (const key of ['RAILS_MASTER_KEY', 'STRIPE_SECRET_KEY', 'SENDGRID_API_KEY', 'TWILIO_AUTH_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'INTERNAL_API_TOKEN']) expect(config, key).not.to.have.property(key)
    // The plan and --json name the decisions, never a value.
    const groups = Object.fromEntries(result.plan.config.map(d => [d.key, d.group]))
    expect(groups).to.include({DJANGO_SECRET_KEY: 'regenerated', RAILS_MASTER_KEY: 'per-environment', SECRET_KEY_BASE: 'regenerated', STRIPE_PUBLISHABLE_KEY: 'copied', STRIPE_SECRET_KEY: 'withheld', WEB_CONCURRENCY: 'copied'})
    expect(result.plan.config.find(d => d.key === 'STRIPE_SECRET_KEY')).to.deep.include({fix: '--set STRIPE_SECRET_KEY=VALUE', live: true})
    for (const value of [...Object.values(SECRETS), config.SECRET_KEY_BASE ?? '']) expect(`${run.stdout}${run.stderr}`).not.to.contain(value)
    // The audit passed: then, and only then, released (a first release starts web=1) and scaled, in the last two writes.
    expect(result.dynos).to.equal('scaled')
    expect((await formation(emu)).types).to.deep.equal(['web=1', 'worker=0'])
    const writes = mutating(emu, FORK)
    const scales = writes.filter(entry => entry.path.endsWith('/formation'))
    expect(scales, 'scaled once, never held').to.have.length(1)
    expect(releasePosts(emu)).to.have.length(1)
    expect(writes.slice(-2).map(entry => entry.seq)).to.deep.equal([releasePosts(emu)[0], scales[0]?.seq])
    // The audit's read of the fork's formation (nothing else reads it before the scale) comes before the release.
    const auditRead = emu.journal().find(entry => entry.method === 'GET' && entry.app === FORK && entry.path.endsWith('/formation'))
    expect(auditRead?.seq, 'the audit read the fork').to.be.a('number')
    expect(releasePosts(emu)[0]).to.be.greaterThan(auditRead?.seq ?? Number.POSITIVE_INFINITY)
    expect(result.steps.slice(-2).map(step => `${step.id}: ${step.status}`)).to.deep.equal(['release: done', 'scale: done'])
  })

  it('copies a secret named with --copy-config, saying "copied on purpose", and public material', async function () {
    const run = await fork(fixture.emu, ['--copy-config', 'STRIPE_SECRET_KEY', '--set', 'REDIS_URL=redis://h:s@staging-redis.shop.internal:6379', '--dry-run'])
    expect(run.error, run.stderr).to.equal(undefined)
    expect(run.stdout).to.match(/STRIPE_SECRET_KEY\s+copied on purpose \(--copy-config\): a Stripe live secret key/)
    expect(run.stdout).to.match(/STRIPE_PUBLISHABLE_KEY\s+public material \(publishable key\)/)
    expect(mutating(fixture.emu)).to.deep.equal([])
  })

  it('releases nothing and starts no dyno, exiting 1, when the audit fails (--set a value of production\'s); fixed, it releases and scales; broken again, back to 0', async function () {
    const emu = fixture.emu
    const failed = await fork(emu, ['--set', `REDIS_URL=${SECRETS.REDIS_URL}`])
    expect(failed.error?.oclif?.exit, failed.stdout).to.equal(1)
    expect(failed.stdout).to.contain(`The fork ${FORK} has`).and.contain('its dynos stay at 0')
    expect(failed.stdout).to.contain(`Fork ${FORK} is made but production's code is not released and no dyno runs: its audit has a critical finding`)
    expect(failed.stdout).to.match(/critical\s+\w+: .*REDIS_URL/)
    // Never released, so no formation ever existed: no dyno ran at any moment, not only at the end.
    expect(releasePosts(emu), 'no POST /apps/{fork}/releases').to.deep.equal([])
    expect(await codeReleases(emu), 'no release with a slug').to.deep.equal([])
    expect(await formation(emu)).to.deep.equal({sum: 0, types: []})
    expect(mutating(emu, FORK).filter(entry => entry.path.endsWith('/formation')), 'no formation write').to.deep.equal([])
    expect(`${failed.stdout}${failed.stderr}${failed.error?.message}`).not.to.contain('prodRedisPassw0rd1')

    const fixed = await fork(emu, ['--set', 'REDIS_URL=redis://h:stagingOnly@staging-redis.shop.internal:6379', '--json'])
    expect(fixed.error, fixed.stdout).to.equal(undefined)
    expect((JSON.parse(fixed.stdout) as ForkResult).dynos).to.equal('scaled')
    expect((await formation(emu)).types).to.deep.equal(['web=1', 'worker=0'])
    expect(await codeReleases(emu)).to.have.length(1)
    const posts = releasePosts(emu)
    expect(posts).to.have.length(1)

    // An earlier run released and scaled; now the audit fails again: every process type back to 0, nothing released anew.
    const broken = await fork(emu, ['--set', `REDIS_URL=${SECRETS.REDIS_URL}`])
    expect(broken.error?.oclif?.exit, broken.stdout).to.equal(1)
    expect(broken.stdout).to.contain(`Fork ${FORK} is made but its dynos are held at 0: its audit has a critical finding`)
    expect((await formation(emu)).types).to.deep.equal(['web=0', 'worker=0'])
    // (Its config change writes a release carrying the slug, as on Heroku: the journal says whether the fork sent one.)
    expect(releasePosts(emu), 'no new POST /apps/{fork}/releases').to.deep.equal(posts)
  })

  it('exits 5 when the scale after the release fails (the audit passed), and a re-run scales', async function () {
    const emu = fixture.emu
    emu.addFault({method: 'PATCH', nth: 1, path: '^/apps/[^/]+/formation$', status: 500, times: 10})
    const first = await fork(emu, ['--set', 'REDIS_URL=redis://h:s@staging-redis.shop.internal:6379'])
    expect(first.error?.oclif?.exit, first.stdout).to.equal(5)
    expect(await codeReleases(emu), 'released: the audit had passed').to.have.length(1)
    emu.clearFaults()
    const again = await fork(emu, ['--set', 'REDIS_URL=redis://h:s@staging-redis.shop.internal:6379'])
    expect(again.error, again.error?.message).to.equal(undefined)
    expect((await formation(emu)).types).to.deep.equal(['web=1', 'worker=0'])
  })
})

/** Production's secrets in the shapes no name gives away (REVIEW26.md items 1–3): each a class of the one decision. */
const PEM_PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----'
const SHAPED_SECRETS = {
  ConnectionStrings__Default: 'Host=prod-db.shop.internal;Database=shop;Username=shop_app;Password=Npgsql0Prod0Pw0123456',
  FIREBASE_CONFIG: JSON.stringify({client_email: 'shop@shop-prod.iam.gserviceaccount.com', private_key: PEM_PRIVATE_KEY, project_id: 'shop-prod', type: 'service_account'}),
  ORDER_CALLBACK: 'https://hooks.partner.example.com/orders?token=f00dbabe1234deadbeef0042',
  SAML_IDP: PEM_PRIVATE_KEY,
}
/** Public by construction: bundled into browser code, and a bucket's name. */
const SHAPED_PUBLIC = {NEXT_PUBLIC_POSTHOG_KEY: 'phc_ShopProductionProjectKey0123456789abc', S3_BUCKET_ASSETS: 'shop-production-assets'}

describe('staging:fork copies no secret in any shape: connection strings, private keys, JSON service accounts, token URLs (emulator)', function () {
  this.timeout(120_000)
  const fixture = useEmulator({
    fresh: 'each',
    async seed(emu) {
      await emu.seed({
        addons: [{app: PRODUCTION, as: 'DATABASE', name: 'shop-production-db', plan: 'heroku-postgresql:standard-0', sql: 'CREATE TABLE t (id int)'}],
        apps: [{buildpacks: ['heroku/nodejs'], config: {...SHAPED_SECRETS, ...SHAPED_PUBLIC, NODE_ENV: 'production'}, formation: [{quantity: 1, size: 'Standard-1X', type: 'web'}], name: PRODUCTION}],
      })
    },
  })
  isolateCommandEnv()

  it('leaves staging\'s config holding none of their values (equal or inside), copies the public ones, and passes its audit', async function () {
    const emu = fixture.emu
    const run = await fork(emu, ['--json'])
    expect(run.error, run.stdout).to.equal(undefined)
    const result = JSON.parse(run.stdout) as ForkResult
    const config = await api<Record<string, string>>(emu, `/apps/${FORK}/config-vars`)
    const values = Object.values(config)
    const leaked = Object.entries(SHAPED_SECRETS).filter(([, secret]) => values.some(value => value.includes(secret)))
    expect(leaked.map(([key]) => key)).to.deep.equal([])
    expect(values.some(value => value.includes('Npgsql0Prod0Pw0123456') || value.includes('MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7') || value.includes('f00dbabe1234deadbeef0042'))).to.equal(false)
    expect(config).to.include({...SHAPED_PUBLIC, NODE_ENV: 'production'})
    const groups = Object.fromEntries(result.plan.config.map(d => [d.key, d.group]))
    // The Npgsql string is read as the database it reaches (production's): never copied, in the 'production' group.
    expect(groups).to.include({ConnectionStrings__Default: 'production', FIREBASE_CONFIG: 'withheld', NEXT_PUBLIC_POSTHOG_KEY: 'copied', ORDER_CALLBACK: 'withheld', S3_BUCKET_ASSETS: 'copied', SAML_IDP: 'withheld'})
    expect(result.dynos).to.equal('scaled')
    for (const value of Object.values(SHAPED_SECRETS)) expect(`${run.stdout}${run.stderr}`).not.to.contain(value)
  })
})
