import {expect} from 'chai'

import {FINDING_CODES} from '../../../../src/lib/audit/codes.js'
import {auditStageConfig, auditStaging, protectedStage} from '../../../../src/lib/audit/rules/index.js'
import {stageLabel} from '../../../../src/lib/snapshot/stages.js'
import type {AppSnapshot} from '../../../../src/lib/snapshot/types.js'
import {
  cleanStagingSnapshot,
  PIPELINE_ID,
  PROD_DATABASE_URL,
  PROD_REDIS_URL,
  PROD_SECRET_KEY_BASE,
  PRODUCTION_ID,
  productionSnapshot,
  STAGING_DATABASE_URL,
  STAGING_ID,
} from '../../../fixtures/snapshots.js'
import {audit, only} from './helpers.js'

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

describe('audit rules: STAGE_CONFIG_VAR (auditStageConfig, src/lib/audit/rules/stages.ts)', function () {
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

describe('audit rules: stages (src/lib/audit/rules/stages.ts)', function () {
  describe('PRODUCTION_STAGE', function () {
    it('fires (critical) when the audited app is coupled at stage production', function () {
      const staging = cleanStagingSnapshot()
      staging.pipeline = {id: 'p', name: 'acme', stage: 'production'}
      const [finding] = only(audit(staging), 'PRODUCTION_STAGE')
      expect(finding).to.deep.include({remedy: 'heroku pipelines:update --stage staging -a acme-staging', severity: 'critical'})
    })

    it('fires when the audited app is among the production apps, and is not compared with itself', function () {
      const production = productionSnapshot()
      const findings = auditStaging(production, [production])
      expect(findings.map(f => f.code)).to.deep.equal(['PRODUCTION_STAGE', 'ACTIVE_WORKER'])
      expect(only(findings, 'SHARED_DATABASE')).to.deep.equal([])
    })
  })
  describe('PRODUCTION_STAGE for an app marked with staging:protect', function () {
    it('fires by name or id, with staging:unprotect as the fix', function () {
      for (const key of ['acme-staging', STAGING_ID]) {
        const [finding] = protectedStage(cleanStagingSnapshot(), [key])
        expect(finding).to.deep.include({code: 'PRODUCTION_STAGE', remedy: 'heroku staging:unprotect -a acme-staging', severity: 'critical'})
        expect(finding?.subject.stage?.protected).to.equal(true)
      }
    })

    it('stays silent for other apps, and when the pipeline stage already says production', function () {
      expect(protectedStage(cleanStagingSnapshot(), ['acme-production', PRODUCTION_ID])).to.deep.equal([])
      expect(protectedStage(productionSnapshot(), ['acme-production'])).to.deep.equal([])
    })
  })
  describe('NO_PIPELINE', function () {
    it('fires (info) with the production pipeline in the fix', function () {
      const staging = {...cleanStagingSnapshot(), pipeline: undefined}
      const [finding] = only(audit(staging), 'NO_PIPELINE')
      expect(finding).to.deep.include({remedy: 'heroku pipelines:add acme --stage staging -a acme-staging', severity: 'info'})
    })
  })
})
