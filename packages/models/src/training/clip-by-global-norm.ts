import * as tf from "@tensorflow/tfjs";
import { checkNumber, show } from "./option-checks";

/** What {@link clipByGlobalNorm} returns. */
export interface ClippedGradients<T> {
  /** The gradients scaled by `clipNorm / max(globalNorm, clipNorm)`: the input itself when no scaling was needed. */
  gradients: T;
  /** Global L2 norm of the input gradients (before clipping). */
  globalNorm: number;
  /** Whether the gradients were scaled down (`globalNorm > clipNorm`). */
  clipped: boolean;
}

/**
 * Sum of squares of each tensor, read back in one go: `[tensors.length]`, float32 (as the backend sums).
 * A NaN or infinite value in a tensor, or a sum beyond float32's range, gives a non-finite entry.
 *
 * @internal
 */
export function squaredNorms(tensors: readonly tf.Tensor[]): Float32Array {
  if (tensors.length === 0) return new Float32Array(0);
  return tf.tidy(() => tf.stack(tensors.map((t) => tf.sum(tf.square(t)))).dataSync() as Float32Array);
}

/**
 * Scales gradients so that their global L2 norm (the norm of all of them concatenated) is at most `clipNorm`, like
 * TensorFlow's `tf.clip_by_global_norm(t_list, clip_norm, use_norm)`: each tensor is multiplied by
 * `clipNorm / max(globalNorm, clipNorm)`, which keeps the direction of the whole update. Accepts the map that
 * `optimizer.computeGradients` returns (`{ [variableName]: gradient }`) or an array of tensors, and returns the same
 * shape.
 *
 * Where it differs from TensorFlow: when no scaling is needed the input tensors themselves are returned (not
 * copies; `clipped` is false), and a NaN or infinite global norm throws instead of returning NaN tensors. The norm
 * is summed in float64 from per-tensor float32 sums of squares. Scaled tensors are new: dispose them (or call this
 * inside `tf.tidy`).
 *
 * @param gradients the gradients, any shapes.
 * @param clipNorm the largest global norm to let through, a finite number > 0.
 * @param globalNorm the global norm if already known (TensorFlow's `use_norm`), else it is computed.
 * @throws {RangeError} for a `clipNorm` that is not a finite number > 0, or a `globalNorm` that is negative, NaN or
 *   infinite (a gradient holds NaN or infinite values).
 * @example
 * const { value, grads } = optimizer.computeGradients(loss, variables);
 * const { gradients, globalNorm } = clipByGlobalNorm(grads, 5);
 * optimizer.applyGradients(gradients);
 */
export function clipByGlobalNorm<T extends tf.NamedTensorMap | tf.Tensor[]>(
  gradients: T,
  clipNorm: number,
  globalNorm?: number,
): ClippedGradients<T> {
  checkNumber("clipNorm", clipNorm, { above: 0 });
  if (typeof gradients !== "object" || gradients === null) {
    throw new TypeError(`expected gradients to be an array of tensors or a map of names to tensors, got ${show(gradients)}`);
  }
  // a map may hold null for variables without a gradient (as tf.variableGrads returns); an array must hold only tensors
  const entries: [string, tf.Tensor][] = Object.entries(gradients).filter(([, t]) => Array.isArray(gradients) || t != null);
  for (const [name, t] of entries) {
    if (!(t instanceof tf.Tensor)) throw new TypeError(`expected gradient ${name} to be a tensor, got ${show(t)}`);
  }
  let norm: number;
  if (globalNorm === undefined) {
    norm = Math.sqrt(squaredNorms(entries.map(([, t]) => t)).reduce((sum, s) => sum + s, 0));
  } else {
    norm = checkNumber("globalNorm", globalNorm, { min: 0 });
  }
  if (!Number.isFinite(norm)) {
    throw new RangeError(`expected gradients with a finite global norm, got ${norm} (a gradient holds NaN or infinite values)`);
  }
  if (norm <= clipNorm) return { gradients, globalNorm: norm, clipped: false };
  const scale = clipNorm / norm;
  const scaled = Array.isArray(gradients)
    ? gradients.map((t) => tf.mul(t, scale))
    : Object.fromEntries(entries.map(([name, t]) => [name, tf.mul(t, scale)]));
  return { gradients: scaled as T, globalNorm: norm, clipped: true };
}
