import {expect} from 'chai'

import Fork from '../../src/commands/staging/fork.js'
import type {ForkResult} from '../../src/lib/fork/types.js'
import {isolateCommandEnv, mutating, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

interface Release {
  current?: boolean
  oci_image?: null | {id: string}
  slug?: null | {id: string}
  status?: string
  version: number
}

/**
 * staging:fork of a Fir production: the fork is created in production's space, with no stack or
 * buildpacks, and releases the same OCI image (the release Heroku marks current). A production whose
 * current release has expired is refused before anything is created, naming how to deploy a fresh one.
 */
describe('e2e: staging:fork of a Fir production', function () {
  this.timeout(180_000)
  const fixture = useEmulator({fresh: 'each', provisioning: 'short'})
  isolateCommandEnv()

  async function seedFir(): Promise<string> {
    await fixture.reseed(async emu => emu.seed({
      addons: [{app: 'fir-production', as: 'DATABASE', name: 'fir-production-db', plan: 'heroku-postgresql:standard-0', version: '16'}],
      apps: [{config: {NODE_ENV: 'production'}, name: 'fir-production', release: false, space: 'fir-space'}],
      pipelines: [{apps: {'fir-production': 'production'}, name: 'fir-pipe'}],
      spaces: [{generation: 'fir', name: 'fir-space'}],
    }))
    const image = (await fixture.api<{id: string}>('POST', '/apps/fir-production/oci-images', {commit: 'c0ffee'})).body
    const release = await fixture.api('POST', '/apps/fir-production/releases', {description: 'Deploy c0ffee', oci_image: image.id})
    expect(release.status, JSON.stringify(release.body)).to.be.oneOf([200, 201])
    fixture.emu.clearJournal()
    return image.id
  }

  const fork = async (argv: string[]) => withEmulatorEnv(fixture.emu, () => runCommand<ForkResult>(Fork, ['--from', 'fir-production', '--skip-data', ...argv]))

  it('creates the fork in production\'s space and releases the same OCI image, with no stack or buildpacks', async function () {
    const imageId = await seedFir()
    const run = await fork(['--json'])
    expect(run.error?.oclif?.exit ?? 0, run.stderr + run.stdout).to.be.oneOf([0, 1])
    expect(run.result?.plan.target).to.include({generation: 'fir', space: 'fir-space'})
    expect(run.result?.plan.target.stack).to.equal(undefined)
    expect(run.result?.plan.buildpacks).to.deep.equal([])
    const app = (await fixture.api<{generation: {name: string}; space: {name: string}}>('GET', '/apps/fir-production-staging')).body
    expect(app.generation.name).to.equal('fir')
    expect(app.space.name).to.equal('fir-space')
    const releases = (await fixture.api<Release[]>('GET', '/apps/fir-production-staging/releases')).body
    const current = releases.find(r => r.current)
    expect(current?.oci_image?.id).to.equal(imageId)
    expect(current?.slug ?? null).to.equal(null)
    expect(mutating(fixture.emu, 'fir-production'), 'no write to production').to.deep.equal([])
  })

  it('refuses a production whose current release has expired, before creating anything', async function () {
    await seedFir()
    fixture.emu.expireArtifacts({all: true, app: 'fir-production'})
    fixture.emu.clearJournal()
    const run = await fork([])
    expect(run.error?.oclif?.exit, run.stderr).to.equal(2)
    expect(run.error?.message).to.contain('has expired')
    expect(run.error?.message).to.contain('Deploy a fresh release to fir-production')
    expect(mutating(fixture.emu)).to.deep.equal([])
  })
})
