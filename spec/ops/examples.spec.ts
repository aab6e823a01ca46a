import { runExamples } from '../doctest.js'

// The op records and the reference index arithmetic (def.ts holds only types).
runExamples('src/ops')
