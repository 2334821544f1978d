import {createHmac, randomBytes} from 'node:crypto'
import {inspect} from 'node:util'

import {MIN_REPLACE_LENGTH} from './classify.js'
import {decodeSafe, maskCredential, maskCredentialsInText, splitUrl} from './mask.js'

/**
 * Every secret value one command run has seen, and the one redaction every output calls. A run owns
 * its registry (StagingCommand and the prerun hook each make one); nothing is kept between runs.
 *
 * A value is registered in every form it can be printed in: raw, trimmed, each line, percent-encoded
 * and decoded, JSON- and inspect-escaped, and for credentials the base64 that Basic auth sends.
 * Two kinds of value are never replaced blindly inside other text: forms shorter than 8 characters,
 * and plain words (letters and separators only: `production`, `info-level`), which the output uses as
 * words and stage names. Outputs are built from names, masked URLs and fingerprints; such values are
 * hidden where they stand as values (debug bodies, see heroku/debug.ts).
 */
export class SecretRegistry {
  private readonly byPrefix = new Map<string, string[]>()
  private readonly forms = new Set<string>()
  private readonly identifiers = new Set<string>()
  private readonly key: Buffer
  private protectedCache?: string[]
  private readonly urls = new Map<string, string>()

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key
  }

  /** How many forms are registered (for tests and benchmarks). */
  get size(): number {
    return this.forms.size
  }

  /**
   * A name the output must show as it is (app, add-on, attachment, config var, pipeline): where it
   * stands as that name, a secret that equals or lies inside it is not replaced.
   */
  addIdentifier(name: string | undefined): void {
    if (!name || this.identifiers.has(name)) return
    this.identifiers.add(name)
    this.protectedCache = undefined
  }

  /**
   * A short, per-run, one-way name for a value: `hmac:3f2a9c1e`. Keyed with this run's random key, so
   * two values can be compared within the run and never guessed from a list afterwards. Short values
   * (under 8 characters) get none: any fingerprint of them would fall to a brute force.
   */
  fingerprint(value: string): string | undefined {
    const trimmed = value.trim()
    if (trimmed.length < MIN_REPLACE_LENGTH) return undefined
    return `hmac:${createHmac('sha256', this.key).update(trimmed).digest('hex').slice(0, 8)}`
  }

  /** Masks `text`: every registered form, then every credential-shaped token the registry never saw. */
  redact(text: string): string {
    if (text.length === 0) return text
    return maskCredentialsInText(this.replaceRegistered(text))
  }

  /** `redact()` over every string of a JSON-ready value. */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T
    if (Array.isArray(value)) return value.map(item => this.redactDeep(item)) as T
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, this.redactDeep(inner)])) as T
    }

    return value
  }

  /** Registers one secret value in all its printable forms; URLs also register their userinfo. */
  register(value: null | string | undefined): void {
    if (typeof value !== 'string' || value.trim().length === 0) return
    const trimmed = value.trim()
    for (const form of printableForms(value)) this.addForm(form, trimmed)
    for (const line of value.split(/\r?\n/)) {
      if (line.trim() !== trimmed) for (const form of printableForms(line)) this.addForm(form, trimmed)
    }

    this.registerCredentialParts(trimmed)
  }

  /** Registers every value of a config var map: the plugin prints config var names, never their values. */
  registerConfig(vars: Readonly<Record<string, unknown>> | undefined): void {
    if (!vars) return
    for (const [name, value] of Object.entries(vars)) {
      this.addIdentifier(name)
      if (typeof value === 'string') this.register(value)
    }
  }

  /** Registers an API token, with the base64 of `:token` and `token:` (Basic auth's forms). */
  registerToken(token: string | undefined): void {
    if (!token) return
    this.register(token)
    this.registerBasic(`:${token}`)
    this.registerBasic(`${token}:`)
  }

  /** The label a registered value gets in free text: its masked form for a URL, its fingerprint otherwise. */
  labelOf(value: string): string {
    const url = this.urls.get(value)
    if (url) return url
    return this.fingerprint(value) ?? '****'
  }

  private addForm(form: string, original: string): void {
    if (form.length < MIN_REPLACE_LENGTH || PLAIN_WORD.test(form) || this.forms.has(form)) return
    this.forms.add(form)
    this.protectedCache = undefined
    const prefix = form.slice(0, 4)
    const list = this.byPrefix.get(prefix) ?? []
    list.push(form)
    list.sort((a, b) => b.length - a.length)
    this.byPrefix.set(prefix, list)
    if (splitUrl(original)) this.urls.set(form, maskCredential(original, () => '****'))
  }

  private registerBasic(pair: string): void {
    const encoded = Buffer.from(pair, 'utf8').toString('base64')
    this.addForm(encoded, encoded)
    this.addForm(encoded.replace(/=+$/, ''), encoded)
  }

  /** A URL's password and userinfo, a DSN's password, and the base64 of `user:password`. */
  private registerCredentialParts(value: string): void {
    const parts = splitUrl(value)
    if (parts?.password !== undefined) {
      for (const password of new Set([parts.password, decodeSafe(parts.password)])) {
        for (const form of printableForms(password)) this.addForm(form, password)
      }

      const userinfo = `${parts.user ?? ''}:${parts.password}`
      for (const form of printableForms(userinfo)) this.addForm(form, userinfo)
      this.registerBasic(`${decodeSafe(parts.user ?? '')}:${decodeSafe(parts.password)}`)
    }

    for (const match of value.matchAll(/\b(?:password|passwd|pwd|pass|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&;]+)/gi)) {
      const raw = (match[1] ?? '').replace(/^'(.*)'$/, '$1').replaceAll(/\\(.)/g, '$1')
      for (const form of new Set([...printableForms(raw), ...printableForms(decodeSafe(raw))])) this.addForm(form, raw)
    }

    // A URL inside JSON (or any longer value) registers its own credentials too.
    for (const inner of value.matchAll(/(?:jdbc:)?[a-z][\w+.-]*:\/\/[^\s'"<>`]+/gi)) {
      if (inner[0] !== value) this.registerCredentialParts(inner[0])
    }
  }

  private protectedIdentifiers(): string[] {
    if (this.protectedCache) return this.protectedCache
    this.protectedCache = [...this.identifiers].filter(name => this.findForms(name).length > 0).sort((a, b) => b.length - a.length)
    return this.protectedCache
  }

  /** Every [start, end) span of `text` that a registered form covers. */
  private findForms(text: string): Array<[number, number]> {
    const spans: Array<[number, number]> = []
    for (let i = 0; i + MIN_REPLACE_LENGTH <= text.length; i++) {
      const candidates = this.byPrefix.get(text.slice(i, i + 4))
      if (!candidates) continue
      for (const form of candidates) {
        if (text.startsWith(form, i)) {
          spans.push([i, i + form.length])
          break
        }
      }
    }

    return spans
  }

  private replaceRegistered(text: string): string {
    if (this.forms.size === 0) return text
    const spans = this.findForms(text)
    if (spans.length === 0) return text
    const guarded = identifierSpans(text, this.protectedIdentifiers())
    const kept = spans.filter(([start, end]) => !guarded.some(([from, to]) => from <= start && end <= to))
    // Overlapping matches merge, so no part of either value shows.
    const merged: Array<[number, number]> = []
    for (const span of kept) {
      const last = merged.at(-1)
      if (last && span[0] < last[1]) last[1] = Math.max(last[1], span[1])
      else merged.push([...span])
    }

    let out = ''
    let at = 0
    for (const [start, end] of merged) {
      const covered = text.slice(start, end)
      out += text.slice(at, start) + (this.forms.has(covered) ? this.labelOf(covered) : '****')
      at = end
    }

    return out + text.slice(at)
  }
}

/** Letters with `-`, `_`, `.` or spaces between them: a word or phrase, not a credential. */
const PLAIN_WORD = /^\p{L}+(?:[-_. ]\p{L}+)*$/u

/** Where each identifier stands in `text` as a whole name (not inside a longer name). */
function identifierSpans(text: string, identifiers: readonly string[]): Array<[number, number]> {
  const spans: Array<[number, number]> = []
  for (const name of identifiers) {
    for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
      const before = at === 0 ? '' : text[at - 1] ?? ''
      const after = text[at + name.length] ?? ''
      if (!/[\w-]/.test(before) && !/[\w-]/.test(after)) spans.push([at, at + name.length])
    }
  }

  return spans
}

/** The forms a value can take on its way to an output. */
export function printableForms(value: string): Set<string> {
  const forms = new Set<string>()
  for (const base of new Set([value, value.trim()])) {
    if (!base) continue
    forms.add(base)
    forms.add(encodeURIComponent(base))
    forms.add(encodeURIComponent(base).replaceAll('%20', '+'))
    forms.add(encodeURI(base))
    forms.add(decodeSafe(base))
    forms.add(JSON.stringify(base).slice(1, -1))
    forms.add(inspect(base).slice(1, -1))
    // JSON-escaped once more: a value inside a JSON string inside JSON (a debug line of a request body).
    forms.add(JSON.stringify(JSON.stringify(base).slice(1, -1)).slice(1, -1))
  }

  return forms
}
