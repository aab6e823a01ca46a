import { runExamples } from '../metrics/doctest.js'

runExamples('src/report')
