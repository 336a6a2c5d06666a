import { cellKind, type CellKind } from "@recurrent/models";
import { InvalidArgumentError } from "commander";

/**
 * A commander option parser for a recurrent cell kind: `lstm`, `gru` or `simple-rnn` (the names of every
 * `@recurrent/*` package), also accepting the tfjs / Keras spellings (`LSTM`, `GRU`, `simpleRNN`, `SimpleRNN`,
 * `simple_rnn`).
 *
 * @example
 * program.option("--cell <kind>", "recurrent cell: lstm, gru or simple-rnn", cellOption, "lstm")
 * // "--cell SimpleRNN" → "simple-rnn"; "--cell rnn" → error: expected cell to be one of lstm, gru, simple-rnn …
 */
export function cellOption(value: string): CellKind {
  try {
    return cellKind(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/**
 * A commander option parser for an integer of at least `min`.
 *
 * @example
 * program.option("--epochs <n>", "maximum epochs", integerOption("epochs"), 10)
 * // "--epochs 0" → error: expected epochs to be an integer >= 1, got 0
 */
export function integerOption(name: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected ${name} to be an integer >= ${min}, got ${value}`);
    }
    return n;
  };
}

/**
 * A commander option parser for a finite number greater than 0.
 *
 * @example
 * program.option("--learning-rate <lr>", "Adam learning rate", positiveOption("learning-rate"), 1e-3)
 */
export function positiveOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected ${name} > 0, got ${value}`);
    return n;
  };
}

/**
 * A commander option parser for a rate in [0, 1) (dropout).
 *
 * @example
 * program.option("--dropout <rate>", "dropout rate", rateOption("dropout"), 0)
 */
export function rateOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n >= 0 && n < 1)) throw new InvalidArgumentError(`expected ${name} to be a rate in [0, 1), got ${value}`);
    return n;
  };
}
