import {urlTextsIn} from '../secrets/index.js'
import {DEFAULT_PORT, parseCredential, type ParsedCredential, toPort} from './credentials.js'
import {normalizeHost} from './hosts.js'
import {jsonValue} from './json.js'

/** Credentials inside a longer value: JSON (leaves and `{host, database}` objects) and URLs written in text. */

const JSON_FAMILY_KEYS = ['adapter', 'dialect', 'driver', 'engine', 'protocol', 'scheme', 'type']

function stringField(object: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = object[key]
    if (typeof value === 'string' && value.trim() !== '') return value.trim()
    if (typeof value === 'number') return String(value)
  }

  return undefined
}

/** `{"host": …, "database": …}` in a JSON value: a credential in object form. */
function objectCredential(object: Record<string, unknown>): ParsedCredential | undefined {
  const host = stringField(object, ['host', 'hostname', 'hostaddr'])
  const database = stringField(object, ['database', 'dbname', 'db'])
  if (!host || !database || /[/@]/.test(host)) return undefined
  const hint = stringField(object, JSON_FAMILY_KEYS)?.toLowerCase() ?? ''
  const name = /mysql|maria/.test(hint) ? 'mysql' : 'postgres'
  const port = toPort(stringField(object, ['port']), DEFAULT_PORT[name])
  return {
    endpoints: host.split(',').map(h => ({family: name, host: normalizeHost(h), path: database, port})),
    family: name,
    form: 'json',
    hasUserinfo: true,
    password: stringField(object, ['password', 'pass', 'pwd']),
    scheme: name,
    user: stringField(object, ['user', 'username']),
  }
}

function walkJson(node: unknown, found: ParsedCredential[], depth: number): void {
  if (depth > 8) return
  if (typeof node === 'string') {
    const credential = parseCredential(node)
    if (credential) found.push({...credential, form: 'json'})
  } else if (Array.isArray(node)) {
    for (const item of node) walkJson(item, found, depth + 1)
  } else if (node && typeof node === 'object') {
    const object = node as Record<string, unknown>
    const credential = objectCredential(object)
    if (credential) found.push(credential)
    for (const inner of Object.values(object)) walkJson(inner, found, depth + 1)
  }
}

/**
 * Every credential inside one value: the value itself, what a JSON value holds, or every URL (and
 * JDBC URL) written inside a longer text: YAML, INI, .env, option strings (`-Durl=jdbc:…`), quoted
 * text and lists. A production database reached from inside `JAVA_OPTS` is reached all the same.
 */
export function credentialsIn(value: string | undefined): ParsedCredential[] {
  if (typeof value !== 'string') return []
  // Several URLs separated by spaces are a list, not one credential.
  const list = /\s/.test(value.trim()) && urlTextsIn(value).length > 1
  const whole = list ? undefined : parseCredential(value)
  if (whole) return [whole]
  const parsed = jsonValue(value)
  const found: ParsedCredential[] = []
  if (parsed) walkJson(parsed.json, found, 0)
  else {
    const seen = new Set<string>()
    for (const text of urlTextsIn(value)) {
      const credential = text === value.trim() ? undefined : parseCredential(text)
      const key = credential && JSON.stringify(credential.endpoints)
      if (credential && key && !seen.has(key)) {
        seen.add(key)
        found.push(credential)
      }
    }
  }

  return found
}
