/**
 * ONNX export: `toOnnx` for any graph, `exportModel` for a trained model (platform-neutral: bytes out,
 * nothing run). Running ONNX models is `kiln/node`'s ONNX Runtime engine.
 * @module
 */
export { toOnnx, DEFAULT_OPSET, ONNX_OPSETS, type OnnxError, type OnnxOutputs, type ToOnnxOptions } from './export.js'
export { exportModel, type ExportModelOptions } from './model.js'
export { onnxRules, type OnnxRule, type OnnxTable, type OnnxContext } from './rules.js'
