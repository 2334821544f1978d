import {expect} from 'chai'

import {chooseRefreshMethod, type PlanInput, planRefresh, type RefreshOptions, refreshForkPlan} from '../../../src/lib/refresh/plan.js'
import {production, staging} from '../classify/fixtures.js'

const defaults: RefreshOptions = {backup: true, backupSource: false, maintenance: true, source: 'DATABASE', target: 'DATABASE'}
const GB = 1000 ** 3

function input(options: Partial<RefreshOptions> = {}): PlanInput {
  const prod = production()
  return {options: {...defaults, ...options}, production: [prod], protectedApps: [], sourceApp: prod, staging: staging()}
}

describe('refresh: the data method (--data copy|fork)', function () {
  const source = {app: 'acme', attachment: 'DATABASE', name: 'postgresql-prod-1', plan: 'heroku-postgresql:standard-0'}

  it('copies under the 10 GB transfer limit by default (silent)', function () {
    expect(chooseRefreshMethod(source, 9 * GB, undefined)).to.deep.include({method: 'copy'})
    expect(chooseRefreshMethod(source, undefined, undefined).method).to.equal('copy')
  })

  it('forks above the limit by default (fires), and copies an Essential source it cannot fork', function () {
    expect(chooseRefreshMethod(source, 11 * GB, undefined).method).to.equal('fork')
    const essential = chooseRefreshMethod({...source, plan: 'heroku-postgresql:essential-2'}, 11 * GB, undefined)
    expect(essential.method).to.equal('copy')
    expect(essential.message).to.equal(undefined)
  })

  it('refuses --data fork of an Essential source with the fix (fires); takes --data as asked otherwise', function () {
    const refused = chooseRefreshMethod({...source, plan: 'heroku-postgresql:essential-0'}, GB, 'fork')
    expect(refused.message).to.contain('Essential databases cannot be forked')
    expect(refused.fix).to.contain('--data copy')
    expect(chooseRefreshMethod(source, GB, 'fork')).to.deep.include({method: 'fork', reason: '--data fork'})
    expect(chooseRefreshMethod(source, 50 * GB, 'copy').method).to.equal('copy')
  })

  it('puts the fork on the smallest Standard plan holding the data; Advanced stays Advanced', function () {
    expect(refreshForkPlan('heroku-postgresql:standard-4', 9 * GB).plan).to.equal('heroku-postgresql:standard-0')
    expect(refreshForkPlan('heroku-postgresql:premium-3', 100 * GB).plan).to.equal('heroku-postgresql:standard-2')
    expect(refreshForkPlan('heroku-postgresql:advanced', 9 * GB).plan).to.equal('heroku-postgresql:advanced')
  })

  it('keeps a Shield or Private source in its tier (a fork cannot leave it), not on a Standard plan', function () {
    expect(refreshForkPlan('heroku-postgresql:shield-4', 9 * GB)).to.deep.include({plan: 'heroku-postgresql:shield-4'})
    expect(refreshForkPlan('heroku-postgresql:private-2', 9 * GB).reason).to.contain('Private database stays in its tier')
    expect(refreshForkPlan('heroku-postgresql:premium-0', 9 * GB).plan).to.equal('heroku-postgresql:standard-0')
  })

  it('lays out the blue-green steps: fork, check and sanitize the new database, promote inside maintenance, audit, destroy the old last', function () {
    const outcome = planRefresh(input({data: 'fork', sanitize: {file: 's.sql', sql: 'SELECT 1'}}))
    if (outcome.kind !== 'plan') throw new Error(JSON.stringify(outcome))
    const {plan} = outcome
    expect(plan.method).to.equal('fork')
    expect(plan.steps.map(s => s.kind)).to.deep.equal(['fork', 'sanitize', 'maintenance-on', 'promote', 'maintenance-off', 'audit', 'backup-target', 'destroy-old'])
    expect(plan.steps.find(s => s.kind === 'sanitize')).to.deep.include({newDatabase: true})
    expect(plan.steps.map(s => s.kind)).not.to.include('transfer')
    expect(plan.keepOld).to.equal(undefined)
    const fork = plan.steps[0]
    expect(fork).to.deep.include({attachment: 'STAGING_REFRESH', kind: 'fork', plan: 'heroku-postgresql:standard-0', sourceAddonId: 'addon-prod-db'})
  })

  it('backs the old database up before destroying it (--backup, the default: fires); --no-backup destroys it without one (silent)', function () {
    const backedUp = planRefresh(input({data: 'fork'}))
    if (backedUp.kind !== 'plan') throw new Error(JSON.stringify(backedUp))
    const old = staging().attachments.find(a => a.name === 'DATABASE')!.addon
    expect(backedUp.plan.steps.slice(-2)).to.deep.equal([
      {addonId: old.id, addonName: old.name, billingApp: old.owner.name, kind: 'backup-target'},
      {addonId: old.id, addonName: old.name, app: 'acme-staging', kind: 'destroy-old'},
    ])
    const unbacked = planRefresh(input({backup: false, data: 'fork'}))
    if (unbacked.kind !== 'plan') throw new Error(JSON.stringify(unbacked))
    expect(unbacked.plan.steps.map(s => s.kind)).not.to.include('backup-target')
    expect(unbacked.plan.steps.at(-1)?.kind).to.equal('destroy-old')
  })

  it('never destroys an old database owned by another app, and says it stays attached (fires)', function () {
    const sharing = staging()
    for (const attachment of sharing.attachments) {
      if (attachment.name === 'DATABASE') attachment.addon.owner = {id: 'other-id', name: 'acme-shared'}
    }

    const outcome = planRefresh({...input({data: 'fork'}), staging: sharing})
    if (outcome.kind !== 'plan') throw new Error(JSON.stringify(outcome))
    expect(outcome.plan.steps.map(s => s.kind).filter(kind => kind === 'backup-target' || kind === 'destroy-old')).to.deep.equal([])
    expect(outcome.plan.keepOld).to.equal('it is owned by acme-shared, so it is not destroyed: it stays attached as STAGING_REFRESH_OLD')
  })

  it('keeps an old Shield database it cannot back up (no PGBackups) instead of destroying it; --no-backup destroys it', function () {
    const shieldStaging = staging()
    for (const attachment of shieldStaging.attachments) {
      if (attachment.name === 'DATABASE') attachment.addon.plan = 'heroku-postgresql:shield-0'
    }

    const kept = planRefresh({...input({data: 'fork'}), staging: shieldStaging})
    if (kept.kind !== 'plan') throw new Error(JSON.stringify(kept))
    expect(kept.plan.steps.map(s => s.kind).filter(kind => kind === 'backup-target' || kind === 'destroy-old')).to.deep.equal([])
    expect(kept.plan.keepOld).to.contain('has no PGBackups').and.to.contain('--no-backup')
    const destroyed = planRefresh({...input({backup: false, data: 'fork'}), staging: shieldStaging})
    if (destroyed.kind !== 'plan') throw new Error(JSON.stringify(destroyed))
    expect(destroyed.plan.steps.at(-1)?.kind).to.equal('destroy-old')
    expect(destroyed.plan.keepOld).to.equal(undefined)
  })

  it('captures a fresh production backup first with --backup-source', function () {
    const outcome = planRefresh(input({backupSource: true, data: 'fork'}))
    if (outcome.kind !== 'plan') throw new Error(JSON.stringify(outcome))
    expect(outcome.plan.steps.slice(0, 2).map(s => s.kind)).to.deep.equal(['backup-source', 'fork'])
  })

  it('keeps the copy plan for a small database without --data (silent: no fork step)', function () {
    const outcome = planRefresh(input())
    if (outcome.kind !== 'plan') throw new Error(JSON.stringify(outcome))
    expect(outcome.plan.method).to.equal('copy')
    expect(outcome.plan.steps.map(s => s.kind)).not.to.include('fork')
  })
})
