// Whole-sequence LSTM kernels (forward with everything the gradient needs, and the full BPTT backward) in
// AssemblyScript with SIMD, on a SHARED memory that the main thread and worker threads all import. Every `*Ptr`
// argument is a byte offset of a float32 array in that memory, 0 meaning "absent" for optional inputs.
//
// Each call is made by every thread of the pool at once with its own `thread` index (0 = the caller) out of
// `threads`: a thread owns the units [j0, j1) of the partition (multiples of 8), computes the recurrent product
// for its units' columns of all four gates and the fused cell update for its units, and the threads meet at a
// barrier once per time step (the next product needs every unit of the state). The backward pass meets once per
// step as well, then splits the weight gradients by columns and the input gradient by rows.
//
// Layouts, batch-major as tfjs: xw [B, T, 4U] (x·W + b, indexed by time t); the outputs of the forward pass y, cs
// [B, T, U] and gates [B, T, 4U] are indexed by processing step s (t = s, or T − 1 − s with goBackwards), as
// tf.layers orders a goBackwards output; the backward pass writes dZ [B, T, 4U] indexed by t, aligned with x.
// mask [B, T] is indexed by t. Gate order i, f, c, o. Semantics as the per-step kernels in recurrent.ts: masked
// rows copy the previous state and have zero gates, |v| < 1e-30 is flushed to 0.
//
// The matrix products run on packed operands (sequence-common.ts, gemmPacked and weightGradPacked): each kernel
// packs the weight matrices it multiplies by into panels once per call (thread shares are whole panels of 8
// units), and the products pack blocks of their left operand into a per-thread scratch.
//
// With relaxed SIMD enabled at compile time (ASC_FEATURE_RELAXED_SIMD), products use fused multiply-add.
// The entry of the shared-memory module: each cell's kernels live in a file of its own (lstm-sequence.ts), on what
// they share (sequence-common.ts).

export { lstmBackwardPackFloats, lstmForwardPackFloats, lstmSequenceBackward, lstmSequenceForward, packScratchFloats } from "./lstm-sequence";
export { transpose } from "./sequence-common";
