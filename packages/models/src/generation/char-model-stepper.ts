import * as tf from "@tensorflow/tfjs";
import {
  GRU_GATES,
  GRU_STATE,
  LSTM_STEP,
  RECURRENT_ACTIVATIONS,
  registerRecurrentKernels,
  SIMPLE_RNN_STEP,
  type RecurrentActivation,
} from "@recurrent/backends";
import type { CellKind } from "@recurrent/rnn-cells";
import { gruSequence } from "../layers/gru-sequence";
import { lstmSequence } from "../layers/lstm-sequence";
import type { SequenceOptions, SequenceWeights } from "../layers/recurrent-sequence";
import { simpleRnnSequence } from "../layers/simple-rnn-sequence";

/**
 * How {@link createCharModelStepper} runs one time step:
 *
 * - `"fused"`: the per-step kernels of `@recurrent/backends` (`LSTM_STEP`, `GRU_GATES` + `GRU_STATE`,
 *   `SIMPLE_RNN_STEP`; WebAssembly SIMD on wasm) after one `h·U` product, and the start text through the layers'
 *   whole-sequence code; throws where those kernels are not registered for the active backend or the layer's
 *   activations are not among the fused ones;
 * - `"ops"`: plain tf ops (any backend: webgl, tensorflow, …);
 * - `"auto"`: `"fused"` where it can run, else `"ops"`.
 */
export type StepKernels = "auto" | "fused" | "ops";

/**
 * A character model run one time step at a time from its weights, carrying the recurrent state between calls.
 *
 * @internal used by {@link streamTokens}; not part of the package's entry.
 */
export interface CharModelStepper {
  /** The recurrent cell of the model. */
  readonly cell: CellKind;
  /** The Embedding's input size (= the Dense's output size). */
  readonly vocabSize: number;
  /** Which step implementation runs (`"auto"` resolved). */
  readonly kernels: "fused" | "ops";
  /**
   * Resets the state to zeros and runs `ids` through the recurrent layer in one sequence call.
   *
   * @param ids at least one id in [0, vocabSize).
   * @returns the logits after the last id, `[vocab]` (the caller disposes them).
   */
  prime(ids: ArrayLike<number>): tf.Tensor1D;
  /**
   * One time step from the current state.
   *
   * @returns the logits after `id`, `[vocab]` (the caller disposes them).
   */
  step(id: number): tf.Tensor1D;
  /** Frees every tensor the stepper holds (the model's weights are not touched). Idempotent. */
  dispose(): void;
}

/** What the stepper reads from a model, found by {@link describeCharModel}. */
export interface CharModelParts {
  cell: CellKind;
  vocabSize: number;
  units: number;
  /** The Embedding's `maskZero`: id 0 is padding (the state is carried through it). */
  maskZero: boolean;
  /** tfjs activation names (`Activation.getClassName()`), e.g. `"tanh"`, `"hardSigmoid"`. */
  activation: string;
  recurrentActivation: string;
  /**
   * GRU only: Keras's `reset_after=True` (the bias is `[2, 3·units]`: row 0 the input bias, row 1 the recurrent bias
   * that the reset gate scales with h·U_h). False for the other cells and for tf.layers' GRU.
   */
  resetAfter: boolean;
  embeddings: tf.LayerVariable;
  kernel: tf.LayerVariable;
  recurrentKernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  denseKernel: tf.LayerVariable;
  denseBias: tf.LayerVariable | null;
}

const CELL_OF_CLASS: Readonly<Record<string, CellKind>> = { LSTM: "lstm", GRU: "gru", SimpleRNN: "simple-rnn" };
const GATES: Readonly<Record<CellKind, number>> = { lstm: 4, gru: 3, "simple-rnn": 1 };

interface LayerWithConfig {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  name: string;
  weights: tf.LayerVariable[];
}

function activationName(value: unknown, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "string") return value;
  const named = value as { className?: unknown };
  return typeof named.className === "string" ? named.className : String(value);
}

/**
 * Checks that `model` is a character language model the stepper can run — Embedding → LSTM | GRU | SimpleRNN
 * (one direction, `returnSequences: true`, not `goBackwards`) → Dense (linear: logits), optionally with Dropout
 * layers in between (identity in inference) — and returns its parts.
 *
 * @throws {TypeError} naming what was expected and what the model has.
 * @internal
 */
export function describeCharModel(model: tf.LayersModel): CharModelParts {
  if (model === null || typeof model !== "object" || !Array.isArray((model as { layers?: unknown }).layers)) {
    throw new TypeError(`expected a tf.LayersModel, got ${model === null ? "null" : typeof model}`);
  }
  const layers = (model.layers as unknown as LayerWithConfig[]).filter(
    (l) => l.getClassName() !== "InputLayer" && l.getClassName() !== "Dropout",
  );
  const classes = layers.map((l) => l.getClassName());
  const expected = "a character model Embedding → LSTM | GRU | SimpleRNN (returnSequences) → Dense (as built by buildCharLanguageModel)";
  const [embedding, recurrent, dense] = layers;
  if (
    layers.length !== 3 ||
    embedding?.getClassName() !== "Embedding" ||
    recurrent === undefined ||
    CELL_OF_CLASS[recurrent.getClassName()] === undefined ||
    dense?.getClassName() !== "Dense"
  ) {
    throw new TypeError(`expected ${expected}, got layers ${classes.join(" → ") || "(none)"}`);
  }
  const cell = CELL_OF_CLASS[recurrent.getClassName()]!;
  const rc = recurrent.getConfig();
  if (rc.returnSequences !== true) throw new TypeError(`expected ${expected}, got a ${recurrent.getClassName()} with returnSequences false`);
  if (rc.goBackwards === true) throw new TypeError(`expected ${expected}, got a ${recurrent.getClassName()} with goBackwards true`);
  const dc = dense.getConfig();
  const denseActivation = activationName(dc.activation, "linear");
  if (denseActivation !== "linear") {
    throw new TypeError(`expected ${expected} whose Dense returns logits (activation "linear"), got activation ${JSON.stringify(denseActivation)}`);
  }
  const units = rc.units as number;
  const ec = embedding.getConfig();
  const vocabSize = ec.inputDim as number;
  if (dc.units !== vocabSize) {
    throw new TypeError(`expected ${expected} with Dense units = Embedding inputDim (${vocabSize}), got ${String(dc.units)}`);
  }
  const byName = (layer: LayerWithConfig, suffix: string): tf.LayerVariable | null =>
    layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix) ?? null;
  const required = (layer: LayerWithConfig, suffix: string): tf.LayerVariable => {
    const w = byName(layer, suffix);
    if (w === null) {
      throw new TypeError(`expected ${layer.name} to have a weight "${suffix}", got ${layer.weights.map((v) => v.originalName).join(", ") || "no weights (is the model built?)"}`);
    }
    return w;
  };
  const parts: CharModelParts = {
    cell,
    vocabSize,
    units,
    maskZero: ec.maskZero === true || (embedding as unknown as { maskZero?: boolean }).maskZero === true,
    activation: activationName(rc.activation, "tanh"),
    recurrentActivation: activationName(rc.recurrentActivation, "hardSigmoid"),
    resetAfter: cell === "gru" && rc.resetAfter === true,
    embeddings: required(embedding, "embeddings"),
    kernel: required(recurrent, "kernel"),
    recurrentKernel: required(recurrent, "recurrent_kernel"),
    bias: byName(recurrent, "bias"),
    denseKernel: required(dense, "kernel"),
    denseBias: byName(dense, "bias"),
  };
  const g = GATES[cell] * units;
  const shapes: [string, tf.LayerVariable | null, number[]][] = [
    ["recurrent kernel", parts.recurrentKernel, [units, g]],
    ["kernel", parts.kernel, [parts.embeddings.shape[1] as number, g]],
    ["bias", parts.bias, parts.resetAfter ? [2, g] : [g]],
    ["Dense kernel", parts.denseKernel, [units, vocabSize]],
  ];
  for (const [what, w, shape] of shapes) {
    if (w !== null && w.shape.join(",") !== shape.join(",")) {
      throw new TypeError(`expected the ${what} of a ${cell} char model to be [${shape.join(", ")}], got [${w.shape.join(", ")}]`);
    }
  }
  return parts;
}

/** Why the fused step kernels cannot run this model here, or null. */
function fusedBlocker(parts: CharModelParts): string | null {
  const backend = tf.getBackend();
  registerRecurrentKernels();
  const names = parts.cell === "lstm" ? [LSTM_STEP] : parts.cell === "gru" ? [GRU_GATES, GRU_STATE] : [SIMPLE_RNN_STEP];
  const missing = names.filter((name) => tf.getKernel(name, backend) === undefined);
  if (missing.length > 0) return `the fused kernels ${missing.join(", ")} are not registered for the "${backend}" backend`;
  const fusable = (name: string) => (RECURRENT_ACTIVATIONS as readonly string[]).includes(name);
  if (!fusable(parts.activation)) return `activation "${parts.activation}" is not one of the fused ${RECURRENT_ACTIVATIONS.join(", ")}`;
  if (parts.cell !== "simple-rnn" && !fusable(parts.recurrentActivation)) {
    return `recurrent activation "${parts.recurrentActivation}" is not one of the fused ${RECURRENT_ACTIVATIONS.join(", ")}`;
  }
  return null;
}

/** An element-wise activation as tf ops (tfjs's definitions, `tfjs-layers/src/activations.ts`). */
function activationOp(name: string): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case "linear":
      return (x) => x;
    case "tanh":
      return (x) => tf.tanh(x);
    case "sigmoid":
      return (x) => tf.sigmoid(x);
    case "relu":
      return (x) => tf.relu(x);
    case "hardSigmoid":
      // tfjs K.hardSigmoid: clip(0.2·x + 0.5, 0, 1)
      return (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
    default: {
      const layer = tf.layers.activation({ activation: name as never });
      return (x) => layer.apply(x) as tf.Tensor;
    }
  }
}

/**
 * Creates a stepper for a character model (see {@link describeCharModel}): the model's weights as they are now
 * (they are read, not copied, except for one table), and a recurrent state of its own.
 *
 * Since the input is an embedding row, x·W + b is precomputed for every id once, as a `[vocab, gates·units]`
 * table; a step is then one `h·U` product, the cell's gate arithmetic, and the Dense product.
 *
 * @internal
 */
export function createCharModelStepper(model: tf.LayersModel, options: { kernels?: StepKernels } = {}): CharModelStepper {
  const parts = describeCharModel(model);
  const requested = options.kernels ?? "auto";
  if (!["auto", "fused", "ops"].includes(requested)) {
    throw new RangeError(`expected kernels "auto" | "fused" | "ops", got ${JSON.stringify(requested)}`);
  }
  let kernels: "fused" | "ops" = "ops";
  if (requested !== "ops") {
    const blocker = fusedBlocker(parts);
    if (blocker === null) kernels = "fused";
    else if (requested === "fused") throw new RangeError(`expected the fused step kernels to be usable (kernels: "fused"), but ${blocker}`);
  }
  const { cell, units, vocabSize, maskZero } = parts;
  const g = GATES[cell] * units;

  // Tensors the stepper owns: the input table, the split recurrent kernel (GRU), and the state.
  const { resetAfter } = parts;
  const table = tf.tidy(() => {
    const xw = tf.matMul(parts.embeddings.read(), parts.kernel.read());
    if (parts.bias === null) return xw as tf.Tensor2D;
    // reset-after GRU: the input bias (row 0); the recurrent bias (row 1) goes with h·U at every step
    return tf.add(xw, resetAfter ? tf.slice(parts.bias.read(), [0, 0], [1, g]) : parts.bias.read()) as tf.Tensor2D;
  });
  // reset-after GRU: the recurrent bias b′ [3·units] (zeros without a bias)
  const recurrentBias = resetAfter
    ? tf.tidy(() => (parts.bias === null ? tf.zeros([g]) : tf.reshape(tf.slice(parts.bias.read(), [1, 0], [1, g]), [g])) as tf.Tensor1D)
    : null;
  // [1, vocab, g]: a per-step kernel reads row `t` of its `xw` [batch, time, g] input, so `t = id` is the lookup
  const table3d = tf.reshape(table, [1, vocabSize, g]) as tf.Tensor3D;
  const gruSplit =
    cell === "gru" && !resetAfter ? (tf.split(parts.recurrentKernel.read(), [2 * units, units], 1) as [tf.Tensor2D, tf.Tensor2D]) : null;
  const act = activationOp(parts.activation);
  const rec = activationOp(parts.recurrentActivation);
  const attrs = { activation: parts.activation, recurrentActivation: parts.recurrentActivation, ...(resetAfter ? { resetAfter: 1 } : {}) };
  let state: tf.Tensor2D[] = [];
  let disposed = false;

  const zeros = (): tf.Tensor2D[] => (cell === "lstm" ? [tf.zeros([1, units]), tf.zeros([1, units])] : [tf.zeros([1, units])]);
  const setState = (next: tf.Tensor2D[]) => {
    for (const t of state) if (!next.includes(t)) t.dispose();
    state = next;
  };
  const logitsOf = (h: tf.Tensor2D): tf.Tensor1D =>
    tf.tidy(() => {
      const y = tf.fused.matMul({ a: h, b: parts.denseKernel.read() as tf.Tensor2D, ...(parts.denseBias === null ? {} : { bias: parts.denseBias.read() }) });
      return tf.reshape(y, [vocabSize]) as tf.Tensor1D;
    });
  const checkId = (id: number, where: string) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new RangeError(`expected ${where} to be an integer id in [0, ${vocabSize}), got ${String(id)}`);
  };
  const assertLive = () => {
    if (disposed) throw new Error("this generation stepper was disposed");
  };

  /** One step as plain tf ops, from the input projection `xw` [1, g] (x·W + b). */
  const opsStep = (xw: tf.Tensor2D, prev: tf.Tensor2D[]): tf.Tensor2D[] => {
    const h = prev[0]!;
    if (cell === "lstm") {
      const z = tf.add(xw, tf.matMul(h, parts.recurrentKernel.read() as tf.Tensor2D));
      const [zi, zf, zc, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const c = tf.add(tf.mul(rec(zf), prev[1]!), tf.mul(rec(zi), act(zc))) as tf.Tensor2D;
      return [tf.mul(rec(zo), act(c)) as tf.Tensor2D, c];
    }
    if (cell === "gru" && resetAfter) {
      // Keras reset_after=True: ĥ = φ(xW_h + b_h + r ⊙ (h·U_h + b′_h))
      const hu = tf.add(tf.matMul(h, parts.recurrentKernel.read() as tf.Tensor2D), recurrentBias!);
      const [xzr, xh] = tf.split(xw, [2 * units, units], 1) as [tf.Tensor2D, tf.Tensor2D];
      const [huzr, huh] = tf.split(hu, [2 * units, units], 1) as [tf.Tensor2D, tf.Tensor2D];
      const [z, r] = tf.split(rec(tf.add(xzr, huzr)), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const hh = act(tf.add(xh, tf.mul(r, huh)));
      return [tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh)) as tf.Tensor2D];
    }
    if (cell === "gru") {
      const [uzr, uh] = gruSplit!;
      const [xzr, xh] = tf.split(xw, [2 * units, units], 1) as [tf.Tensor2D, tf.Tensor2D];
      const [z, r] = tf.split(rec(tf.add(xzr, tf.matMul(h, uzr))), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const hh = act(tf.add(xh, tf.matMul(tf.mul(r, h), uh)));
      // tf.layers' GRU: h = z ⊙ h₋₁ + (1 − z) ⊙ hh
      return [tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh)) as tf.Tensor2D];
    }
    return [act(tf.add(xw, tf.matMul(h, parts.recurrentKernel.read() as tf.Tensor2D))) as tf.Tensor2D];
  };

  /** One step through the fused per-step kernels, reading row `id` of the table. */
  const fusedStep = (id: number, prev: tf.Tensor2D[]): tf.Tensor2D[] => {
    const engine = tf.engine();
    const h = prev[0]!;
    if (cell === "lstm") {
      const hu = tf.matMul(h, parts.recurrentKernel.read() as tf.Tensor2D);
      const [hn, cn] = engine.runKernel(LSTM_STEP, { xw: table3d, hu, hPrev: h, cPrev: prev[1]! }, { t: id, ...attrs }) as tf.Tensor2D[];
      return [hn!, cn!];
    }
    if (cell === "gru" && resetAfter) {
      // one product h·U (all three blocks); GRU_GATES adds b′ and returns r ⊙ (h·U_h + b′_h) as its second output
      const hu = tf.matMul(h, parts.recurrentKernel.read() as tf.Tensor2D);
      const [zr, rhu] = engine.runKernel(GRU_GATES, { xw: table3d, hu, recurrentBias: recurrentBias! }, { t: id, ...attrs }) as tf.Tensor2D[];
      const [hn] = engine.runKernel(GRU_STATE, { xw: table3d, zr: zr!, rhu: rhu!, hPrev: h }, { t: id, ...attrs }) as tf.Tensor2D[];
      return [hn!];
    }
    if (cell === "gru") {
      const [uzr, uh] = gruSplit!;
      const hu = tf.matMul(h, uzr);
      const [zr, rh] = engine.runKernel(GRU_GATES, { xw: table3d, hu, hPrev: h }, { t: id, ...attrs }) as tf.Tensor2D[];
      const rhu = tf.matMul(rh!, uh);
      const [hn] = engine.runKernel(GRU_STATE, { xw: table3d, zr: zr!, rhu, hPrev: h }, { t: id, ...attrs }) as tf.Tensor2D[];
      return [hn!];
    }
    const hu = tf.matMul(h, parts.recurrentKernel.read() as tf.Tensor2D);
    const out = engine.runKernel(SIMPLE_RNN_STEP, { xw: table3d, hu, hPrev: h }, { t: id, activation: parts.activation });
    return [(Array.isArray(out) ? out[0] : out) as tf.Tensor2D];
  };

  const runStep = (id: number, prev: tf.Tensor2D[]): tf.Tensor2D[] => {
    if (maskZero && id === 0) return prev; // a padded step carries the state (tf.layers' masking)
    return tf.tidy(() => (kernels === "fused" ? fusedStep(id, prev) : opsStep(tf.slice(table, [id, 0], [1, g]), prev)));
  };

  return {
    cell,
    vocabSize,
    kernels,
    prime(idsLike) {
      assertLive();
      const ids = Int32Array.from(idsLike);
      if (ids.length === 0) throw new RangeError("expected at least one id to prime the state with, got none");
      ids.forEach((id, i) => checkId(id, `ids[${i}]`));
      let next: tf.Tensor2D[];
      if (kernels === "fused") {
        next = tf.tidy(() => {
          const x = tf.reshape(tf.gather(parts.embeddings.read(), tf.tensor1d(ids, "int32")), [1, ids.length, -1]) as tf.Tensor3D;
          const mask = maskZero ? (tf.tensor2d(Float32Array.from(ids, (id) => (id === 0 ? 0 : 1)), [1, ids.length]) as tf.Tensor2D) : null;
          const weights: SequenceWeights = {
            kernel: parts.kernel.read() as tf.Tensor2D,
            recurrentKernel: parts.recurrentKernel.read() as tf.Tensor2D,
            bias: parts.bias === null ? null : (parts.bias.read() as tf.Tensor1D),
          };
          const sequenceOptions: SequenceOptions = {
            units,
            activation: parts.activation as RecurrentActivation,
            recurrentActivation: (cell === "simple-rnn" ? "linear" : parts.recurrentActivation) as RecurrentActivation,
            goBackwards: false,
            returnSequences: false,
            resetAfter,
          };
          const run = cell === "lstm" ? lstmSequence : cell === "gru" ? gruSequence : simpleRnnSequence;
          // [last output, hT(, cT)]: the final states are what the next step starts from
          return run(x, weights, null, mask, sequenceOptions, true).slice(1) as tf.Tensor2D[];
        });
      } else {
        // plain ops: every input projection in one gather from the table, then the recurrence step by step
        next = tf.tidy(() => {
          const xws = tf.gather(table, tf.tensor1d(ids, "int32"));
          let s = zeros();
          for (let t = 0; t < ids.length; t++) {
            if (maskZero && ids[t] === 0) continue;
            s = opsStep(tf.slice(xws, [t, 0], [1, g]) as tf.Tensor2D, s);
          }
          return s;
        });
      }
      setState(next);
      return logitsOf(state[0]!);
    },
    step(id) {
      assertLive();
      checkId(id, "id");
      if (state.length === 0) setState(zeros());
      setState(runStep(id, state));
      return logitsOf(state[0]!);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      setState([]);
      tf.dispose([table, table3d, ...(gruSplit ?? []), ...(recurrentBias === null ? [] : [recurrentBias])]);
    },
  };
}
