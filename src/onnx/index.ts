/**
 * ONNX export: `toOnnx` for any graph, `exportModel` for a trained model, and `onnxEngine`, ONNX Runtime as
 * an engine from whichever of its JavaScript modules the caller passes (kiln/node's `onnxruntime()` passes
 * onnxruntime-node). Platform-neutral: nothing here imports ONNX Runtime.
 * @module
 */
export { toOnnx, DEFAULT_OPSET, ONNX_OPSETS, type OnnxError, type OnnxOutputs, type ToOnnxOptions } from './export.js'
export { exportModel, type ExportModelOptions } from './model.js'
export { onnxRules, type OnnxRule, type OnnxTable, type OnnxContext } from './rules.js'
export { onnxEngine, evaluateModelOn, predictOn, FLOAT64_SESSION_OPTIONS, type OrtLike, type OrtSessionLike, type OrtTensorLike, type OnnxEngineOptions } from './engine.js'
