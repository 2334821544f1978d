import type {AuditFinding, AuditResult, Severity} from '../audit/types.js'
import {summaryLine} from './audit.js'

/**
 * `heroku staging:audit --format github`: one GitHub Actions workflow command per finding, so each
 * shows as an annotation on the run, then the summary line. Pure: returns lines, the command prints them.
 *
 * Names only: the text is built from the finding's structured fields (code, app, config var and
 * add-on names, production apps, remedy), never from `message` or `evidence`, which may carry a
 * masked URL or a fingerprint.
 */

const COMMAND: Record<Severity, 'error' | 'notice' | 'warning'> = {critical: 'error', info: 'notice', warning: 'warning'}

/** A workflow command's message, escaped as @actions/core does: `%`, CR and LF. */
export function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
}

/** A workflow command's property value (`title=`): the message's escapes, plus `:` and `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C')
}

function annotationText(finding: AuditFinding): string {
  const names = [...new Set([...finding.addons, ...finding.configVars])]
  const involves = names.length > 0 ? ` involves ${names.join(', ')}` : ''
  const production = finding.production.length > 0 ? ` (production: ${finding.production.join(', ')})` : ''
  return `${finding.app}${involves}${production}. Fix: ${finding.remedy}`
}

/** `::error title=SHARED_DATABASE::acme-staging involves DATABASE_URL (production: acme-production). Fix: …` */
export function githubAnnotation(finding: AuditFinding): string {
  return `::${COMMAND[finding.severity]} title=${escapeProperty(finding.code)}::${escapeData(annotationText(finding))}`
}

export function renderGithub(result: AuditResult): string[] {
  return [...result.findings.map(finding => githubAnnotation(finding)), summaryLine(result)]
}
