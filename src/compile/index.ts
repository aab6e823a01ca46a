/**
 * The Kiln compiler: fused, planned, generated kernels over Float64Array.
 * @module
 */
export { compile, clearCompileCache, type CompileOptions } from './compile.js'
export { compileError, type CompileError } from './errors.js'
export type { Executable } from './executable.js'
export { compileStats, graphKey, type CompileStats } from './cache.js'
export { schedule, CHEAP_OPS, type ScheduleOptions } from './schedule.js'
export { planMemory, type MemoryPlan } from './memory.js'
export { explainPlan } from './explain.js'
export type { Aff, Expr, KernelPlan, Schedule, Value, ValueKind, Operand } from './ir.js'
