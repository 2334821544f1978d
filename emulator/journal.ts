/**
 * The journal (every request the emulator answered) and the fault rules (answer a status, drop
 * the connection or add a delay on the Nth request matching a method and path pattern).
 */

import type {FaultRule, JournalEntry} from './types.js'

/** Read-only lookups that use POST: they never change state, so they are not `mutating`. */
const READ_ONLY_POSTS = [/^\/actions\/addon-attachments\/resolve$/, /^\/actions\/addons\/resolve$/, /^\/filters\//]

export function isMutating(api: JournalEntry['api'], method: string, path: string): boolean {
  if (api === 'control') return false
  if (!['DELETE', 'PATCH', 'POST', 'PUT'].includes(method)) return false
  return !(method === 'POST' && READ_ONLY_POSTS.some(pattern => pattern.test(path)))
}

const LIMIT = 100_000

export class Journal {
  private entries: JournalEntry[] = []
  private seq = 0

  add(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    const full = {seq: ++this.seq, ...entry}
    this.entries.push(full)
    if (this.entries.length > LIMIT) this.entries.splice(0, this.entries.length - LIMIT)
    return full
  }

  clear(): void {
    this.entries = []
  }

  list(): JournalEntry[] {
    return this.entries.map(e => ({...e}))
  }
}

interface ActiveRule {
  matched: number
  pattern: RegExp
  rule: FaultRule
}

export class Faults {
  private rules: ActiveRule[] = []

  add(rule: FaultRule): void {
    if (typeof rule.path !== 'string') throw new TypeError('a fault rule needs a path pattern')
    if (rule.status === undefined && !rule.drop && rule.delayMs === undefined) throw new TypeError('a fault rule needs status, drop or delayMs')
    this.rules.push({matched: 0, pattern: new RegExp(rule.path), rule: {...rule}})
  }

  clear(): void {
    this.rules = []
  }

  list(): Array<FaultRule & {matched: number}> {
    return this.rules.map(r => ({...r.rule, matched: r.matched}))
  }

  /** Counts this request against every matching rule; returns the first rule that fires now. */
  fire(method: string, path: string, token?: string): FaultRule | undefined {
    let fired: FaultRule | undefined
    for (const active of this.rules) {
      if (active.rule.method && active.rule.method.toUpperCase() !== method) continue
      if (active.rule.token !== undefined && active.rule.token !== token) continue
      if (!active.pattern.test(path)) continue
      active.matched++
      const nth = active.rule.nth ?? 1
      const times = active.rule.times ?? 1
      if (!fired && active.matched >= nth && active.matched < nth + times) fired = active.rule
    }

    return fired
  }
}
