import {expect} from 'chai'

import {bytesProgress, stepProgress} from '../../../src/lib/execute/progress.js'
import type {StepEvent} from '../../../src/lib/execute/steps.js'

const bytes = (done: number, total?: number): StepEvent => ({bytes: {done, total}, kind: 'progress', label: 'Copy the data', message: 'b012', step: 'data'})

describe('stepProgress: the one progress renderer of fork, fix and refresh', function () {
  it('shows a step as it starts, its news and how it ended, with the detail', function () {
    const line = stepProgress()
    expect(line({kind: 'start', label: 'Release', step: 'release'})).to.equal('… Release')
    expect(line({kind: 'progress', label: 'Provision', message: 'db-1: creating', step: 'addon'})).to.equal('  Provision: db-1: creating')
    expect(line({detail: 'v7', kind: 'end', label: 'Release', status: 'already-done', step: 'release'})).to.equal('• Release: already done (v7)')
    expect(line({detail: 'b012', kind: 'end', label: 'Back up db-1', status: 'done', step: 'backup'})).to.equal('✓ Back up db-1: done (b012)')
    expect(line({kind: 'end', label: 'Pipeline', status: 'skipped', step: 'pipeline'})).to.equal('– Pipeline: skipped')
    expect(line({detail: 'web=1', kind: 'end', label: 'Scale down', status: 'undone', step: 'scale'})).to.equal('↺ Scale down: undone (web=1)')
  })

  it('leaves a failed step\'s reason to the error that follows (told once)', function () {
    expect(stepProgress()({detail: 'connection lost', kind: 'end', label: 'Back up db-1', status: 'failed', step: 'backup'})).to.equal('✗ Back up db-1: failed')
  })

  it('shows bytes in base-1000 units, with the share of the total when known', function () {
    expect(bytesProgress(5_000_000, 20_000_000)).to.equal('5.0 MB / 20.0 MB (25%)')
    expect(bytesProgress(5 * 1024 ** 2, undefined)).to.equal('5.2 MB / ?')
    expect(stepProgress()(bytes(1_500_000, 3_000_000))).to.equal('  Copy the data: b012 1.5 MB / 3.0 MB (50%)')
  })

  it('shows a step\'s bytes at most once a second, each step on its own clock', function () {
    let now = 0
    const line = stepProgress(() => now)
    expect(line(bytes(1000))).to.not.equal(undefined)
    now = 999
    expect(line(bytes(2000))).to.equal(undefined)
    expect(line({...bytes(2000), step: 'other'})).to.not.equal(undefined)
    now = 1000
    expect(line(bytes(3000))).to.equal('  Copy the data: b012 3.0 kB / ?')
  })
})
