/**
 * Confirmation of `--fix` by the staging app's name: `--confirm` must match exactly; without it
 * the name is asked for on a TTY; with no TTY the repair is refused, naming the flag.
 */

export interface ConfirmIO {
  /** stdin and stderr are both terminals */
  isTTY: boolean
  /** asks one question and returns the answer (the command wires readline to stdin/stderr) */
  ask: (question: string) => Promise<string>
}

export type ConfirmOutcome = {fix: string; message: string; ok: false} | {ok: true}

export async function confirmRepair(expected: string, given: string | undefined, io: ConfirmIO): Promise<ConfirmOutcome> {
  const fix = `Re-run with --confirm ${expected} to repair ${expected}.`
  if (given !== undefined) {
    return given === expected
      ? {ok: true}
      : {fix, message: `Confirmation ${given} did not match ${expected}. Nothing was changed.`, ok: false}
  }

  if (!io.isTTY) return {fix, message: `Refusing to change ${expected} without confirmation: no TTY to ask on. Nothing was changed.`, ok: false}
  const answer = (await io.ask(`To proceed, type ${expected} or re-run this command with --confirm ${expected}: `)).trim()
  return answer === expected ? {ok: true} : {fix, message: `Confirmation did not match ${expected}. Nothing was changed.`, ok: false}
}
