import {expect} from 'chai'

import {auditStaging} from '../../../../src/lib/audit/rules/index.js'
import type {AuditFinding, AuditResult} from '../../../../src/lib/audit/types.js'
import {escapeData, escapeProperty, githubAnnotation, renderGithub} from '../../../../src/lib/render/github.js'
import {cleanStagingSnapshot, FIXTURE_SECRETS, incidentStagingSnapshot, PROD_DB_HOST, productionSnapshot} from '../../../fixtures/snapshots.js'

function result(findings: AuditFinding[]): AuditResult {
  return {
    apps: [{id: 'x', name: 'acme-staging', pipeline: 'acme', stage: 'staging'}],
    findings,
    pipeline: null,
    production: [{id: 'y', name: 'acme-production', pipeline: 'acme', stage: 'production'}],
    productionFrom: 'pipeline',
    summary: {
      critical: findings.filter(f => f.severity === 'critical').length,
      info: findings.filter(f => f.severity === 'info').length,
      warning: findings.filter(f => f.severity === 'warning').length,
    },
  }
}

function finding(fields: Partial<AuditFinding>): AuditFinding {
  return {
    addons: [],
    app: 'acme-staging',
    code: 'SHARED_DATABASE',
    configVars: ['DATABASE_URL'],
    message: 'DATABASE_URL reaches production',
    production: ['acme-production'],
    remedy: 'heroku config:unset DATABASE_URL -a acme-staging',
    severity: 'critical',
    subject: {action: {app: 'acme-staging', configVar: 'DATABASE_URL', kind: 'unset-config'}},
    ...fields,
  }
}

describe('render: GitHub Actions annotations (--format github)', function () {
  it('escapes a message as workflow commands require: %, CR and LF', function () {
    expect(escapeData('100% done\r\nnext')).to.equal('100%25 done%0D%0Anext')
    expect(escapeData('a: b, c')).to.equal('a: b, c')
  })

  it('escapes a property value: also : and ,', function () {
    expect(escapeProperty('a: b, 5%\n')).to.equal('a%3A b%2C 5%25%0A')
  })

  it('writes an error for a critical finding, a warning for a warning, a notice for info', function () {
    expect(githubAnnotation(finding({}))).to.equal('::error title=SHARED_DATABASE::acme-staging involves DATABASE_URL (production: acme-production). Fix: heroku config:unset DATABASE_URL -a acme-staging')
    expect(githubAnnotation(finding({code: 'ACTIVE_WORKER', configVars: [], production: [], remedy: 'heroku ps:scale worker=0 -a acme-staging', severity: 'warning'})))
      .to.equal('::warning title=ACTIVE_WORKER::acme-staging. Fix: heroku ps:scale worker=0 -a acme-staging')
    expect(githubAnnotation(finding({severity: 'info'}))).to.match(/^::notice title=SHARED_DATABASE::/)
  })

  it('keeps a name with a newline or a % on one workflow command', function () {
    const line = githubAnnotation(finding({addons: ['odd%\nname']}))
    expect(line.split('\n')).to.have.length(1)
    expect(line).to.contain('odd%25%0Aname')
  })

  it('prints one workflow command per finding of the incident, then the summary, names only', function () {
    const findings = auditStaging(incidentStagingSnapshot(), [productionSnapshot()])
    expect(findings.length, 'the incident has findings').to.be.greaterThan(2)
    const lines = renderGithub(result(findings))
    const commands = lines.filter(line => line.startsWith('::'))
    expect(commands).to.have.length(findings.length)
    expect(commands.filter(line => line.startsWith('::error ')), 'one error per critical').to.have.length(findings.filter(f => f.severity === 'critical').length)
    expect(commands.filter(line => line.startsWith('::warning ')), 'one warning per warning').to.have.length(findings.filter(f => f.severity === 'warning').length)
    expect(commands.map(line => /title=([A-Z_]+)::/.exec(line)?.[1])).to.deep.equal(findings.map(f => f.code))
    expect(lines.at(-1)).to.match(/^\d+ critical, /)
    const printed = lines.join('\n')
    for (const secret of [...FIXTURE_SECRETS, PROD_DB_HOST]) expect(printed, 'no value, no host').to.not.contain(secret)
    expect(printed, 'no fingerprint or masked URL (evidence stays out)').to.not.match(/sha256:|postgres:\/\//)
  })

  it('prints no workflow command when there is no finding', function () {
    const findings = auditStaging(cleanStagingSnapshot(), [productionSnapshot()])
    expect(findings).to.deep.equal([])
    expect(renderGithub(result(findings))).to.deep.equal(['0 critical, 0 warnings, 0 info across 1 app'])
  })
})
