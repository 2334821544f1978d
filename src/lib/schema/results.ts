import type {AuditResult} from '../audit/types.js'
import type {FixResult} from '../fix/types.js'
import type {ForkResult} from '../fork/types.js'
import type {ProtectResult} from '../protect/actions.js'
import type {RefreshDryRun, RefreshResult} from '../refresh/types.js'
import type {SCHEMA_VERSIONS} from './versions.js'

/**
 * What each command prints with `--json`: its typed result plus `schemaVersion`. Types only: the
 * schemas in schemas/ are generated from these (scripts/schemas.ts), and StagingCommand adds the
 * version when it prints a result.
 */
interface Versioned<C extends keyof typeof SCHEMA_VERSIONS> {
  /** the version of this result's schema (schemas/<command>.v<version>.schema.json) */
  schemaVersion: (typeof SCHEMA_VERSIONS)[C]
}

/** `heroku staging:audit --json`: the audit, or with --fix the repair's result */
export type StagingAuditJson = (AuditResult & Versioned<'staging:audit'>) | (FixResult & Versioned<'staging:audit'>)

/** `heroku staging:fork --json` */
export type StagingForkJson = ForkResult & Versioned<'staging:fork'>

/** `heroku staging:protect --json` (also with --list) */
export type StagingProtectJson = ProtectResult & Versioned<'staging:protect'>

/** `heroku staging:refresh --json`: the refresh, or with --dry-run what it would do */
export type StagingRefreshJson = (RefreshDryRun & Versioned<'staging:refresh'>) | (RefreshResult & Versioned<'staging:refresh'>)

/** `heroku staging:unprotect --json` */
export type StagingUnprotectJson = ProtectResult & Versioned<'staging:unprotect'>
