/**
 * The version of each command's `--json` result, a public contract (schemas/*.schema.json): every
 * result carries it as `schemaVersion`. The schemas are exact, so any change to a result's shape is a
 * new version: bump it here, keep the older file in schemas/, regenerate with `tsx scripts/schemas.ts`.
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
