/**
 * Numbers as every command prints them: sizes, durations and ages. Pure; one implementation of
 * each, so the same quantity reads the same in every command.
 */

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB']

/** `512 B`, `80.6 kB`, `9.0 MB`: decimal steps of 1000 (SI), in every command. Undefined: `unknown size`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return 'unknown size'
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000
    unit++
  }

  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`
}

/** `250 ms`, `4.2 s`, `3m 5s`, `1h 2m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  const seconds = ms / 1000
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${Math.round(seconds % 60)}s`
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`
}

/** How old something is, from seconds: `42s`, `5m`, `3h 20m`, `4 days`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`
  return `${Math.floor(seconds / 86_400)} days`
}
