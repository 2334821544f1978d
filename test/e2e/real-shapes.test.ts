import {expect} from 'chai'

import Audit from '../../src/commands/staging/audit.js'
import Fork from '../../src/commands/staging/fork.js'
import Protect from '../../src/commands/staging/protect.js'
import Refresh from '../../src/commands/staging/refresh.js'
import {isolateCommandEnv, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

/**
 * Every command against the emulator's real shapes (leader {addon_id, name}, Essential and Standard+
 * Data API answers, buildpack urns, {id}-only coupling lists, Shogun dates): no output ever contains
 * `[object Object]`, the follower and the buildpack read right, and no secret part of a URL is printed.
 */

const PRODUCTION = 'shape-production'
const STAGING = 'shape-staging'
const SLACK = 'https://hooks.slack.com/services/T0SHAPE01/B0SHAPE02/abcdefghijklmnopqrstuvwx'
const KAFKA = 'kafka+ssl://ec2-3-1-1-1.compute-1.amazonaws.com:9096,kafka+ssl://ec2-3-2-2-2.compute-1.amazonaws.com:9096'
const REDIS = 'redis://h:r3d/pa55/w0rd@ec2-34-9-9-9.compute-1.amazonaws.com:6379'
const MONGO = 'mongodb+srv://prod:m0ngopa55@cluster0.a1b2c.mongodb.net/app'

describe('e2e: real response shapes read right, in every command output', function () {
  this.timeout(180_000)
  const fixture = useEmulator({
    async seed(emu) {
      const shared = {KAFKA_URL: KAFKA, MONGODB_URI: MONGO, REDIS_URL: REDIS, SLACK_WEBHOOK_URL: SLACK}
      await emu.seed({
        addons: [
          {app: PRODUCTION, as: 'DATABASE', name: 'shape-production-db', plan: 'heroku-postgresql:standard-0'},
          {app: STAGING, as: 'DATABASE', name: 'shape-staging-db', plan: 'heroku-postgresql:essential-0'},
          {app: STAGING, as: 'HEROKU_POSTGRESQL_GRAY', follow: 'shape-production-db', name: 'shape-follower', plan: 'heroku-postgresql:standard-0'},
        ],
        apps: [
          {buildpacks: ['heroku/ruby'], config: {...shared, NODE_ENV: 'production'}, formation: [{quantity: 1, type: 'web'}], name: PRODUCTION},
          {buildpacks: ['heroku/ruby'], config: {...shared, NODE_ENV: 'staging'}, formation: [{quantity: 1, type: 'web'}], name: STAGING},
        ],
        pipelines: [{apps: {[PRODUCTION]: 'production', [STAGING]: 'staging'}, name: 'shape'}],
      })
    },
  })
  isolateCommandEnv()

  it('prints no [object Object] and no URL secret in audit, --fix, fork and refresh (plans and runs) and protect; reads the follower and the buildpack urn', async function () {
    const emu = fixture.emu
    const outputs: string[] = []
    const run = async (command: Parameters<typeof runCommand>[0], argv: string[], env: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof runCommand>>> => {
      const saved = Object.fromEntries(Object.keys(env).map(key => [key, process.env[key]]))
      Object.assign(process.env, env)
      try {
        const result = await withEmulatorEnv(emu, () => runCommand(command, argv))
        outputs.push(result.stdout, result.stderr, result.error?.message ?? '', JSON.stringify(result.result ?? null))
        return result
      } finally {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key]
          else process.env[key] = value
        }
      }
    }

    const human = await run(Audit, ['-a', STAGING])
    const json = await run(Audit, ['-a', STAGING, '--json'])
    await run(Audit, ['-a', STAGING], {HEROKU_DEBUG: '1'})
    await run(Audit, ['-a', STAGING, '--fix', '--dry-run'])
    const fork = await run(Fork, ['--from', PRODUCTION, '--to', 'shape-fork', '--dry-run'])
    await run(Fork, ['--from', PRODUCTION, '--to', 'shape-fork', '--dry-run', '--json'])
    await run(Refresh, ['-a', STAGING, '--from', PRODUCTION, '--dry-run'])
    await run(Protect, ['--list'])
    // the runs themselves, not only their plans: progress, summaries and refusals print the same shapes
    await run(Refresh, ['-a', STAGING, '--from', PRODUCTION, '--confirm', STAGING])
    await run(Fork, ['--from', PRODUCTION, '--to', 'shape-fork'])

    const printed = outputs.join('\n')
    expect(printed).to.contain(STAGING)
    expect(printed, 'no output holds [object Object]').to.not.contain('[object Object]')
    // the follower's leader is read from {addon_id, name}
    expect(human.stdout).to.contain('FOLLOWS_PRODUCTION').and.contain('shape-production-db')
    expect(JSON.stringify(json.result)).to.contain("shape-production's shape-production-db")
    // the fork plan prints the buildpack urn as it is, and names the follower's leader
    expect(fork.stdout).to.contain('buildpacks: urn:buildpack:heroku/ruby')
    // evidence you can paste: each broker a URL, SRV without a port
    expect(human.stdout).to.contain(`KAFKA_URL=${KAFKA}`)
    expect(human.stdout).to.contain('mongodb+srv://p***:****@cluster0.a1b2c.mongodb.net/app').and.not.contain('mongodb.net:27017')
    // the redis password with raw slashes is found, and no secret part of any URL is printed
    expect(human.stdout).to.match(/REDIS_URL/)
    for (const secret of ['r3d/pa55/w0rd', 'pa55/w0rd', 'm0ngopa55', 'abcdefghijklmnopqrstuvwx', 'T0SHAPE01']) expect(printed, secret).to.not.contain(secret)
  })
})
