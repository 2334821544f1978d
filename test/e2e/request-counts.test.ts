import {expect} from 'chai'

import Audit from '../../src/commands/staging/audit.js'
import Fork from '../../src/commands/staging/fork.js'
import Refresh from '../../src/commands/staging/refresh.js'
import {type Emulator, isolateCommandEnv, requestLines, seedCleanPair, seedIncident, useEmulator, withEmulatorEnv} from '../helpers/emulator.js'
import {runCommand} from '../helpers/run.js'

/**
 * What each command costs in requests, counted in the emulator's journal, against the numbers the
 * code sent before issue 13 reshaped it (measured at bb8be0a on the same scenarios). A reshape may
 * send fewer requests, never more, and exactly the same writes. Polls (an add-on's state, a
 * database's wait status, a transfer's progress) depend on timing and are left out of the reads.
 */
const BEFORE: Record<string, {reads: number; writes: string[]}> = {
  'audit --fix': {
    reads: 43,
    writes: [
      'DELETE /addon-attachments/<id>',
      'PATCH /apps/<id>/config-vars',
      'POST /addon-attachments',
      'POST /client/v11/databases/<id>/backups',
    ],
  },
  'audit --fix --dry-run': {reads: 15, writes: []},
  // Added on purpose (issue 27): 2 reads, the account's couplings and pipelines, read beside the
  // pipeline's own in the first round: every audited app is compared with every production app of the
  // account (here the account has no other, so no other app is loaded).
  'audit --pipeline': {reads: 19, writes: []},
  'audit -a': {reads: 14, writes: []},
  'fork': {
    // Issue 26: production's slug is released only after the fork's audit passes, then the formation is
    // scaled once. Gone: the PATCH that held the formation at 0 before the audit, its 2 formation reads,
    // and the scale's look-up of the app (executeFork's result names it): 43 → 40 reads.
    reads: 40,
    writes: [
      'PATCH /apps/<id>/config-vars',
      'PATCH /apps/<id>/config-vars',
      'PATCH /apps/<id>/formation',
      'POST /apps',
      'POST /apps/<id>/addons',
      'POST /apps/<id>/addons',
      'POST /apps/<id>/addons',
      'POST /apps/<id>/addons',
      'POST /apps/<id>/releases',
      'POST /client/v11/databases/<id>/transfers',
      'POST /pipeline-couplings',
      'PUT /apps/<id>/buildpack-installations',
    ],
  },
  'fork --dry-run': {reads: 15, writes: []},
  'refresh': {
    reads: 30,
    writes: [
      'PATCH /apps/acme-staging',
      'PATCH /apps/acme-staging',
      'POST /client/v11/databases/<id>/backups',
      'POST /client/v11/databases/<id>/transfers',
    ],
  },
  'refresh --data fork': {
    reads: 49,
    writes: [
      'DELETE /addon-attachments/<id>',
      'DELETE /apps/acme-staging/addons/<id>',
      'PATCH /apps/acme-staging',
      'PATCH /apps/acme-staging',
      'POST /addon-attachments',
      'POST /addon-attachments',
      'POST /apps/acme-staging/addons',
      // Added on purpose after bb8be0a: the old database is backed up before it is destroyed (--backup).
      'POST /client/v11/databases/<id>/backups',
    ],
  },
  'refresh --dry-run': {reads: 16, writes: []},
}

const POLL = [
  /^GET \/apps\/[^/]+\/addons\/[^/]+$/,
  /^GET \/client\/v11\/databases\/[^/]+\/wait_status$/,
  /^GET \/client\/v11\/apps\/[^/]+\/transfers\/[^/?]+$/,
]

function counts(emu: Emulator): {reads: number; writes: string[]} {
  const entries = emu.journal().filter(entry => entry.api !== 'control')
  const reads = entries.filter(entry => !entry.mutating && !POLL.some(poll => poll.test(`${entry.method} ${entry.path}`))).length
  return {reads, writes: requestLines(entries.filter(entry => entry.mutating)).sort()}
}

describe('requests per command, against the code before the reshape (issue 13)', function () {
  this.timeout(300_000)
  const fixture = useEmulator({provisioning: 'short'})
  isolateCommandEnv()
  const measured: Record<string, {reads: number; writes: string[]}> = {}

  after(function () {
    // The table, for BENCHMARKS.md and for re-measuring the baseline.
    console.log(JSON.stringify(measured))
  })

  // The incident keeps critical findings after --fix (production's secrets are still copied, which
  // only a rotation repairs): exit 1. A fork copies no secret of production's (issue 26): exit 0.
  const scenarios: Array<{argv: string[]; command: typeof Audit | typeof Fork | typeof Refresh; exit: number; name: string; seed: 'clean' | 'incident'}> = [
    {argv: ['-a', 'acme-staging'], command: Audit, exit: 1, name: 'audit -a', seed: 'incident'},
    {argv: ['--pipeline', 'acme'], command: Audit, exit: 1, name: 'audit --pipeline', seed: 'incident'},
    {argv: ['-a', 'acme-staging', '--fix', '--dry-run'], command: Audit, exit: 1, name: 'audit --fix --dry-run', seed: 'incident'},
    {argv: ['-a', 'acme-staging', '--fix', '--confirm', 'acme-staging'], command: Audit, exit: 1, name: 'audit --fix', seed: 'incident'},
    {argv: ['-a', 'acme-staging', '--dry-run'], command: Refresh, exit: 0, name: 'refresh --dry-run', seed: 'clean'},
    {argv: ['-a', 'acme-staging', '--confirm', 'acme-staging'], command: Refresh, exit: 0, name: 'refresh', seed: 'clean'},
    {argv: ['-a', 'acme-staging', '--confirm', 'acme-staging', '--data', 'fork'], command: Refresh, exit: 0, name: 'refresh --data fork', seed: 'clean'},
    {argv: ['--from', 'acme-production', '--to', 'acme-fork', '--dry-run'], command: Fork, exit: 0, name: 'fork --dry-run', seed: 'clean'},
    {argv: ['--from', 'acme-production', '--to', 'acme-fork', '--data', 'copy'], command: Fork, exit: 0, name: 'fork', seed: 'clean'},
  ]

  for (const scenario of scenarios) {
    it(`${scenario.name}: no more reads, the same writes`, async function () {
      await fixture.reseed(async emu => (scenario.seed === 'clean' ? seedCleanPair(emu) : seedIncident(emu)))
      const run = await withEmulatorEnv(fixture.emu, () => runCommand(scenario.command, scenario.argv))
      const now = counts(fixture.emu)
      measured[scenario.name] = now
      expect(run.error?.oclif?.exit ?? 0, run.error?.message).to.equal(scenario.exit)
      const before = BEFORE[scenario.name]!
      expect(now.writes, 'writes').to.deep.equal(before.writes)
      expect(now.reads, 'reads (polls aside)').to.be.at.most(before.reads)
    })
  }
})
