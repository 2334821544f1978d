import type {AppSnapshot} from '../../snapshot/types.js'
import {type LedgerEntry, ledgerCreated} from '../ledger.js'
import {FORK_MARKER} from '../types.js'

/** The target app (`--to`): a valid name, and whether the fork may create it or continue on it. */

/** Heroku's app name rule. */
export const APP_NAME = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/

export interface ExistingTarget {
  snapshot: AppSnapshot
  /** the app's `created_at`, to recognise an app whose creation answer was lost */
  createdAt?: string
}

export interface TargetContext {
  /** the production registry's answer for the target: present when the account counts it as production */
  production?: {via: readonly string[]}
  /** apps marked with `heroku staging:protect` (names or ids) */
  protectedApps: readonly string[]
  /** what this machine's ledger says about an in-flight creation of the target */
  ledger?: LedgerEntry
}

export type TargetVerdict =
  | {fix: string; kind: 'refuse'; message: string}
  | {kind: 'absent'}
  | {kind: 'resume'; reason: string; setMarker: boolean}

/**
 * May the fork create or continue `--to`? It continues only on an app that carries the fork marker
 * for this very source, or that this machine's ledger shows it created moments before the marker
 * could be set. Above all it refuses production.
 */
export function checkTarget(production: AppSnapshot, existing: ExistingTarget | undefined, context: TargetContext): TargetVerdict {
  if (!existing) return {kind: 'absent'}
  const target = existing.snapshot
  const name = target.app.name
  const otherName = `${production.app.name}-staging` === name ? `${name}-2` : `${production.app.name}-staging`
  const fix = `Choose another name with --to (e.g. --to ${otherName}).`
  if (target.app.id === production.app.id) {
    return {fix, kind: 'refuse', message: `Refusing to fork into ${name}: it is the production app itself (--from).`}
  }

  if (target.pipeline?.stage === 'production') {
    return {fix, kind: 'refuse', message: `Refusing to fork into ${name}: it is coupled at stage production in pipeline ${target.pipeline.name}.`}
  }

  if (context.protectedApps.includes(name) || context.protectedApps.includes(target.app.id)) {
    return {fix, kind: 'refuse', message: `Refusing to fork into ${name}: it is protected as production (heroku staging:protect).`}
  }

  if (context.production) {
    return {fix, kind: 'refuse', message: `Refusing to fork into ${name}: it is a production app of the account (${context.production.via.join(', ')}).`}
  }

  const marker = target.configVars[FORK_MARKER]
  if (marker === production.app.id) {
    return {kind: 'resume', reason: `${name} is a fork of ${production.app.name} made by heroku staging:fork: continuing where it stopped`, setMarker: false}
  }

  if (marker !== undefined) {
    return {fix, kind: 'refuse', message: `Refusing to fork into ${name}: it is a fork of another app (${FORK_MARKER} names app id ${marker}), not of ${production.app.name}.`}
  }

  const entry = context.ledger
  if (ledgerCreated(entry, name, production.app.id, {createdAt: existing.createdAt, id: target.app.id})) {
    return {kind: 'resume', reason: `${name} was created by an interrupted heroku staging:fork on this machine: marking it and continuing`, setMarker: true}
  }

  return {
    fix,
    kind: 'refuse',
    message: `Refusing to fork into ${name}: it exists and was not created by heroku staging:fork from ${production.app.name} (no ${FORK_MARKER} config var).`,
  }
}
