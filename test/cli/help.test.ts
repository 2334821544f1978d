import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {copyFile, mkdir, readdir} from 'node:fs/promises'
import path from 'node:path'

import {compilePlugin, HerokuCli, ROOT} from '../helpers/heroku-cli.js'

/**
 * Help reads cleanly at 80 and 120 columns, through the REAL `heroku` binary with the plugin linked and
 * through the plugin's own bin/run.js (compiled, with its manifest, as published): no line is longer than
 * the terminal, and no paragraph is broken in the middle, which is what hard line breaks in a description
 * do once oclif wraps it again. oclif takes the width from OCLIF_COLUMNS when stdout is not a TTY.
 */

const WIDTHS = [80, 120]
const COMMANDS = (await readdir(path.join(ROOT, 'src', 'commands', 'staging'))).filter(file => file.endsWith('.ts')).map(file => `staging:${file.slice(0, -3)}`).sort()

/** A section heading of oclif's help: `USAGE`, `FLAGS`, `GLOBAL FLAGS`, `DESCRIPTION`, `EXAMPLES`. */
const HEADING = /^[A-Z][A-Z ]+$/

function sections(help: string): Map<string, string[]> {
  const found = new Map<string, string[]>([['', []]])
  let current = found.get('')!
  for (const line of help.split('\n')) {
    if (HEADING.test(line)) found.set(line, current = [])
    else current.push(line)
  }

  return found
}

/**
 * Where a line ends before it had to: the next line (of the same paragraph) starts with a word that
 * would have fitted, so the break is in the text, not oclif's wrapping. `max` is the longest line the
 * wrapping allows there.
 */
function earlyBreaks(lines: string[], max: number, continues: (line: string) => boolean): string[] {
  const broken: string[] = []
  for (const [index, line] of lines.entries()) {
    const next = lines[index + 1]
    if (!line.trim() || next === undefined || !next.trim() || !continues(next)) continue
    const word = next.trim().split(' ')[0]!
    if (line.length + 1 + word.length <= max) broken.push(`${line.trim()} ⏎ ${word}`)
  }

  return broken
}

/** Everything in a help text that does not read cleanly at `width` columns. */
export function helpProblems(help: string, width: number): string[] {
  const problems = help.split('\n').filter(line => line.length > width).map(line => `longer than ${width}: ${line}`)
  const parts = sections(help)
  for (const name of ['DESCRIPTION', 'EXAMPLES']) {
    if (!parts.has(name)) problems.push(`no ${name} section`)
  }

  // DESCRIPTION: paragraphs wrapped to the width; EXIT CODES is a list, each item one whole line.
  const description = parts.get('DESCRIPTION') ?? []
  let inList = false
  const prose: string[] = []
  for (const line of description) {
    if (line.trim() === 'EXIT CODES') inList = true
    else if (!line.trim()) inList = false
    else if (inList && !/^ {2}\d {2}\S/.test(line)) problems.push(`an exit code item is wrapped: ${line.trim()}`)
    prose.push(inList ? '' : line)
  }

  problems.push(...earlyBreaks(prose, width, () => true).map(text => `a description paragraph is broken: ${text}`))
  // FLAGS: a description's continuation lines sit under its column, deeper than any flag name; oclif
  // puts a flag's `<options: …>` on a line of its own.
  for (const name of ['FLAGS', 'GLOBAL FLAGS']) {
    const flags = parts.get(name) ?? []
    problems.push(...earlyBreaks(flags, width, line => /^ {6,}[^ -]/.test(line) && !line.trim().startsWith('<options:')).map(text => `a flag description is broken: ${text}`))
  }

  // EXAMPLES: a description at two spaces (wrapped to width - 2), its command below at four (`$ …`).
  const examples = (parts.get('EXAMPLES') ?? []).map(line => (/^ {2}\S/.test(line) ? line : ''))
  problems.push(...earlyBreaks(examples, width - 2, () => true).map(text => `an example description is broken: ${text}`))
  return problems
}

async function runJs(dir: string, args: string[], width: number): Promise<{status: number; stdout: string}> {
  return new Promise(resolve => {
    const env = {HOME: dir, NO_COLOR: '1', OCLIF_COLUMNS: String(width), COLUMNS: String(width), PATH: process.env.PATH ?? ''}
    execFile(process.execPath, [path.join(dir, 'bin', 'run.js'), ...args], {cwd: dir, env}, (error, stdout) => {
      resolve({status: error ? Number(error.code ?? 1) : 0, stdout})
    })
  })
}

describe('help at 80 and 120 columns (real heroku CLI and bin/run.js)', function () {
  this.timeout(300_000)
  let cli: HerokuCli
  let pluginDir: string

  before(async function () {
    cli = await HerokuCli.create()
    pluginDir = await compilePlugin()
    await mkdir(path.join(pluginDir, 'bin'), {recursive: true})
    await copyFile(path.join(ROOT, 'bin', 'run.js'), path.join(pluginDir, 'bin', 'run.js'))
  })

  after(async function () {
    await cli?.cleanup()
  })

  it('finds every staging command', function () {
    expect(COMMANDS).to.include.members(['staging:audit', 'staging:fork', 'staging:protect', 'staging:refresh', 'staging:unprotect'])
  })

  it('catches a hard break, an over-long line and a wrapped list item (the check can fail)', function () {
    const wrapped = ['DESCRIPTION', '  This paragraph ends early', '  because of a hard break.', '', '  EXIT CODES', '  0  success', '  report it', '', 'EXAMPLES', '  x', '', '    $ heroku x'].join('\n')
    const problems = helpProblems(wrapped, 80)
    expect(problems).to.deep.include('a description paragraph is broken: This paragraph ends early ⏎ because')
    expect(problems).to.deep.include('an exit code item is wrapped: report it')
    expect(helpProblems(`${'x'.repeat(81)}\nDESCRIPTION\n  y\nEXAMPLES\n  z`, 80)).to.deep.equal([`longer than 80: ${'x'.repeat(81)}`])
    const flags = ['FLAGS', '  --a=<value>  short', '               line', 'DESCRIPTION', '  d', 'EXAMPLES', '  e'].join('\n')
    expect(helpProblems(flags, 80)).to.deep.equal(['a flag description is broken: --a=<value>  short ⏎ line'])
  })

  for (const width of WIDTHS) {
    for (const id of COMMANDS) {
      it(`${id} --help at ${width} columns`, async function () {
        const run = await cli.run([id, '--help'], {env: {COLUMNS: String(width), OCLIF_COLUMNS: String(width)}})
        expect(run.status, run.stderr).to.equal(0)
        expect(run.stdout).to.contain('EXIT CODES')
        expect(helpProblems(run.stdout, width)).to.deep.equal([])
        const own = await runJs(pluginDir, [id, '--help'], width)
        expect(own.status).to.equal(0)
        expect(own.stdout, 'bin/run.js prints the same help').to.equal(run.stdout)
      })
    }
  }
})
