/**
 * Generates the JSON Schema of each command's `--json` result (src/lib/schema/results.ts) into
 * schemas/<command>.v<version>.schema.json with ts-json-schema-generator, so the contract is the
 * TypeScript types themselves. Run by `npm run build`; `--check` writes nothing and exits 1 if a
 * committed schema differs from the types.
 */
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {createGenerator} from 'ts-json-schema-generator'

import {SCHEMA_VERSIONS, type SchemaCommand} from '../src/lib/schema/versions.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const SCHEMA_DIR = path.join(ROOT, 'schemas')

/** The exported type in src/lib/schema/results.ts that each command's result schema is made from. */
const TYPES: Record<SchemaCommand, string> = {
  'staging:audit': 'StagingAuditJson',
  'staging:fork': 'StagingForkJson',
  'staging:protect': 'StagingProtectJson',
  'staging:refresh': 'StagingRefreshJson',
  'staging:unprotect': 'StagingUnprotectJson',
}

/** `staging:audit` → `staging-audit.v1.schema.json` */
export function schemaFile(command: SchemaCommand): string {
  return `${command.replace(':', '-')}.v${SCHEMA_VERSIONS[command]}.schema.json`
}

/** Every schema as the file text it should have, by file name. */
export function generateSchemas(): Map<string, string> {
  const generator = createGenerator({
    // Exact: a field the types do not declare makes the real output fail the schema test.
    additionalProperties: false,
    path: path.join(ROOT, 'src', 'lib', 'schema', 'results.ts'),
    skipTypeCheck: true,
    sortProps: true,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    type: '*',
  })
  const files = new Map<string, string>()
  for (const command of Object.keys(TYPES) as SchemaCommand[]) {
    const file = schemaFile(command)
    const {$schema, ...generated} = generator.createSchema(TYPES[command])
    const schema = {
      $schema,
      $id: `https://github.com/heroku-staging/heroku-staging/blob/main/schemas/${file}`,
      title: `heroku ${command} --json, schema version ${SCHEMA_VERSIONS[command]}`,
      ...generated,
    }
    files.set(file, `${JSON.stringify(schema, null, 2)}\n`)
  }

  return files
}

function main(check: boolean): number {
  const stale: string[] = []
  for (const [file, text] of generateSchemas()) {
    const target = path.join(SCHEMA_DIR, file)
    if (existsSync(target) && readFileSync(target, 'utf8') === text) continue
    stale.push(file)
    if (!check) {
      mkdirSync(SCHEMA_DIR, {recursive: true})
      writeFileSync(target, text)
    }
  }

  if (check && stale.length > 0) {
    process.stderr.write(`schemas/ is out of date with src/lib/schema/results.ts: ${stale.join(', ')}\nRegenerate it: npx tsx scripts/schemas.ts\n`)
    return 1
  }

  process.stdout.write(`schemas/: ${stale.length === 0 ? 'up to date' : `${check ? 'stale' : 'wrote'} ${stale.join(', ')}`}\n`)
  return 0
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.includes('--check'))
}
