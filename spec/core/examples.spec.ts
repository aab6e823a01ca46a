import { runExamples } from '../doctest.js'

// The core modules at the top of src/ (typelevel.ts holds only types, optable.ts only the table).
runExamples('src', { only: ['api.ts', 'tensor.ts', 'shape.ts', 'graph.ts', 'evaluate.ts', 'grad.ts', 'show.ts', 'gradcheck.ts', 'options.ts', 'attrs.ts', 'hash.ts'] })
