import {formatBytes} from '../render/format.js'
import type {StepEvent, StepStatus} from './steps.js'

/**
 * The one progress renderer of the executors (fork, fix, refresh): one stderr line per event, the
 * same in every command. A step shows as it starts (`… label`), its news (`  label: message`), its
 * bytes at most once a second in base-1000 units, and how it ended (`✓ label: done (detail)`). A
 * failed step's line carries no reason: the error that follows tells it, once.
 */

const MARK: Record<StepStatus, string> = {'already-done': '•', done: '✓', failed: '✗', 'not-run': ' ', skipped: '–', undone: '↺'}
const WORD: Record<StepStatus, string> = {'already-done': 'already done', done: 'done', failed: 'failed', 'not-run': 'not run', skipped: 'skipped', undone: 'undone'}

/** A byte count with its total, when known: `9.0 MB / 12.0 MB (75%)`. */
export function bytesProgress(done: number, total: number | undefined): string {
  const percent = total ? ` (${Math.floor((done / total) * 100)}%)` : ''
  return `${formatBytes(done)} / ${total === undefined ? '?' : formatBytes(total)}${percent}`
}

/** A renderer for one run: it keeps when each step last showed its bytes. `now` is injectable for tests. */
export function stepProgress(now: () => number = Date.now): (event: StepEvent) => string | undefined {
  const lastBytes = new Map<string, number>()
  return event => {
    if (event.kind === 'start') return `… ${event.label}`
    if (event.kind === 'progress') {
      if (!event.bytes) return `  ${event.label}: ${event.message}`
      const time = now()
      const last = lastBytes.get(event.step)
      if (last !== undefined && time - last < 1000) return undefined
      lastBytes.set(event.step, time)
      return `  ${event.label}: ${event.message} ${bytesProgress(event.bytes.done, event.bytes.total)}`
    }

    const detail = event.status !== 'failed' && event.detail ? ` (${event.detail})` : ''
    return `${MARK[event.status]} ${event.label}: ${WORD[event.status]}${detail}`
  }
}
