import {expect} from 'chai'

import {checkTarget} from '../../../../src/lib/fork/plan/index.js'
import {fork, PROD_ID, production} from '../fixtures.js'

describe('fork target check (src/lib/fork/plan/target.ts)', function () {
  const context = {protectedApps: [] as string[]}

  it('lets a new app through', function () {
    expect(checkTarget(production(), undefined, context)).to.deep.equal({kind: 'absent'})
  })

  it('continues an app marked as a fork of the same source', function () {
    expect(checkTarget(production(), {snapshot: fork()}, context)).to.deep.include({kind: 'resume', setMarker: false})
  })

  it('refuses production itself', function () {
    const verdict = checkTarget(production(), {snapshot: production()}, context)
    expect(verdict).to.deep.include({kind: 'refuse'})
    expect(verdict.kind === 'refuse' && verdict.message).to.contain('production app itself')
  })

  it('refuses an app coupled at stage production, even one carrying the marker', function () {
    const target = fork()
    target.pipeline = {id: 'p', name: 'acme', stage: 'production'}
    const verdict = checkTarget(production(), {snapshot: target}, context)
    expect(verdict.kind === 'refuse' && verdict.message).to.contain('stage production')
  })

  it('refuses an app the production registry counts as production, even one carrying the marker', function () {
    const verdict = checkTarget(production(), {snapshot: fork()}, {production: {via: ['pipeline stage production']}, protectedApps: []})
    expect(verdict.kind === 'refuse' && verdict.message).to.contain('a production app of the account (pipeline stage production)')
  })

  it('refuses a protected app', function () {
    const verdict = checkTarget(production(), {snapshot: fork()}, {protectedApps: ['acme-production-staging']})
    expect(verdict.kind === 'refuse' && verdict.message).to.contain('protected')
  })

  it('refuses an app without the marker, and one marked for another source', function () {
    const unmarked = checkTarget(production(), {snapshot: fork(null)}, context)
    expect(unmarked.kind === 'refuse' && unmarked.message).to.contain('was not created by heroku staging:fork')
    expect(unmarked.kind === 'refuse' && unmarked.fix).to.contain('--to')
    const other = checkTarget(production(), {snapshot: fork('someone-else')}, context)
    expect(other.kind === 'refuse' && other.message).to.contain('fork of another app')
  })

  it('continues an unmarked app only when this machine\'s ledger shows it created it', function () {
    const target = fork(null)
    const startedAt = '2026-01-01T00:00:00.000Z'
    const byId = {appId: target.app.id, sourceId: PROD_ID, startedAt, target: target.app.name}
    expect(checkTarget(production(), {snapshot: target}, {...context, ledger: byId})).to.deep.include({kind: 'resume', setMarker: true})
    const lostAnswer = {sourceId: PROD_ID, startedAt, target: target.app.name}
    expect(checkTarget(production(), {createdAt: '2026-01-01T00:00:05Z', snapshot: target}, {...context, ledger: lostAnswer})).to.deep.include({kind: 'resume'})
    expect(checkTarget(production(), {createdAt: '2025-12-01T00:00:00Z', snapshot: target}, {...context, ledger: lostAnswer})).to.deep.include({kind: 'refuse'})
    expect(checkTarget(production(), {snapshot: target}, {...context, ledger: {...byId, appId: 'another-app-id'}})).to.deep.include({kind: 'refuse'})
    expect(checkTarget(production(), {snapshot: target}, {...context, ledger: {...byId, sourceId: 'another-source'}})).to.deep.include({kind: 'refuse'})
  })
})
