/**
 * The audit's public contract. Finding codes, severities and these JSON fields are documented in
 * the README; change them only on purpose.
 */

export type Severity = 'critical' | 'info' | 'warning'

export interface Finding {
  /** stable code, e.g. `SHARED_DATABASE` */
  code: string
  severity: Severity
  /** the audited app */
  app: string
  /** the production app(s) involved, if any */
  production: string[]
  /** config var names involved (never values) */
  configVars: string[]
  /** add-on or attachment names involved */
  addons: string[]
  /** one line saying what is wrong */
  message: string
  /** one line naming the exact command to run */
  remedy: string
  /** masked values or fingerprints that help a human see the match, never a raw value */
  evidence?: string[]
}

export const SEVERITY_ORDER: Record<Severity, number> = {critical: 0, info: 2, warning: 1}
