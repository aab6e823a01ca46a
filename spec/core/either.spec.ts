import { describe, expect, it } from 'vitest'
import { isLeft, isRight, unwrap, parseCsv } from '../../src/index.js'

describe('Either helpers users get from kiln', () => {
  it('unwrap returns a Right and throws a Left with its message and the Left as cause', () => {
    expect(unwrap({ _tag: 'Right', right: 3 })).toBe(3)
    const left = parseCsv('1,x,0\n')
    expect(isLeft(left) && !isRight(left)).toBe(true)
    let caught: unknown
    try {
      unwrap(left)
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(Error)
    expect((caught as Error).message).toBe('line 1, column 2: expected a finite number, got "x"')
    expect((caught as Error).cause).toBe(isLeft(left) ? left.left : undefined)
    expect(() => unwrap({ _tag: 'Left', left: 'plain' })).toThrow('unwrap: a Left: plain')
  })
})
