import { AppKitError } from "app-kit";
import { describe, expect, it } from "vitest";
import { checkReviewLengths, maxSequenceTokens, type EncodedSplit } from "./imdb-data";

const chapter = { batchSize: 32, embeddingDim: 20, units: 64, layers: 1, bidirectional: true };

describe("review lengths against the kernels' memory", () => {
  it("gives the chapter's model a limit well above the longest IMDb review (2,525 tokens)", () => {
    // 2 GiB / (32 rows × (2·20 + 1·2·2·10·64) floats × 4 bytes) = 6,452 tokens
    expect(maxSequenceTokens(chapter)).toBe(6452);
    expect(maxSequenceTokens({ ...chapter, batchSize: 64 })).toBe(3226);
    expect(maxSequenceTokens({ ...chapter, bidirectional: false, layers: 2 })).toBe(6452);
  });

  it("refuses a review over the limit before training, naming it and the flag that caps it", () => {
    const split: EncodedSplit = { sequences: [new Int32Array(10), new Int32Array(7000)], labels: Float32Array.of(0, 1), tokens: 7010 };
    const reviews = [
      { text: "short", label: 0 as const },
      { text: "a very long review ".repeat(10), label: 1 as const },
    ];
    let error: unknown;
    try {
      checkReviewLengths(split, reviews, "training", maxSequenceTokens(chapter));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppKitError);
    expect((error as AppKitError).code).toBe("SEQUENCE_TOO_LONG");
    expect((error as Error).message).toBe(
      'review 2 of the training split has 7,000 tokens ("a very long review a very long review a very long "…); one batch of reviews that long ' +
        "needs more memory than the kernels can address (at most 6,452 tokens with this model and batch size): " +
        "cap reviews with --max-tokens (e.g. --max-tokens 1000) or lower --batch-size",
    );
    expect(() => checkReviewLengths(split, reviews, "training", 7000)).not.toThrow();
  });
});
