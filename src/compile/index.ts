/**
 * The Kiln compiler: fused, planned, generated kernels over Float64Array.
 * @module
 */
export { compile, compilePlan, clearCompileCache, type CompileOptions } from './compile.js'
export { compileError, type CompileError } from './errors.js'
export type { Executable } from './executable.js'
export { compileStats, graphKey, type CompileStats } from './cache.js'
export { schedule, schedulePlan } from './schedule.js'
export { decideFusion, CHEAP_OPS, FUSION_DEPTH_LIMIT, type FusionPlan, type PlanNode, type ReduceForm, type ScheduleOptions } from './fusion.js'
export { checkPlan } from './plan-check.js'
export { planMemory, type MemoryPlan } from './memory.js'
export { explainPlan } from './explain.js'
export type { Aff, Expr, KernelPlan, Schedule, Value, ValueKind, Operand } from './ir.js'
