import {expect} from 'chai'
import createDebug from 'debug'
import fc from 'fast-check'

import Audit from '../../src/commands/staging/audit.js'
import Fork from '../../src/commands/staging/fork.js'
import Protect from '../../src/commands/staging/protect.js'
import Refresh from '../../src/commands/staging/refresh.js'
import {isolateCommandEnv, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

/**
 * Property: whatever characters a secret is made of, no command prints it, in any output path:
 * human, --json, the error path, and HEROKU_DEBUG=1 with and without HEROKU_DEBUG_HEADERS. Secrets are
 * generated across ASCII punctuation (quotes, `/`, `@`, `#`, `?`, `%`, backslash), unicode and spaces,
 * as config vars under upper-, lower- and mixed-case names that don't all look secret, as URL passwords
 * (redis://, https:// basic auth) written raw, as a multi-line PEM key, with whitespace around a copy,
 * and as production's database URL pasted as an argument. Each is checked in every form it could be
 * printed in (raw, trimmed, percent-encoded, JSON-escaped, each line).
 *
 * Generated secrets are at least 8 characters and not plain words: shorter values and words such as
 * `production` are never replaced in prose (the README says why) and are hidden where values stand.
 */

const PRODUCTION = 'leak-production'
const STAGING = 'leak-staging'

const PUNCTUATION = [...'!#$%&()*+,-./:;<=>?@[]^_`{|}~\'"\\']
const ALNUM = [...'abcdefxyzABCXYZ0123456789']
const UNICODE = ['é', 'ß', '漢', '😀', 'Ж']

const secretUnit = fc.oneof(fc.constantFrom(...PUNCTUATION), fc.constantFrom(...ALNUM), fc.constantFrom(...UNICODE), fc.constant(' '))
const urlUnit = fc.oneof(fc.constantFrom(...PUNCTUATION.filter(char => !'\'"\\`'.includes(char))), fc.constantFrom(...ALNUM))

/** Distinct enough never to occur in the plugin's own text by chance, and never a plain word. */
const secret = (unit: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.tuple(fc.string({maxLength: 20, minLength: 6, unit}), fc.integer({max: 99, min: 10}))
  .map(([body, n]) => `${body}${n}`)
  .filter(value => new Set(value).size >= 5 && value.trim() === value)

interface Secrets {
  basicPassword: string
  lower: string
  mixed: string
  pemLines: [string, string]
  plainName: string
  redisPassword: string
  upper: string
}

const secretsArbitrary: fc.Arbitrary<Secrets> = fc.record({
  basicPassword: secret(urlUnit),
  lower: secret(secretUnit),
  mixed: secret(secretUnit),
  pemLines: fc.tuple(secret(urlUnit), secret(urlUnit)),
  plainName: secret(secretUnit),
  redisPassword: secret(urlUnit),
  upper: secret(secretUnit),
})

function configOf(s: Secrets): Record<string, string> {
  return {
    DATA_SETTING: s.plainName,
    api_secret: s.lower,
    MixedCase_Token: s.mixed,
    PRIVATE_KEY_PEM: `-----BEGIN PRIVATE KEY-----\n${s.pemLines[0]}\n${s.pemLines[1]}\n-----END PRIVATE KEY-----`,
    REDIS_URL: `redis://:${s.redisPassword}@redis.leak.example.com:6379`,
    SECRET_KEY_BASE: s.upper,
    WEBHOOK_URL: `https://hookuser:${s.basicPassword}@hooks.leak.example.com/in`,
  }
}

function formsOf(value: string): string[] {
  const forms = new Set<string>()
  for (const base of [value, value.trim(), ...value.split('\n').filter(line => line.trim().length >= 8)]) {
    forms.add(base)
    forms.add(encodeURIComponent(base))
    forms.add(JSON.stringify(base).slice(1, -1))
  }

  return [...forms].filter(form => form.length >= 8)
}

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map(key => [key, process.env[key]]))
  Object.assign(process.env, vars)
  for (const [key, value] of Object.entries(vars)) if (value === undefined) delete process.env[key]
  return fn().finally(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }

    createDebug.disable()
  })
}

describe('e2e: nothing secret is printed, whatever a secret is made of (fast-check)', function () {
  this.timeout(240_000)
  const fixture = useEmulator({
    provisioning: 'short',
    async seed(emu) {
      await emu.seed({
        addons: [
          {app: PRODUCTION, as: 'DATABASE', name: 'leak-production-db', plan: 'heroku-postgresql:standard-0', version: '16'},
          {app: STAGING, as: 'HEROKU_POSTGRESQL_ROSE', name: 'leak-staging-db', plan: 'heroku-postgresql:essential-0', version: '16'},
        ],
        apps: [
          {config: {NODE_ENV: 'production'}, formation: [{quantity: 1, type: 'web'}], name: PRODUCTION},
          {config: {NODE_ENV: 'staging'}, formation: [{quantity: 1, type: 'web'}], name: STAGING},
        ],
        pipelines: [{apps: {[PRODUCTION]: 'production', [STAGING]: 'staging'}, name: 'leak'}],
      })
    },
  })
  isolateCommandEnv()

  it('prints no generated secret in any output of audit, --fix, fork, refresh and protect', async function () {
    const emu = fixture.emu
    const productionUrl = emu.databaseUrl('leak-production-db')
    let previous: string[] = []
    await fc.assert(fc.asyncProperty(secretsArbitrary, async s => {
      const config = configOf(s)
      const unset = Object.fromEntries(previous.map(name => [name, null]))
      await fixture.api('PATCH', `/apps/${PRODUCTION}/config-vars`, {...unset, ...config})
      // Staging copies production's secrets, one with whitespace around it, and its database URL.
      await fixture.api('PATCH', `/apps/${STAGING}/config-vars`, {...unset, ...config, DATABASE_URL: productionUrl, SECRET_KEY_BASE: ` ${s.upper}\n`})
      previous = [...Object.keys(config), 'DATABASE_URL']
      const outputs: string[] = []
      const run = async (command: Parameters<typeof runCommand>[0], argv: string[], env: Record<string, string | undefined> = {}): Promise<number | undefined> => {
        const result = await withEmulatorEnv(emu, () => withEnv(env, () => runCommand(command, argv)))
        outputs.push(result.stdout, result.stderr, result.error?.message ?? '', result.error?.stack ?? '', JSON.stringify(result.result ?? null))
        return result.error?.oclif?.exit
      }

      const debug = {HEROKU_DEBUG: '1'}
      const headers = {HEROKU_DEBUG: '1', HEROKU_DEBUG_HEADERS: '1'}
      expect(await run(Audit, ['-a', STAGING])).to.equal(1)
      await run(Audit, ['-a', STAGING, '--json'])
      await run(Audit, ['-a', STAGING], debug)
      await run(Audit, ['-a', STAGING, '--json'], headers)
      // Production's URL pasted as -a and as --production: errors, under debug.
      expect(await run(Audit, ['-a', productionUrl], headers)).to.be.oneOf([2, 3])
      await run(Audit, ['-a', STAGING, '--production', productionUrl, '--json'], debug)
      await run(Audit, ['-a', STAGING, '--fix', '--dry-run'], headers)
      await run(Fork, ['--from', PRODUCTION, '--to', 'leak-fork', '--dry-run', '--set', `SECRET_KEY_BASE=${s.mixed}`], headers)
      expect(await run(Refresh, ['-a', STAGING, '--from', PRODUCTION], headers)).to.be.a('number')
      await run(Protect, ['--list'], debug)

      const printed = outputs.join('\n')
      expect(printed, 'the runs printed something').to.contain(STAGING)
      expect(printed, 'HEROKU_DEBUG lines were captured').to.match(/← GET https:\/\/\S+\/config-vars 200/)
      expect(printed, 'HEROKU_DEBUG_HEADERS lines were captured').to.match(/^ {2}content-type: /im)
      const values = [...Object.values(config), s.upper, s.redisPassword, s.basicPassword, ...s.pemLines, productionUrl, new URL(productionUrl).password, process.env.HEROKU_API_KEY ?? emu.accounts[0]!.token]
      for (const value of values) {
        for (const form of formsOf(value)) {
          if (printed.includes(form)) throw new Error(`leaked a form of a secret (${form.length} chars, starts ${JSON.stringify(form.slice(0, 2))})`)
        }
      }
    }), {endOnFailure: true, numRuns: Number(process.env.LEAK_RUNS ?? 6), seed: process.env.LEAK_SEED ? Number(process.env.LEAK_SEED) : undefined})
  })

  /**
   * Classes of URL the splitter once misread (review of issue 27, items 5, 9, 10): odd hosts (IPv6 with
   * a zone, IDN, a `${PORT}` placeholder, spaces after commas), an `@` in the query, webhooks whose
   * tokens are short, and JSON holding https URLs with userinfo. In production's config, copied to
   * staging; no password, user or token of them is printed by audit (human, --json, HEROKU_DEBUG),
   * fork --dry-run or refresh --dry-run.
   */
  it('prints no password or token of odd-host, query-@, short-token webhook and JSON URLs', async function () {
    const emu = fixture.emu
    const production = new URL(emu.databaseUrl('leak-production-db'))
    const config: Record<string, string> = {
      API_HOOK_URL: 'https://api.example.com/hook?token=tQk7w2&sig=sG9k2p',
      DISCORD_WEBHOOK: 'https://discord.com/api/webhooks/112233445566778899/dsc0Rd',
      ODD_IDN_URL: 'redis://:Zq7Pw2oddB@münchen-redis.example.com:6379',
      ODD_IPV6_URL: 'postgres://oddv6user:Zq7Pw1oddA@[fe80::1%25eth0]:5432/d8prod',
      ODD_LIST_URL: 'postgres://oddlistuser:Zq7Pw4oddD@h1.example.com:5432, h2.example.com:5432/db',
      ODD_PORT_URL: 'amqp://oddportuser:Zq7Pw3oddC@rabbit.example.com:${PORT}/vhost',
      REPORTS_DATABASE_URL: `postgres://analystuser:Zq7Pw5qatE@${production.host}${production.pathname}?application_name=reports@acme`,
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0Q7ZK/B0Q7ZK/sh0rtQ',
      WEBHOOKS_JSON: JSON.stringify({slack: 'https://jsonbotuser:Js0nPw9xyz@hooks.example.com/services/T0JS0N/B0JS0N/js0nTk', zap: 'https://hooks.zapier.com/hooks/catch/4455667/k9x2mq/'}),
      ZAPIER_HOOK: 'https://hooks.zapier.com/hooks/catch/4455667/k9x2mq/',
    }
    const secrets = [
      'Zq7Pw1oddA', 'Zq7Pw2oddB', 'Zq7Pw3oddC', 'Zq7Pw4oddD', 'Zq7Pw5qatE', 'Js0nPw9xyz',
      'oddv6user', 'oddlistuser', 'oddportuser', 'analystuser', 'jsonbotuser',
      'tQk7w2', 'sG9k2p', '112233445566778899', 'dsc0Rd', 'T0Q7ZK', 'B0Q7ZK', 'sh0rtQ', 'T0JS0N', 'B0JS0N', 'js0nTk', '4455667', 'k9x2mq',
      production.password,
    ]
    await fixture.api('PATCH', `/apps/${PRODUCTION}/config-vars`, config)
    await fixture.api('PATCH', `/apps/${STAGING}/config-vars`, {...config, DATABASE_URL: null})
    const outputs: string[] = []
    const run = async (command: Parameters<typeof runCommand>[0], argv: string[], env: Record<string, string | undefined> = {}): Promise<number | undefined> => {
      const result = await withEmulatorEnv(emu, () => withEnv(env, () => runCommand(command, argv)))
      outputs.push(result.stdout, result.stderr, result.error?.message ?? '', result.error?.stack ?? '', JSON.stringify(result.result ?? null))
      return result.error?.oclif?.exit
    }

    expect(await run(Audit, ['-a', STAGING]), 'the audit finds the shared credentials').to.equal(1)
    await run(Audit, ['-a', STAGING, '--json'])
    await run(Audit, ['-a', STAGING], {HEROKU_DEBUG: '1'})
    await run(Audit, ['-a', STAGING, '--json'], {HEROKU_DEBUG: '1', HEROKU_DEBUG_HEADERS: '1'})
    await run(Fork, ['--from', PRODUCTION, '--to', 'leak-fork-classes', '--dry-run'])
    await run(Fork, ['--from', PRODUCTION, '--to', 'leak-fork-classes', '--dry-run', '--json'], {HEROKU_DEBUG: '1'})
    await run(Refresh, ['-a', STAGING, '--from', PRODUCTION, '--dry-run'])
    await run(Refresh, ['-a', STAGING, '--from', PRODUCTION, '--dry-run', '--json'], {HEROKU_DEBUG: '1'})

    const printed = outputs.join('\n')
    expect(printed, 'the audit named the var that reaches production').to.contain('REPORTS_DATABASE_URL')
    expect(printed, 'HEROKU_DEBUG lines were captured').to.match(/← GET https:\/\/\S+\/config-vars 200/)
    for (const secret of secrets) {
      for (const form of new Set([secret, encodeURIComponent(secret)])) {
        if (printed.includes(form)) throw new Error(`leaked ${JSON.stringify(form)}: ${printed.slice(Math.max(0, printed.indexOf(form) - 120), printed.indexOf(form) + 40)}`)
      }
    }

    await fixture.api('PATCH', `/apps/${PRODUCTION}/config-vars`, Object.fromEntries(Object.keys(config).map(name => [name, null])))
    await fixture.api('PATCH', `/apps/${STAGING}/config-vars`, Object.fromEntries(Object.keys(config).map(name => [name, null])))
  })
})
