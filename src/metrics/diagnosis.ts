/**
 * Bias/variance diagnosis from baseline, training and dev error, in the style of Andrew Ng's
 * "Machine Learning Yearning" / Deep Learning Specialization.
 * @module
 */
import { checkOptionKinds, type OptionKinds } from '../options.js'

/** Error rates (fractions in [0, 1], not percentages) to compare. */
export interface DiagnosisInput {
  /** Error of the baseline: human-level performance, a strong existing system, or Bayes error. */
  readonly baselineError: number
  /** Error on the training set. */
  readonly trainError: number
  /** Error on the dev (validation) set. */
  readonly devError: number
}

/** Options of {@link learningCurveDiagnosis}. */
export interface DiagnosisOptions {
  /**
   * A gap (avoidable bias or variance) larger than this counts as "high". Same units as the
   * errors. Default 0.02 (two percentage points). Gaps within 1e-9 of the threshold are not high,
   * so rounding in differences such as `0.1 - 0.08` does not flip the verdict.
   */
  readonly threshold?: number
}

const DIAGNOSIS_OPTIONS: OptionKinds<DiagnosisOptions> = { threshold: 'number' }

/** The verdict of a diagnosis. */
export type Verdict = 'high bias' | 'high variance' | 'high bias and high variance' | 'good fit'

/** Result of {@link learningCurveDiagnosis}. */
export interface Diagnosis {
  /** trainError - baselineError (can be negative when training beats the baseline). */
  readonly avoidableBias: number
  /** devError - trainError (can be negative when the dev set is easier). */
  readonly variance: number
  readonly verdict: Verdict
  /** One line on what to try next. */
  readonly suggestion: string
}

const SUGGESTIONS: Readonly<Record<Verdict, string>> = {
  'high bias': 'Reduce avoidable bias: train a bigger network, train longer or with a better optimizer, or try another architecture.',
  'high variance': 'Reduce variance: get more training data, add regularization (L2, dropout, data augmentation), or try another architecture.',
  'high bias and high variance': 'Reduce bias first (bigger network, train longer), then variance (more data, regularization).',
  'good fit': 'Good fit: training and dev error are both close to the baseline; check the test set, or raise the baseline target.',
}

/** Slack absorbing floating-point rounding when comparing a gap with the threshold. */
const SLACK = 1e-9

const checkRate = (arg: string, v: number): number => {
  if (!(v >= 0 && v <= 1))
    throw new Error(
      `learningCurveDiagnosis: ${arg} = ${String(v)}; expected an error rate in [0, 1] (a fraction, not a percentage)`,
    )
  return v
}

/**
 * Splits the gap between baseline and dev error into avoidable bias (`trainError -
 * baselineError`) and variance (`devError - trainError`). Each gap above `threshold` (default
 * 0.02, with 1e-9 slack for rounding) is "high"; the verdict names the high ones (or `'good fit'`) and `suggestion`
 * says what to try: a bigger network / training longer for bias, more data / regularization for
 * variance. Errors must be fractions in [0, 1].
 * @example
 * import { learningCurveDiagnosis } from 'kiln'
 * learningCurveDiagnosis({ baselineError: 0.01, trainError: 0.08, devError: 0.1 }).verdict // 'high bias'
 * learningCurveDiagnosis({ baselineError: 0.01, trainError: 0.015, devError: 0.11 }).verdict // 'high variance'
 * learningCurveDiagnosis({ baselineError: 0.01, trainError: 0.04, devError: 0.05 }, { threshold: 0.05 }).verdict // 'good fit'
 */
export const learningCurveDiagnosis = (input: DiagnosisInput, options: DiagnosisOptions = {}): Diagnosis => {
  checkOptionKinds('learningCurveDiagnosis', options, DIAGNOSIS_OPTIONS)
  const baseline = checkRate('baselineError', input.baselineError)
  const train = checkRate('trainError', input.trainError)
  const dev = checkRate('devError', input.devError)
  const threshold = options.threshold ?? 0.02
  if (!(threshold >= 0 && Number.isFinite(threshold)))
    throw new Error(`learningCurveDiagnosis: threshold = ${String(threshold)}; expected a finite number >= 0`)
  const avoidableBias = train - baseline
  const variance = dev - train
  const bias = avoidableBias - threshold > SLACK
  const vari = variance - threshold > SLACK
  const verdict: Verdict = bias && vari ? 'high bias and high variance' : bias ? 'high bias' : vari ? 'high variance' : 'good fit'
  return { avoidableBias, variance, verdict, suggestion: SUGGESTIONS[verdict] }
}
