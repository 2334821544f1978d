/**
 * The version of each command's `--json` result, a public contract (schemas/*.schema.json): every
 * result carries it as `schemaVersion`. Bump a command's version when a field is removed, renamed or
 * changes meaning (adding a field is not a new version), and regenerate with `tsx scripts/schemas.ts`.
 */
export const SCHEMA_VERSIONS = {
  'staging:audit': 1,
  'staging:fork': 1,
  'staging:protect': 1,
  'staging:refresh': 1,
  'staging:unprotect': 1,
} as const

export type SchemaCommand = keyof typeof SCHEMA_VERSIONS

export function schemaVersion(command: string | undefined): number | undefined {
  return command !== undefined && Object.hasOwn(SCHEMA_VERSIONS, command) ? SCHEMA_VERSIONS[command as SchemaCommand] : undefined
}
