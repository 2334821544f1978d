import {HerokuError, invalidParams, type RequestContext} from '../http.js'
import type {Account} from '../types.js'

/** The authenticated account (the server authenticates every Heroku route before routing). */
export function actor(ctx: RequestContext): Account {
  if (!ctx.account) throw new HerokuError(401, 'unauthorized', 'Invalid credentials provided.')
  return ctx.account
}

export function bodyObject(ctx: RequestContext): Record<string, unknown> {
  const {body} = ctx
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidParams('The request body must be a JSON object.')
  return body as Record<string, unknown>
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw invalidParams(`${key} must be a string.`)
  return value
}

export function requiredString(body: Record<string, unknown>, key: string): string {
  const value = optionalString(body, key)
  if (value === undefined || value === '') throw invalidParams(`${key} is required.`)
  return value
}

/** A reference sent as `"name-or-id"` or `{name}` / `{id}`. */
export function refOf(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'object') {
    const object = value as {id?: unknown; name?: unknown}
    if (typeof object.id === 'string') return object.id
    if (typeof object.name === 'string') return object.name
  }

  throw invalidParams(`${key} must be a name, an id, or an object with one of them.`)
}

export function requiredRef(body: Record<string, unknown>, key: string): string {
  const ref = refOf(body[key], key)
  if (!ref) throw invalidParams(`${key} is required.`)
  return ref
}

export function rangeOf(ctx: RequestContext): string | undefined {
  const value = ctx.headers.range
  return Array.isArray(value) ? value[0] : value
}
