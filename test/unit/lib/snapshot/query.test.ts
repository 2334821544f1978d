import {expect} from 'chai'

import {isOwner, isPostgresAttachment, leadersFirst, ownsAddon, primaryPostgres} from '../../../../src/lib/snapshot/query.js'

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

describe('snapshot/query: an app\'s main database', function () {
  function attachment(name: string, addonId: string, service = 'heroku-postgresql') {
    return {addon: {id: addonId, name: `addon-${addonId}`, owner: {id: 'a1', name: 'acme'}, plan: `${service}:standard-0`, service}, configVarNames: [`${name}_URL`], id: `att-${name}`, name, namespace: null}
  }

  it('is the attachment named DATABASE, wherever it sorts', function () {
    const snapshot = {attachments: [attachment('AMBER', 'p1'), attachment('DATABASE', 'p2')], databases: {}}
    expect(primaryPostgres(snapshot)?.name).to.equal('DATABASE')
  })

  it('else the first leader by name, never a follower and never another service', function () {
    const snapshot = {
      attachments: [attachment('AMBER', 'f1'), attachment('REDIS', 'r1', 'heroku-redis'), attachment('ROSE', 'l1')],
      databases: {f1: {addonId: 'f1', addonName: 'addon-f1', following: 'addon-l1'}},
    }
    expect(primaryPostgres(snapshot)?.name).to.equal('ROSE')
    expect([...snapshot.attachments].filter(a => isPostgresAttachment(a)).sort(leadersFirst(snapshot)).map(a => a.name)).to.deep.equal(['ROSE', 'AMBER'])
  })

  it('is undefined for an app with no Postgres', function () {
    expect(primaryPostgres({attachments: [attachment('REDIS', 'r1', 'heroku-redis')], databases: {}})).to.equal(undefined)
  })
})
