import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../src/options.js'
import {
  auc, averagePrecision, chooseThreshold, precisionRecallCurve, rocAuc, rocCurve, type ThresholdChoice,
} from '../../src/metrics/curves.js'
import { caught } from '../caught.js'

const close = (a: ArrayLike<number>, b: readonly number[]): void => {
  expect(a.length).toBe(b.length)
  b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, 14))
}

describe("scikit-learn's documented examples", () => {
  it('roc_curve: y = [1, 1, 2, 2], pos_label = 2', () => {
    const c = rocCurve([1, 1, 2, 2], [0.1, 0.4, 0.35, 0.8], { positiveClass: 2 })
    expect(Array.from(c.fpr)).toEqual([0, 0, 0.5, 0.5, 1])
    expect(Array.from(c.tpr)).toEqual([0, 0.5, 0.5, 1, 1])
    expect(Array.from(c.thresholds)).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1])
    expect([c.positives, c.negatives, c.positiveClass]).toEqual([2, 2, 2])
    // Nothing is collinear here, so scikit-learn's default drop_intermediate=True gives the same curve.
    expect(rocCurve([1, 1, 2, 2], [0.1, 0.4, 0.35, 0.8], { positiveClass: 2, dropIntermediate: true })).toEqual(c)
    // metrics.auc(fpr, tpr) == 0.75, and roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75.
    expect(auc(c.fpr, c.tpr)).toBe(0.75)
    expect(rocAuc([1, 1, 2, 2], [0.1, 0.4, 0.35, 0.8], { positiveClass: 2 })).toBe(0.75)
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], { positiveClass: 1 })).toBe(0.75)
  })

  it('precision_recall_curve: y = [0, 0, 1, 1] (every distinct score a threshold, as scikit-learn >= 1.1)', () => {
    const c = precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], { positiveClass: 1 })
    close(c.precision, [0.5, 2 / 3, 0.5, 1, 1])
    expect(Array.from(c.recall)).toEqual([1, 1, 0.5, 0.5, 0])
    expect(Array.from(c.thresholds)).toEqual([0.1, 0.35, 0.4, 0.8])
  })

  it('average_precision_score: y = [0, 0, 1, 1] gives 0.8333', () => {
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], { positiveClass: 1 })).toBeCloseTo(5 / 6, 15)
  })

  it('confusion_matrix_at_thresholds counts (through the PR curve): y = [0, 0, 1, 1]', () => {
    // tps [1, 1, 2, 2], fps [0, 1, 1, 2] at thresholds [0.8, 0.4, 0.35, 0.1]; precision = tps / (tps + fps).
    const c = precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], { positiveClass: 1 })
    close(c.precision.slice(0, 4).reverse(), [1, 1 / 2, 2 / 3, 2 / 4])
  })
})

describe('hand-computed cases', () => {
  // Ties: scores 0.9 (pos), 0.5 x 3 (pos, neg, pos), 0.1 (neg). Thresholds 0.9, 0.5, 0.1:
  // tps 1, 3, 3; fps 0, 1, 2; P = 3, N = 2.
  const y = [1, 0, 1, 0, 1]
  const s = [0.5, 0.5, 0.9, 0.1, 0.5]

  it('ROC with a tie between positives and a negative: one diagonal step', () => {
    const c = rocCurve(y, s, { positiveClass: 1 })
    close(c.fpr, [0, 0, 0.5, 1])
    close(c.tpr, [0, 1 / 3, 1, 1])
    expect(Array.from(c.thresholds)).toEqual([Infinity, 0.9, 0.5, 0.1])
    // Trapezoids: 0 + 0.5 * (1/3 + 1) / 2 + 0.5 = 5/6; Mann-Whitney: (2 + 1.5 + 1.5) / 6 = 5/6.
    expect(rocAuc(y, s, { positiveClass: 1 })).toBe(5 / 6)
    expect(auc(c.fpr, c.tpr)).toBeCloseTo(5 / 6, 15)
  })

  it('PR curve and average precision with the tie', () => {
    const c = precisionRecallCurve(y, s, { positiveClass: 1 })
    close(c.precision, [3 / 5, 3 / 4, 1, 1])
    close(c.recall, [1, 1, 1 / 3, 0])
    expect(Array.from(c.thresholds)).toEqual([0.1, 0.5, 0.9])
    // (1/3) * 1 + (2/3) * (3/4) = 5/6.
    expect(averagePrecision(y, s, { positiveClass: 1 })).toBeCloseTo(5 / 6, 15)
  })

  it('one class against the rest of several labels', () => {
    // positiveClass 2: rows 2 and 3 positive; labels 0 and 1 both negative.
    const c = rocCurve([0, 1, 2, 2], [0.1, 0.4, 0.35, 0.8], { positiveClass: 2 })
    expect(Array.from(c.fpr)).toEqual([0, 0, 0.5, 0.5, 1])
    expect(Array.from(c.tpr)).toEqual([0, 0.5, 0.5, 1, 1])
    expect(rocAuc([0, 1, 2, 2], [0.1, 0.4, 0.35, 0.8], { positiveClass: 0 })).toBe(0)
  })

  // Scores 0.9 .. 0.4 with labels 1 1 1 0 0 0: tps 1 2 3 3 3 3, fps 0 0 0 1 2 3.
  const yd = [1, 1, 1, 0, 0, 0]
  const sd = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]

  it("dropIntermediate on ROC keeps scikit-learn's bends only", () => {
    const c = rocCurve(yd, sd, { positiveClass: 1, dropIntermediate: true })
    expect(Array.from(c.thresholds)).toEqual([Infinity, 0.9, 0.7, 0.4])
    close(c.fpr, [0, 0, 0, 1])
    close(c.tpr, [0, 1 / 3, 1, 1])
    expect(rocCurve(yd, sd, { positiveClass: 1 }).thresholds).toHaveLength(7)
  })

  it('dropIntermediate on the PR curve keeps the ends of each run of equal true positives', () => {
    const c = precisionRecallCurve(yd, sd, { positiveClass: 1, dropIntermediate: true })
    expect(Array.from(c.thresholds)).toEqual([0.4, 0.7, 0.8, 0.9])
    close(c.precision, [0.5, 1, 1, 1, 1])
    close(c.recall, [1, 1, 2 / 3, 1 / 3, 0])
  })

  it('auc integrates decreasing x to the same positive area and refuses non-monotonic x', () => {
    expect(auc([0, 1, 2], [1, 1, 3])).toBe(3)
    expect(auc([2, 1, 0], [3, 1, 1])).toBe(3)
    expect(auc([0, 0, 1], [0, 1, 1])).toBe(1)
    expect(() => auc([0, 1, 0.5], [0, 1, 1])).toThrow(/^auc: x is neither non-decreasing nor non-increasing/)
    expect(() => auc([0], [1])).toThrow(/^auc: 1 point; expected at least 2 points$/)
    expect(() => auc([0, 1], [1])).toThrow(/^auc: x has length 2 but y has length 1/)
    expect(() => auc([0, NaN], [1, 1])).toThrow(/^auc: x\[1\] = NaN; expected a finite number$/)
  })
})

describe('chooseThreshold', () => {
  const y = [0, 0, 1, 1, 0, 1]
  const s = [0.1, 0.4, 0.35, 0.8, 0.7, 0.9]

  it('maximizes F1, reaches a target recall or precision (hand-computed)', () => {
    // Thresholds 0.9 .. 0.1: tp 1 2 2 2 3 3, fp 0 0 1 2 2 3; F1 0.5 0.8 0.667 0.571 0.75 0.667.
    const f1 = chooseThreshold(y, s, { positiveClass: 1, maximize: 'f1' })
    expect(f1).toEqual({ threshold: 0.8, precision: 1, recall: 2 / 3, f1: 0.8, fpr: 0, tp: 2, fp: 0, tn: 3, fn: 1, positiveClass: 1 })
    expect(chooseThreshold(y, s, { positiveClass: 1, targetRecall: 1 })).toMatchObject({ threshold: 0.35, tp: 3, fp: 2, precision: 3 / 5, fpr: 2 / 3 })
    expect(chooseThreshold(y, s, { positiveClass: 1, targetRecall: 0.5 }).threshold).toBe(0.8)
    expect(chooseThreshold(y, s, { positiveClass: 1, targetRecall: 1 / 3 }).threshold).toBe(0.9)
    expect(chooseThreshold(y, s, { positiveClass: 1, targetPrecision: 0.6 })).toMatchObject({ threshold: 0.35, recall: 1 })
    expect(chooseThreshold(y, s, { positiveClass: 1, targetPrecision: 0.7 })).toMatchObject({ threshold: 0.8, recall: 2 / 3 })
    // The negative class as positive: scores are then the negatives' scores, lower for class 0 rows here.
    expect(chooseThreshold(y, s.map((v) => 1 - v), { positiveClass: 0, maximize: 'f1' }).recall).toBe(1)
  })

  it('at equal F1 takes the highest threshold', () => {
    // Labels by decreasing score 1 0 0 1: F1 2/3, 1/2, 2/5, 2/3.
    const c = chooseThreshold([1, 0, 0, 1], [0.9, 0.6, 0.5, 0.2], { positiveClass: 1, maximize: 'f1' })
    expect([c.threshold, c.f1]).toEqual([0.9, 2 / 3])
  })

  it('says when a target precision cannot be reached, naming the option and the best there is', () => {
    // Precision by threshold 0.9 .. 0.2: 0, 1/2, 1/3, 1/2.
    expect(() => chooseThreshold([0, 1, 0, 1], [0.9, 0.8, 0.3, 0.2], { positiveClass: 1, targetPrecision: 0.6 })).toThrow(
      /^chooseThreshold: targetPrecision = 0.6 is not reached at any threshold; the highest precision is 0.5 \(threshold 0.8, recall 0.5\)$/,
    )
  })

  it('refuses bad options, naming them', () => {
    const e = caught(() => chooseThreshold(y, s, { positiveClass: 1 } as never))
    expect(e).toBeInstanceOf(ArgumentError)
    expect((e as Error).message).toBe("chooseThreshold: maximize: expected exactly one of maximize: 'f1', targetRecall or targetPrecision, got none")
    expect(() => chooseThreshold(y, s, { positiveClass: 1, maximize: 'f1', targetRecall: 0.9 } as never)).toThrow(/^chooseThreshold: targetRecall: expected exactly one .* got maximize and targetRecall$/)
    expect(() => chooseThreshold(y, s, { positiveClass: 1, maximize: 'accuracy' } as never)).toThrow(/^chooseThreshold: maximize: expected 'f1', got the string "accuracy"$/)
    expect(() => chooseThreshold(y, s, { positiveClass: 1, targetRecall: 0 })).toThrow(/^chooseThreshold: targetRecall: expected a fraction in \(0, 1\], got 0$/)
    expect(() => chooseThreshold(y, s, { positiveClass: 1, targetPrecision: 1.5 })).toThrow(/^chooseThreshold: targetPrecision: expected a fraction in \(0, 1\]/)
    expect(() => chooseThreshold(y, s, { maximize: 'f1' } as never)).toThrow(/^chooseThreshold: positiveClass: missing; expected the label of the positive class/)
    expect(() => chooseThreshold(y, s, { positiveClass: 1, targetRecal: 0.9 } as never)).toThrow(/^chooseThreshold: targetRecal: unknown option; did you mean 'targetRecall'\?/)
    expect(() => chooseThreshold([0, 0], [0.1, 0.2], { positiveClass: 1, maximize: 'f1' })).toThrow(/^chooseThreshold: yTrue has no row of the positive class 1/)
  })
})

describe('input checks', () => {
  it('requires an explicit positive class', () => {
    for (const f of [rocCurve, precisionRecallCurve, rocAuc, averagePrecision]) {
      expect(() => f([0, 1], [0.2, 0.8], undefined as never)).toThrow(new RegExp(`^${f.name}: positiveClass: missing; expected the label of the positive class`))
      expect(() => f([0, 1], [0.2, 0.8], { positiveClass: 0.5 })).toThrow(/positiveClass: expected the label of the positive class \(a non-negative integer\), got 0.5$/)
      expect(() => f([0, 1], [0.2, 0.8], { pos_label: 1 } as never)).toThrow(/pos_label: unknown option/)
    }
  })

  it('names the problem with labels and scores', () => {
    const o = { positiveClass: 1 }
    expect(() => rocCurve([0, 1], [0.5], o)).toThrow(/^rocCurve: yTrue has length 2 but scores has length 1; expected one score per row$/)
    expect(() => rocCurve([], [], o)).toThrow(/^rocCurve: yTrue and scores are empty; expected at least one row$/)
    expect(() => rocAuc([0, 1], [0.5, Infinity], o)).toThrow(/^rocAuc: scores\[1\] = Infinity; expected a finite number$/)
    expect(() => averagePrecision([0, 1.5], [0.5, 0.2], o)).toThrow(/^averagePrecision: yTrue\[1\] = 1.5 is not a class index/)
    expect(() => rocCurve([1, 1], [0.5, 0.2], o)).toThrow(/^rocCurve: every row of yTrue is of the positive class 1; the false positive rate is undefined without negatives$/)
    expect(() => rocAuc([0, 0], [0.5, 0.2], o)).toThrow(/^rocAuc: yTrue has no row of the positive class 1; ROC AUC needs positives and negatives$/)
    expect(() => precisionRecallCurve([0, 0], [0.5, 0.2], o)).toThrow(/^precisionRecallCurve: yTrue has no row of the positive class 1; recall is undefined/)
    // No negatives is fine for precision and recall: precision is 1 everywhere.
    expect(Array.from(precisionRecallCurve([1, 1], [0.5, 0.2], o).precision)).toEqual([1, 1, 1])
  })
})

// ---------- properties against slow, independent O(n^2) definitions ----------

/** Labels in {0, 1, 2} and scores with many ties (a small grid) or arbitrary finite doubles. */
const cases = fc.integer({ min: 1, max: 30 }).chain((n) =>
  fc.record({
    y: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    s: fc.oneof(
      fc.array(fc.integer({ min: 0, max: 5 }).map((i) => i / 5), { minLength: n, maxLength: n }),
      fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: n, maxLength: n }),
    ),
    positiveClass: fc.integer({ min: 0, max: 2 }),
  }),
)

type Case = { y: number[]; s: number[]; positiveClass: number }
const counts = ({ y, s, positiveClass }: Case, t: number) => {
  let tp = 0
  let fp = 0
  y.forEach((l, i) => {
    if (s[i]! >= t) l === positiveClass ? tp++ : fp++
  })
  return { tp, fp }
}
const sizes = ({ y, positiveClass }: Case) => {
  const P = y.filter((l) => l === positiveClass).length
  return { P, N: y.length - P }
}
/** Mann-Whitney: P(s+ > s-) + 0.5 P(s+ = s-) over all positive x negative pairs. */
const slowAuc = (c: Case): number => {
  let wins = 0
  c.y.forEach((a, i) => c.y.forEach((b, j) => {
    if (a === c.positiveClass && b !== c.positiveClass) wins += c.s[i]! > c.s[j]! ? 2 : c.s[i] === c.s[j] ? 1 : 0
  }))
  const { P, N } = sizes(c)
  return wins / (2 * P * N)
}
/** The mean over positive rows of the precision at that row's score. */
const slowAp = (c: Case): number => {
  const pos = c.s.filter((_, i) => c.y[i] === c.positiveClass)
  return pos.reduce((a, t) => {
    const { tp, fp } = counts(c, t)
    return a + tp / (tp + fp)
  }, 0) / pos.length
}
const distinctDesc = (s: readonly number[]): number[] => [...new Set(s.map((v) => (v === 0 ? 0 : v)))].sort((a, b) => b - a)

describe('properties (fast-check, seeded)', () => {
  it('ROC AUC equals the Mann-Whitney probability P(s+ > s-) + 0.5 P(tie), exactly', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const { P, N } = sizes(c)
        fc.pre(P > 0 && N > 0)
        const a = rocAuc(c.y, c.s, { positiveClass: c.positiveClass })
        expect(a).toBe(slowAuc(c))
        const curve = rocCurve(c.y, c.s, { positiveClass: c.positiveClass })
        expect(auc(curve.fpr, curve.tpr)).toBeCloseTo(a, 12)
        const dropped = rocCurve(c.y, c.s, { positiveClass: c.positiveClass, dropIntermediate: true })
        expect(auc(dropped.fpr, dropped.tpr)).toBeCloseTo(a, 12)
        // Negating the scores mirrors the ranking.
        expect(rocAuc(c.y, c.s.map((v) => -v), { positiveClass: c.positiveClass })).toBeCloseTo(1 - a, 12)
      }),
      { seed: 1, numRuns: 400 },
    )
  })

  it('average precision equals the mean over positives of the precision at their score', () => {
    fc.assert(
      fc.property(cases, (c) => {
        fc.pre(sizes(c).P > 0)
        const ap = averagePrecision(c.y, c.s, { positiveClass: c.positiveClass })
        expect(ap).toBeCloseTo(slowAp(c), 12)
        // scikit-learn's formula on the curve: -sum(diff(recall) * precision[:-1]).
        for (const dropIntermediate of [false, true]) {
          const { precision, recall } = precisionRecallCurve(c.y, c.s, { positiveClass: c.positiveClass, dropIntermediate })
          let fromCurve = 0
          for (let i = 0; i + 1 < recall.length; i++) fromCurve -= (recall[i + 1]! - recall[i]!) * precision[i]!
          expect(fromCurve).toBeCloseTo(ap, 12)
        }
      }),
      { seed: 2, numRuns: 400 },
    )
  })

  it('every curve point is the counts at its threshold; thresholds are the distinct scores', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const { P, N } = sizes(c)
        fc.pre(P > 0 && N > 0)
        const o = { positiveClass: c.positiveClass }
        const roc = rocCurve(c.y, c.s, o)
        expect(Array.from(roc.thresholds.slice(1))).toEqual(distinctDesc(c.s))
        roc.thresholds.forEach((t, i) => {
          const { tp, fp } = counts(c, t)
          expect([roc.fpr[i], roc.tpr[i]]).toEqual([fp / N, tp / P])
        })
        const pr = precisionRecallCurve(c.y, c.s, o)
        expect(Array.from(pr.thresholds)).toEqual(distinctDesc(c.s).reverse())
        pr.thresholds.forEach((t, i) => {
          const { tp, fp } = counts(c, t)
          expect([pr.precision[i], pr.recall[i]]).toEqual([tp / (tp + fp), tp / P])
        })
        expect([pr.precision[pr.thresholds.length], pr.recall[pr.thresholds.length]]).toEqual([1, 0])
        // Dropping keeps a subset of the points, with both ends.
        const dropped = rocCurve(c.y, c.s, { ...o, dropIntermediate: true })
        const all = new Set(roc.thresholds)
        expect(Array.from(dropped.thresholds).every((t) => all.has(t))).toBe(true)
        expect([dropped.fpr[dropped.fpr.length - 1], dropped.tpr[dropped.tpr.length - 1]]).toEqual([1, 1])
      }),
      { seed: 3, numRuns: 300 },
    )
  })

  it('chooseThreshold agrees with a search over every distinct score', () => {
    const brute = (c: Case): ThresholdChoice[] => {
      const { P, N } = sizes(c)
      return distinctDesc(c.s).map((threshold) => {
        const { tp, fp } = counts(c, threshold)
        const fn = P - tp
        return { threshold, precision: tp / (tp + fp), recall: tp / P, f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn), fpr: N === 0 ? 0 : fp / N, tp, fp, tn: N - fp, fn, positiveClass: c.positiveClass }
      })
    }
    fc.assert(
      fc.property(cases, fc.double({ min: 0.01, max: 1, noNaN: true }), (c, target) => {
        fc.pre(sizes(c).P > 0)
        const all = brute(c)
        const positiveClass = c.positiveClass
        const best = Math.max(...all.map((x) => x.f1))
        expect(chooseThreshold(c.y, c.s, { positiveClass, maximize: 'f1' })).toEqual(all.find((x) => x.f1 === best))
        const r = chooseThreshold(c.y, c.s, { positiveClass, targetRecall: target })
        expect(r).toEqual(all.filter((x) => x.recall >= target).sort((a, b) => b.threshold - a.threshold)[0])
        const ok = all.filter((x) => x.precision >= target)
        if (ok.length === 0) expect(() => chooseThreshold(c.y, c.s, { positiveClass, targetPrecision: target })).toThrow(RangeError)
        else {
          const top = Math.max(...ok.map((x) => x.recall))
          expect(chooseThreshold(c.y, c.s, { positiveClass, targetPrecision: target })).toEqual(ok.filter((x) => x.recall === top)[0])
        }
      }),
      { seed: 4, numRuns: 300 },
    )
  })
})
