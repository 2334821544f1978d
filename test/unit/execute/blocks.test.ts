import {expect} from 'chai'

import {describeHit, ProductionReach, waitForTransfer, watchTransfer} from '../../../src/lib/execute/blocks.js'
import type {StepBytes, StepContext} from '../../../src/lib/execute/steps.js'
import type {HerokuApi} from '../../../src/lib/heroku/api.js'
import type {DataTransfer} from '../../../src/lib/heroku/types.js'
import {forkProductionReach} from '../../../src/lib/fork/execute.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {PROD_DATABASE_URL, PROD_DB_HOST, productionSnapshot, STAGING_DATABASE_URL} from '../../fixtures/snapshots.js'

const OTHER_ID = '33333333-3333-4333-8333-333333333333'
const OTHER_HOST = 'ec2-52-7-7-7.compute-1.amazonaws.com'
const OTHER_ADDRESS = '52.7.7.7'
const ALIAS = 'billing-db.internal.acme.example'

/**
 * A second production app of the account (not --from) whose database is written only in split and
 * JDBC forms, with its host resolved by the load step, as loadApp does for every production app.
 */
function otherProduction(configVars: Record<string, string>): AppSnapshot {
  const base = productionSnapshot()
  return {
    ...base,
    app: {...base.app, id: OTHER_ID, name: 'acme-billing'},
    attachments: [],
    configVars,
    databases: {},
    hosts: {[ALIAS]: [OTHER_ADDRESS], [OTHER_HOST]: [OTHER_ADDRESS]},
    pipeline: undefined,
  }
}

const SPLIT = {PGDATABASE: 'dbill01', PGHOST: OTHER_HOST, PGPASSWORD: 'billing-secret', PGUSER: 'ubill'}
const DB_SPLIT = {DB_HOST: OTHER_HOST, DB_NAME: 'dbill01', DB_PASSWORD: 'billing-secret', DB_USER: 'ubill'}
const JDBC = {BILLING_JDBC_URL: `jdbc:postgresql://${OTHER_HOST}:5432/dbill01?user=ubill&password=billing-secret`}

/** URLs that reach the other production app's database, each in another spelling than it holds. */
const REACHING = [
  ['the same host and database as a URL', `postgres://fresh:pw@${OTHER_HOST}:5432/dbill01`],
  ['the pooler port', `postgres://fresh:pw@${OTHER_HOST}:6432/dbill01`],
  ['its address', `postgres://fresh:pw@${OTHER_ADDRESS}:5432/dbill01`],
  ['a host alias resolving to its address', `postgres://fresh:pw@${ALIAS}:5432/dbill01`],
  ['upper case, a trailing dot and postgresql://', `postgresql://fresh:pw@${OTHER_HOST.toUpperCase()}.:5432/dbill01?sslmode=require`],
] as const

describe('ProductionReach: the one run-time "does this reach production?" check', function () {
  for (const [form, configVars] of [['split PG* vars', SPLIT], ['split DB_* vars', DB_SPLIT], ['a JDBC URL', JDBC]] as const) {
    for (const [how, url] of REACHING) {
      it(`the fork refuses a DATABASE_URL reaching another production app held as ${form}, through ${how}`, function () {
        const reach = forkProductionReach({guarded: [productionSnapshot(), otherProduction(configVars)], production: productionSnapshot()})
        const hit = reach.of(url)
        expect(hit?.app.app.name).to.equal('acme-billing')
        expect(() => reach.refuse(url, "The fork's DATABASE_URL")).to.throw(/The fork's DATABASE_URL reaches the same database as acme-billing's .* \(production\): stopping before anything is written to it\./)
      })
    }
  }

  it('the fork refuses a URL reaching --from itself, through its address', function () {
    const from: AppSnapshot = {...productionSnapshot(), hosts: {[PROD_DB_HOST]: ['52.1.2.3']}}
    const reach = forkProductionReach({production: from})
    expect(describeHit(reach.of('postgres://x:y@52.1.2.3:5432/dprod01') ?? {app: from, vars: []})).to.equal("acme-production's DATABASE_URL")
    expect(() => reach.refuse(PROD_DATABASE_URL, 'DATABASE_URL')).to.throw(/acme-production's DATABASE_URL/)
  })

  it('names every variable of a split credential', function () {
    const reach = new ProductionReach([otherProduction(SPLIT)])
    expect(describeHit(reach.of(`postgres://fresh:pw@${OTHER_HOST}/dbill01`) ?? {app: otherProduction(SPLIT), vars: []})).to.match(/^acme-billing's (?:PG\w+\+)+PG\w+$/)
  })

  it('stays silent for the fork\'s own database, another database on the same host, and an alias resolving elsewhere', function () {
    const reach = forkProductionReach({guarded: [otherProduction({...SPLIT, ...JDBC})], production: productionSnapshot()})
    expect(reach.of(STAGING_DATABASE_URL)).to.equal(undefined)
    expect(reach.of(`postgres://fresh:pw@${OTHER_HOST}:5432/dstg99`)).to.equal(undefined)
    expect(reach.of('postgres://fresh:pw@ec2-34-1-1-1.compute-1.amazonaws.com:5432/dbill01')).to.equal(undefined)
    expect(reach.of(undefined)).to.equal(undefined)
    expect(() => reach.refuse(STAGING_DATABASE_URL, 'DATABASE_URL')).not.to.throw()
  })

  it('never counts the app being changed as its own production', function () {
    const other = otherProduction(SPLIT)
    expect(new ProductionReach([other], {except: OTHER_ID}).of(`postgres://fresh:pw@${OTHER_HOST}/dbill01`)).to.equal(undefined)
    expect(new ProductionReach([other]).of(`postgres://fresh:pw@${OTHER_HOST}/dbill01`)?.app.app.id).to.equal(OTHER_ID)
  })

  it('counts a host the checked app\'s own load resolved to a production address (alsoResolved), and only then', function () {
    const from: AppSnapshot = {...productionSnapshot(), hosts: {[PROD_DB_HOST]: ['52.1.2.3']}}
    const fork: AppSnapshot = {...productionSnapshot(), app: {...productionSnapshot().app, id: OTHER_ID, name: 'acme-fork'}, hosts: {'fork-db.example.com': ['52.1.2.3']}}
    const url = 'postgres://f:pw@fork-db.example.com:5432/dprod01'
    expect(new ProductionReach([from], {alsoResolved: [fork]}).of(url)?.vars).to.deep.equal(['DATABASE_URL'])
    expect(new ProductionReach([from]).of(url)).to.equal(undefined)
  })
})

/** A copy (pg:copy's transfer, `c003`) that runs once, then ends as `end` says; its verbose read gives one log line. */
function copyAt(end: Partial<DataTransfer>): {api: HerokuApi; asked: string[]; context: StepContext; progress: Array<{bytes?: StepBytes; message: string}>; transfer: DataTransfer} {
  const transfer: DataTransfer = {finished_at: null, from_type: 'pg_dump', num: 3, to_type: 'pg_restore', uuid: 't-3'}
  const answers: DataTransfer[] = [{...transfer, processed_bytes: 5, source_bytes: 9}, {...transfer, finished_at: 'now', processed_bytes: 9, source_bytes: 9, ...end}]
  const asked: string[] = []
  const progress: Array<{bytes?: StepBytes; message: string}> = []
  const api = {
    async transfer(billingApp: string, uuid: string, options: {verbose?: boolean} = {}): Promise<DataTransfer> {
      asked.push(`${billingApp}/${uuid}${options.verbose ? '?verbose' : ''}`)
      if (options.verbose) return {...transfer, logs: [{message: 'disk full'}]} as DataTransfer
      return answers.length > 1 ? answers.shift() as DataTransfer : answers[0] as DataTransfer
    },
  } as unknown as HerokuApi
  return {api, asked, context: {progress: (message, bytes) => progress.push({bytes, message})}, progress, transfer}
}

const QUICK = {sleep: async () => {}}

describe('transfer waits: the one wait every executor uses (watchTransfer, waitForTransfer)', function () {
  it('watchTransfer reports bytes under the caller\'s message and returns a failed transfer as it ended, for the caller to judge', async function () {
    const copy = copyAt({succeeded: false})
    const done = await watchTransfer(copy.api, 'acme-staging', copy.transfer, copy.context, {poll: QUICK, progress: 'copying'})
    expect(done).to.deep.include({succeeded: false, uuid: 't-3'})
    expect(copy.progress).to.deep.equal([{bytes: {done: 5, total: 9}, message: 'copying'}, {bytes: {done: 9, total: 9}, message: 'copying'}])
    expect(copy.asked).to.deep.equal(['acme-staging/t-3', 'acme-staging/t-3'])
  })

  it('waitForTransfer reports under the pg:backups name and throws for the same failed transfer, with its logs and pg:backups:info', async function () {
    const copy = copyAt({succeeded: false})
    try {
      await waitForTransfer(copy.api, 'acme-staging', copy.transfer, copy.context, {poll: QUICK})
      expect.fail('a failed transfer was accepted')
    } catch (error) {
      expect((error as Error).message).to.equal('c003 did not finish:\ndisk full\nRun heroku pg:backups:info c003 -a acme-staging for more details.')
    }

    expect(copy.progress.map(p => p.message)).to.deep.equal(['c003', 'c003'])
    expect(copy.asked.at(-1)).to.equal('acme-staging/t-3?verbose')
  })

  it('waitForTransfer sums up a transfer that succeeded, and asks for no logs', async function () {
    const copy = copyAt({succeeded: true})
    const summary = await waitForTransfer(copy.api, 'acme-staging', copy.transfer, copy.context, {poll: QUICK})
    expect(summary).to.deep.include({app: 'acme-staging', bytes: 9, name: 'c003', uuid: 't-3'})
    expect(copy.asked).to.deep.equal(['acme-staging/t-3', 'acme-staging/t-3'])
  })

  it('a timeout names the transfer as the caller calls it, else by its pg:backups name', async function () {
    for (const [what, expected] of [['the data transfer into DATABASE', 'the data transfer into DATABASE'], [undefined, 'c003']] as const) {
      const copy = copyAt({finished_at: null})
      try {
        await watchTransfer(copy.api, 'acme-staging', copy.transfer, copy.context, {poll: {...QUICK, timeoutMs: -1}, what})
        expect.fail('a transfer that never ends was waited for past the timeout')
      } catch (error) {
        expect((error as Error).message).to.equal(`Timed out waiting for ${expected}.`)
      }
    }
  })
})
