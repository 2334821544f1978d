/**
 * The emulator's own routes, under `/__emulator/`, never mixed with Heroku's: reset, seed,
 * journal, fault rules, latency, provisioning delay, rate limit, and backup downloads.
 */

import {invalidParams, type Router} from '../http.js'
import type {Emulator, FaultRule, SeedFixture} from '../types.js'
import {bodyObject} from './common.js'

export interface Controls extends Emulator {
  downloadBackup(uuid: string, token: null | string): {contentType: string; data: NodeJS.ReadableStream}
  faults(): Array<FaultRule & {matched: number}>
  /** the PostgreSQL server, once started: where it listens, its data directory and postmaster pid */
  postgres(): undefined | {dataDir?: string; pid?: number; port: number; serverMajorVersion: string}
  setRateLimit(budget: number | undefined): void
  settings(): {latencyMs: number; provisionDelayMs: number; rateLimit?: number}
}

function milliseconds(body: Record<string, unknown>): number {
  const ms = Number(body.ms)
  if (!Number.isFinite(ms) || ms < 0) throw invalidParams('ms must be a number of milliseconds, 0 or more.')
  return ms
}

export function controlRoutes(router: Router, emulator: Controls): void {
  router.add('GET', '/__emulator/status', () => ({body: {
    accounts: emulator.accounts.map(a => ({email: a.email, id: a.id})),
    postgres: emulator.postgres() ?? null,
    settings: emulator.settings(),
    url: emulator.url,
  }}))
  router.add('POST', '/__emulator/reset', async () => {
    await emulator.reset()
    return {body: {message: 'reset'}}
  })
  router.add('POST', '/__emulator/seed', async ctx => {
    await emulator.seed(bodyObject(ctx) as SeedFixture)
    return {body: {message: 'seeded'}, status: 201}
  })
  router.add('POST', '/__emulator/seed-bulk', ctx => {
    const body = bodyObject(ctx)
    const count = Number(body.count)
    if (!Number.isInteger(count) || count < 1 || typeof body.prefix !== 'string') throw invalidParams('seed-bulk needs {count: N, prefix: "name"}, optionally plans and config.')
    const names = emulator.seedBulk({config: body.config as Record<string, string> | undefined, count, plans: body.plans as string[] | undefined, prefix: body.prefix})
    return {body: {apps: names.length, message: 'seeded'}, status: 201}
  })
  router.add('GET', '/__emulator/journal', () => ({body: emulator.journal()}))
  router.add('DELETE', '/__emulator/journal', () => {
    emulator.clearJournal()
    return {body: {message: 'journal cleared'}}
  })
  router.add('GET', '/__emulator/faults', () => ({body: emulator.faults()}))
  router.add('POST', '/__emulator/faults', ctx => {
    try {
      emulator.addFault(bodyObject(ctx) as unknown as FaultRule)
    } catch (error) {
      throw invalidParams((error as Error).message)
    }

    return {body: emulator.faults(), status: 201}
  })
  router.add('DELETE', '/__emulator/faults', () => {
    emulator.clearFaults()
    return {body: []}
  })
  router.add('PUT', '/__emulator/latency', ctx => {
    emulator.setLatency(milliseconds(bodyObject(ctx)))
    return {body: emulator.settings()}
  })
  router.add('PUT', '/__emulator/provision-delay', ctx => {
    emulator.setProvisionDelay(milliseconds(bodyObject(ctx)))
    return {body: emulator.settings()}
  })
  router.add('PUT', '/__emulator/rate-limit', ctx => {
    const {budget} = bodyObject(ctx)
    if (budget !== null && budget !== undefined && (!Number.isInteger(budget) || (budget as number) < 0)) throw invalidParams('budget must be a whole number, or null for unlimited.')
    emulator.setRateLimit(budget === null ? undefined : budget as number | undefined)
    return {body: emulator.settings()}
  })
  router.add('POST', '/__emulator/expire-artifacts', ctx => {
    const body = bodyObject(ctx)
    const text = (key: string): string | undefined => (typeof body[key] === 'string' ? body[key] : undefined)
    const number = (key: string): number | undefined => (typeof body[key] === 'number' ? body[key] : undefined)
    try {
      return {body: {expired: emulator.expireArtifacts({all: body.all === true, app: text('app'), days: number('days'), now: text('now'), releases: number('releases')})}}
    } catch (error) {
      throw invalidParams((error as Error).message)
    }
  })
  router.add('GET', '/__emulator/databases/:addon', ctx => ({body: {url: emulator.databaseUrl(ctx.params.addon!)}}))
  router.add('GET', '/__emulator/backups/:uuid', ctx => ({raw: emulator.downloadBackup(ctx.params.uuid!, ctx.query.get('token'))}))
}
