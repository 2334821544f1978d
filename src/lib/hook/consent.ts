import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'

/**
 * Overrides a coding agent cannot give itself. When the command runs without a terminal (stdin is not a
 * TTY) under a known coding agent, HEROKU_STAGING_ALLOW_PRODUCTION alone allows nothing: a person must
 * first run `heroku staging:allow APP --for 15m` at a terminal, typing the app's name; that consent is
 * kept in the CLI's config directory and expires.
 */

/**
 * Environment variables coding agents set in the shells they run commands in (checked 2026-12):
 * Claude Code `CLAUDECODE=1`, Cursor's agent `CURSOR_AGENT=1`, OpenAI Codex CLI `CODEX_SANDBOX` /
 * `CODEX_SANDBOX_NETWORK_DISABLED`, Gemini CLI `GEMINI_CLI=1`, Goose `GOOSE_TERMINAL=1`, Amp `AMP_CURRENT_THREAD_ID`, opencode
 * `OPENCODE=1`, Cline `CLINE_ACTIVE=true`, and the plugin's own `HEROKU_STAGING_AGENT=1` for anything else.
 */
export const AGENT_VARIABLES = [
  'CLAUDECODE',
  'CURSOR_AGENT',
  'CODEX_SANDBOX',
  'CODEX_SANDBOX_NETWORK_DISABLED',
  'GEMINI_CLI',
  'GOOSE_TERMINAL',
  'AMP_CURRENT_THREAD_ID',
  'OPENCODE',
  'CLINE_ACTIVE',
  'HEROKU_STAGING_AGENT',
] as const

type Env = Readonly<Record<string, string | undefined>>

/** The agent variable that is set, when the command runs without a terminal; undefined otherwise. */
export function agentRun(env: Env, stdinIsTTY: boolean | undefined): string | undefined {
  if (stdinIsTTY) return undefined
  return AGENT_VARIABLES.find(name => {
    const value = env[name]
    return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
  })
}

export const CONSENT_FILE = 'staging-consent.json'
/** The longest consent one staging:allow gives. */
export const MAX_CONSENT_MS = 4 * 60 * 60 * 1000

export interface Consent {
  app: string
  /** ISO time it expires */
  until: string
}

export function consentFile(configDir: string): string {
  return path.join(configDir, CONSENT_FILE)
}

/** Every consent not yet expired. A missing or unreadable file means none (no consent is ever assumed). */
export async function readConsents(configDir: string, now: Date = new Date()): Promise<Consent[]> {
  try {
    const parsed = JSON.parse(await readFile(consentFile(configDir), 'utf8')) as {consents?: unknown}
    if (!Array.isArray(parsed.consents)) return []
    return parsed.consents.filter((c): c is Consent => Boolean(c) && typeof (c as Consent).app === 'string' && typeof (c as Consent).until === 'string')
      .filter(c => Date.parse(c.until) > now.getTime())
  } catch {
    return []
  }
}

/** True when a person allowed this production app at a terminal and the consent has not expired. */
export async function hasConsent(configDir: string, app: string, now: Date = new Date()): Promise<boolean> {
  return (await readConsents(configDir, now)).some(c => c.app.toLowerCase() === app.toLowerCase())
}

export async function grantConsent(configDir: string, app: string, forMs: number, now: Date = new Date()): Promise<Consent> {
  const consent = {app, until: new Date(now.getTime() + forMs).toISOString()}
  const kept = (await readConsents(configDir, now)).filter(c => c.app.toLowerCase() !== app.toLowerCase())
  await mkdir(configDir, {recursive: true})
  const file = consentFile(configDir)
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, JSON.stringify({consents: [...kept, consent]}, null, 2) + '\n', {mode: 0o600})
  await rename(temporary, file)
  return consent
}

/** `15m`, `1h`, `90s`, `2h30m` → milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/i.exec(text.trim())
  if (!match || text.trim() === '') return undefined
  const [, h = '0', m = '0', s = '0'] = match
  const ms = ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000
  return ms > 0 ? ms : undefined
}

const PASTE_LINE = /^ {2}- To do this on purpose, allow that one app for this one command: HEROKU_STAGING_ALLOW_PRODUCTION=(\S+) .*$/m

/** A refusal as a coding agent may see it: the ready-to-paste override becomes a person's step at a terminal. */
export function forAgent(text: string, agent: string): string {
  return text.replace(PASTE_LINE, (_, app: string) => `  - This run looks like a coding agent's (${agent} is set, no terminal): only a person can allow production.\n    A person must run heroku staging:allow ${app} --for 15m at a terminal, and decide whether to run this command.`)
}
