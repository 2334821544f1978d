import {expect} from 'chai'

import {runSteps, type Step, type StepEvent, StepsFailedError, type StepRun} from '../../../src/lib/execute/steps.js'
import {ExitCode} from '../../../src/lib/exit-codes.js'
import {WaitAbortedError} from '../../../src/lib/heroku/wait.js'

const tick = async (): Promise<void> => new Promise(resolve => {
  setTimeout(resolve, 2)
})

/** Steps that log when they start and end, and count how many run at once. */
function recorder() {
  const log: string[] = []
  let running = 0
  let most = 0
  const step = (id: string, extra: Partial<Step> = {}): Step => ({
    async apply() {
      running++
      most = Math.max(most, running)
      log.push(`start ${id}`)
      await tick()
      log.push(`end ${id}`)
      running--
    },
    id,
    label: `Step ${id}`,
    ...extra,
  })
  return {log, most: () => most, step}
}

const statuses = (run: StepRun) => Object.fromEntries(run.reports.map(report => [report.id, report.status]))

describe('execute: runSteps', function () {
  it('runs steps one after another, in list order, with concurrency 1', async function () {
    const {log, most, step} = recorder()
    const run = await runSteps([step('a'), step('b'), step('c')], {concurrency: 1})
    expect(run.failure).to.equal(undefined)
    expect(log).to.deep.equal(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
    expect(most()).to.equal(1)
    expect(statuses(run)).to.deep.equal({a: 'done', b: 'done', c: 'done'})
  })

  it('runs steps as soon as their deps are met, side by side, within the concurrency bound', async function () {
    const {log, most, step} = recorder()
    const steps = [step('app'), step('x', {deps: ['app']}), step('y', {deps: ['app']}), step('z', {deps: ['app']}), step('last', {deps: ['x', 'y', 'z']})]
    const run = await runSteps(steps, {concurrency: 2})
    expect(run.failure).to.equal(undefined)
    expect(most(), 'two at once, never three').to.equal(2)
    expect(log.indexOf('start x')).to.be.greaterThan(log.indexOf('end app'))
    expect(log.indexOf('start y'), 'y overlaps x').to.be.lessThan(log.indexOf('end x'))
    expect(log.indexOf('start last')).to.be.greaterThan(Math.max(log.indexOf('end x'), log.indexOf('end y'), log.indexOf('end z')))
  })

  it('runs every ready step at once without a bound', async function () {
    const {most, step} = recorder()
    await runSteps([step('a'), step('b'), step('c')])
    expect(most()).to.equal(3)
  })

  it('skips apply when the check finds the step already done, and lets its dependents run', async function () {
    const applied: string[] = []
    const steps: Step[] = [
      {
        async apply() {
          applied.push('a')
        },
        check: async () => ({detail: 'in place', status: 'already-done'}),
        id: 'a',
        label: 'A',
      },
      {
        async apply() {
          applied.push('b')
        },
        check: async () => undefined,
        deps: ['a'],
        id: 'b',
        label: 'B',
      },
    ]
    const run = await runSteps(steps)
    expect(applied).to.deep.equal(['b'])
    expect(run.reports[0]).to.deep.include({detail: 'in place', status: 'already-done'})
    expect(run.reports[1]?.status).to.equal('done')
  })

  it('after a failure, lets running steps finish, starts no more, and reports the rest not run', async function () {
    const {log, step} = recorder()
    const steps: Step[] = [
      {apply: async () => Promise.reject(new Error('boom')), id: 'bad', label: 'Bad'},
      step('slow'),
      step('after-bad', {deps: ['bad']}),
      step('after-slow', {deps: ['slow']}),
    ]
    const run = await runSteps(steps)
    expect(run.failure?.step.id).to.equal('bad')
    expect(run.failure?.interrupted).to.equal(false)
    expect(log, 'slow ran to its end').to.deep.equal(['start slow', 'end slow'])
    expect(statuses(run)).to.deep.equal({'after-bad': 'not-run', 'after-slow': 'not-run', bad: 'failed', slow: 'done'})
    expect(run.reports[0]?.detail).to.equal('boom')

    const error = new StepsFailedError({...run, failure: run.failure!}, 'heroku staging:thing -a x')
    expect(error.done.map(r => r.id)).to.deep.equal(['slow'])
    expect(error.notRun.map(r => r.id)).to.deep.equal(['after-bad', 'after-slow'])
    expect(error.resume).to.equal('heroku staging:thing -a x')
    expect(error.message).to.equal('boom (during: Bad). Done: Step slow. Not run: Step after-bad; Step after-slow.')
    expect(error.fix).to.contain('heroku staging:thing -a x')
    expect(error.exit).to.equal(ExitCode.Failed)
    expect((error.cause as Error).message).to.equal('boom')
  })

  it('fails a step whose verify throws, after the change, and runs nothing that depends on it', async function () {
    const {step} = recorder()
    let applied = false
    const steps: Step[] = [
      {
        async apply() {
          applied = true
        },
        id: 'db',
        label: 'DB',
        verify: async () => Promise.reject(new Error('DATABASE_URL reaches production')),
      },
      step('next', {deps: ['db']}),
    ]
    const run = await runSteps(steps)
    expect(applied).to.equal(true)
    expect(run.failure?.step.id).to.equal('db')
    expect(statuses(run)).to.deep.equal({db: 'failed', next: 'not-run'})
    expect(run.reports[0]?.detail).to.equal('DATABASE_URL reaches production')
  })

  it('verifies a step found already done too, but not a skipped one', async function () {
    const verified: string[] = []
    const verify = (id: string) => async () => {
      verified.push(id)
    }

    await runSteps([
      {apply: async () => ({status: 'already-done'}), id: 'found', label: 'F', verify: verify('found')},
      {apply: async () => ({status: 'skipped'}), id: 'skipped', label: 'S', verify: verify('skipped')},
    ])
    expect(verified).to.deep.equal(['found'])
  })

  it('undoes the steps this run changed, last first, skipping those already put back or found done', async function () {
    const undone: string[] = []
    const undo = (id: string) => async () => {
      undone.push(id)
    }

    const steps: Step[] = [
      {apply: async () => {}, id: 'maintenance-on', label: 'on', undo: undo('maintenance-on')},
      {apply: async () => {}, id: 'scale-down', label: 'down', undo: undo('scale-down'), undoneBy: 'scale-restore'},
      {apply: async () => ({status: 'already-done'}), id: 'found', label: 'found', undo: undo('found')},
      {apply: async () => {}, id: 'no-undo', label: 'plain'},
      {apply: async () => {}, id: 'scale-restore', label: 'restore'},
      {apply: async () => Promise.reject(new Error('copy failed')), id: 'copy', label: 'copy'},
      {apply: async () => {}, id: 'maintenance-off', label: 'off'},
    ]
    const events: StepEvent[] = []
    const run = await runSteps(steps, {concurrency: 1, onEvent: event => events.push(event)})
    expect(undone).to.deep.equal(['maintenance-on'])
    expect(statuses(run)).to.deep.include({copy: 'failed', found: 'already-done', 'maintenance-off': 'not-run', 'maintenance-on': 'undone', 'scale-down': 'done'})
    expect(events.at(-1)).to.deep.include({kind: 'end', status: 'undone', step: 'maintenance-on'})

    undone.length = 0
    const twoUndos: Step[] = [
      {apply: async () => {}, id: 'first', label: '1', undo: undo('first')},
      {apply: async () => {}, id: 'second', label: '2', undo: undo('second')},
      {apply: async () => Promise.reject(new Error('no')), id: 'third', label: '3'},
    ]
    await runSteps(twoUndos, {concurrency: 1})
    expect(undone, 'reverse order').to.deep.equal(['second', 'first'])
  })

  it('undoes nothing when undoWhen says no, and goes on past an undo that fails', async function () {
    const undone: string[] = []
    const steps: Step[] = [
      {
        apply: async () => {},
        id: 'a',
        async undo() {
          undone.push('a')
        },
        label: 'A',
      },
      {apply: async () => {}, id: 'b', label: 'B', undo: async () => Promise.reject(new Error('API down'))},
      {apply: async () => Promise.reject(new Error('no')), id: 'c', label: 'C'},
    ]
    const kept = await runSteps(steps, {concurrency: 1, undoWhen: failure => failure.step.id !== 'c'})
    expect(undone).to.deep.equal([])
    expect(kept.undoFailed).to.deep.equal([])

    const run = await runSteps(steps, {concurrency: 1})
    expect(undone).to.deep.equal(['a'])
    expect(run.undoFailed.map(r => r.id)).to.deep.equal(['b'])
    expect(statuses(run)).to.deep.include({a: 'undone', b: 'done'})
  })

  it('undoes nothing when every step succeeds', async function () {
    let undone = false
    const run = await runSteps([{
      apply: async () => {},
      id: 'a',
      label: 'A',
      async undo() {
        undone = true
      },
    }])
    expect(run.failure).to.equal(undefined)
    expect(undone).to.equal(false)
  })

  it('starts no step once the signal is aborted: the next one is interrupted, the rest not run', async function () {
    const controller = new AbortController()
    const started: string[] = []
    const step = (id: string, abort = false): Step => ({
      async apply() {
        started.push(id)
        if (abort) controller.abort()
      },
      id,
      label: id,
    })
    const events: StepEvent[] = []
    const run = await runSteps([step('a', true), step('b'), step('c')], {concurrency: 1, onEvent: event => events.push(event), signal: controller.signal})
    expect(started).to.deep.equal(['a'])
    expect(run.failure).to.deep.include({interrupted: true})
    expect(run.failure?.step.id).to.equal('b')
    expect(statuses(run)).to.deep.equal({a: 'done', b: 'failed', c: 'not-run'})
    expect(run.reports[1]?.detail).to.equal('interrupted')
    expect(events.filter(e => e.step === 'b').map(e => e.kind), 'b never started').to.deep.equal(['end'])
    const error = new StepsFailedError({...run, failure: run.failure!}, 'again')
    expect(error.interrupted).to.equal(true)
    expect(error.message).to.match(/^Interrupted \(during: b\)/)
  })

  it('counts a wait stopped by the signal as an interruption, and any other failure as a failure', async function () {
    const controller = new AbortController()
    const waiting: Step = {
      async apply(context) {
        controller.abort()
        if (context.signal?.aborted) throw new WaitAbortedError('the copy')
      },
      id: 'wait',
      label: 'wait',
    }
    const run = await runSteps([waiting], {signal: controller.signal})
    expect(run.failure?.interrupted).to.equal(true)
    expect(run.reports[0]?.detail).to.equal('interrupted')

    const plain = await runSteps([{apply: async () => Promise.reject(new WaitAbortedError('x')), id: 'w', label: 'w'}])
    expect(plain.failure?.interrupted, 'no signal was aborted').to.equal(false)
  })

  it('emits start, progress and end with the step\'s label, status, detail and duration', async function () {
    const events: StepEvent[] = []
    await runSteps([{
      async apply(context) {
        context.progress('copying', {done: 5, total: 10})
        return {detail: '10 bytes', status: 'done'}
      },
      id: 'data',
      label: 'Copy data',
    }], {onEvent: event => events.push(event)})
    expect(events.map(e => e.kind)).to.deep.equal(['start', 'progress', 'end'])
    expect(events[1]).to.deep.equal({bytes: {done: 5, total: 10}, kind: 'progress', label: 'Copy data', message: 'copying', step: 'data'})
    expect(events[2]).to.deep.include({detail: '10 bytes', kind: 'end', label: 'Copy data', status: 'done', step: 'data'})
    expect((events[2] as {ms?: number}).ms).to.be.a('number')
  })

  it('refuses an unknown dependency, a shared id and a dependency cycle instead of leaving steps silently not run', async function () {
    const noop = async () => {}
    const refused = async (steps: Step[]) => runSteps(steps).then(() => undefined, (error: unknown) => (error as Error).message)
    expect(await refused([{apply: noop, deps: ['missing'], id: 'a', label: 'A'}])).to.contain('unknown steps: missing')
    expect(await refused([{apply: noop, id: 'a', label: 'A'}, {apply: noop, id: 'a', label: 'A again'}])).to.contain('share an id')
    expect(await refused([{apply: noop, deps: ['b'], id: 'a', label: 'A'}, {apply: noop, deps: ['a'], id: 'b', label: 'B'}])).to.contain('dependency cycle')
  })
})
