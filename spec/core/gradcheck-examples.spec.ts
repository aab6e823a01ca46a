import { runExamples } from '../doctest.js'

// The modules of src/gradcheck/ (src/gradcheck.ts itself runs with the core modules, in examples.spec.ts).
runExamples('src/gradcheck')
