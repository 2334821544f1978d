import {createInterface} from 'node:readline/promises'

import {looksSecretToken} from '../secrets/index.js'

/** What an app name can look like (Heroku: letters, digits and dashes), in any case. */
const APP_NAME = /^[a-z][\da-z-]{0,99}$/i

/**
 * Confirmation by an app's name, for the commands that change or wipe something (`staging:audit
 * --fix`, `staging:refresh`): `--confirm` must match exactly; without it the name is asked for on a
 * TTY; with no TTY the command refuses, naming the flag. Ctrl-C at the prompt cancels.
 */

export interface ConfirmIO {
  /** stdin and stderr are both terminals */
  isTTY: boolean
  /** asks one question and returns the answer (the command wires readline to stdin/stderr) */
  ask: (question: string) => Promise<string>
}

/** What a refusal says, in the words of the command asking. */
export interface ConfirmTexts {
  /** the fix after a name that does not match */
  mismatchFix: string
  /** the refusal without --confirm and without a TTY */
  noTty: {fix: string; message: string}
}

export type ConfirmOutcome = {fix: string; message: string; ok: false} | {ok: true}

/** Ctrl-C at the prompt. */
export class ConfirmCancelled extends Error {
  constructor() {
    super('Cancelled.')
    this.name = 'ConfirmCancelled'
  }
}

/** The prompt on the terminal: the question on stderr, the answer from stdin; Ctrl-C cancels. */
export function terminalConfirmIO(): ConfirmIO {
  return {
    async ask(question) {
      const prompt = createInterface({input: process.stdin, output: process.stderr})
      try {
        return await new Promise<string>((resolve, reject) => {
          prompt.once('SIGINT', () => reject(new ConfirmCancelled()))
          prompt.question(question).then(resolve, reject)
        })
      } finally {
        prompt.close()
      }
    },
    isTTY: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  }
}

export async function confirmByName(expected: string, given: string | undefined, io: ConfirmIO, texts: ConfirmTexts): Promise<ConfirmOutcome> {
  const fix = texts.mismatchFix
  if (given !== undefined) {
    // A typo of an app name is shown; anything else may be a value pasted by mistake, and is not echoed.
    const shown = APP_NAME.test(given) && !looksSecretToken(given) ? given : '(hidden: not an app name)'
    return given === expected
      ? {ok: true}
      : {fix, message: `Confirmation ${shown} did not match ${expected}. Nothing was changed.`, ok: false}
  }

  if (!io.isTTY) return {...texts.noTty, ok: false}
  let answer: string
  try {
    answer = (await io.ask(`To proceed, type ${expected} or re-run this command with --confirm ${expected}: `)).trim()
  } catch (error) {
    if (error instanceof ConfirmCancelled) return {fix: `Re-run with --confirm ${expected} when you are sure.`, message: 'Cancelled. Nothing was changed.', ok: false}
    throw error
  }

  return answer === expected ? {ok: true} : {fix, message: `Confirmation did not match ${expected}. Nothing was changed.`, ok: false}
}
