import {Ajv, type ValidateFunction} from 'ajv'
import {readFileSync} from 'node:fs'

import {SCHEMA_DIR, schemaFile} from '../../scripts/schemas.js'
import type {SchemaCommand} from '../../src/lib/schema/versions.js'
import path from 'node:path'

const ajv = new Ajv({allErrors: true, strict: true})
const compiled = new Map<SchemaCommand, ValidateFunction>()

/** The committed schema of a command's --json result (schemas/), compiled once. */
function validator(command: SchemaCommand): ValidateFunction {
  let validate = compiled.get(command)
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(path.join(SCHEMA_DIR, schemaFile(command)), 'utf8')) as object)
    compiled.set(command, validate)
  }

  return validate
}

/** The ways `value` breaks the command's committed result schema, one line each; empty when it conforms. */
export function schemaErrors(command: SchemaCommand, value: unknown): string[] {
  const validate = validator(command)
  if (validate(value)) return []
  return (validate.errors ?? []).map(error => `${error.instancePath || '/'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params)}`)
}
