import {expect} from 'chai'

import {confirmByName, ConfirmCancelled, type ConfirmIO} from '../../../../src/lib/command/confirm.js'
import {repairConfirmTexts, wipeConfirmTexts} from '../../../../src/lib/command/terminal.js'

function io(answer: Error | string, isTTY = true): ConfirmIO & {asked: string[]} {
  const asked: string[] = []
  return {
    asked,
    async ask(question) {
      asked.push(question)
      if (answer instanceof Error) throw answer
      return answer
    },
    isTTY,
  }
}

/** --fix's confirmation, as staging:audit --fix asks it. */
async function confirmRepair(expected: string, given: string | undefined, terminal: ConfirmIO) {
  return confirmByName(expected, given, terminal, repairConfirmTexts(expected))
}

describe('command: confirmation by name (src/lib/command/confirm.ts)', function () {
  it('accepts --confirm equal to the app name, without asking', async function () {
    const terminal = io('never asked')
    expect(await confirmRepair('acme-staging', 'acme-staging', terminal)).to.deep.equal({ok: true})
    expect(terminal.asked).to.deep.equal([])
  })

  it('refuses a --confirm that differs in any way, naming the flag', async function () {
    for (const given of ['acme-production', 'Acme-staging', 'acme-staging ', '']) {
      const outcome = await confirmRepair('acme-staging', given, io('acme-staging'))
      expect(outcome, JSON.stringify(given)).to.deep.include({ok: false})
      expect(outcome.ok === false && outcome.fix).to.equal('Re-run with --confirm acme-staging to repair acme-staging.')
    }
  })

  it('refuses without --confirm when there is no TTY, naming the flag', async function () {
    const outcome = await confirmRepair('acme-staging', undefined, io('acme-staging', false))
    expect(outcome).to.deep.include({message: 'Refusing to change acme-staging without confirmation: no TTY to ask on. Nothing was changed.', ok: false})
  })

  it('asks on a TTY and accepts the exact name (surrounding spaces ignored)', async function () {
    const terminal = io(' acme-staging\n')
    expect(await confirmRepair('acme-staging', undefined, terminal)).to.deep.equal({ok: true})
    expect(terminal.asked).to.deep.equal(['To proceed, type acme-staging or re-run this command with --confirm acme-staging: '])
  })

  it('refuses a wrong answer at the prompt, and Ctrl-C', async function () {
    expect(await confirmRepair('acme-staging', undefined, io('acme-production'))).to.deep.include({message: 'Confirmation did not match acme-staging. Nothing was changed.', ok: false})
    expect(await confirmRepair('acme-staging', undefined, io(new ConfirmCancelled()))).to.deep.include({message: 'Cancelled. Nothing was changed.', ok: false})
  })

  it('speaks the words of staging:refresh: the target database is wiped', async function () {
    const texts = wipeConfirmTexts('acme-staging')
    expect(await confirmByName('acme-staging', 'acme-staging', io('never asked'), texts)).to.deep.equal({ok: true})
    expect(await confirmByName('acme-staging', 'acme-production', io('never asked'), texts)).to.deep.equal({
      fix: "Re-run with --confirm acme-staging to wipe acme-staging's target database.",
      message: 'Confirmation acme-production did not match acme-staging. Nothing was changed.',
      ok: false,
    })
    expect(await confirmByName('acme-staging', undefined, io('acme-staging', false), texts)).to.deep.equal({
      fix: 'Re-run with --confirm acme-staging.',
      message: "Refusing to wipe acme-staging's database without confirmation: no TTY to ask on.",
      ok: false,
    })
    expect(await confirmByName('acme-staging', undefined, io('nope'), texts)).to.deep.include({fix: "Re-run with --confirm acme-staging to wipe acme-staging's target database.", ok: false})
  })

  it('never echoes a --confirm value that is not an app name (a secret pasted by mistake)', async function () {
    for (const given of ['sk_live_51HcQ2eKx9vB7nT3mZ8pL4rW', 'postgres://u:pw-secret-value@host:5432/db']) {
      const outcome = await confirmRepair('acme-staging', given, io(''))
      expect(outcome).to.deep.include({message: 'Confirmation (hidden: not an app name) did not match acme-staging. Nothing was changed.', ok: false})
    }
  })
})
