import { runExamples } from '../doctest.js'

runExamples('src/onnx')
