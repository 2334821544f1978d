import {expect} from 'chai'

import {auditStaging} from '../../../../src/lib/audit/rules/index.js'
import type {AuditResult} from '../../../../src/lib/audit/types.js'
import {renderAudit, summaryLine} from '../../../../src/lib/render/audit.js'
import {plural, renderTable} from '../../../../src/lib/render/table.js'
import {addonRef, attachmentRef, cleanStagingSnapshot, incidentStagingSnapshot, productionSnapshot} from '../../../fixtures/snapshots.js'

// eslint-disable-next-line no-control-regex -- matching ANSI color codes is the point
const ANSI = /\u001B\[[\d;]*m/g

function result(findings: AuditResult['findings'], apps = 1): AuditResult {
  const app = {id: 'x', name: 'acme-staging', pipeline: 'acme', stage: 'staging'}
  return {
    apps: Array.from({length: apps}, () => app),
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

describe('render: audit report', function () {
  it('writes the summary line', function () {
    expect(summaryLine({apps: [{id: 'a', name: 'a', pipeline: null, stage: null}], summary: {critical: 2, info: 1, warning: 1}}))
      .to.equal('2 critical, 1 warning, 1 info across 1 app')
    expect(summaryLine({apps: [], summary: {critical: 0, info: 3, warning: 2}})).to.equal('0 critical, 2 warnings, 3 info across 0 apps')
    expect(plural(1, 'app')).to.equal('1 app')
  })

  it('says so when there is nothing to report', function () {
    const lines = renderAudit(result([]))
    expect(lines[0]).to.equal('=== Audit of acme-staging against acme-production')
    expect(lines).to.include('No findings: nothing is shared with production.')
    expect(lines.at(-1)).to.equal('0 critical, 0 warnings, 0 info across 1 app')
  })

  it('lists findings in a table in the given order, then each with its fix', function () {
    const findings = auditStaging(incidentStagingSnapshot(), [productionSnapshot()])
    const lines = renderAudit(result(findings)).map(line => line.replaceAll(ANSI, ''))
    expect(lines[2]).to.match(/^#\s+Severity\s+Code\s+App\s+Involves$/)
    expect(lines[3]).to.match(/^1\s+critical\s+SHARED_DATABASE\s+acme-staging\s+DATABASE_URL$/)
    const fixes = lines.filter(line => line.startsWith('   fix: '))
    expect(fixes).to.have.length(findings.length)
    expect(fixes[0]).to.equal('   fix: heroku pg:promote HEROKU_POSTGRESQL_ROSE_URL -a acme-staging')
  })

  it('shortens a long list of names in the table (the JSON keeps them all)', function () {
    const staging = cleanStagingSnapshot()
    const mail = addonRef({id: 'm', name: 'mailgun-1', owner: {id: staging.app.id, name: 'acme-staging'}, plan: 'mailgun:starter'})
    staging.attachments.push({...attachmentRef('MAILGUN', mail), configVarNames: ['MAILGUN_API_KEY', 'MAILGUN_DOMAIN', 'MAILGUN_SMTP_LOGIN', 'MAILGUN_SMTP_PASSWORD']})
    const findings = auditStaging(staging, [productionSnapshot()])
    const row = renderAudit(result(findings)).find(line => line.includes('SIDE_EFFECT_ADDON'))
    expect(row).to.contain('MAILGUN, mailgun-1, MAILGUN_API_KEY +3 more')
    expect(findings[0]?.configVars).to.have.length(4)
  })

  it('aligns columns on the visible text, whatever the colors', function () {
    const rows = [{a: 'x', b: 'long value'}, {a: 'longer', b: 'y'}]
    const lines = renderTable(rows, [
      {color: text => `\u001B[38;5;185m${text}\u001B[39m`, get: row => row.a, header: 'A'},
      {get: row => row.b, header: 'B'},
    ], '  ')
    expect(lines.map(line => line.replaceAll(ANSI, ''))).to.deep.equal(['  A       B', '  x       long value', '  longer  y'])
  })
})
