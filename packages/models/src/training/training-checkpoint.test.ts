import { describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint, type TrainingCheckpoint } from "../index";

const checkpoint: TrainingCheckpoint = {
  epoch: 2,
  batchesDone: 5,
  step: 45,
  partial: { lossSum: 1.5, sequences: 10, correct: 7, examples: 10, tokens: 300, seconds: 2.5, stepSeconds: 2 },
  history: [{ epoch: 1, loss: 0.7, accuracy: 0.5, valLoss: 0.69, valAccuracy: 0.55, seconds: 3, stepSeconds: 2.25, batches: 20, tokens: 6000 }],
  best: { value: 0.69, epoch: 1, weights: [{ name: "w", shape: [3], data: Float32Array.from([1, 2, 3]) }] },
  wait: 0,
  finished: false,
  stopReason: null,
  weights: [
    { name: "embed/embeddings", shape: [2, 2], data: Float32Array.from([0.5, -0.25, 1e-8, 3]) },
    { name: "x", shape: [1], data: Float32Array.from([7]) },
  ],
  optimizer: [{ name: "iter", shape: [], data: Int32Array.from([45]) }],
  divergence: { steps: 45, fast: 0.69, slow: 0.7, lowest: 0.6, over: 0 },
};

/** Bytes of a checkpoint with the header `header` and no arrays, in the format encodeCheckpoint writes. */
function withHeader(header: Record<string, unknown>): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(11 + json.length);
  out.set(new TextEncoder().encode("RCKPT1\n")); // 7 bytes of magic, then the header length
  new DataView(out.buffer).setUint32(7, json.length, true);
  out.set(json, 11);
  return out;
}

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
    expect(() => decodeCheckpoint(new Uint8Array(3))).toThrow(expect.objectContaining({ code: "CHECKPOINT_MALFORMED" }));
    expect(() => decodeCheckpoint(withHeader({ formatVersion: 1, weights: [], optimizer: [] }))).toThrow(/lacks the progress of the run/);
  });

  it("refuses a checkpoint holding a non-finite value, naming the array and index", () => {
    const bad = { ...checkpoint, weights: [{ name: "dense/kernel", shape: [3], data: Float32Array.from([1, Number.NaN, 3]) }] };
    expect(() => decodeCheckpoint(encodeCheckpoint(bad))).toThrow("array dense/kernel holds NaN at index 1");
  });

  it("reads checkpoints written before the timings and the divergence state were recorded", () => {
    const { divergence: _d, ...old } = checkpoint;
    const header = {
      formatVersion: 1,
      ...old,
      partial: { lossSum: 1.5, sequences: 10, correct: 7, examples: 10, tokens: 300, seconds: 2.5 },
      history: [{ epoch: 1, loss: 0.7, accuracy: 0.5, seconds: 3, batches: 20, tokens: 6000 }],
      weights: [],
      optimizer: [],
      best: null,
    };
    const decoded = decodeCheckpoint(withHeader(header));
    expect(decoded.partial.stepSeconds).toBe(0);
    expect(decoded.history[0]!.stepSeconds).toBe(0);
    expect(decoded.divergence).toStrictEqual({ steps: 0, fast: 0, slow: 0, lowest: null, over: 0 });
  });
});
