import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {generateSchemas, SCHEMA_DIR, schemaFile} from '../../scripts/schemas.js'
import {SCHEMA_VERSIONS, type SchemaCommand} from '../../src/lib/schema/versions.js'

/** The committed schemas are the ones the TypeScript types generate (scripts/schemas.ts). */
describe('schemas/: the --json result contract', function () {
  this.timeout(60_000)
  let generated: Map<string, string>

  before(function () {
    generated = generateSchemas()
  })

  it('has one versioned schema per command', function () {
    const commands = Object.keys(SCHEMA_VERSIONS) as SchemaCommand[]
    expect([...generated.keys()].sort()).to.deep.equal(commands.map(command => schemaFile(command)).sort())
    expect(schemaFile('staging:audit')).to.equal(`staging-audit.v${SCHEMA_VERSIONS['staging:audit']}.schema.json`)
  })

  for (const command of Object.keys(SCHEMA_VERSIONS) as SchemaCommand[]) {
    it(`${command}: the committed schema equals the regenerated one (else: npx tsx scripts/schemas.ts)`, function () {
      const file = path.join(SCHEMA_DIR, schemaFile(command))
      expect(existsSync(file), `${file} is committed`).to.equal(true)
      expect(readFileSync(file, 'utf8')).to.equal(generated.get(schemaFile(command)))
      const schema = JSON.parse(readFileSync(file, 'utf8')) as {definitions: Record<string, unknown>; title: string}
      expect(schema.title).to.contain(command)
      expect(JSON.stringify(schema.definitions), 'the version is a constant in the schema').to.contain(`"const":${SCHEMA_VERSIONS[command]}`)
    })
  }

  it('holds only schemas of known commands (older versions stay for older consumers)', function () {
    const commands = new Set(Object.keys(SCHEMA_VERSIONS).map(command => command.replace(':', '-')))
    const unknown = readdirSync(SCHEMA_DIR).filter(file => !commands.has(/^(.+)\.v\d+\.schema\.json$/.exec(file)?.[1] ?? ''))
    expect(unknown).to.deep.equal([])
  })
})
