import {randomBytes} from 'node:crypto'
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {ActionableError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {currentSecrets} from '../secrets/index.js'
import {hmacPads} from './sanitize.js'

/**
 * The key of the rules' pseudonyms (fake_email, fake_phone, fake_name, hash, random_int, random_date):
 * from HEROKU_STAGING_PSEUDONYM_KEY, else generated once (32 random bytes) into the plugin's config
 * directory, readable by its owner only. Never in the rules file, the database, the SQL, a log or any
 * output: every form of it is registered with the run's secrets, so it is masked if it ever were printed.
 * The same key gives the same pseudonyms on every refresh: keep it (or set the variable in CI) to keep
 * joins across refreshes stable; change it to unlink them.
 */

export const KEY_ENV = 'HEROKU_STAGING_PSEUDONYM_KEY'
export const KEY_FILE = 'pseudonym.key'
/** A key shorter than this is guessable: refused. */
const MIN_KEY_CHARS = 16

export interface PseudonymKey {
  key: Buffer
  /** where it came from, for the plan: the variable, the file, or a file created now */
  source: 'created' | 'env' | 'file'
  file?: string
}

function register(key: Buffer): void {
  const pads = hmacPads(key)
  const secrets = currentSecrets()
  for (const form of [key.toString('utf8'), key.toString('hex'), pads.inner, pads.outer]) secrets.register(form)
}

function tooShort(where: string): ActionableError {
  return new ActionableError(
    `The pseudonym key in ${where} is shorter than ${MIN_KEY_CHARS} characters: its pseudonyms could be recomputed by guessing it.`,
    `Set a long random key, e.g. export ${KEY_ENV}=$(openssl rand -hex 32), or unset it to use the one kept in the plugin's config directory.`,
    ExitCode.Usage,
  )
}

/** The pseudonym key: the environment's, else the config directory's, created there on first use. */
export async function loadPseudonymKey(configDir: string, env: NodeJS.ProcessEnv = process.env): Promise<PseudonymKey> {
  const fromEnv = env[KEY_ENV]
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.trim().length < MIN_KEY_CHARS) throw tooShort(KEY_ENV)
    const key = Buffer.from(fromEnv.trim(), 'utf8')
    register(key)
    return {key, source: 'env'}
  }

  const file = path.join(configDir, KEY_FILE)
  let text: string | undefined
  try {
    text = (await readFile(file, 'utf8')).trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ActionableError(`Cannot read the pseudonym key ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, `Fix its permissions, or set ${KEY_ENV}.`, ExitCode.Usage)
    }
  }

  if (text !== undefined) {
    if (text.length < MIN_KEY_CHARS) throw tooShort(file)
    const key = Buffer.from(text, 'utf8')
    register(key)
    return {file, key, source: 'file'}
  }

  const created = randomBytes(32).toString('hex')
  await mkdir(configDir, {recursive: true})
  // `wx`: two refreshes starting at once never overwrite each other's key; the loser reads the winner's.
  try {
    await writeFile(file, `${created}\n`, {flag: 'wx', mode: 0o600})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadPseudonymKey(configDir, env)
    throw error
  }

  await chmod(file, 0o600)
  const key = Buffer.from(created, 'utf8')
  register(key)
  return {file, key, source: 'created'}
}
