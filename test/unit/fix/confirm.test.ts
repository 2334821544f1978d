import {expect} from 'chai'

import {ConfirmCancelled, confirmRepair, type ConfirmIO} from '../../../src/lib/fix/confirm.js'

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

describe('fix: confirmRepair', function () {
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
})
