import type {APIClient} from '@heroku-cli/command'

import {HerokuClient} from '../../../src/lib/heroku/client.js'

/**
 * A tiny in-memory Heroku answering the GET requests the hook's lookups make, so check.ts is tested without
 * HTTP. Every request is recorded; any non-GET fails the test run loudly.
 */

export interface WorldApp {
  config?: Record<string, string>
  id: string
  name: string
  stage?: 'development' | 'production' | 'review' | 'staging' | 'test'
}

export interface WorldAddon {
  id: string
  name: string
  owner: string
  plan: string
}

export interface WorldAttachment {
  addon: string
  app: string
  name: string
}

export interface World {
  addons: WorldAddon[]
  apps: WorldApp[]
  attachments: WorldAttachment[]
  /** paths that answer with this HTTP status instead (e.g. 500) */
  failures?: Record<string, number>
  /** apps the account cannot read (GET answers 404) though references name them */
  hidden?: string[]
  /** config vars of past releases, by `app@version` */
  releases?: Record<string, Record<string, string>>
}

export const PIPELINE = {id: 'pipe-acme', name: 'acme'}

class FakeHttpError extends Error {
  readonly body: {id: string; message: string}
  readonly http: {body: {id: string; message: string}; headers: Record<string, string>; statusCode: number}
  constructor(status: number, id: string, message: string) {
    super(message)
    this.body = {id, message}
    this.http = {body: this.body, headers: {}, statusCode: status}
  }
}

export function fakeClient(world: World): {client: HerokuClient; requests: string[]} {
  const requests: string[] = []
  const app = (key: string) => world.apps.find(a => (a.name === key || a.id === key) && !world.hidden?.includes(a.name))
  const addon = (key: string) => world.addons.find(a => a.name === key || a.id === key)

  // An owner the account cannot see is named by id only, as Heroku answers.
  const ownerRef = (name: string) => {
    const owner = world.apps.find(a => a.name === name)
    return owner ? {id: owner.id, name: owner.name} : {id: `hidden-${name}`}
  }

  const addonBody = (a: WorldAddon) => ({addon_service: {name: a.plan.split(':')[0]}, app: ownerRef(a.owner), id: a.id, name: a.name, plan: {name: a.plan}, state: 'provisioned'})

  const attachmentBody = (att: WorldAttachment) => {
    const a = addon(att.addon) as WorldAddon
    const on = app(att.app) as WorldApp
    return {
      addon: {app: ownerRef(a.owner), id: a.id, name: a.name, plan: {name: a.plan}},
      app: {id: on.id, name: on.name},
      config_vars: [`${att.name}_URL`],
      id: `att-${on.name}-${att.name}`,
      name: att.name,
      namespace: null,
    }
  }

  const routes: Array<[RegExp, (m: RegExpExecArray) => unknown]> = [
    [/^\/apps\/([^/]+)$/, m => {
      const a = app(decodeURIComponent(m[1] ?? ''))
      return a && {id: a.id, maintenance: false, name: a.name}
    }],
    [/^\/apps\/([^/]+)\/config-vars$/, m => app(decodeURIComponent(m[1] ?? ''))?.config ?? (app(decodeURIComponent(m[1] ?? '')) && {})],
    [/^\/apps\/([^/]+)\/addon-attachments$/, m => {
      const a = app(decodeURIComponent(m[1] ?? ''))
      return a && world.attachments.filter(att => att.app === a.name).map(att => attachmentBody(att))
    }],
    [/^\/apps\/([^/]+)\/addons$/, m => {
      const a = app(decodeURIComponent(m[1] ?? ''))
      if (!a) return undefined
      const ids = new Set(world.attachments.filter(att => att.app === a.name).map(att => att.addon))
      return world.addons.filter(x => x.owner === a.name || ids.has(x.name)).map(x => addonBody(x))
    }],
    [/^\/apps\/([^/]+)\/pipeline-couplings$/, m => {
      const a = app(decodeURIComponent(m[1] ?? ''))
      if (!a?.stage) return undefined
      return {app: {id: a.id}, id: `coupling-${a.id}`, pipeline: {id: PIPELINE.id, name: PIPELINE.name}, stage: a.stage}
    }],
    [/^\/pipelines\/([^/]+)$/, m => (decodeURIComponent(m[1] ?? '') === PIPELINE.id || m[1] === PIPELINE.name ? PIPELINE : undefined)],
    [/^\/pipeline-couplings$/, () => world.apps.filter(a => a.stage).map(a => ({app: {id: a.id}, id: `coupling-${a.id}`, pipeline: {id: PIPELINE.id, name: PIPELINE.name}, stage: a.stage}))],
    [/^\/pipelines\/([^/]+)\/pipeline-couplings$/, () => world.apps.filter(a => a.stage).map(a => ({app: {id: a.id}, id: `coupling-${a.id}`, pipeline: {id: PIPELINE.id}, stage: a.stage}))],
    [/^\/addon-attachments\/([^/]+)$/, m => {
      const att = world.attachments.find(x => `att-${x.app}-${x.name}` === decodeURIComponent(m[1] ?? ''))
      return att && attachmentBody(att)
    }],
    [/^\/pipeline-couplings\/([^/]+)$/, m => {
      const a = world.apps.find(x => `coupling-${x.id}` === decodeURIComponent(m[1] ?? ''))
      return a?.stage && {app: {id: a.id}, id: `coupling-${a.id}`, pipeline: {id: PIPELINE.id, name: PIPELINE.name}, stage: a.stage}
    }],
    [/^\/apps\/([^/]+)\/releases\/([^/]+)\/config-vars$/, m => world.releases?.[`${decodeURIComponent(m[1] ?? '')}@${m[2]}`]],
    [/^\/addons\/([^/]+)\/addon-attachments$/, m => {
      const a = addon(decodeURIComponent(m[1] ?? ''))
      return a && world.attachments.filter(att => att.addon === a.name).map(att => attachmentBody(att))
    }],
    [/^\/addons\/([^/]+)$/, m => {
      const a = addon(decodeURIComponent(m[1] ?? ''))
      return a && addonBody(a)
    }],
  ]

  const api = {
    async request(path: string, options: {method?: string} = {}) {
      const method = options.method ?? 'GET'
      requests.push(`${method} ${path}`)
      if (method !== 'GET') throw new Error(`the hook sent ${method} ${path}: it must only read`)
      const failure = world.failures?.[path]
      if (failure) throw new FakeHttpError(failure, 'internal_server_error', `failure injected on ${path}`)
      for (const [pattern, handler] of routes) {
        const match = pattern.exec(path)
        if (!match) continue
        const body = handler(match)
        if (body === undefined) throw new FakeHttpError(404, 'not_found', `Couldn't find that resource: ${path}`)
        return {body, headers: {}, statusCode: 200}
      }

      throw new FakeHttpError(404, 'not_found', `no route ${path}`)
    },
  }

  return {client: new HerokuClient(api as unknown as APIClient, {baseDelayMs: 1, maxRetries: 1}), requests}
}

export const PROD_URL = 'postgres://uprod:prodpassword12345@db-prod.example.com:5432/dprod'
export const STAGING_URL = 'postgres://ustg:stagingpassword12345@db-stg.example.com:5432/dstg'
export const ROSE_URL = 'postgres://urose:rosepassword12345@db-rose.example.com:5432/drose'

/** acme-production (pipeline production) and acme-staging (staging), each with its own database. */
export function cleanWorld(): World {
  return {
    addons: [
      {id: 'addon-prod-db', name: 'postgresql-prod-1', owner: 'acme-production', plan: 'heroku-postgresql:standard-0'},
      {id: 'addon-prod-redis', name: 'redis-prod-1', owner: 'acme-production', plan: 'heroku-redis:mini'},
      {id: 'addon-stg-db', name: 'postgresql-stg-1', owner: 'acme-staging', plan: 'heroku-postgresql:essential-0'},
      {id: 'addon-stg-rose', name: 'postgresql-rose-1', owner: 'acme-staging', plan: 'heroku-postgresql:essential-0'},
    ],
    apps: [
      {config: {DATABASE_URL: PROD_URL, REDIS_URL: 'redis://h:redispass@redis.example.com:6379'}, id: 'app-prod', name: 'acme-production', stage: 'production'},
      {config: {DATABASE_URL: STAGING_URL, HEROKU_POSTGRESQL_ROSE_URL: ROSE_URL}, id: 'app-stg', name: 'acme-staging', stage: 'staging'},
      {config: {}, id: 'app-lone', name: 'lone-app'},
    ],
    attachments: [
      {addon: 'postgresql-prod-1', app: 'acme-production', name: 'DATABASE'},
      {addon: 'redis-prod-1', app: 'acme-production', name: 'REDIS'},
      {addon: 'postgresql-stg-1', app: 'acme-staging', name: 'DATABASE'},
      {addon: 'postgresql-rose-1', app: 'acme-staging', name: 'HEROKU_POSTGRESQL_ROSE'},
    ],
  }
}

/** cleanWorld, plus lone-app with a database of its own: marked production only by HEROKU_STAGING_PROTECTED when `on`. */
export function markedLoneWorld(on: boolean): World {
  const world = cleanWorld()
  const lone = world.apps.find(a => a.name === 'lone-app')!
  lone.config = {DATABASE_URL: 'postgres://ul:lonepassword123456@db-lone.example.com:5432/dlone', ...(on ? {HEROKU_STAGING_PROTECTED: '1'} : {})}
  world.addons.push({id: 'addon-lone-db', name: 'postgresql-lone-1', owner: 'lone-app', plan: 'heroku-postgresql:standard-0'})
  world.attachments.push({addon: 'postgresql-lone-1', app: 'lone-app', name: 'DATABASE'})
  return world
}
