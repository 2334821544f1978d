import {auditStaging} from '../audit/rules/index.js'
import {ProductionReach} from '../execute/blocks.js'
import type {HerokuClient} from '../heroku/client.js'
import {loadApp} from '../snapshot/load.js'
import type {AppSnapshot} from '../snapshot/types.js'
import type {DatabaseSummary, ForkVerification} from './types.js'
import {ownsAddon, primaryPostgres} from '../snapshot/query.js'

/**
 * The fork's final check: the audit of the new app against production, plus the one fact the
 * incident was about, stated plainly: which add-on DATABASE_URL belongs to, who owns it, and its
 * Postgres version next to production's.
 */

function productionDatabase(production: AppSnapshot): {version?: string} {
  const attachment = primaryPostgres(production)
  return {version: attachment ? production.databases[attachment.addon.id]?.majorVersion : undefined}
}

/**
 * Which add-on the fork's DATABASE_URL belongs to, and whether it reaches production: `--from`, or
 * any other production app of the account (`elsewhere`). Pure.
 */
export function summarizeDatabase(fork: AppSnapshot, production: AppSnapshot, elsewhere: readonly AppSnapshot[] = []): DatabaseSummary {
  const url = fork.configVars.DATABASE_URL
  const attachment = fork.attachments.find(a => a.configVarNames.includes('DATABASE_URL'))
  const reachesProduction = new ProductionReach([production, ...elsewhere], {alsoResolved: [fork]}).of(url) !== undefined
  return {
    addon: attachment?.addon.name,
    attachment: attachment?.name,
    ownedByFork: attachment !== undefined && ownsAddon(fork, attachment.addon),
    owner: attachment?.addon.owner.name,
    productionVersion: productionDatabase(production).version,
    reachesProduction,
    version: attachment ? fork.databases[attachment.addon.id]?.majorVersion : undefined,
  }
}

/**
 * Critical when the audit finds a critical finding, or when DATABASE_URL reaches production or
 * belongs to an add-on the fork does not own while production has a database of its own. The audit
 * compares the fork with `--from` and with every other production app of the account (`account`), as
 * `staging:audit` does.
 */
export function verifyForkSnapshot(fork: AppSnapshot, production: AppSnapshot, account: readonly AppSnapshot[] = []): ForkVerification {
  const elsewhere = account.filter(snapshot => snapshot.app.id !== production.app.id && snapshot.app.id !== fork.app.id)
  const findings = auditStaging(fork, [production], elsewhere)
  const database = summarizeDatabase(fork, production, elsewhere)
  const databaseWrong = database.reachesProduction || (database.attachment !== undefined && !database.ownedByFork)
  const critical = findings.filter(f => f.severity === 'critical').length + (databaseWrong ? 1 : 0)
  return {critical, database, findings}
}

/** Loads the fork as the audit sees it and verifies it against production and the account's other production apps. */
export async function verifyFork(client: HerokuClient, production: AppSnapshot, fork: string, account: readonly AppSnapshot[] = []): Promise<{snapshot: AppSnapshot; verification: ForkVerification}> {
  const snapshot = await loadApp(client, fork, {databases: true, formation: true})
  return {snapshot, verification: verifyForkSnapshot(snapshot, production, account)}
}
