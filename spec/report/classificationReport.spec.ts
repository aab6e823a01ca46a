import { describe, expect, it } from 'vitest'
import { confusionMatrix } from '../../src/metrics/classification.js'
import { precisionRecallF1 } from '../../src/metrics/prf.js'
import { classificationReport, formatConfusionMatrix } from '../../src/report/classificationReport.js'

describe('classificationReport', () => {
  it('reproduces the scikit-learn docstring example character for character', () => {
    // from sklearn.metrics.classification_report's docstring
    const expected = [
      '              precision    recall  f1-score   support',
      '',
      '     class 0       0.50      1.00      0.67         1',
      '     class 1       0.00      0.00      0.00         1',
      '     class 2       1.00      0.67      0.80         3',
      '',
      '    accuracy                           0.60         5',
      '   macro avg       0.50      0.56      0.49         5',
      'weighted avg       0.70      0.60      0.61         5',
      '',
    ].join('\n')
    const m = precisionRecallF1([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], 3)
    expect(classificationReport(m, ['class 0', 'class 1', 'class 2'])).toBe(expected)
  })

  it('matches the hand-worked 3-class example with default class names', () => {
    const m = precisionRecallF1([0, 0, 0, 1, 1, 2, 2, 2], [0, 1, 0, 1, 2, 2, 2, 2], 3)
    expect(classificationReport(m).split('\n')).toEqual([
      '              precision    recall  f1-score   support',
      '',
      '           0       1.00      0.67      0.80         3',
      '           1       0.50      0.50      0.50         2',
      '           2       0.75      1.00      0.86         3',
      '',
      '    accuracy                           0.75         8',
      '   macro avg       0.75      0.72      0.72         8',
      'weighted avg       0.78      0.75      0.75         8',
      '',
    ])
  })

  it('rounds ties half to even as Python does (precision 1/8 prints 0.12)', () => {
    const m = precisionRecallF1([0, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0], 2)
    expect(classificationReport(m).split('\n')[2]).toBe('           0       0.12      1.00      0.22         1')
  })

  it('widens the name column for long names and honours digits', () => {
    const m = precisionRecallF1([0, 1], [0, 1], 2)
    const lines = classificationReport(m, ['a very long class name', 'b'], { digits: 4 }).split('\n')
    expect(lines[2]).toBe('a very long class name     1.0000    1.0000    1.0000         1')
    expect(lines[3]).toBe(`${' '.repeat(21)}b     1.0000    1.0000    1.0000         1`)
    expect(lines[0]!.indexOf('precision')).toBe(22 + 1 + 1)
  })

  it('rejects a wrong number of class names or digits', () => {
    const m = precisionRecallF1([0, 1], [0, 1], 2)
    expect(() => classificationReport(m, ['a'])).toThrow(/^classificationReport: classNames has 1 names; expected one per class \(k = 2\)$/)
    expect(() => classificationReport(m, undefined, { digits: -1 })).toThrow(/^classificationReport: options.digits = -1/)
  })
})

describe('formatConfusionMatrix', () => {
  const cm = confusionMatrix([0, 0, 0, 1, 1, 2, 2, 2], [0, 1, 0, 1, 2, 2, 2, 2], 3)

  it('prints true classes as rows and predicted classes as columns', () => {
    expect(formatConfusionMatrix(cm, ['cat', 'dog', 'bird']).split('\n')).toEqual([
      'true \\ pred  cat  dog  bird',
      '-----------  ---  ---  ----',
      'cat            2    1     0',
      'dog            0    1     1',
      'bird           0    0     3',
    ])
    expect(formatConfusionMatrix(cm).split('\n')[0]).toBe('true \\ pred  0  1  2')
  })

  it('normalizes over true rows, predicted columns or everything', () => {
    const row = (normalize: 'true' | 'pred' | 'all', i: number): string =>
      formatConfusionMatrix(cm, ['a', 'b', 'c'], { normalize }).split('\n')[i + 2]!.split(/\s+/).slice(1).join(' ')
    expect(row('true', 0)).toBe('0.67 0.33 0.00')
    expect(row('pred', 2)).toBe('0.00 0.00 0.75')
    expect(row('all', 2)).toBe('0.00 0.00 0.38')
    const empty = confusionMatrix([0], [0], 2)
    expect(formatConfusionMatrix(empty, ['a', 'b'], { normalize: 'true', digits: 1 }).split('\n')[3]).toBe('b            0.0  0.0')
  })

  it('rejects mismatched names and malformed matrices', () => {
    expect(() => formatConfusionMatrix(cm, ['a', 'b'])).toThrow(/^formatConfusionMatrix: classNames has 2 names; expected one per class \(k = 3\)$/)
    expect(() => formatConfusionMatrix({ k: 2, counts: new Float64Array(3) })).toThrow(/^formatConfusionMatrix: cm has k = 2 and 3 counts; expected k \* k counts$/)
  })
})
