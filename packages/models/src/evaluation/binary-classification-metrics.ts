import { PROBABILITY_EPSILON } from "../training/losses";

/** Counts of a binary confusion matrix (positive = label 1). */
export interface ConfusionMatrix {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

/** Figures of a binary classifier on a labelled set. */
export interface BinaryClassificationMetrics {
  /** Number of examples. */
  count: number;
  /** Mean binary cross-entropy (nats), probabilities clipped to [1e-7, 1 − 1e-7] as Keras does. */
  loss: number;
  /** (TP + TN) / count. */
  accuracy: number;
  /** TP / (TP + FP); 0 when nothing is predicted positive. */
  precision: number;
  /** TP / (TP + FN); 0 when there are no positives. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /**
   * Area under the ROC curve (probability that a random positive scores above
   * a random negative, ties counting one half); `null` when the labels hold only one class.
   */
  rocAuc: number | null;
  /** The decision threshold used for the counts. */
  threshold: number;
  confusionMatrix: ConfusionMatrix;
}

/** Options of {@link binaryClassificationMetrics}. */
export interface BinaryClassificationMetricsOptions {
  /**
   * A probability >= threshold is predicted positive.
   * @default 0.5
   */
  threshold?: number;
}

/**
 * Computes accuracy, precision, recall, F1, ROC AUC, the confusion matrix and
 * the mean cross-entropy from predicted probabilities and 0/1 labels.
 *
 * ROC AUC is computed exactly from ranks (Mann–Whitney U with average ranks
 * for ties), in O(n log n).
 *
 * @param probabilities predicted P(label = 1), `[count]`, each in [0, 1].
 * @param labels 0 or 1, `[count]`.
 * @throws {RangeError} when lengths differ, the set is empty, a label is not 0/1 or a probability is outside [0, 1].
 * @example
 * binaryClassificationMetrics(new Float32Array([0.9, 0.2]), new Float32Array([1, 0])).accuracy // 1
 */
export function binaryClassificationMetrics(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: BinaryClassificationMetricsOptions = {},
): BinaryClassificationMetrics {
  const threshold = options.threshold ?? 0.5;
  const n = probabilities.length;
  if (labels.length !== n) {
    throw new RangeError(`expected as many labels as probabilities (${n}), got ${labels.length}`);
  }
  if (n === 0) throw new RangeError("expected at least one example, got 0");
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`expected threshold in [0, 1], got ${threshold}`);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let lossSum = 0;
  for (let i = 0; i < n; i++) {
    const p = probabilities[i] as number;
    const y = labels[i] as number;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`expected probabilities[${i}] in [0, 1], got ${p}`);
    if (y !== 0 && y !== 1) throw new RangeError(`expected labels[${i}] to be 0 or 1, got ${y}`);
    const positive = p >= threshold;
    if (y === 1) {
      if (positive) tp++;
      else fn++;
    } else if (positive) fp++;
    else tn++;
    const q = Math.min(Math.max(p, PROBABILITY_EPSILON), 1 - PROBABILITY_EPSILON);
    lossSum -= y === 1 ? Math.log(q) : Math.log(1 - q);
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    count: n,
    loss: lossSum / n,
    accuracy: (tp + tn) / n,
    precision,
    recall,
    f1,
    rocAuc: rocAuc(probabilities, labels),
    threshold,
    confusionMatrix: { truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn },
  };
}

function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSumPositives = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    const s = scores[order[i] as number] as number;
    while (j < n && scores[order[j] as number] === s) j++;
    const averageRank = (i + 1 + j) / 2; // ranks i+1 .. j
    for (let k = i; k < j; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        rankSumPositives += averageRank;
      }
    }
    i = j;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}
