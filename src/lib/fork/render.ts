import type {ConfigDecision, ConfigGroup, ForkPlan, ForkResult, ForkVerification} from './types.js'

/**
 * Human rendering of the fork: pure functions returning lines; the command prints them (through
 * redaction). Names only: no config var value ever reaches these functions.
 */

function table(rows: string[][], indent = '  '): string[] {
  const widths: number[] = []
  for (const row of rows) for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length)
  return rows.map(row => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
}

export function formatPrice(cents: number | undefined): string {
  if (cents === undefined) return '?'
  return cents === 0 ? 'free' : `$${(cents / 100).toFixed(cents % 100 === 0 ? 0 : 2)}/mo`
}

const GROUP_TITLES: Record<ConfigGroup, string> = {
  copied: 'Copied (plain settings, public material, and what --copy-config names)',
  'per-environment': 'Not copied, not regenerated: keys that decrypt files committed for production',
  production: 'Never copied: add-on-owned, or reaching production',
  regenerated: 'Regenerated: a fresh random value of the same length and alphabet',
  set: 'Set with --set',
  withheld: 'Not copied: credentials and other secrets (give staging its own with --set)',
}
const GROUP_ORDER: ConfigGroup[] = ['production', 'regenerated', 'per-environment', 'withheld', 'set', 'copied']

/** The config decisions by group, names only; a withheld one shows the `--set` that gives staging its own. */
export function renderConfig(config: readonly ConfigDecision[]): string[] {
  if (config.length === 0) return ['  none']
  const lines: string[] = []
  for (const group of GROUP_ORDER) {
    const members = config.filter(d => d.group === group)
    if (members.length === 0) continue
    lines.push(`  ${GROUP_TITLES[group]}`)
    const rows = members.map(d => [d.key, d.reason, d.fix ?? ''].filter((cell, i) => i < 2 || cell))
    lines.push(...table(rows, '    '))
  }

  return lines
}

export function renderPlan(plan: ForkPlan): string[] {
  const lines: string[] = []
  const {source, target} = plan
  lines.push(
    `Fork ${source.name} → ${target.name} (${plan.resume ? 'existing fork: continuing' : 'new app'})`,
    `  ${target.generation ? `${target.generation} generation, ` : ''}${target.space ? `space ${target.space}, ` : `region ${target.region ?? '(default)'}, `}stack ${target.stack ?? (target.generation === 'fir' ? 'none (Fir)' : '(default)')}, ${target.team ? `team ${target.team}` : 'personal app'}`,
    `  buildpacks: ${plan.buildpacks.join(', ') || 'none'}`,
    '',
    'Add-ons',
  )
  const addonRows = [['ACTION', 'PRODUCTION ADD-ON', 'OWNER', 'ON THE FORK', 'PLAN', 'PRICE', 'WHY']]
  for (const item of plan.addons) {
    const version = item.version ? ` (Postgres ${item.version})` : ''
    addonRows.push([
      item.action,
      item.source.name,
      item.source.owner,
      item.attachments.join(', ') || '-',
      item.action === 'provision' ? `${item.plan ?? ''}${version}` : item.source.plan,
      item.action === 'provision' ? formatPrice(item.priceCents) : '-',
      item.reason + (item.data ? `; data: ${item.data.reason}` : ''),
    ])
  }

  lines.push(...(plan.addons.length > 0 ? table(addonRows) : ['  none']), '', 'Config vars (names only)', ...renderConfig(plan.config))
  if (plan.identicalSecrets.length > 0) lines.push(`  copied on purpose, identical to production's: ${plan.identicalSecrets.join(', ')}`)
  lines.push('', 'Formation (scaled only once the audit has no critical finding)')
  const formationRows = plan.formation.map(f => [f.type, `${f.quantity} × ${f.size}`, `(production: ${f.productionQuantity})`])
  lines.push(...(formationRows.length > 0 ? table(formationRows) : ['  none']), '', 'Release (only once the audit has no critical finding, so no dyno runs before it)')
  lines.push(plan.release ? `  production's ${plan.release.ociImageId ? 'OCI image' : 'slug'} of v${plan.release.version} ("${plan.release.description}")` : '  none: production has no slug or OCI image')
  lines.push('', 'Pipeline', plan.pipeline ? `  ${plan.pipeline.name}, stage ${plan.pipeline.stage}` : '  none: production is in no pipeline')
  lines.push('', `Add-ons provisioned cost ${formatPrice(plan.monthlyCents)} in total (plan API prices)`)
  if (plan.warnings.length > 0) lines.push('', 'Warnings', ...plan.warnings.map(w => `  ! ${w}`))
  if (plan.problems.length > 0) lines.push('', 'Problems (the fork cannot start)', ...plan.problems.map(p => `  ✗ ${p.message} ${p.fix}`))
  return lines
}

export function renderVerification(app: string, verification: ForkVerification): string[] {
  const {database} = verification
  const lines: string[] = []
  if (database.attachment) {
    lines.push(`DATABASE_URL of ${app} belongs to ${database.addon ?? '?'} (attachment ${database.attachment}), owned by ${database.owner ?? '?'}${database.ownedByFork ? ' (the fork)' : ' (NOT the fork)'}`)
    lines.push(`  Postgres ${database.version ?? '?'} (production: ${database.productionVersion ?? '?'})${database.reachesProduction ? ' — REACHES PRODUCTION' : ''}`)
  } else {
    lines.push(`${app} has no DATABASE_URL from an add-on${database.reachesProduction ? ', and its DATABASE_URL REACHES PRODUCTION' : ''}`)
  }

  const count = (severity: string) => verification.findings.filter(f => f.severity === severity).length
  lines.push(`Audit of ${app}: ${count('critical')} critical, ${count('warning')} warning, ${count('info')} info`)
  for (const finding of verification.findings) lines.push(`  ${finding.severity.padEnd(8)} ${finding.code}: ${finding.message}`, `           fix: ${finding.remedy}`)
  return lines
}

export function renderResult(result: ForkResult): string[] {
  const lines: string[] = []
  const took = `(${((result.elapsedMs ?? 0) / 1000).toFixed(1)} s)`
  if (result.app && result.dynos === 'held') {
    // The scale step found no formation: nothing of production's code was ever released on the fork.
    const released = result.steps.find(step => step.id === 'scale')?.status !== 'skipped'
    const what = released ? 'its dynos are held at 0' : 'production\'s code is not released and no dyno runs'
    lines.push('', `Fork ${result.app.name} is made but ${what}: its audit has a critical finding ${took}`)
  } else if (result.app) lines.push('', `Fork ${result.app.name} is ready${result.app.webUrl ? ` at ${result.app.webUrl}` : ''} ${took}`)
  if (result.verification && result.app) lines.push(...renderVerification(result.app.name, result.verification))
  return lines
}
