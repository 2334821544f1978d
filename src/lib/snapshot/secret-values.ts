import {isTrivialValue, looksRandom, looksSecret, looksSecretName} from '../secrets/index.js'
import {jsonValue} from './json.js'

/**
 * Which config values are secrets when two apps share them, and which never are. Pure.
 * Not secret, even when identical: the platform's dyno and release metadata (`HEROKU_APP_ID`,
 * `HEROKU_RELEASE_*`, `HEROKU_SLUG_*`, `HEROKU_BUILD_*`, `SOURCE_VERSION`, …), names that say they
 * hold a commit or version, and commit ids (7–12, 40 or 64 hex digits) under a name that does not
 * say it is secret: after a pipeline promotion staging and production run the same commit.
 */

const PLATFORM_METADATA = /^(?:HEROKU_(?:APP_ID|APP_NAME|APP_DEFAULT_DOMAIN_NAME|DYNO_ID|BRANCH|PR_NUMBER|RELEASE_[\dA-Z_]+|SLUG_[\dA-Z_]+|BUILD_[\dA-Z_]+|PIPELINE_[\dA-Z_]+|TEST_RUN_[\dA-Z_]+)|SOURCE_VERSION|DYNO|PORT|STACK)$/
const VERSION_NAME = /(?:^|_)(?:COMMIT|SHA|GIT_SHA|REVISION|REV|VERSION|RELEASE)(?:_|$)/
const COMMIT_ID = /^(?:[\da-f]{7,12}|[\da-f]{40}|[\da-f]{64})$/

/** Names that say the value is secret, including `…KEY` spellings (`WRITEKEY`, `LICENSE_KEY`). */
export function secretName(name: string): boolean {
  return looksSecretName(name) || /KEY$|LICENSE/i.test(name)
}

/** True when a value under this name is never a secret, whatever it is (metadata, commit ids). */
export function neverSecret(name: string, value: string): boolean {
  const upper = name.toUpperCase()
  if (PLATFORM_METADATA.test(upper)) return true
  if (secretName(upper)) return false
  return VERSION_NAME.test(upper) || COMMIT_ID.test(value)
}

/** A host name, an e-mail address or a URL with no credential in it: what add-ons expose next to their keys. */
function publicLooking(value: string): boolean {
  if (/^[\w.-]+\.[a-z]{2,}$/i.test(value)) return true
  if (/^[\w.+-]+@[\w.-]+\.[a-z]{2,}$/i.test(value)) return !looksRandom(value.split('@')[0] ?? '')
  if (/^https?:\/\/[^@/?#]*(?:\/[\w./-]*)?$/i.test(value)) return !value.split(/[/.]/).some(token => looksRandom(token))
  return false
}

/**
 * True when production's value of `name` is a secret by itself. An add-on's own config var
 * (exposed by an attachment) is a secret unless it is trivial or public-looking (a host, an
 * address); any other value when its name or its randomness says so.
 */
export function productionSecret(name: string, value: string, fromAddon: boolean): boolean {
  if (isTrivialValue(value) || neverSecret(name, value)) return false
  if (fromAddon) return !publicLooking(value)
  return looksSecret(name, value) || secretName(name)
}

/** Every string inside a JSON value (keys and leaves), or [] when it is not JSON. */
export function jsonStrings(value: string): string[] {
  const parsed = jsonValue(value)
  if (!parsed) return []
  const found: string[] = []
  const walk = (node: unknown, depth: number): void => {
    if (depth > 8) return
    if (typeof node === 'string') found.push(node)
    else if (Array.isArray(node)) for (const item of node) walk(item, depth + 1)
    else if (node && typeof node === 'object') for (const [key, inner] of Object.entries(node)) {
      found.push(key)
      walk(inner, depth + 1)
    }
  }

  walk(parsed.json, 0)
  return found
}

/** Shorter values are not looked for inside longer ones: too likely to occur by chance. */
export const MIN_EMBEDDED_LENGTH = 16

/** How `staging` holds `secret` (both trimmed): the same value, or inside a longer one (JSON too). */
export function holds(staging: string, secret: string): 'embedded' | 'equal' | undefined {
  if (staging === secret) return 'equal'
  if (secret.length < MIN_EMBEDDED_LENGTH || staging.length <= secret.length) return undefined
  if (staging.includes(secret) || jsonStrings(staging).some(inner => inner.includes(secret))) return 'embedded'
  return undefined
}
