import {APIClient} from '@heroku-cli/command'
import type {Interfaces} from '@oclif/core'

import {ExitCode} from '../exit-codes.js'
import {HerokuClient} from '../heroku/client.js'
import {apiOf} from '../heroku/api.js'
import {allProtected} from '../protect/policy.js'
import {redact, registerArgvSecrets, SecretRegistry, withSecrets} from '../secrets/index.js'
import {agentRun, forAgent, hasConsent} from './consent.js'
import {EffectChecker, type EffectFinding, type ProductionSources} from './effect-check.js'
import {classifyRequest, type Effect} from '../heroku/routes.js'
import type {InterceptedRequest} from './intercept.js'
import {OVERRIDE_ENV} from './decide.js'
import {shellQuote} from './message.js'

/**
 * The effect guard's decision for one intercepted request: classify it (effects.ts), ask whether the
 * effect touches production (effect-check.ts), and refuse it before it is sent, or let it through.
 * HEROKU_STAGING_ALLOW_PRODUCTION lets through only the one production app it names; under a coding agent
 * without a terminal, only once a person allowed that app with `heroku staging:allow` (consent.ts).
 */

type Env = Readonly<Record<string, string | undefined>>

export interface EffectGuardContext {
  argv: readonly string[]
  commandId: string
  config: Interfaces.Config
  env: Env
  /** throws (oclif's hook context: errors.error) */
  error(message: string, options: {exit: number}): void
  stdinIsTTY: boolean | undefined
  warn(message: string): void
}

const CATEGORY: Record<Effect['kind'], string> = {
  'addon-create': 're-wire production',
  'addon-destroy': "destroy production's data",
  'addon-plan': "move production's data to another plan",
  'app-destroy': 'destroy production',
  'app-rename': 'demote production',
  'attachment-create': 're-wire production',
  'attachment-delete': 're-wire production',
  'backup-delete': "destroy production's data",
  'config-write': 're-wire production',
  coupling: 'demote production',
  credentials: "rotate or destroy production's credentials",
  'database-write': "overwrite production's data",
  'pipeline-delete': 'demote production',
  rollback: 're-wire production',
  transfer: "overwrite production's data",
  unknown: 'touch production',
}

export function commandText(id: string, argv: readonly string[]): string {
  return ['heroku', id, ...argv.map(arg => shellQuote(arg))].join(' ')
}

/** The app the override lets through: exactly one production app, named exactly; undefined otherwise. */
export function overrideCovers(findings: readonly EffectFinding[], given: string | undefined): string | undefined {
  const apps = [...new Set(findings.flatMap(f => f.apps))]
  if (!given || apps.length !== 1 || findings.some(f => f.apps.length === 0)) return undefined
  return apps[0] === given ? apps[0] : undefined
}

export interface RefusalInput {
  /** the coding agent's variable, when the run looks like one's: no override to paste is printed */
  agent?: string
  command: string
  effect: Effect
  findings: EffectFinding[]
  given?: string
  request: {method: string; path: string}
}

/** The refusal for production findings. Never suggests any app but the production one it found. */
export function renderEffectRefusal(input: RefusalInput): string {
  const apps = [...new Set(input.findings.flatMap(f => f.apps))].sort()
  const lines = [`heroku-staging refused ${input.command}: its request ${input.request.method} ${input.request.path.split('?')[0]} would ${CATEGORY[input.effect.kind]}, so it was not sent.`]
  for (const finding of input.findings) {
    lines.push(`Would ${finding.what}.`, 'Why it counts as production:', ...finding.why.map(why => `  - ${why}.`))
  }

  lines.push('To proceed:', ...input.findings.flatMap(f => f.fix ?? []).map(fix => `  - ${fix}`), '  - If you meant a staging app, run the command against the staging app instead.')
  if (input.given !== undefined && !overrideCovers(input.findings, input.given)) {
    lines.push(`  - ${OVERRIDE_ENV} is set to ${input.given}, but it allows nothing here: it must name the one production app involved, exactly.`)
  }

  if (apps.length > 1) {
    lines.push(`  - This involves several production apps (${apps.join(', ')}); ${OVERRIDE_ENV} allows one app only.`)
  } else {
    lines.push(`  - To do this on purpose, allow that one app for this one command: ${OVERRIDE_ENV}=${apps[0]} ${input.command}`)
  }

  const text = lines.join('\n')
  return input.agent ? forAgent(text, input.agent) : text
}

export function renderUndecided(command: string, request: {method: string; path: string}, reason: string): string {
  return [
    `heroku-staging refused ${command}: it could not tell whether its request ${request.method} ${request.path.split('?')[0]} touches production, so it was not sent.`,
    `The read it needed failed: ${reason}.`,
    'To proceed:',
    '  - Run it again; if the read keeps failing, run it as an account that can see every app involved, and name the app explicitly (-a APP, or APP::DATABASE for a database).',
    `  - ${OVERRIDE_ENV} does not apply: it allows only a production app the guard has identified.`,
  ].join('\n')
}

interface Prepared {
  checker: EffectChecker
}

/** Builds the request check for one command run (the interceptor calls it for every mutating request). */
export function effectGuard(context: EffectGuardContext): (request: InterceptedRequest) => Promise<void> {
  let prepared: Promise<Prepared> | undefined
  const secrets = new SecretRegistry()
  secrets.registerToken(context.env.HEROKU_API_KEY)
  registerArgvSecrets(secrets, context.argv)
  const command = commandText(context.commandId, context.argv)

  const prepare = async (): Promise<Prepared> => {
    const client = new HerokuClient(new APIClient(context.config), {maxRetries: 1, secrets})
    let couplings: ReturnType<ProductionSources['couplings']> | undefined
    const protectedApps = await allProtected(context.config.configDir)
    const sources: ProductionSources = {
      couplings: async () => {
        couplings ??= apiOf(client).allCouplingsNamed() as ReturnType<ProductionSources['couplings']>
        return couplings
      },
      protectedApps,
    }
    // Listed while the effect's own reads run: no round trip of its own on the critical path.
    sources.couplings().catch(() => {})
    return {checker: new EffectChecker(client, sources)}
  }

  return async request => withSecrets(secrets, async () => {
    const effect = classifyRequest(request)
    if (!effect) return
    prepared ??= prepare()
    let checker: EffectChecker
    try {
      ({checker} = await prepared)
    } catch (error) {
      const reason = `the production registry could not load (${error instanceof Error ? error.message : String(error)})`
      context.error(redact(renderUndecided(command, request, reason)), {exit: ExitCode.Refused})
      return
    }

    const verdict = await checker.verdict(effect)
    if (verdict.kind === 'clear') return
    if (verdict.kind === 'undecided') {
      context.error(redact(renderUndecided(command, request, verdict.reason)), {exit: ExitCode.Refused})
      return
    }

    const given = context.env[OVERRIDE_ENV] || undefined
    const agent = agentRun(context.env, context.stdinIsTTY)
    const covered = overrideCovers(verdict.findings, given)
    if (covered && (!agent || await hasConsent(context.config.configDir, covered))) {
      context.warn(redact(`${OVERRIDE_ENV}=${given}: letting ${request.method} ${request.path.split('?')[0]} ${CATEGORY[effect.kind]} on purpose: ${verdict.findings.map(f => f.what).join('; ')}.`))
      return
    }

    context.error(redact(renderEffectRefusal({agent, command, effect, findings: verdict.findings, given, request})), {exit: ExitCode.Refused})
  })
}
