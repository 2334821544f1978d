import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** Help is a feature: the generated manifest proves every command documents itself. */
interface ManifestFlag {
  char?: string
  description?: string
  hidden?: boolean
  name: string
}
interface ManifestCommand {
  args: Record<string, {description?: string; name: string}>
  description?: string
  examples?: unknown[]
  flags: Record<string, ManifestFlag>
  id: string
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const manifest = JSON.parse(readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
const commands = Object.values(manifest.commands)

describe('help', function () {
  it('has staging commands in the manifest', function () {
    expect(commands.map(c => c.id)).to.include('staging:audit')
  })

  for (const command of commands) {
    describe(command.id, function () {
      it('has a description with its exit codes', function () {
        expect(command.description, 'description').to.be.a('string').and.not.empty
        expect(command.description).to.contain('EXIT CODES')
      })

      it('has examples', function () {
        expect(command.examples ?? [], 'examples').to.not.be.empty
      })

      it('describes every flag and argument', function () {
        const bare = Object.values(command.flags).filter(flag => !flag.hidden && !flag.description).map(flag => flag.name)
        expect(bare, 'flags without a description').to.deep.equal([])
        const bareArgs = Object.values(command.args ?? {}).filter(arg => !arg.description).map(arg => arg.name)
        expect(bareArgs, 'args without a description').to.deep.equal([])
      })

      it('is in the README command reference', function () {
        const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
        expect(readme).to.contain(`heroku ${command.id}`)
      })
    })
  }
})
