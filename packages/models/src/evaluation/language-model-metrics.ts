/** Language-model figures derived from a mean cross-entropy in nats. */
export interface LanguageModelMetrics {
  /** Mean cross-entropy per character, in nats (natural log). */
  loss: number;
  /** exp(loss). */
  perplexity: number;
  /** loss / ln 2. */
  bitsPerCharacter: number;
}

/**
 * Turns a mean per-character cross-entropy (nats) into perplexity and bits
 * per character.
 *
 * @throws {RangeError} when the loss is negative or not finite.
 * @example
 * languageModelMetrics(Math.LN2) // { loss: 0.693…, perplexity: 2, bitsPerCharacter: 1 }
 */
export function languageModelMetrics(loss: number): LanguageModelMetrics {
  if (!Number.isFinite(loss) || loss < 0) {
    throw new RangeError(`expected a finite loss >= 0, got ${loss}`);
  }
  return { loss, perplexity: Math.exp(loss), bitsPerCharacter: loss / Math.LN2 };
}
