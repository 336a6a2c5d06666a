import { describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint, type TrainingCheckpoint } from "../index";

const checkpoint: TrainingCheckpoint = {
  epoch: 2,
  batchesDone: 5,
  step: 45,
  partial: { lossSum: 1.5, sequences: 10, correct: 7, examples: 10, tokens: 300, seconds: 2.5 },
  history: [{ epoch: 1, loss: 0.7, accuracy: 0.5, valLoss: 0.69, valAccuracy: 0.55, seconds: 3, batches: 20, tokens: 6000 }],
  best: { value: 0.69, epoch: 1, weights: [{ name: "w", shape: [3], data: Float32Array.from([1, 2, 3]) }] },
  wait: 0,
  finished: false,
  stopReason: null,
  weights: [
    { name: "embed/embeddings", shape: [2, 2], data: Float32Array.from([0.5, -0.25, 1e-8, 3]) },
    { name: "x", shape: [1], data: Float32Array.from([7]) },
  ],
  optimizer: [{ name: "iter", shape: [], data: Int32Array.from([45]) }],
};

describe("checkpoint encoding", () => {
  it("round-trips every field and array exactly", () => {
    const decoded = decodeCheckpoint(encodeCheckpoint(checkpoint));
    expect(decoded).toStrictEqual(checkpoint);
    expect(decoded.optimizer[0]!.data).toBeInstanceOf(Int32Array);
  });

  it("rejects foreign, truncated and other-version bytes with CHECKPOINT_MALFORMED", () => {
    const bytes = encodeCheckpoint(checkpoint);
    expect(() => decodeCheckpoint(new TextEncoder().encode("hello world, not a checkpoint"))).toThrow(/expected it to start with/);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    const header = new TextEncoder().encode('{"formatVersion":9}');
    const other = new Uint8Array(7 + 4 + header.length);
    other.set(bytes.subarray(0, 7)); // the magic line
    new DataView(other.buffer).setUint32(7, header.length, true);
    other.set(header, 11);
    expect(() => decodeCheckpoint(other)).toThrow("expected format version 1, got 9");
    try {
      decodeCheckpoint(new Uint8Array(3));
    } catch (error) {
      expect((error as { code: string }).code).toBe("CHECKPOINT_MALFORMED");
    }
  });
});
