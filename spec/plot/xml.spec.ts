import { describe, expect, it } from 'vitest'
import { checkXml, pathPoints } from './xml.js'

describe('checkXml (the test helper itself)', () => {
  it('accepts well-formed documents', () => {
    const r = checkXml('<svg a="1"><g><text x="2">a &amp; b</text><line/></g></svg>\n')
    expect(r.root).toBe('svg')
    expect(r.elements.find((e) => e.tag === 'text')!.text).toBe('a & b')
  })

  it.each([
    ['<svg><g></svg>', /closes/],
    ['<svg></svg><svg></svg>', /more than one root/],
    ['<svg><text>a < b</text></svg>', /malformed tag|raw/],
    ['<svg><text>a & b</text></svg>', /stray '&'/],
    ['<svg a=1></svg>', /malformed tag/],
    ['<svg><g>', /unclosed/],
    ['hello', /text outside the root/],
  ])('rejects %s', (xml, error) => {
    expect(() => checkXml(xml)).toThrow(error)
  })

  it('reads path points', () => {
    expect(pathPoints('M1 2 L3.5 -4 L5e-1 6')).toEqual([[1, 2], [3.5, -4], [0.5, 6]])
  })
})
