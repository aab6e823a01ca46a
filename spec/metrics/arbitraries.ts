import fc from 'fast-check'

/** n in [0, 40], k in [1, 6], and two label vectors of length n in [0, k). */
export const labelPairs = fc.integer({ min: 1, max: 6 }).chain((k) =>
  fc.integer({ min: 0, max: 40 }).chain((n) =>
    fc.record({
      k: fc.constant(k),
      yTrue: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n }),
      yPred: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n }),
    }),
  ),
)
