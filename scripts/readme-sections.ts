/**
 * Regenerates the README sections that come from code, so they never drift:
 * the finding-code table (src/lib/audit/codes.ts) between `<!-- findings -->` markers.
 * Run by `npm run build`, after `oclif readme` regenerates the command reference.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {findingCodesMarkdown} from '../src/lib/audit/codes.js'

const readmePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md')

function replaceSection(text: string, marker: string, body: string): string {
  const start = `<!-- ${marker} -->`
  const stop = `<!-- ${marker}stop -->`
  const from = text.indexOf(start)
  const to = text.indexOf(stop)
  if (from === -1 || to === -1 || to < from) throw new Error(`README.md lacks the ${start} … ${stop} markers`)
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`
}

const readme = readFileSync(readmePath, 'utf8')
const updated = replaceSection(readme, 'findings', findingCodesMarkdown())
if (updated !== readme) writeFileSync(readmePath, updated)
process.stdout.write('README.md: finding codes regenerated\n')
