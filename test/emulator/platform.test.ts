import {expect} from 'chai'

import {apiClient} from '../helpers/api.js'
import {type Emulator, startTestEmulator, useEmulator} from '../helpers/emulator.js'

type Json = Record<string, unknown>
const SDK = {accept: 'application/vnd.heroku+json; version=3.sdk'}

describe('emulator Platform API over HTTP', function () {
  this.timeout(120_000)
  const fixture = useEmulator({fresh: 'each'})
  const {api} = fixture
  let emu: Emulator
  let stranger: ReturnType<typeof apiClient>

  before(() => {
    emu = fixture.emu
    stranger = apiClient(emu, emu.accounts[1]!)
  })

  describe('transport', () => {
    it('listens on 127.0.0.1 and exposes the env that points a client at it', () => {
      expect(emu.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(emu.env).to.include({DISABLE_TELEMETRY: 'true', HEROKU_API_KEY: emu.accounts[0]!.token, HEROKU_DATA_HOST: '127.0.0.1', HEROKU_HOST: emu.url})
      expect(emu.env.HEROKU_PARTICLEBOARD_URL).to.equal(`http://localhost:${emu.port}`)
      expect(emu.accounts).to.have.length.greaterThanOrEqual(2)
    })

    it('answers 401 unauthorized without a valid token, on Platform and Data routes', async () => {
      const anonymous = apiClient(emu, null)
      for (const path of ['/account', '/apps', '/client/v11/databases/x']) {
        const response = await anonymous('GET', path)
        expect(response.status, path).to.equal(401)
        expect(response.body).to.deep.equal({id: 'unauthorized', message: 'Invalid credentials provided.'})
      }

      const wrong = await api('GET', '/account', undefined, {authorization: 'Bearer not-a-token'})
      expect(wrong.status).to.equal(401)
    })

    it('accepts Basic auth with ":" + token, as pg:copy sends it', async () => {
      const basic = `Basic ${Buffer.from(`:${emu.accounts[0]!.token}`).toString('base64')}`
      const response = await api('GET', '/account', undefined, {authorization: basic})
      expect(response.status).to.equal(200)
      expect((response.body as Json).email).to.equal(emu.accounts[0]!.email)
    })

    it('answers particleboard (reached as localhost) with {} and /account on 127.0.0.1 with the account', async () => {
      const response = await fetch(`http://localhost:${emu.port}/account`, {headers: {authorization: `Bearer ${emu.accounts[0]!.token}`}})
      expect(await response.json()).to.deep.equal({})
      expect((await api('GET', '/account')).body).to.include({email: emu.accounts[0]!.email, id: emu.accounts[0]!.id})
    })

    it('carries RateLimit-Remaining and Request-Id on every response, errors included', async () => {
      for (const response of [await api('GET', '/apps'), await api('GET', '/apps/missing'), await apiClient(emu, null)('GET', '/apps')]) {
        expect(response.headers.get('ratelimit-remaining')).to.match(/^\d+$/)
        expect(response.headers.get('request-id')).to.be.a('string')
      }
    })

    it('answers unknown endpoints with a not_found body', async () => {
      const response = await api('GET', '/no/such/route')
      expect(response.status).to.equal(404)
      expect((response.body as Json).id).to.equal('not_found')
    })

    it('spends a rate-limit budget per account and answers 429 rate_limit when it runs out', async () => {
      const limited = await startTestEmulator({rateLimit: 3})
      try {
        const call = apiClient(limited)
        const remaining = []
        for (let i = 0; i < 3; i++) remaining.push((await call('GET', '/account')).headers.get('ratelimit-remaining'))
        expect(remaining).to.deep.equal(['2', '1', '0'])
        const refused = await call('GET', '/account')
        expect(refused.status).to.equal(429)
        expect((refused.body as Json).id).to.equal('rate_limit')
        expect(refused.headers.get('ratelimit-remaining')).to.equal('0')
        // the free endpoint still answers, and the other account has its own budget
        expect((await call('GET', '/account/rate-limits')).body).to.deep.equal({remaining: 0})
        expect((await apiClient(limited, limited.accounts[1]!)('GET', '/account')).status).to.equal(200)
      } finally {
        await limited.stop()
      }
    })
  })

  describe('apps', () => {
    it('creates, shows, updates (maintenance), lists and deletes apps', async () => {
      const created = await api('POST', '/apps', {name: 'demo-app', region: 'eu'})
      expect(created.status).to.equal(201)
      expect(created.body).to.include({maintenance: false, name: 'demo-app'})
      expect((created.body as {region: Json}).region.name).to.equal('eu')
      const taken = await api('POST', '/apps', {name: 'demo-app'})
      expect(taken.status).to.equal(422)
      expect(taken.body).to.deep.equal({id: 'invalid_params', message: 'Name is already taken'})
      expect((await api('POST', '/apps', {name: 'Bad_Name'})).status).to.equal(422)
      const patched = await api('PATCH', '/apps/demo-app', {maintenance: true})
      expect((patched.body as Json).maintenance).to.equal(true)
      const byId = await api('GET', `/apps/${(created.body as Json).id}`)
      expect((byId.body as Json).maintenance).to.equal(true)
      expect(((await api('GET', '/apps')).body as Json[]).map(a => a.name)).to.deep.equal(['demo-app'])
      expect((await api('DELETE', '/apps/demo-app')).status).to.equal(200)
      const gone = await api('GET', '/apps/demo-app')
      expect(gone.status).to.equal(404)
      expect(gone.body).to.deep.equal({id: 'not_found', message: "Couldn't find that app.", resource: 'app'})
    })

    it('hides an app from a stranger: 403 on the app, absent from lists, until added as collaborator', async () => {
      await api('POST', '/apps', {name: 'private-app'})
      const denied = await stranger('GET', '/apps/private-app/config-vars')
      expect(denied.status).to.equal(403)
      expect((denied.body as Json).id).to.equal('forbidden')
      expect((await stranger('GET', '/apps')).body).to.deep.equal([])
      expect((await stranger('GET', '/addon-attachments')).body).to.deep.equal([])
      await api('POST', '/apps/private-app/collaborators', {user: emu.accounts[1]!.email})
      expect((await stranger('GET', '/apps/private-app')).status).to.equal(200)
    })

    it('pages lists with Range max: 206 + Next-Range while more remain', async () => {
      for (const name of ['app-a1', 'app-b2', 'app-c3', 'app-d4', 'app-e5']) await api('POST', '/apps', {name})
      const first = await api('GET', '/apps', undefined, {range: 'name ..; max=2'})
      expect(first.status).to.equal(206)
      expect((first.body as Json[]).map(a => a.name)).to.deep.equal(['app-a1', 'app-b2'])
      const next = first.headers.get('next-range')!
      expect(next).to.equal('name ]app-b2..; max=2, order=asc')
      const second = await api('GET', '/apps', undefined, {range: next})
      expect((second.body as Json[]).map(a => a.name)).to.deep.equal(['app-c3', 'app-d4'])
      const third = await api('GET', '/apps', undefined, {range: second.headers.get('next-range')!})
      expect(third.status).to.equal(200)
      expect(third.headers.get('next-range')).to.equal(null)
      expect((third.body as Json[]).map(a => a.name)).to.deep.equal(['app-e5'])
    })

    it('pages releases newest first with version ..; max=1, order=desc', async () => {
      await api('POST', '/apps', {name: 'rel-app'})
      await api('PATCH', '/apps/rel-app/config-vars', {A: '1'})
      await api('PATCH', '/apps/rel-app/config-vars', {A: null})
      const latest = await api('GET', '/apps/rel-app/releases', undefined, {range: 'version ..; max=1, order=desc'})
      expect(latest.status).to.equal(206)
      expect(latest.body).to.have.length(1)
      expect((latest.body as Json[])[0]).to.include({current: true, description: 'Remove A config vars', version: 3})
      expect(((await api('GET', '/apps/rel-app/releases/2')).body as Json).description).to.equal('Set A config vars')
    })
  })

  describe('config vars, add-ons and attachments', () => {
    beforeEach(async () => {
      await emu.seed({addons: [{app: 'prod-app', name: 'prod-redis', plan: 'heroku-redis:mini'}], apps: [{name: 'prod-app'}, {name: 'stage-app'}]})
    })

    it('sets and unsets config (null) and refuses add-on owned keys with 422', async () => {
      const set = await api('PATCH', '/apps/stage-app/config-vars', {FOO: 'bar'})
      expect(set.body).to.deep.equal({FOO: 'bar'})
      expect((await api('PATCH', '/apps/stage-app/config-vars', {FOO: null})).body).to.deep.equal({})
      const refused = await api('PATCH', '/apps/prod-app/config-vars', {REDIS_URL: 'redis://elsewhere'})
      expect(refused.status).to.equal(422)
      expect(refused.body).to.deep.equal({id: 'invalid_params', message: 'Cannot overwrite attachment values REDIS_URL.'})
    })

    it('attaches an add-on to another app (NAME_URL appears there), lists it from both sides, then detaches', async () => {
      const attached = await api('POST', '/addon-attachments', {addon: {name: 'prod-redis'}, app: {name: 'stage-app'}})
      expect(attached.status).to.equal(201)
      expect((attached.body as Json).name).to.equal('REDIS')
      const config = (await api('GET', '/apps/stage-app/config-vars')).body as Json
      expect(config.REDIS_URL).to.equal(((await api('GET', '/apps/prod-app/config-vars')).body as Json).REDIS_URL)
      // /apps/:app/addons includes add-ons attached from other apps
      const addons = (await api('GET', '/apps/stage-app/addons')).body as Array<{app: Json; name: string}>
      expect(addons.map(a => [a.name, a.app.name])).to.deep.equal([['prod-redis', 'prod-app']])
      const perAddon = (await api('GET', '/addons/prod-redis/addon-attachments')).body as Array<{app: Json}>
      expect(perAddon.map(a => a.app.name).sort()).to.deep.equal(['prod-app', 'stage-app'])
      expect(((await api('GET', '/addon-attachments')).body as Json[])).to.have.length(2)
      const release = (await api('GET', '/apps/stage-app/releases', undefined, {range: 'version ..; max=1, order=desc'})).body as Json[]
      expect(release[0]!.description).to.equal('Attach REDIS (@ref:prod-redis)')
      const detached = await api('DELETE', `/addon-attachments/${(attached.body as Json).id}`)
      expect(detached.status).to.equal(200)
      expect(((await api('GET', '/apps/stage-app/config-vars')).body as Json).REDIS_URL).to.equal(undefined)
    })

    it('refuses to detach the billing app\'s last attachment', async () => {
      const [attachment] = (await api('GET', '/apps/prod-app/addon-attachments')).body as Json[]
      const refused = await api('DELETE', `/addon-attachments/${attachment!.id}`)
      expect(refused.status).to.equal(422)
      expect((refused.body as Json).message).to.equal('Cannot destroy last attachment to billing app for resource prod-redis')
    })

    it('answers a name clash with confirmation_required, then replaces with confirm = app name', async () => {
      await api('PATCH', '/apps/stage-app/config-vars', {REDIS_URL: 'redis://somewhere-else:6379'})
      const clash = await api('POST', '/addon-attachments', {addon: {name: 'prod-redis'}, app: {name: 'stage-app'}, name: 'REDIS'})
      expect(clash.status).to.equal(423)
      expect((clash.body as Json).id).to.equal('confirmation_required')
      const confirmed = await api('POST', '/addon-attachments', {addon: {name: 'prod-redis'}, app: {name: 'stage-app'}, confirm: 'stage-app', name: 'REDIS'})
      expect(confirmed.status).to.equal(201)
      expect(((await api('GET', '/apps/stage-app/config-vars')).body as Json).REDIS_URL).to.match(/prod-redis/)
    })

    it('includes config_vars and addon.plan with Accept-Inclusion, and expands service and plan with Accept-Expansion', async () => {
      const plain = ((await api('GET', '/apps/prod-app/addon-attachments')).body as Json[])[0]!
      expect(plain.config_vars).to.equal(undefined)
      const included = ((await api('GET', '/apps/prod-app/addon-attachments', undefined, {...SDK, 'accept-inclusion': 'addon:plan,config_vars'})).body as Json[])[0]!
      expect(included.config_vars).to.have.members(['REDIS_URL', 'REDIS_TLS_URL'])
      expect((included.addon as {plan: Json}).plan.name).to.equal('heroku-redis:mini')
      const expanded = ((await api('GET', '/apps/prod-app/addons', undefined, {...SDK, 'accept-expansion': 'addon_service,plan'})).body as Json[])[0]!
      expect((expanded.addon_service as Json).human_name).to.equal('Heroku Key-Value Store')
      expect((expanded.plan as Json).price).to.deep.include({cents: 300, unit: 'month'})
      expect(expanded.state).to.equal('provisioned')
    })

    it('lists services and plans (Postgres with several plans, Redis, scheduler, a mail add-on)', async () => {
      const services = ((await api('GET', '/addon-services')).body as Json[]).map(s => s.name)
      expect(services).to.include.members(['heroku-postgresql', 'heroku-redis', 'scheduler', 'mailgun'])
      const plans = (await api('GET', '/addon-services/heroku-postgresql/plans')).body as Array<{name: string; price: Json}>
      expect(plans.length).to.be.greaterThanOrEqual(4)
      expect(plans.find(p => p.name === 'heroku-postgresql:standard-0')?.price.cents).to.equal(5000)
      expect((await api('GET', '/addon-services/heroku-postgresql/plans/essential-0')).status).to.equal(200)
    })

    it('refuses an unknown plan with invalid_params', async () => {
      const response = await api('POST', '/apps/prod-app/addons', {plan: {name: 'heroku-postgresql:huge-9'}})
      expect(response.status).to.equal(422)
      expect((response.body as Json).message).to.equal('Couldn\'t find either the add-on service or the add-on plan of "heroku-postgresql:huge-9".')
    })

    it('destroys an add-on from its billing app only', async () => {
      await api('POST', '/addon-attachments', {addon: {name: 'prod-redis'}, app: {name: 'stage-app'}})
      const wrongApp = await api('DELETE', '/apps/stage-app/addons/prod-redis')
      expect(wrongApp.status).to.equal(422)
      const destroyed = await api('DELETE', '/apps/prod-app/addons/prod-redis', {force: true})
      expect((destroyed.body as Json).state).to.equal('deprovisioned')
      expect((await api('GET', '/addons/prod-redis')).status).to.equal(404)
      expect(((await api('GET', '/apps/stage-app/config-vars')).body as Json).REDIS_URL).to.equal(undefined)
    })
  })

  describe('resolvers', () => {
    beforeEach(async () => {
      await emu.seed({
        addons: [{app: 'prod-app', name: 'prod-db', plan: 'heroku-postgresql:essential-0'}, {app: 'stage-app', as: 'HEROKU_POSTGRESQL_ROSE', name: 'stage-db', plan: 'heroku-postgresql:essential-0'}],
        apps: [{name: 'prod-app'}, {config: {DATABASE_URL: 'postgres://placeholder'}, name: 'stage-app'}],
      })
    })

    const resolveAttachment = async (body: Json) => (await api('POST', '/actions/addon-attachments/resolve', body, {...SDK, 'accept-inclusion': 'addon:plan,config_vars'}))

    it('resolves attachments by name, by _URL, by app::name (split and unsplit with app: null) and answers arrays', async () => {
      for (const body of [
        {addon_attachment: 'DATABASE', app: 'prod-app'},
        {addon_attachment: 'DATABASE_URL', app: 'prod-app'},
        {addon_attachment: 'prod-app::DATABASE_URL', app: null},
        {addon_attachment: 'prod-app::DATABASE', app: 'stage-app'},
        {addon_attachment: 'DATABASE_URL', addon_service: 'heroku-postgresql', app: 'prod-app'},
      ]) {
        const response = await resolveAttachment(body)
        expect(response.status, JSON.stringify(body)).to.equal(200)
        const [match, ...rest] = response.body as Array<{addon: {name: string; plan: Json}; app: Json; config_vars: string[]}>
        expect(rest).to.have.length(0)
        expect(match!.addon.name).to.equal('prod-db')
        expect(match!.app.name).to.equal('prod-app')
        expect(match!.config_vars).to.deep.equal(['DATABASE_URL'])
        expect(match!.addon.plan.name).to.equal('heroku-postgresql:essential-0')
      }

      const rose = await resolveAttachment({addon_attachment: 'HEROKU_POSTGRESQL_ROSE_URL', app: 'stage-app'})
      expect((rose.body as Array<{addon: Json}>)[0]!.addon.name).to.equal('stage-db')
    })

    it('answers 404 not_found with resource for an unknown attachment (a plain DATABASE_URL is not an attachment)', async () => {
      const response = await resolveAttachment({addon_attachment: 'DATABASE_URL', app: 'stage-app'})
      expect(response.status).to.equal(404)
      expect(response.body).to.deep.equal({id: 'not_found', message: "Couldn't find that add on attachment.", resource: 'add_on attachment'})
    })

    it('resolves add-ons by name, id, attachment name and config var, with app::', async () => {
      const id = ((await api('GET', '/addons/prod-db')).body as Json).id
      for (const body of [{addon: 'prod-db'}, {addon: id}, {addon: 'DATABASE', app: 'prod-app'}, {addon: 'DATABASE_URL', app: 'prod-app'}, {addon: 'prod-app::DATABASE', app: null}]) {
        const response = await api('POST', '/actions/addons/resolve', body, {...SDK, 'accept-expansion': 'addon_service,plan'})
        expect(response.status, JSON.stringify(body)).to.equal(200)
        expect((response.body as Json[]).map(a => a.name)).to.deep.equal(['prod-db'])
      }

      const missing = await api('POST', '/actions/addons/resolve', {addon: 'nope', app: 'prod-app'})
      expect(missing.status).to.equal(404)
      expect(missing.body).to.deep.equal({id: 'not_found', message: "Couldn't find that add on.", resource: 'add_on'})
    })

    it('does not resolve another account\'s add-ons', async () => {
      expect((await stranger('POST', '/actions/addons/resolve', {addon: 'prod-db'})).status).to.equal(404)
      expect((await stranger('POST', '/actions/addon-attachments/resolve', {addon_attachment: 'prod-app::DATABASE', app: null})).status).to.equal(403)
    })
  })

  describe('slugs, formation, buildpacks, features, drains', () => {
    beforeEach(async () => {
      await emu.seed({apps: [{formation: [{quantity: 2, size: 'Standard-1X', type: 'web'}, {quantity: 1, type: 'worker'}], name: 'prod-app'}, {name: 'new-app', release: false}]})
    })

    it('releases a slug onto another app', async () => {
      const [release] = (await api('GET', '/apps/prod-app/releases', undefined, {range: 'version ..; max=1, order=desc'})).body as Array<{slug: {id: string}}>
      const slug = (await api('GET', `/apps/prod-app/slugs/${release!.slug.id}`)).body as {process_types: Json}
      expect(Object.keys(slug.process_types).sort()).to.deep.equal(['web', 'worker'])
      const created = await api('POST', '/apps/new-app/releases', {description: 'Forked from prod-app', slug: release!.slug.id})
      expect(created.status).to.equal(201)
      expect((created.body as Json).description).to.equal('Forked from prod-app')
      expect(((await api('GET', '/apps/new-app/formation')).body as Json[]).map(f => f.type).sort()).to.deep.equal(['web', 'worker'])
    })

    it('scales in a batch and per type', async () => {
      const batch = await api('PATCH', '/apps/prod-app/formation', {updates: [{quantity: 0, type: 'web'}, {quantity: 3, size: 'Performance-M', type: 'worker'}]})
      expect((batch.body as Json[]).map(f => `${f.type}=${f.quantity}:${f.size}`)).to.deep.equal(['web=0:Standard-1X', 'worker=3:Performance-M'])
      const one = await api('PATCH', '/apps/prod-app/formation/web', {quantity: 4})
      expect((one.body as Json).quantity).to.equal(4)
      expect((await api('PATCH', '/apps/prod-app/formation/clock', {quantity: 1})).status).to.equal(404)
    })

    it('sets buildpacks, features and log drains', async () => {
      await api('PUT', '/apps/new-app/buildpack-installations', {updates: [{buildpack: 'heroku/nodejs'}, {buildpack: 'https://example.com/bp.tgz'}]})
      const buildpacks = (await api('GET', '/apps/new-app/buildpack-installations', undefined, {range: ''})).body as Array<{buildpack: Json; ordinal: number}>
      // an official buildpack comes back as its urn, with its short name; a URL as it was set
      expect(buildpacks.map(b => [b.ordinal, b.buildpack.url, b.buildpack.name])).to.deep.equal([[1, 'urn:buildpack:heroku/nodejs', 'heroku/nodejs'], [2, 'https://example.com/bp.tgz', 'bp']])
      // the urn set back (what a fork sends) is the same buildpack
      await api('PUT', '/apps/new-app/buildpack-installations', {updates: [{buildpack: 'urn:buildpack:heroku/nodejs'}]})
      const again = (await api('GET', '/apps/new-app/buildpack-installations', undefined, {range: ''})).body as Array<{buildpack: Json}>
      expect(again.map(b => b.buildpack.url)).to.deep.equal(['urn:buildpack:heroku/nodejs'])
      await api('PATCH', '/apps/new-app/features/preboot', {enabled: true})
      expect(((await api('GET', '/apps/new-app/features/preboot')).body as Json).enabled).to.equal(true)
      const drain = await api('POST', '/apps/new-app/log-drains', {url: 'syslog+tls://logs.example.com:6514'})
      expect(drain.status).to.equal(201)
      expect(((await api('GET', '/apps/new-app/log-drains')).body as Json[])).to.have.length(1)
      const removed = await api('DELETE', `/apps/new-app/log-drains/${encodeURIComponent('syslog+tls://logs.example.com:6514')}`)
      expect(removed.status).to.equal(200)
    })
  })

  describe('pipelines', () => {
    beforeEach(async () => {
      await emu.seed({apps: [{name: 'prod-app'}, {name: 'stage-app'}]})
    })

    it('creates pipelines, couples apps with stages, and finds them every way the CLI asks', async () => {
      const pipeline = (await api('POST', '/pipelines', {name: 'acme'})).body as Json
      await api('POST', '/pipeline-couplings', {app: 'prod-app', pipeline: pipeline.id, stage: 'production'})
      await api('POST', '/pipeline-couplings', {app: 'stage-app', pipeline: pipeline.id, stage: 'staging'})
      const byName = (await api('GET', '/pipelines?eq[name]=acme', undefined, {accept: 'application/vnd.heroku+json; version=3.pipelines'})).body as Json[]
      expect(byName.map(p => p.id)).to.deep.equal([pipeline.id])
      expect(((await api('GET', '/pipelines?eq[name]=other')).body as Json[])).to.have.length(0)
      const perApp = (await api('GET', '/apps/stage-app/pipeline-couplings')).body as {pipeline: Json; stage: string}
      expect(perApp.stage).to.equal('staging')
      expect(perApp.pipeline.name).to.equal('acme')
      const perPipeline = (await api('GET', `/pipelines/${pipeline.id}/pipeline-couplings`)).body as Array<{app: Json; pipeline: Json; stage: string}>
      // Lists reference app and pipeline by {id} only (the schema, heroku/cli's fixtures)
      for (const c of perPipeline) expect([Object.keys(c.app), Object.keys(c.pipeline)]).to.deep.equal([['id'], ['id']])
      expect(((await api('GET', '/pipeline-couplings')).body as Json[])).to.have.length(2)
      const ids = perPipeline.map(c => c.app.id)
      const filtered = (await api('POST', '/filters/apps', {in: {id: ids}}, {accept: 'application/vnd.heroku+json; version=3.filters', range: 'id ..; max=1000;'})).body as Json[]
      const stageOf = new Map(perPipeline.map(c => [c.app.id, c.stage]))
      expect(filtered.map(a => `${String(a.name)}:${stageOf.get(a.id)}`).sort()).to.deep.equal(['prod-app:production', 'stage-app:staging'])
      // the filters list gives the generation as its bare string, as heroku/cli's app fixtures
      expect(filtered.map(a => a.generation)).to.deep.equal(['cedar', 'cedar'])
      expect((await api('GET', '/apps/prod-app/pipeline-couplings')).status).to.equal(200)
      expect((await stranger('GET', '/pipelines/acme')).status).to.equal(404)
    })

    it('answers 404 for an app without a coupling', async () => {
      const response = await api('GET', '/apps/stage-app/pipeline-couplings')
      expect(response.status).to.equal(404)
      expect((response.body as Json).resource).to.equal('pipeline_coupling')
    })
  })
})
