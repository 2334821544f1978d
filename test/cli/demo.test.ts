import {expect} from 'chai'
import {execFileSync, spawn} from 'node:child_process'
import path from 'node:path'

import {ROOT} from '../helpers/heroku-cli.js'

/** PostgreSQL server processes running now (the demo's emulator starts one and must stop it). */
function postgresServers(): number {
  try {
    return Number(execFileSync('pgrep', ['-c', '-x', 'postgres'], {encoding: 'utf8'}).trim())
  } catch {
    return 0 // pgrep exits 1 when nothing matches
  }
}

/**
 * `npm run demo` is the README's first command: it must tell the whole story and exit 0, and leave
 * nothing running. It runs here as `npm run demo` does after its build (npm test builds first).
 */
describe('npm run demo', function () {
  this.timeout(300_000)

  it('runs the seven steps against the emulator, exits 0 and leaves no PostgreSQL running', async function () {
    const before = postgresServers()
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx')
    const run = await new Promise<{output: string; status: null | number}>(resolve => {
      const child = spawn(tsx, [path.join(ROOT, 'demo', 'run.ts')], {cwd: ROOT, env: {...process.env, NO_COLOR: '1'}})
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
    expect(postgresServers(), 'the demo stopped its PostgreSQL server').to.equal(before)
  })
})
