import { runExamples } from '../doctest.js'

// The core modules at the top of src/ (typelevel.ts holds only types).
runExamples('src', { only: ['api.ts', 'tensor.ts', 'make.ts', 'optable.ts', 'shape.ts', 'graph.ts', 'evaluate.ts', 'grad.ts', 'show.ts', 'gradcheck.ts', 'options.ts', 'attrs.ts', 'hash.ts', 'version.ts'] })
