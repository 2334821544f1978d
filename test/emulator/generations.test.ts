import {expect} from 'chai'

import {useEmulator} from '../helpers/emulator.js'

type Json = Record<string, unknown>
interface Release {
  artifacts: Array<{id: string; type: string}>
  current: boolean
  eligible_for_rollback: boolean
  id: string
  oci_image: null | {id: string}
  slug: null | {id: string}
  status: string
  version: number
}

/** Fir and Cedar as the Platform API shows them: generations, spaces, OCI images, promotions, expiring artifacts. */
describe('emulator generations: Fir spaces and apps, OCI images, pipeline promotions, expired releases, slug ids', function () {
  this.timeout(60_000)
  const fixture = useEmulator({
    fresh: 'each',
    async seed(emu) {
      await emu.seed({
        apps: [
          {name: 'fir-production', space: 'fir-space'},
          {name: 'fir-staging', space: 'fir-space'},
          {name: 'cedar-production'},
          {name: 'cedar-staging'},
        ],
        pipelines: [
          {apps: {'fir-production': 'production', 'fir-staging': 'staging'}, name: 'fir-pipe'},
          {apps: {'cedar-production': 'production', 'cedar-staging': 'staging'}, name: 'cedar-pipe'},
        ],
        spaces: [{generation: 'fir', name: 'fir-space'}],
      })
    },
  })
  const {api} = fixture
  const releases = async (app: string): Promise<Release[]> => (await api<Release[]>('GET', `/apps/${app}/releases`)).body
  const current = async (app: string): Promise<Release> => (await releases(app)).find(r => r.current)!
  const id = async (path: string): Promise<string> => ((await api<Json>('GET', path)).body.id as string)

  it('gives apps, spaces and pipelines the generation object, from the space', async () => {
    const fir = (await api<Json>('GET', '/apps/fir-production')).body
    expect(fir.generation).to.deep.include({name: 'fir'})
    expect((fir.generation as Json).id).to.be.a('string')
    expect(fir.space).to.deep.include({name: 'fir-space', shield: false})
    expect((await api<Json>('GET', '/apps/cedar-production')).body.generation).to.deep.include({name: 'cedar'})
    expect((await api<Json>('GET', '/spaces/fir-space')).body.generation).to.deep.include({name: 'fir'})
    expect((await api<Json>('GET', '/pipelines/fir-pipe')).body.generation).to.deep.include({name: 'fir'})
    // apps:create --space posts /teams/apps with space
    const created = await api<Json>('POST', '/teams/apps', {name: 'fir-new', space: 'fir-space'})
    expect(created.status).to.equal(201)
    expect(created.body.generation).to.deep.include({name: 'fir'})
    const stack = await api<Json>('POST', '/teams/apps', {name: 'fir-stack', space: 'fir-space', stack: 'heroku-24'})
    expect(stack.status).to.equal(422)
    const space = await api<Json>('POST', '/spaces', {generation: {name: 'fir'}, name: 'other-fir', shield: false})
    expect(space.status).to.equal(201)
    expect((await api<Json>('POST', '/spaces', {generation: 'fir', name: 'fir-shield', shield: true})).status).to.equal(422)
  })

  it('gives Fir releases slug null, oci_image and an oci-image artifact; oci-images/{id} answers an array', async () => {
    const release = await current('fir-production')
    expect(release.slug).to.equal(null)
    expect(release.oci_image).to.be.an('object')
    expect(release.artifacts).to.deep.equal([{id: release.oci_image!.id, type: 'oci-image'}])
    const images = (await api<Json[]>('GET', `/apps/fir-production/oci-images/${release.oci_image!.id}`)).body
    expect(images).to.be.an('array').with.length(1)
    expect(images[0]).to.include({id: release.oci_image!.id})
    expect(images[0]!.commit).to.be.a('string')
    // by digest too, and an unknown id is an empty array
    expect((await api<Json[]>('GET', `/apps/fir-production/oci-images/${images[0]!.digest as string}`)).body).to.have.length(1)
    expect((await api<Json[]>('GET', '/apps/fir-production/oci-images/00000000-0000-0000-0000-000000000000')).body).to.deep.equal([])
    const cedar = await current('cedar-production')
    expect(cedar.oci_image).to.equal(null)
    expect(cedar.artifacts).to.deep.equal([{id: cedar.slug!.id, type: 'slug'}])
  })

  it('releases an oci_image (uuid or digest) only on Fir, a slug only on Cedar; no buildpacks or stack on Fir', async () => {
    const image = (await api<Json>('POST', '/apps/fir-staging/oci-images', {commit: 'abc123', process_types: {web: {command: 'node server.js'}}})).body
    const byId = await api<Release>('POST', '/apps/fir-staging/releases', {oci_image: image.id})
    expect(byId.status).to.equal(201)
    expect(byId.body.oci_image).to.deep.equal({id: image.id})
    const byDigest = await api<Release>('POST', '/apps/fir-staging/releases', {oci_image: image.digest})
    expect(byDigest.body.oci_image).to.deep.equal({id: image.id})
    const slug = (await current('cedar-production')).slug!.id
    expect((await api<Json>('POST', '/apps/fir-staging/releases', {slug})).body.message).to.contain('Fir app: release an oci_image')
    expect((await api<Json>('POST', '/apps/cedar-staging/releases', {oci_image: image.id})).body.message).to.contain('Cedar app: release a slug')
    const buildpacks = await api<Json>('PUT', '/apps/fir-staging/buildpack-installations', {updates: [{buildpack: 'heroku/nodejs'}]})
    expect(buildpacks.status).to.equal(422)
    expect(buildpacks.body.message).to.contain("buildpacks can't be set")
    const stack = await api<Json>('PATCH', '/apps/fir-staging', {build_stack: 'heroku-22'})
    expect(stack.status).to.equal(422)
    expect((await api<Json>('PUT', '/apps/cedar-staging/buildpack-installations', {updates: [{buildpack: 'heroku/nodejs'}]})).status).to.equal(200)
  })

  it('keeps a slug\'s id when another app releases it', async () => {
    const slug = (await current('cedar-production')).slug!.id
    const release = await api<Release>('POST', '/apps/cedar-staging/releases', {slug})
    expect(release.body.slug).to.deep.equal({id: slug})
    expect((await api<Json>('GET', `/apps/cedar-staging/slugs/${slug}`)).body.id).to.equal(slug)
  })

  it('promotes through the pipeline (source.release.id or the current release), the same artifact, Fir and Cedar', async () => {
    const old = await current('fir-staging')
    const image = (await api<Json>('POST', '/apps/fir-staging/oci-images', {commit: 'newer'})).body
    await api('POST', '/apps/fir-staging/releases', {oci_image: image.id})
    const pipeline = await id('/pipelines/fir-pipe')
    const promotion = await api<Json>('POST', '/pipeline-promotions', {
      pipeline: {id: pipeline},
      source: {app: {id: await id('/apps/fir-staging')}, release: {id: old.id}},
      targets: [{app: {id: await id('/apps/fir-production')}}],
    })
    expect(promotion.status, JSON.stringify(promotion.body)).to.equal(201)
    const targets = (await api<Array<Json & {release: {id: string}}>>('GET', `/pipeline-promotions/${promotion.body.id as string}/promotion-targets`)).body
    expect(targets.map(t => t.status)).to.deep.equal(['succeeded'])
    const promoted = await current('fir-production')
    expect(promoted.id).to.equal(targets[0]!.release.id)
    expect(promoted.oci_image).to.deep.equal(old.oci_image)
    // Cedar: the current release by default, the slug keeps its id
    const cedar = await api<Json>('POST', '/pipeline-promotions', {
      pipeline: {id: await id('/pipelines/cedar-pipe')}, source: {app: {id: await id('/apps/cedar-staging')}}, targets: [{app: {id: await id('/apps/cedar-production')}}],
    })
    expect(cedar.status).to.equal(201)
    expect((await current('cedar-production')).slug).to.deep.equal((await current('cedar-staging')).slug)
    // an app outside the pipeline is refused
    const outside = await api<Json>('POST', '/pipeline-promotions', {
      pipeline: {id: pipeline}, source: {app: {id: await id('/apps/fir-staging')}}, targets: [{app: {id: await id('/apps/cedar-production')}}],
    })
    expect(outside.status).to.equal(422)
    // a Cedar app cannot join a Fir pipeline
    const couple = await api<Json>('POST', '/pipeline-couplings', {app: 'cedar-staging', pipeline, stage: 'development'})
    expect(couple.status).to.equal(422)
  })

  it('expires artifacts older than 30 days and than 20 releases; an expired release cannot be rolled back or promoted', async () => {
    const first = await current('cedar-staging')
    const image = await current('fir-staging')
    // 20 newer releases with new slugs push the seeded one out of the last 20
    for (let i = 0; i < 20; i++) {
       
      const slug = (await api<Json>('POST', '/apps/cedar-staging/slugs', {commit: `c${i}`, process_types: {web: 'npm start'}})).body
       
      await api('POST', '/apps/cedar-staging/releases', {slug: slug.id})
    }

    const now = (await fixture.emu.expireArtifacts({app: 'cedar-staging'}))
    expect(now).to.deep.equal([]) // not 30 days old yet
    const later = new Date(Date.now() + (31 * 86_400_000)).toISOString()
    const control = await fetch(`${fixture.emu.url}/__emulator/expire-artifacts`, {body: JSON.stringify({now: later}), headers: {'content-type': 'application/json'}, method: 'POST'})
    const {expired} = await control.json() as {expired: Array<{app: string; version: number}>}
    // the initial release had no artifact; v2 (the seed's slug) is out of the last 20 and old: expired. fir-staging keeps its only release.
    expect(expired).to.deep.equal([{app: 'cedar-staging', version: first.version}])
    const after = (await releases('cedar-staging')).find(r => r.id === first.id)!
    expect(after.status).to.equal('expired')
    expect(after.eligible_for_rollback).to.equal(false)
    expect((await current('fir-staging')).status).to.equal('succeeded')
    const rollback = await api<Json>('POST', '/apps/cedar-staging/releases', {release: first.id})
    expect(rollback.status).to.equal(422)
    expect(rollback.body.message).to.contain('has expired')
    const promote = await api<Json>('POST', '/pipeline-promotions', {
      pipeline: {id: await id('/pipelines/cedar-pipe')}, source: {app: {id: await id('/apps/cedar-staging')}, release: {id: first.id}}, targets: [{app: {id: await id('/apps/cedar-production')}}],
    })
    expect(promote.status).to.equal(422)
    expect(promote.body.message).to.contain('has expired')
    // `all` expires the current release too (for a production whose current release expired)
    expect(await fixture.emu.expireArtifacts({all: true, app: 'fir-staging'})).to.deep.equal([{app: 'fir-staging', version: image.version}])
    expect((await current('fir-staging')).status).to.equal('expired')
  })
})
