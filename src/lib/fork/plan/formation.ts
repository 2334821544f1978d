import type {AppSnapshot} from '../../snapshot/types.js'
import type {ForkOptions, FormationPlanItem, PlanProblem} from '../types.js'

/** The fork's formation: production's process types, web at 1 and the rest at 0 unless `--scale` says otherwise. */
export function planFormation(production: AppSnapshot, options: ForkOptions, problems: PlanProblem[]): FormationPlanItem[] {
  const items = production.formation.map(entry => ({
    productionQuantity: entry.quantity,
    quantity: options.scale[entry.type] ?? (entry.type === 'web' ? 1 : 0),
    size: entry.size,
    type: entry.type,
  }))
  for (const type of Object.keys(options.scale)) {
    if (!items.some(item => item.type === type)) {
      problems.push({
        fix: `Remove --scale ${type}=…; production's process types: ${items.map(i => i.type).join(', ') || 'none'}.`,
        message: `--scale ${type}: production has no process type ${type}.`,
      })
    }
  }

  return items.sort((a, b) => a.type.localeCompare(b.type))
}
