import { runExamples } from '../random/doctest.js'

runExamples('src/data')
