import {expect} from 'chai'

import {FINDING_CODES} from '../../../src/lib/audit/codes.js'
import {auditStageConfig} from '../../../src/lib/audit/rules/index.js'
import {stageLabel} from '../../../src/lib/snapshot/stages.js'
import type {AppSnapshot} from '../../../src/lib/snapshot/types.js'
import {
  cleanStagingSnapshot,
  PIPELINE_ID,
  PROD_DATABASE_URL,
  PROD_REDIS_URL,
  PROD_SECRET_KEY_BASE,
  productionSnapshot,
  STAGING_DATABASE_URL,
} from '../../fixtures/snapshots.js'

function stage(name: 'review' | 'test', configVars: Record<string, string>): AppSnapshot {
  return {
    app: {buildpacks: [], id: `${PIPELINE_ID}/stage/${name}`, maintenance: false, name: stageLabel('acme', name)},
    attachments: [],
    configVars,
    databases: {},
    formation: [],
    pipeline: {id: PIPELINE_ID, name: 'acme', stage: name},
  }
}

function reviewApp(name: string, configVars: Record<string, string>): AppSnapshot {
  const clean = cleanStagingSnapshot()
  return {...clean, app: {...clean.app, id: `id-${name}`, name}, attachments: [], configVars, databases: {}, pipeline: {id: PIPELINE_ID, name: 'acme', stage: 'review'}}
}

describe('audit: STAGE_CONFIG_VAR (auditStageConfig, src/lib/audit/rules.ts)', function () {
  it('is in the code table, critical', function () {
    expect(FINDING_CODES.find(info => info.code === 'STAGE_CONFIG_VAR')?.severity).to.equal('critical')
  })

  it('fires on a review stage var reaching production\'s database, naming the stage and only the review apps holding that value', function () {
    const apps = [reviewApp('acme-pr-1', {DATABASE_URL: PROD_DATABASE_URL}), reviewApp('acme-pr-2', {DATABASE_URL: STAGING_DATABASE_URL})]
    const [finding, ...rest] = auditStageConfig(stage('review', {DATABASE_URL: PROD_DATABASE_URL, FEATURE: 'on'}), [productionSnapshot()], apps)
    expect(rest).to.deep.equal([])
    expect(finding).to.include({app: 'acme (review stage)', code: 'STAGE_CONFIG_VAR', severity: 'critical'})
    expect(finding?.production).to.deep.equal(['acme-production'])
    expect(finding?.subject).to.deep.include({apps: ['acme-pr-1'], rule: 'SHARED_DATABASE', stage: {pipeline: 'acme', stage: 'review'}})
    expect(finding?.subject.action).to.deep.equal({app: 'acme (review stage)', configVar: 'DATABASE_URL', kind: 'stage-config', pipeline: 'acme', stage: 'review'})
    expect(finding?.remedy).to.equal('heroku pipelines:open acme, change DATABASE_URL under Settings → Review Apps (the CLI cannot set review stage vars), then recreate the review apps that have it')
    expect(JSON.stringify(finding)).to.not.contain(PROD_DATABASE_URL)
  })

  it('fires on a test stage (Heroku CI) var holding a production secret or reaching its Redis, with the ci:config:set remedy', function () {
    const findings = auditStageConfig(stage('test', {REDIS_URL: PROD_REDIS_URL, SECRET_KEY_BASE: PROD_SECRET_KEY_BASE}), [productionSnapshot()], [])
    expect(findings.map(f => [f.subject.rule, f.configVars[0], f.remedy])).to.deep.equal([
      ['SHARED_SERVICE', 'REDIS_URL', 'heroku ci:config:set REDIS_URL=<a test-only value> -p acme'],
      ['SHARED_SECRET', 'SECRET_KEY_BASE', 'heroku ci:config:set SECRET_KEY_BASE=<a test-only value> -p acme'],
    ])
    expect(findings[0]?.message).to.contain('every Heroku CI run of acme starts with it')
  })

  it('stays silent on stage vars that share nothing with production', function () {
    const vars = {DATABASE_URL: STAGING_DATABASE_URL, FEATURE: 'on', LANG: 'en_US.UTF-8', RACK_ENV: 'production', WEB_CONCURRENCY: '2'}
    expect(auditStageConfig(stage('review', vars), [productionSnapshot()], [])).to.deep.equal([])
    expect(auditStageConfig(stage('test', vars), [productionSnapshot()], [])).to.deep.equal([])
  })
})
