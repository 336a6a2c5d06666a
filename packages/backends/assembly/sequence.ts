// Whole-sequence LSTM, GRU and SimpleRNN kernels (forward with everything the gradient needs, and the full BPTT
// backward) in AssemblyScript with SIMD, on a SHARED memory that the main thread and worker threads all import.
// Every `*Ptr` argument is a byte offset of a float32 array in that memory, 0 meaning "absent" for optional inputs.
//
// Each call is made by every thread of the pool at once with its own `thread` index (0 = the caller) out of
// `threads`: a thread owns the units [j0, j1) of the partition (multiples of 4; of 8 for the LSTM, whose products
// run on panels of 8 columns), computes the recurrent product for its units' columns of every gate block and the
// fused cell update for its units, and the threads meet at a
// barrier once per time step (the next product needs every unit of the state; twice for the resetAfter-0 GRU,
// whose candidate's product needs every unit of r ⊙ h). The backward pass meets as often per step, then splits
// the weight gradients by columns and the input gradient by rows.
//
// Layouts, batch-major as tfjs, with G gate blocks of U units (LSTM 4, GRU 3, SimpleRNN 1): xw [B, T, G·U] (x·W + b,
// indexed by time t); the outputs of the forward pass y, cs [B, T, U] and gates [B, T, G·U] are indexed by
// processing step s (t = s, or T − 1 − s with goBackwards), as tf.layers orders a goBackwards output; the backward
// pass writes dZ [B, T, G·U] indexed by t, aligned with x. mask [B, T] is indexed by t. Gate orders as tf.layers:
// LSTM i, f, c, o; GRU z, r, h. Semantics as the per-step kernels in recurrent.ts: masked rows copy the previous
// state (the LSTM's also have zero gates), |v| < 1e-30 is flushed to 0.
//
// The LSTM's matrix products run on packed operands (sequence-common.ts, gemmPacked and weightGradPacked): its
// kernels pack the weight matrices they multiply by into panels once per call (thread shares are whole panels of 8
// units), and the products pack blocks of their left operand into a per-thread scratch. (The GRU and SimpleRNN
// kernels still use the unpacked gemm / outerGrad.)
//
// With relaxed SIMD enabled at compile time (ASC_FEATURE_RELAXED_SIMD), products use fused multiply-add.
//
// The entry of the shared-memory module: each cell's kernels live in a file of their own (lstm-sequence.ts,
// gru-sequence.ts, simple-rnn-sequence.ts), on what they share (sequence-common.ts: the barrier and the matrix
// products; sequence-steps.ts: input projections, state bookkeeping, weight and input gradients).

export { gruSequenceBackward, gruSequenceForward } from "./gru-sequence";
export { lstmBackwardPackFloats, lstmForwardPackFloats, lstmSequenceBackward, lstmSequenceForward, packScratchFloats } from "./lstm-sequence";
export { simpleRnnSequenceBackward, simpleRnnSequenceForward } from "./simple-rnn-sequence";
export { transpose } from "./sequence-common";
