import {expect} from 'chai'
import {execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {ROOT} from '../helpers/heroku-cli.js'

/**
 * Processes whose command line names `dir`: the demo's PostgreSQL server runs `postgres -D <dir>/…` (its data
 * directory is made under TMPDIR, which the test points at `dir`), so these are the demo's, never another
 * test's or another user's server on the same machine.
 */
function processesUnder(dir: string): string[] {
  try {
    return execFileSync('pgrep', ['-a', '-f', dir], {encoding: 'utf8'}).trim().split('\n').filter(Boolean)
  } catch {
    return [] // pgrep exits 1 when nothing matches
  }
}

/**
 * `npm run demo` is the README's first command: it must tell the whole story and exit 0, and leave
 * nothing running. It runs here as `npm run demo` does after its build (npm test builds first).
 */
describe('npm run demo', function () {
  this.timeout(300_000)

  it('runs the seven steps against the emulator, exits 0 and leaves no PostgreSQL running', async function () {
    // Its own TMPDIR: the emulator's data directory, socket directory and CLI home are made there.
    const scratch = mkdtempSync(path.join(tmpdir(), 'heroku-staging-demo-test-'))
    try {
      const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx')
      const run = await new Promise<{output: string; status: null | number}>(resolve => {
        const child = spawn(tsx, [path.join(ROOT, 'demo', 'run.ts')], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', TMPDIR: scratch}})
        let output = ''
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          output += chunk
        })
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          output += chunk
        })
        child.on('close', status => resolve({output, status}))
      })
      expect(run.status, run.output.slice(-3000)).to.equal(0)
      for (const step of ['── 1.', '── 3.', '── 4.', '── 5.', '── 6.', '── 7.']) expect(run.output, step).to.contain(step)
      expect(run.output).to.match(/mutating requests to acme-production: 0/)
      expect(run.output).to.match(/Done in \d+\.\d s\./)
      expect(processesUnder(scratch), 'the demo stopped its PostgreSQL server').to.deep.equal([])
      expect(readdirSync(scratch).filter(name => name.startsWith('heroku-staging-pg-')), 'the demo removed its PostgreSQL data directory').to.deep.equal([])
    } finally {
      // Whatever the demo left (a failed run), stopped here: a server under our TMPDIR is the demo's.
      for (const line of processesUnder(scratch)) {
        const pid = Number(line.split(' ')[0])
        if (pid > 0 && !line.includes('pgrep')) {
          try {
            process.kill(pid, 'SIGINT')
          } catch {
            // gone already
          }
        }
      }

      rmSync(scratch, {force: true, recursive: true})
    }
  })
})
