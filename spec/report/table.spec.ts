import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatFixed, formatTable } from '../../src/report/table.js'

describe('formatTable', () => {
  it('aligns columns: first left, the rest right by default', () => {
    expect(formatTable(['name', 'n'], [['a', 1], ['bbb', 100]])).toBe(
      ['name    n', '----  ---', 'a       1', 'bbb   100'].join('\n'),
    )
  })

  it('honours per-column and single alignments, gap and rule', () => {
    const t = formatTable(['x', 'y', 'z'], [['aaaa', 'bbbb', 'cccc'], ['a', 'b', 'c']], { align: ['right', 'center', 'left'], gap: ' | ', rule: false })
    expect(t.split('\n')).toEqual(['   x |  y   | z', 'aaaa | bbbb | cccc', '   a |  b   | c'])
    expect(formatTable(['long header'], [['v']], { align: 'center' }).split('\n')[2]).toBe('     v')
  })

  it('counts code points, so block characters and accents align', () => {
    expect(formatTable(['é', 'bar'], [['ü', '██'], ['ab', '█']]).split('\n')).toEqual(['é   bar', '--  ---', 'ü    ██', 'ab    █'])
  })

  it('handles no rows and trims trailing spaces', () => {
    expect(formatTable(['a', 'b'], [])).toBe('a  b\n-  -')
    expect(formatTable(['a', 'b'], [['', '']], { align: 'left' })).toBe('a  b\n-  -\n')
  })

  it('gives every line of a right-aligned table the same width', () => {
    const cell = fc.string({ maxLength: 8 }).filter((s) => !/[\r\n]/.test(s) && s.trim() === s && s.length > 0)
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { maxLength: 6 }), (rows) => {
        const lines = formatTable(['h1', 'h2'], rows, { align: 'right' }).split('\n')
        const widths = new Set(lines.map((l) => [...l].length))
        expect(widths.size).toBe(1)
      }),
    )
  })

  it('rejects ragged rows, a wrong align list and multi-line cells', () => {
    expect(() => formatTable(['a', 'b'], [['x']])).toThrow(/^formatTable: rows\[0\] has 1 cells; expected 2 \(one per header\)$/)
    expect(() => formatTable(['a', 'b'], [], { align: ['left'] })).toThrow(/^formatTable: options.align has 1 entries; expected one per column \(2\)$/)
    expect(() => formatTable(['a'], [['x\ny']])).toThrow(/^formatTable: rows\[0\]\[0\] contains a line break; expected a single-line cell$/)
  })
})

describe('formatFixed', () => {
  it('rounds exact ties half to even like Python', () => {
    // Python: format(x, '.2f') for x in (0.125, 0.375, 0.625, 0.875, -0.125) -> 0.12 0.38 0.62 0.88 -0.12
    expect([0.125, 0.375, 0.625, 0.875, -0.125].map((x) => formatFixed(x, 2))).toEqual(['0.12', '0.38', '0.62', '0.88', '-0.12'])
    // Python: format(0.5, '.0f') == '0', format(1.5, '.0f') == '2', format(2.5, '.0f') == '2'
    expect([0.5, 1.5, 2.5].map((x) => formatFixed(x, 0))).toEqual(['0', '2', '2'])
  })

  it('rounds non-ties to nearest (0.135 is really 0.13500000000000000888)', () => {
    expect(formatFixed(0.135, 2)).toBe('0.14')
    expect(formatFixed(2 / 3, 4)).toBe('0.6667')
    expect(formatFixed(1, 2)).toBe('1.00')
  })

  it('matches Python for NaN and infinities and rejects bad digits', () => {
    expect([NaN, Infinity, -Infinity].map((x) => formatFixed(x, 2))).toEqual(['nan', 'inf', '-inf'])
    expect(() => formatFixed(1, -1)).toThrow(/^formatFixed: digits = -1; expected an integer in \[0, 20\]$/)
  })

  it('agrees with toFixed except on exact ties', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 6 }), (x, d) => {
        const a = formatFixed(x, d)
        const b = x.toFixed(d)
        if (a !== b) expect(Math.abs(x * 10 ** d) % 1).toBe(0.5)
      }),
    )
  })
})
