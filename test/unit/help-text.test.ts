import {expect} from 'chai'
import type {Command} from '@oclif/core'
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * The help text as written: paragraphs are single lines (oclif wraps them to the terminal), the summary
 * fits 80 columns (oclif prints it unwrapped), the exit codes are a list whose items fit 80 columns.
 * test/cli/help.test.ts checks the rendered help at 80 and 120 columns.
 */

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/commands/staging')
const files = readdirSync(dir).filter(file => file.endsWith('.ts'))

describe('help text of every staging command (source)', function () {
  for (const file of files) {
    it(`staging:${file.slice(0, -3)}: a short summary, paragraphs without hard breaks, every flag described on one line`, async function () {
      const command = (await import(path.join(dir, file)) as {default: Command.Class}).default
      expect(command.summary, 'summary').to.be.a('string')
      expect(command.summary!.length, command.summary).to.be.at.most(78)
      expect(command.summary).to.not.contain('\n')
      const blocks = (command.description ?? '').split('\n\n')
      expect(blocks.length, 'paragraphs').to.be.greaterThan(1)
      for (const block of blocks) {
        const [first, ...rest] = block.split('\n')
        if (first === 'EXIT CODES') {
          for (const item of rest) expect(item, 'an exit code item').to.match(/^ {2}\d {2}\S.{0,70}$/)
        } else {
          expect(rest, `a paragraph with a hard break: ${first}`).to.deep.equal([])
        }
      }

      for (const [name, flag] of Object.entries(command.flags ?? {})) {
        expect(flag.description, `--${name}`).to.be.a('string').and.not.empty
        expect(flag.description, `--${name}`).to.not.contain('\n')
      }

      const examples = (command.examples ?? []) as Array<{command: string; description: string}>
      expect(examples, 'examples').to.not.be.empty
      for (const example of examples) expect(example.description).to.be.a('string').and.not.contain('\n')
    })
  }
})
