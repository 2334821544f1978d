import * as color from '@heroku/heroku-cli-util/color'

import type {AuditFinding, AuditResult, Severity} from '../audit/types.js'
import {plural, renderTable} from './table.js'

/**
 * The human report of `heroku staging:audit`: a header, a table sorted by severity, the details
 * of each finding with its fix, and a summary line. Pure: returns lines, the command prints them.
 */

const SEVERITY_COLOR: Record<Severity, (text: string) => string> = {
  critical: text => color.failure(text),
  info: text => color.info(text),
  warning: text => color.warning(text),
}

/** "2 critical, 1 warning, 1 info across 1 app" */
export function summaryLine(result: Pick<AuditResult, 'apps' | 'summary'>): string {
  const {critical, info, warning} = result.summary
  return `${critical} critical, ${plural(warning, 'warning')}, ${info} info across ${plural(result.apps.length, 'app')}`
}

/** The names a finding involves, attachments and add-ons first; long lists end in `+N more` (JSON has them all). */
function names(finding: AuditFinding): string {
  const all = [...new Set([...finding.addons, ...finding.configVars])]
  if (all.length === 0) return '—'
  return all.length > 4 ? `${all.slice(0, 3).join(', ')} +${all.length - 3} more` : all.join(', ')
}

function header(result: AuditResult): string {
  const apps = result.apps.map(app => app.name).join(', ')
  const production = result.production.map(app => app.name).join(', ') || 'no other production app'
  const scope = result.pipeline ? `pipeline ${result.pipeline} (${apps})` : apps
  return `=== Audit of ${scope} against ${production}`
}

const VIA: Record<string, string> = {
  from: 'named with --from',
  listed: 'found as production',
  pipeline: 'stage production',
  production: 'named with --production',
  protected: 'protected with heroku staging:protect',
}

/** For an app in no pipeline: which of the account's production apps it was compared with, and why each is one. */
function accountLine(result: AuditResult): string[] {
  if (result.productionFrom !== 'account') return []
  const apps = result.production.map(app => {
    const why = (app.via ?? []).map(via => (via === 'pipeline' && app.pipeline ? `pipeline ${app.pipeline}, stage production` : VIA[via] ?? via))
    return why.length > 0 ? `${app.name} (${why.join('; ')})` : app.name
  })
  return [`Compared with every production app of the account: ${apps.join(', ')}`, '']
}

/** With --pipeline: what the review and test stages hold, so a clean report says it looked there too. */
function stagesLine(result: AuditResult): string[] {
  if (!result.stages) return []
  const parts = result.stages.map(stage => {
    const apps = stage.stage === 'review' ? `, ${plural(stage.apps.length, 'review app')}` : ''
    return `the ${stage.stage} stage (${plural(stage.configVars.length, 'config var')}${apps})`
  })
  return [`Also audited: ${parts.join(' and ')}`, '']
}

export function renderAudit(result: AuditResult): string[] {
  const lines = [header(result), '', ...accountLine(result), ...stagesLine(result)]
  if (result.findings.length === 0) {
    lines.push('No findings: nothing is shared with production.', '', summaryLine(result))
    return lines
  }

  const rows = result.findings.map((finding, index) => ({finding, index: index + 1}))
  lines.push(...renderTable(rows, [
    {get: row => String(row.index), header: '#'},
    {color: (text, row) => SEVERITY_COLOR[row.finding.severity](text), get: row => row.finding.severity, header: 'Severity'},
    {get: row => row.finding.code, header: 'Code'},
    {get: row => row.finding.app, header: 'App'},
    {get: row => names(row.finding), header: 'Involves'},
  ]), '')

  for (const {finding, index} of rows) {
    lines.push(`${index}. ${finding.message}`)
    for (const evidence of finding.evidence ?? []) lines.push(`   evidence: ${evidence}`)
    lines.push(`   fix: ${color.code(finding.remedy)}`, '')
  }

  lines.push(summaryLine(result))
  return lines
}
