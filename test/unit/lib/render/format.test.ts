import {expect} from 'chai'

import {formatAge, formatBytes, formatDuration} from '../../../../src/lib/render/format.js'

describe('render: formatting (src/lib/render/format.ts)', function () {
  it('formats sizes in decimal steps, as every command prints them', function () {
    expect(formatBytes(0)).to.equal('0 B')
    expect(formatBytes(999)).to.equal('999 B')
    expect(formatBytes(80_600)).to.equal('80.6 kB')
    expect(formatBytes(9_000_000)).to.equal('9.0 MB')
    expect(formatBytes(2.5e12)).to.equal('2.5 TB')
    expect(formatBytes(3e15)).to.equal('3000.0 TB')
    expect(formatBytes(undefined)).to.equal('unknown size')
  })

  it('never counts in steps of 1024 under decimal unit names (staging:fork did)', function () {
    expect(formatBytes(1000)).to.equal('1.0 kB')
    expect(formatBytes(5 * 1024 ** 2)).to.equal('5.2 MB')
    expect(formatBytes(1536)).to.equal('1.5 kB')
  })

  it('formats durations and ages', function () {
    expect(formatDuration(253)).to.equal('253 ms')
    expect(formatDuration(4200)).to.equal('4.2 s')
    expect(formatDuration(185_000)).to.equal('3m 5s')
    expect(formatDuration(3_720_000)).to.equal('1h 2m')
    expect(formatAge(42)).to.equal('42s')
    expect(formatAge(300)).to.equal('5m')
    expect(formatAge(12_000)).to.equal('3h 20m')
    expect(formatAge(4 * 86_400)).to.equal('4 days')
  })
})
