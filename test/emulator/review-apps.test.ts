import {expect} from 'chai'

import {useEmulator} from '../helpers/emulator.js'

type Json = Record<string, unknown>
const REVIEW_APPS = {accept: 'application/vnd.heroku+json; version=3.review-apps'}

describe('emulator review apps and pipeline stage config vars', function () {
  this.timeout(120_000)
  const fixture = useEmulator({
    fresh: 'each',
    async seed(emu) {
      await emu.seed({apps: [{name: 'shop-production'}, {name: 'shop-staging'}], pipelines: [{apps: {'shop-production': 'production', 'shop-staging': 'staging'}, name: 'shop'}]})
    },
  })
  const {api} = fixture
  const pipelineId = async (): Promise<string> => ((await api('GET', '/pipelines/shop')).body as Json).id as string

  it('keeps config vars per stage (review, test): PATCH sets and unsets with null, GET answers the hash', async () => {
    const id = await pipelineId()
    expect((await api('GET', `/pipelines/${id}/stage/review/config-vars`)).body).to.deep.equal({})
    const patched = await api('PATCH', `/pipelines/${id}/stage/review/config-vars`, {FEATURE: 'on', SENTRY_DSN: 'x'})
    expect(patched.status).to.equal(200)
    expect(patched.body).to.deep.equal({FEATURE: 'on', SENTRY_DSN: 'x'})
    expect((await api('PATCH', `/pipelines/${id}/stage/review/config-vars`, {SENTRY_DSN: null})).body).to.deep.equal({FEATURE: 'on'})
    await api('PATCH', `/pipelines/${id}/stage/test/config-vars`, {RAILS_ENV: 'test'})
    expect((await api('GET', `/pipelines/${id}/stage/test/config-vars`)).body).to.deep.equal({RAILS_ENV: 'test'})
    expect((await api('GET', `/pipelines/${id}/stage/review/config-vars`)).body).to.deep.equal({FEATURE: 'on'})
  })

  it('refuses stage config vars outside review and test (422) and an unknown stage (404)', async () => {
    const id = await pipelineId()
    expect((await api('PATCH', `/pipelines/${id}/stage/staging/config-vars`, {A: 'b'})).status).to.equal(422)
    expect((await api('GET', `/pipelines/${id}/stage/nope/config-vars`)).status).to.equal(404)
  })

  it('POST /review-apps makes an app with the review stage vars plus environment, coupled at stage review', async () => {
    const id = await pipelineId()
    await api('PATCH', `/pipelines/${id}/stage/review/config-vars`, {FEATURE: 'on', SHARED: 'stage'})
    const created = await api('POST', '/review-apps', {branch: 'feature/x', environment: {SHARED: 'env'}, pipeline: id, pr_number: 7, source_blob: {url: 'https://example.com/s.tgz', version: 'abc'}}, REVIEW_APPS)
    expect(created.status).to.equal(201)
    const review = created.body as Json
    expect(review).to.include({branch: 'feature/x', pr_number: 7, status: 'created'})
    expect(review.pipeline).to.deep.equal({id})
    expect(Object.keys(review).sort()).to.deep.equal(['app', 'app_setup', 'branch', 'created_at', 'creator', 'error_status', 'fork_repo', 'id', 'message', 'pipeline', 'pr_number', 'status', 'updated_at', 'wait_for_ci'])
    const appId = (review.app as Json).id as string
    const app = (await api('GET', `/apps/${appId}`)).body as Json
    expect(app.name).to.match(/^shop-pr-7-[0-9a-f]{6}$/)
    expect((await api('GET', `/apps/${appId}/config-vars`)).body).to.deep.equal({FEATURE: 'on', SHARED: 'env'})
    expect((await api('GET', `/apps/${appId}/pipeline-couplings`)).body).to.deep.include({stage: 'review'})
    expect(((await api('GET', `/apps/${app.name as string}/review-app`)).body as Json).id).to.equal(review.id)
    expect(((await api('GET', `/review-apps/${review.id as string}`)).body as Json).id).to.equal(review.id)
    const listed = (await api('GET', `/pipelines/${id}/review-apps`)).body as Json[]
    expect(listed.map(r => r.id)).to.deep.equal([review.id])
    // a later change of the stage's vars does not reach an app already made
    await api('PATCH', `/pipelines/${id}/stage/review/config-vars`, {FEATURE: 'off'})
    expect(((await api('GET', `/apps/${appId}/config-vars`)).body as Json).FEATURE).to.equal('on')
  })

  it('DELETE /review-apps/:id destroys the app and answers deleting; an app that is no review app has none (404)', async () => {
    const id = await pipelineId()
    const review = (await api('POST', '/review-apps', {branch: 'b', pipeline: id, source_blob: {url: 'u'}})).body as Json
    const deleted = await api('DELETE', `/review-apps/${review.id as string}`)
    expect((deleted.body as Json).status).to.equal('deleting')
    expect((await api('GET', `/apps/${(review.app as Json).id as string}`)).status).to.equal(404)
    expect((await api('GET', `/review-apps/${review.id as string}`)).status).to.equal(404)
    expect((await api('GET', '/apps/shop-staging/review-app')).status).to.equal(404)
  })

  it('review-app-config: 404 until enabled, POST needs repo, PATCH updates, a base name names review apps', async () => {
    const id = await pipelineId()
    expect((await api('GET', `/pipelines/${id}/review-app-config`)).status).to.equal(404)
    expect((await api('POST', `/pipelines/${id}/review-app-config`, {})).status).to.equal(422)
    const enabled = await api('POST', `/pipelines/${id}/review-app-config`, {base_name: 'shop-ra', repo: 'acme/shop'})
    expect(enabled.status).to.equal(201)
    expect(enabled.body).to.include({automatic_review_apps: false, base_name: 'shop-ra', pipeline_id: id, wait_for_ci: false})
    expect(((await api('PATCH', `/pipelines/${id}/review-app-config`, {wait_for_ci: true})).body as Json).wait_for_ci).to.equal(true)
    const review = (await api('POST', '/review-apps', {branch: 'b', pipeline: id, pr_number: 3, source_blob: {url: 'u'}})).body as Json
    expect(review.wait_for_ci).to.equal(true)
    expect(((await api('GET', `/apps/${(review.app as Json).id as string}`)).body as Json).name).to.equal('shop-ra-pr-3')
  })

  it('seeds stage config vars and review apps per pipeline', async () => {
    await fixture.emu.seed({pipelines: [{apps: {}, name: 'shop', reviewApps: [{branch: 'x', name: 'shop-pr-1', prNumber: 1}], stageConfig: {review: {A: '1'}, test: {B: '2'}}}]})
    expect((await api('GET', '/apps/shop-pr-1/config-vars')).body).to.deep.equal({A: '1'})
    expect((await api('GET', '/apps/shop-pr-1/pipeline-couplings')).body).to.deep.include({stage: 'review'})
  })
})
