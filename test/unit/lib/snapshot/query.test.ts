import {expect} from 'chai'

import {isOwner, ownsAddon} from '../../../../src/lib/snapshot/query.js'

describe('snapshot/query: who owns an add-on', function () {
  const app = {id: 'a1', name: 'acme-staging'}

  it('matches by id, whatever the name', function () {
    expect(isOwner(app, {id: 'a1', name: 'renamed'})).to.equal(true)
  })

  it('does not match an owner with another id, even under the same name (the name passed to another app)', function () {
    expect(isOwner(app, {id: 'a2', name: 'acme-staging'})).to.equal(false)
  })

  it('falls back to the name only when the owner carries no id', function () {
    expect(isOwner(app, {id: '', name: 'acme-staging'})).to.equal(true)
    expect(isOwner(app, {name: 'acme-production'})).to.equal(false)
  })

  it('is false for no owner, or an owner with neither id nor name', function () {
    expect(isOwner(app, undefined)).to.equal(false)
    expect(isOwner({id: '', name: ''}, {})).to.equal(false)
  })

  it('ownsAddon asks the same of a snapshot and an add-on', function () {
    expect(ownsAddon({app: {buildpacks: [], id: 'a1', maintenance: false, name: 'acme-staging'}}, {owner: {id: 'a1', name: 'x'}})).to.equal(true)
    expect(ownsAddon({app: {buildpacks: [], id: 'a1', maintenance: false, name: 'acme-staging'}}, {owner: {id: 'p1', name: 'acme-staging'}})).to.equal(false)
  })
})
