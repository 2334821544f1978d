import {expect} from 'chai'

import {HerokuError, page, parseRange} from '../../emulator/http.js'
import {ACCOUNTS} from '../../emulator/index.js'
import {Faults, isMutating} from '../../emulator/journal.js'
import {tokenOf} from '../../emulator/server.js'
import {Store} from '../../emulator/store.js'

const owner = ACCOUNTS[0]!
const stranger = ACCOUNTS[1]!

function heroku(fn: () => unknown): HerokuError {
  try {
    fn()
  } catch (error) {
    if (error instanceof HerokuError) return error
    throw error
  }

  throw new Error('expected a HerokuError')
}

/** A provisioned Postgres add-on without a real database (the store alone does not need one). */
function postgres(store: Store, appName: string, options: {as?: string; confirm?: string; name?: string} = {}) {
  const app = store.findApp(appName)!
  return store.createAddon(owner, app, {
    attachmentName: options.as,
    confirm: options.confirm,
    config: {URL: `postgres://u:p@127.0.0.1:5432/${options.name ?? 'db'}`},
    name: options.name,
    plan: 'heroku-postgresql:essential-0',
    provisioned: true,
  })
}

describe('emulator store', () => {
  let store: Store

  beforeEach(() => {
    store = new Store(ACCOUNTS)
  })

  describe('apps', () => {
    it('applies the name rules and refuses a taken name', () => {
      store.createApp(owner, {name: 'acme-production'})
      expect(heroku(() => store.createApp(owner, {name: 'acme-production'})).message).to.equal('Name is already taken')
      for (const bad of ['Acme', '1app', 'ab', 'app-', 'a'.repeat(31), 'app_name']) {
        const error = heroku(() => store.createApp(owner, {name: bad}))
        expect(error.status, bad).to.equal(422)
        expect(error.id).to.equal('invalid_params')
      }

      expect(store.createApp(owner, {name: 'a'.repeat(30)}).name).to.have.length(30)
    })

    it('shows an app to its owner and collaborators only: 403 for others, 404 when missing', () => {
      const app = store.createApp(owner, {name: 'private-app'})
      expect(store.app(owner, 'private-app').id).to.equal(app.id)
      expect(store.app(owner, app.id).name).to.equal('private-app')
      expect(heroku(() => store.app(stranger, 'private-app')).status).to.equal(403)
      const missing = heroku(() => store.app(owner, 'nope'))
      expect(missing.status).to.equal(404)
      expect(missing.extra.resource).to.equal('app')
      store.addCollaborator(app, stranger)
      expect(store.app(stranger, 'private-app').id).to.equal(app.id)
    })

    it('writes an initial release', () => {
      const app = store.createApp(owner, {name: 'fresh-app'})
      expect(store.releasesOf(app).map(r => r.description)).to.deep.equal(['Initial release'])
    })
  })

  describe('config vars', () => {
    it('sets and unsets (null) with Heroku release descriptions', () => {
      const app = store.createApp(owner, {name: 'config-app'})
      store.patchConfig(owner, app, {BAR: '2', FOO: '1'})
      store.patchConfig(owner, app, {FOO: null})
      expect(store.configOf(app)).to.deep.equal({BAR: '2'})
      expect(store.releasesOf(app).map(r => r.description)).to.deep.equal(['Initial release', 'Set BAR, FOO config vars', 'Remove FOO config vars'])
    })

    it('writes no release when nothing changes', () => {
      const app = store.createApp(owner, {name: 'config-app'})
      store.patchConfig(owner, app, {FOO: '1'})
      store.patchConfig(owner, app, {FOO: '1', MISSING: null})
      expect(store.releasesOf(app)).to.have.length(2)
    })

    it('refuses to overwrite or unset a var an attachment owns', () => {
      store.createApp(owner, {name: 'owned-app'})
      postgres(store, 'owned-app')
      const app = store.findApp('owned-app')!
      const error = heroku(() => store.patchConfig(owner, app, {DATABASE_URL: 'postgres://elsewhere/db', OTHER: 'x'}))
      expect(error.status).to.equal(422)
      expect(error.id).to.equal('invalid_params')
      expect(error.message).to.equal('Cannot overwrite attachment values DATABASE_URL.')
      expect(heroku(() => store.patchConfig(owner, app, {DATABASE_URL: null})).message).to.contain('DATABASE_URL')
      expect(store.configOf(app).OTHER).to.equal(undefined)
    })

    it('rejects keys that are not \\w+ and values that are not strings', () => {
      const app = store.createApp(owner, {name: 'config-app'})
      expect(heroku(() => store.patchConfig(owner, app, {'BAD-KEY': 'x'})).status).to.equal(422)
      expect(heroku(() => store.patchConfig(owner, app, {KEY: 3})).status).to.equal(422)
    })
  })

  describe('add-ons and attachments', () => {
    it('gives the first database DATABASE and later ones a colour', () => {
      store.createApp(owner, {name: 'db-app'})
      const first = postgres(store, 'db-app', {name: 'first'})
      const second = postgres(store, 'db-app', {name: 'second'})
      expect(first.attachment.name).to.equal('DATABASE')
      expect(second.attachment.name).to.match(/^HEROKU_POSTGRESQL_[A-Z]+$/)
      const config = store.configOf(store.findApp('db-app')!)
      expect(config.DATABASE_URL).to.contain('/first')
      expect(config[`${second.attachment.name}_URL`]).to.contain('/second')
    })

    it('does not take DATABASE when the app has a plain DATABASE_URL (the seed incident)', () => {
      const app = store.createApp(owner, {name: 'incident-app'})
      store.patchConfig(owner, app, {DATABASE_URL: 'postgres://u:p@prod-host:5432/production'})
      const {attachment} = postgres(store, 'incident-app', {name: 'own'})
      expect(attachment.name).to.match(/^HEROKU_POSTGRESQL_/)
      expect(store.configOf(app).DATABASE_URL).to.equal('postgres://u:p@prod-host:5432/production')
    })

    it('requires confirm to replace an attachment name or shadow a plain var, then replaces with Detach/Attach releases', () => {
      const app = store.createApp(owner, {name: 'clash-app'})
      store.patchConfig(owner, app, {DATABASE_URL: 'postgres://u:p@prod-host:5432/production'})
      const {addon} = postgres(store, 'clash-app', {name: 'own'})
      const shadow = heroku(() => store.createAttachment(owner, app, addon, {name: 'DATABASE', origin: 'attach'}))
      expect(shadow.id).to.equal('confirmation_required')
      store.createAttachment(owner, app, addon, {confirm: 'clash-app', name: 'DATABASE', origin: 'attach'})
      expect(store.configOf(app).DATABASE_URL).to.contain('/own')
      expect(app.config.DATABASE_URL).to.equal(undefined)

      const other = postgres(store, 'clash-app', {name: 'other'}).addon
      const clash = heroku(() => store.createAttachment(owner, app, other, {name: 'DATABASE', origin: 'attach'}))
      expect(clash.id).to.equal('confirmation_required')
      expect(heroku(() => store.createAttachment(owner, app, other, {confirm: 'wrong', name: 'DATABASE', origin: 'attach'})).id).to.equal('confirmation_required')
      store.createAttachment(owner, app, other, {confirm: 'clash-app', name: 'DATABASE', origin: 'attach'})
      expect(store.configOf(app).DATABASE_URL).to.contain('/other')
      const descriptions = store.releasesOf(app).map(r => r.description)
      expect(descriptions.slice(-2)).to.deep.equal(['Detach DATABASE (@ref:own)', 'Attach DATABASE (@ref:other)'])
    })

    it('attaching the same add-on under the same name again is a no-op', () => {
      const app = store.createApp(owner, {name: 'same-app'})
      const {addon, attachment} = postgres(store, 'same-app')
      const again = store.createAttachment(owner, app, addon, {name: 'DATABASE', origin: 'attach'})
      expect(again.id).to.equal(attachment.id)
    })

    it('exposes an add-on to another app, and refuses to detach the billing app\'s last attachment', () => {
      const prod = store.createApp(owner, {name: 'prod-app'})
      const stage = store.createApp(owner, {name: 'stage-app'})
      const {addon, attachment} = postgres(store, 'prod-app', {name: 'shared'})
      const foreign = store.createAttachment(owner, stage, addon, {origin: 'attach'})
      expect(foreign.name).to.match(/^HEROKU_POSTGRESQL_/)
      expect(store.configOf(stage)[`${foreign.name}_URL`]).to.equal(store.configOf(prod).DATABASE_URL)
      const last = heroku(() => store.deleteAttachment(owner, attachment))
      expect(last.status).to.equal(422)
      expect(last.message).to.equal('Cannot destroy last attachment to billing app for resource shared')
      store.deleteAttachment(owner, foreign)
      expect(store.latestRelease(stage)?.description).to.equal(`Detach ${foreign.name} (@ref:shared)`)
    })

    it('refuses an unknown plan with Heroku\'s message and pins the Postgres version', () => {
      const app = store.createApp(owner, {name: 'plan-app'})
      const error = heroku(() => store.createAddon(owner, app, {plan: 'heroku-postgresql:gigantic', provisioned: true}))
      expect(error.message).to.equal('Couldn\'t find either the add-on service or the add-on plan of "heroku-postgresql:gigantic".')
      const pinned = store.createAddon(owner, app, {plan: 'heroku-postgresql:standard-0', provisioned: true, version: '14'})
      expect(pinned.addon.version).to.equal('14')
      expect(store.createAddon(owner, app, {plan: 'heroku-postgresql', provisioned: true}).addon.version).to.equal('16')
      expect(heroku(() => store.createAddon(owner, app, {plan: 'heroku-postgresql:essential-0', provisioned: true, version: '9'})).status).to.equal(422)
    })

    it('a provisioning add-on owns its var names but exposes no value until it completes', () => {
      const app = store.createApp(owner, {name: 'async-app'})
      const {addon} = store.createAddon(owner, app, {plan: 'heroku-postgresql:essential-0', provisioned: false})
      expect(addon.state).to.equal('provisioning')
      expect(store.configOf(app)).to.deep.equal({})
      expect(heroku(() => store.patchConfig(owner, app, {DATABASE_URL: 'x'})).status).to.equal(422)
      store.completeProvisioning(owner, addon, {URL: 'postgres://u:p@127.0.0.1:1/d'})
      expect(addon.state).to.equal('provisioned')
      expect(store.configOf(app).DATABASE_URL).to.equal('postgres://u:p@127.0.0.1:1/d')
      expect(store.latestRelease(app)?.description).to.equal(`@ref:${addon.name} completed provisioning, setting DATABASE_URL.`)
    })

    it('destroying an add-on detaches it everywhere; deleting an app deprovisions what it owns', () => {
      const prod = store.createApp(owner, {name: 'prod-app'})
      const stage = store.createApp(owner, {name: 'stage-app'})
      const redis = store.createAddon(owner, prod, {plan: 'heroku-redis:mini', provisioned: true}).addon
      store.createAttachment(owner, stage, redis, {origin: 'attach'})
      expect(store.configOf(stage).REDIS_URL).to.match(/^redis:\/\//)
      const {deprovisioned} = store.deleteApp(owner, prod)
      expect(deprovisioned.map(a => a.name)).to.deep.equal([redis.name])
      expect(store.configOf(stage).REDIS_URL).to.equal(undefined)
      expect(store.latestRelease(stage)?.description).to.equal(`Detach REDIS (@ref:${redis.name})`)
      expect(store.state.attachments).to.have.length(0)
    })
  })

  describe('releases, formation and pipelines', () => {
    it('releases a slug (copied from another visible app) and creates its process types', () => {
      const source = store.createApp(owner, {name: 'source-app'})
      const target = store.createApp(owner, {name: 'target-app'})
      const slug = store.createSlug(source, {processTypes: {web: 'npm start', worker: 'node worker.js'}})
      const release = store.releaseSlug(owner, target, slug.id, 'Forked from source-app')
      expect(release.description).to.equal('Forked from source-app')
      expect(release.slugId).to.not.equal(null)
      expect(store.formationOf(target).map(f => `${f.type}=${f.quantity}`).sort()).to.deep.equal(['web=1', 'worker=0'])
      // a later config release keeps the slug
      expect(store.patchConfig(owner, target, {A: '1'}) && store.latestRelease(target)?.slugId).to.equal(release.slugId)
      const strangers = store.createApp(stranger, {name: 'strangers-app'})
      expect(heroku(() => store.releaseSlug(stranger, strangers, slug.id)).status).to.equal(403)
    })

    it('snapshots config per release and rolls back plain config vars (not add-on vars)', () => {
      const app = store.createApp(owner, {name: 'roll-app'})
      store.patchConfig(owner, app, {A: '1'})
      const v2 = store.latestRelease(app)!
      postgres(store, 'roll-app')
      store.patchConfig(owner, app, {A: '2', B: '3'})
      expect(store.release(app, 'v2').config).to.deep.equal({A: '1'})
      const rolled = store.rollback(owner, app, String(v2.version))
      expect(rolled.description).to.equal('Rollback to v2')
      expect(store.configOf(app)).to.include({A: '1'})
      expect(store.configOf(app)).to.not.have.property('B')
      expect(store.configOf(app).DATABASE_URL).to.be.a('string')
    })

    it('scales known process types only', () => {
      const app = store.createApp(owner, {name: 'scale-app'})
      store.ensureFormation(app, 'web', 'npm start')
      store.scale(app, [{quantity: 3, size: 'Standard-2X', type: 'web'}])
      expect(store.formationOf(app)[0]).to.include({quantity: 3, size: 'Standard-2X'})
      expect(heroku(() => store.scale(app, [{quantity: 1, type: 'clock'}])).status).to.equal(404)
      expect(heroku(() => store.scale(app, [{quantity: -1, type: 'web'}])).status).to.equal(422)
    })

    it('couples an app to one pipeline with a valid stage', () => {
      const app = store.createApp(owner, {name: 'piped-app'})
      const pipeline = store.createPipeline(owner, 'acme')
      expect(heroku(() => store.couple(app, pipeline, 'prod')).status).to.equal(422)
      store.couple(app, pipeline, 'production')
      expect(heroku(() => store.couple(app, pipeline, 'staging')).message).to.contain('already in a pipeline')
      expect(heroku(() => store.createPipeline(owner, 'acme')).message).to.equal('Name is already taken')
    })
  })
})

describe('emulator http helpers', () => {
  it('parses the Range forms the CLI sends', () => {
    expect(parseRange('version ..; max=5, order=desc', 'id', ['id', 'version'])).to.include({field: 'version', max: 5, order: 'desc'})
    expect(parseRange('version ..; order=desc,max=1', 'id', ['id', 'version'])).to.include({max: 1, order: 'desc'})
    expect(parseRange('id ..; max=1000;', 'id', ['id'])).to.include({field: 'id', max: 1000})
    expect(parseRange('', 'id', ['id'])).to.include({field: 'id', max: 200, order: 'asc'})
    expect(parseRange('id ]abc..; max=10', 'id', ['id'])).to.include({exclusiveStart: true, start: 'abc'})
    expect(parseRange('id ..; max=5000', 'id', ['id']).max).to.equal(1000)
    expect(() => parseRange('bogus ..', 'id', ['id'])).to.throw(HerokuError)
  })

  it('pages with 206 and a Next-Range that keeps max and order, and stops when everything fits', () => {
    const items = Array.from({length: 7}, (_, i) => ({version: i + 1}))
    const first = page(items, 'version ..; max=3, order=desc', 'version', ['version'])
    expect(first.status).to.equal(206)
    expect((first.body as Array<{version: number}>).map(i => i.version)).to.deep.equal([7, 6, 5])
    expect(first.headers!['Next-Range']).to.equal('version ]5..; max=3, order=desc')
    const second = page(items, first.headers!['Next-Range'], 'version', ['version'])
    expect((second.body as Array<{version: number}>).map(i => i.version)).to.deep.equal([4, 3, 2])
    const third = page(items, second.headers!['Next-Range'], 'version', ['version'])
    expect(third.status).to.equal(200)
    expect(third.headers!['Next-Range']).to.equal(undefined)
    expect((third.body as Array<{version: number}>).map(i => i.version)).to.deep.equal([1])
    expect(page(items, undefined, 'version', ['version']).status).to.equal(200)
  })

  it('pages by a key that is not unique without skipping or repeating an item, in both orders', () => {
    // 9 items, keys in runs of 4, 3 and 2: every page size ends inside a run somewhere
    const items = ['b', 'a', 'a', 'c', 'a', 'b', 'a', 'c', 'b'].map((name, i) => ({id: `id-${i}`, name}))
    for (const order of ['asc', 'desc'] as const) {
      for (const max of [1, 2, 3, 4, 5]) {
        const seen: string[] = []
        let range: string | undefined = `name ..; max=${max}, order=${order}`
        for (let guard = 0; range && guard < 20; guard++) {
          const reply: ReturnType<typeof page> = page(items, range, 'name', ['id', 'name'])
          seen.push(...(reply.body as Array<{id: string}>).map(i => i.id))
          range = reply.headers!['Next-Range']
        }

        expect([...seen].sort(), `${order} max=${max}`).to.deep.equal(items.map(i => i.id).sort())
        const names = seen.map(id => items.find(i => i.id === id)!.name)
        expect(names, `${order} max=${max}`).to.deep.equal([...names].sort((a, b) => (order === 'asc' ? a.localeCompare(b) : b.localeCompare(a))))
      }
    }

    // a page that ends between two distinct keys keeps Heroku's exclusive form
    expect(page(items, 'name ..; max=4', 'name', ['name']).headers!['Next-Range']).to.equal('name ]a..; max=4, order=asc')
    expect(page(items, 'name ..; max=3', 'name', ['name']).headers!['Next-Range']).to.equal('name a..; max=3, order=asc, offset=3')
  })

  it('reads Bearer and Basic (":" + token) credentials', () => {
    expect(tokenOf('Bearer abc')).to.equal('abc')
    expect(tokenOf(`Basic ${Buffer.from(':abc').toString('base64')}`)).to.equal('abc')
    expect(tokenOf(`Basic ${Buffer.from('user@example.com:abc').toString('base64')}`)).to.equal('abc')
    expect(tokenOf('Token abc')).to.equal(undefined)
    expect(tokenOf(undefined)).to.equal(undefined)
  })

  it('marks writes as mutating but not the read-only POST lookups', () => {
    expect(isMutating('platform', 'PATCH', '/apps/x/config-vars')).to.equal(true)
    expect(isMutating('data', 'POST', '/client/v11/databases/x/transfers')).to.equal(true)
    expect(isMutating('platform', 'GET', '/apps')).to.equal(false)
    expect(isMutating('platform', 'POST', '/actions/addon-attachments/resolve')).to.equal(false)
    expect(isMutating('platform', 'POST', '/filters/apps')).to.equal(false)
    expect(isMutating('control', 'POST', '/__emulator/reset')).to.equal(false)
  })

  it('fires a fault rule on the Nth matching request for `times` requests', () => {
    const faults = new Faults()
    faults.add({method: 'PATCH', nth: 2, path: '^/apps/[^/]+/config-vars$', status: 503, times: 2})
    const fired = [1, 2, 3, 4].map(() => faults.fire('PATCH', '/apps/a/config-vars')?.status)
    expect(fired).to.deep.equal([undefined, 503, 503, undefined])
    expect(faults.fire('GET', '/apps/a/config-vars')).to.equal(undefined)
    expect(() => faults.add({path: 'x'})).to.throw(TypeError)
  })
})
