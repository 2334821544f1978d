import {auditStaging} from '../../../../src/lib/audit/rules/index.js'
import type {AuditFinding, FindingCode} from '../../../../src/lib/audit/types.js'
import type {AppSnapshot} from '../../../../src/lib/snapshot/types.js'
import {cleanStagingSnapshot, productionSnapshot, STAGING_ID} from '../../../fixtures/snapshots.js'

/** What the rule-family tests share: the staging app of the fixtures, and one audit against production. */

export const STAGING = {id: STAGING_ID, name: 'acme-staging'}

export function audit(staging: AppSnapshot, production: AppSnapshot[] = [productionSnapshot()]): AuditFinding[] {
  return auditStaging(staging, production)
}

export function only(findings: AuditFinding[], code: FindingCode): AuditFinding[] {
  return findings.filter(finding => finding.code === code)
}

export function withVars(vars: Record<string, string>, base: AppSnapshot = cleanStagingSnapshot()): AppSnapshot {
  return {...base, configVars: {...base.configVars, ...vars}}
}
