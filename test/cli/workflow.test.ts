import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {chmod, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse} from 'yaml'

import {mutating, seedCleanPair, seedIncident, useEmulator} from '../helpers/emulator.js'
import {HEROKU_BIN, ROOT} from '../helpers/heroku-cli.js'

/**
 * examples/github-actions/staging-audit.yml is real: its triggers and secrets are what the README says,
 * and its `run:` scripts, run verbatim by bash as GitHub runs a `shell: bash` step, drive the REAL
 * `heroku` binary with the plugin installed (the layout `heroku plugins:install` leaves) against the
 * emulator: exit 1 and one annotation per finding on the incident, exit 0 on a clean pipeline.
 * Only the downloads are stood in for: `npm install --global heroku@11` and `heroku plugins:install
 * heroku-staging` are recorded, not run (no registry here); every other heroku command is the real one.
 */

interface Step {
  name?: string
  run?: string
  shell?: string
  uses?: string
  with?: Record<string, unknown>
}

interface Workflow {
  jobs: Record<string, {env?: Record<string, string>; if?: string; 'runs-on': string; steps: Step[]}>
  on: Record<string, unknown>
}

const WORKFLOW = path.join(ROOT, 'examples', 'github-actions', 'staging-audit.yml')

/** `${{ secrets.X }}` and `${{ vars.X }}` resolved as GitHub would; any other expression is an error. */
function resolve(text: string, context: {secrets: Record<string, string>; vars: Record<string, string>}): string {
  return text.replaceAll(/\$\{\{\s*(secrets|vars)\.(\w+)\s*\}\}/g, (_all, kind: 'secrets' | 'vars', name: string) => {
    const value = context[kind][name]
    if (value === undefined) throw new Error(`the workflow uses ${kind}.${name}, which the test does not provide`)
    return value
  })
}

interface StepRun {
  output: string
  status: null | number
}

describe('examples/github-actions/staging-audit.yml against the emulator (real heroku CLI)', function () {
  this.timeout(300_000)
  const fixture = useEmulator({cli: 'installed', seed: async emu => seedIncident(emu)})
  let workflow: Workflow
  let shims: string
  let recorded: string

  before(async function () {
    workflow = parse(await readFile(WORKFLOW, 'utf8')) as Workflow
    shims = await mkdtemp(path.join(tmpdir(), 'workflow-shims-'))
    recorded = path.join(shims, 'recorded.txt')
    // heroku: the real binary, but for the plugin's install (already in place); npm: recorded only.
    await writeFile(path.join(shims, 'heroku'), `#!/bin/sh\nif [ "$1" = plugins:install ]; then echo "heroku $*" >> "${recorded}"; exit 0; fi\nexec "${HEROKU_BIN}" "$@"\n`)
    await writeFile(path.join(shims, 'npm'), `#!/bin/sh\necho "npm $*" >> "${recorded}"\n`)
    await chmod(path.join(shims, 'heroku'), 0o755)
    await chmod(path.join(shims, 'npm'), 0o755)
  })

  after(async function () {
    if (shims) await rm(shims, {force: true, recursive: true})
  })

  function job() {
    const [only] = Object.values(workflow.jobs)
    expect(only, 'one job').to.not.equal(undefined)
    return only!
  }

  /** Runs one step's script as GitHub runs a `shell: bash` step, with the job's env resolved. */
  async function runStep(step: Step, vars: Record<string, string>): Promise<StepRun> {
    const {cli, emu} = fixture
    const jobEnv = Object.fromEntries(Object.entries(job().env ?? {}).map(([key, value]) => [key, resolve(String(value), {secrets: {HEROKU_API_KEY: emu.env.HEROKU_API_KEY!}, vars})]))
    const script = path.join(shims, 'step.sh')
    await writeFile(script, resolve(step.run!, {secrets: {}, vars}))
    const env = {...cli.env, ...jobEnv, PATH: [shims, cli.env.PATH].join(path.delimiter)}
    return new Promise(done => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {cwd: cli.home, env})
      let output = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk
      })
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk
      })
      child.on('close', status => done({output, status}))
    })
  }

  function step(name: RegExp): Step {
    const found = job().steps.find(candidate => candidate.name && name.test(candidate.name))
    expect(found, `a step named ${name}`).to.not.equal(undefined)
    expect(found!.shell, `${found!.name}: shell`).to.equal('bash')
    return found!
  }

  it('runs on a schedule and after each deploy, with HEROKU_API_KEY from secrets', function () {
    expect(workflow.on).to.have.property('schedule')
    expect((workflow.on.schedule as Array<{cron: string}>)[0]?.cron).to.match(/^\S+ \S+ \S+ \S+ \S+$/)
    expect(Object.keys(workflow.on).some(trigger => trigger === 'workflow_run' || trigger === 'deployment_status'), 'a deploy trigger').to.equal(true)
    expect(job().env?.HEROKU_API_KEY).to.match(/^\$\{\{\s*secrets\.HEROKU_API_KEY\s*\}\}$/)
    expect(job().if, 'skips failed deploys').to.contain("conclusion == 'success'")
    expect(job().steps.find(candidate => candidate.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']).to.equal(20)
  })

  it('installs the CLI and the plugin, and the plugin is there', async function () {
    const install = await runStep(step(/install/i), {HEROKU_PIPELINE: 'acme'})
    expect(install.status, install.output).to.equal(0)
    expect((await readFile(recorded, 'utf8')).trim().split('\n')).to.deep.equal(['npm install --global heroku@11', 'heroku plugins:install heroku-staging'])
    expect(install.output, 'the real `heroku plugins` lists it').to.contain('heroku-staging')
  })

  it('fails on the incident (exit 1) and leaves one annotation per finding, names only, reading nothing but production', async function () {
    fixture.emu.clearJournal()
    const audit = await runStep(step(/audit/i), {HEROKU_PIPELINE: 'acme'})
    expect(audit.status, audit.output).to.equal(1)
    const annotations = audit.output.split('\n').filter(line => line.startsWith('::'))
    const findings = annotations.filter(line => !line.includes('title=staging audit::'))
    expect(findings.some(line => line.startsWith('::error title=SHARED_DATABASE::acme-staging involves DATABASE_URL')), audit.output).to.equal(true)
    expect(findings.some(line => line.startsWith('::error title=PRODUCTION_ADDON::')), audit.output).to.equal(true)
    for (const line of findings) expect(line).to.match(/^::(error|warning|notice) title=[A-Z_]+::acme-staging\b/)
    const json = await fixture.cli.run(['staging:audit', '--pipeline', 'acme', '--json'])
    const result = JSON.parse(json.stdout) as {findings: Array<{code: string}>}
    expect(findings.map(line => /title=([A-Z_]+)::/.exec(line)?.[1]), 'one per finding, in order').to.deep.equal(result.findings.map(finding => finding.code))
    if (process.env.WORKFLOW_DUMP) await writeFile(process.env.WORKFLOW_DUMP, audit.output)
    expect(annotations.at(-1)).to.match(/^::error title=staging audit::A staging app of acme reaches production/)
    const {secrets, production} = fixture.seeded
    for (const value of [...Object.values(secrets), new URL(production.databaseUrl).password, fixture.emu.env.HEROKU_API_KEY!]) expect(audit.output).to.not.contain(value)
    expect(mutating(fixture.emu), 'the audit only reads').to.deep.equal([])
  })

  it('passes on a clean pipeline (exit 0) with no error annotation', async function () {
    await fixture.reseed(async emu => seedCleanPair(emu, {prefix: 'shop'}))
    const audit = await runStep(step(/audit/i), {HEROKU_PIPELINE: 'shop'})
    expect(audit.status, audit.output).to.equal(0)
    expect(audit.output).to.not.contain('::error')
    expect(audit.output).to.contain('No critical finding in pipeline shop.')
  })

  it('fails with its own annotation, not a finding\'s, when the pipeline does not exist', async function () {
    const audit = await runStep(step(/audit/i), {HEROKU_PIPELINE: 'no-such-pipeline'})
    expect(audit.status, audit.output).to.equal(3)
    expect(audit.output).to.contain('Couldn\'t find pipeline no-such-pipeline')
    expect(audit.output).to.match(/^::error title=staging audit::The Heroku API refused or failed/m)
    expect(audit.output).to.not.contain('reaches production')
  })
})
