import {finding, type Rule} from './context.js'

/** The process rule: background process types that run on staging without a request. */

/** Process types that act without a request. */
const BACKGROUND_PROCESS = /worker|clock|scheduler|cron|sidekiq|celery|resque|jobs?\b|queue/i

/** ACTIVE_WORKER: worker, clock and similar process types scaled above zero on staging. */
export const activeWorker: Rule = context => {
  const app = context.staging.app.name
  return [...context.staging.formation]
    .sort((a, b) => a.type.localeCompare(b.type))
    .filter(entry => entry.quantity > 0 && BACKGROUND_PROCESS.test(entry.type))
    .map(entry => finding(context, 'ACTIVE_WORKER', {
      message: `process type ${entry.type} runs ${entry.quantity} × ${entry.size} on staging`,
      subject: {action: {app, kind: 'scale-down', processType: entry.type}, process: {quantity: entry.quantity, size: entry.size, type: entry.type}},
    }))
}

