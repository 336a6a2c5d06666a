import * as tf from "@tensorflow/tfjs";

/** A variable a {@link StepSnapshot} watches, with the name messages give it. */
export interface WatchedVariable {
  variable: tf.Variable;
  label: string;
}

/** A variable whose value an optimizer step replaced (or created). */
export interface ChangedVariable extends WatchedVariable {
  /** `"weight"`: one of the model's trainable variables; `"optimizer"`: the optimizer's state. */
  kind: "weight" | "optimizer";
  /** True for optimizer state the step created (moments allocated on a first step). */
  created: boolean;
}

interface Held extends WatchedVariable {
  kind: "weight" | "optimizer";
  holder: tf.Variable;
  dataId: object;
}

interface SavedField {
  value: unknown;
  /** For array fields: their contents at the time of the snapshot (holes kept). */
  contents: unknown[] | undefined;
}

/**
 * The state before an optimizer step, kept so that the step can be undone: the values of the model's variables and
 * of the optimizer's variables (moments, β powers and the like), and the optimizer's own fields (its iteration count,
 * its arrays of per-variable slots).
 *
 * Taking it copies no tensor data. tfjs optimizers, and `fusedAdam`, never write a variable in place: they
 * compute new tensors and `assign` them, which points the variable at new memory. The snapshot holds a second
 * reference to each variable's current memory (a non-trainable `tf.variable` over it, which shares the data), so the
 * old values survive the step; {@link restore} points the variables back, {@link release} drops the references.
 * State that an optimizer allocates during the step (Adam's moments on its first step) is disposed by `restore`,
 * and its slot arrays get their old contents back, so a refused first step leaves the optimizer as new.
 *
 * Found by looking at the optimizer's own fields: variables, arrays of variables, and arrays of
 * `{ originalName, variable }` slots (how every tfjs optimizer keeps its state). An optimizer that keeps state
 * elsewhere (nested objects, maps) or overwrites variable memory in place cannot be rolled back by this.
 *
 * @internal
 */
export class StepSnapshot {
  private constructor(
    private readonly held: Held[],
    private readonly optimizer: tf.Optimizer,
    private readonly fields: Map<string, SavedField>,
  ) {}

  /** Snapshots `weights` and the state of `optimizer`. */
  static take(weights: readonly WatchedVariable[], optimizer: tf.Optimizer): StepSnapshot {
    const held: Held[] = [];
    const hold = (w: WatchedVariable, kind: Held["kind"]) =>
      held.push({ ...w, kind, dataId: w.variable.dataId, holder: tf.variable(w.variable, false) });
    for (const w of weights) hold(w, "weight");
    const seen = new Set(weights.map((w) => w.variable));
    const fields = new Map<string, SavedField>();
    for (const [key, value] of Object.entries(optimizer)) {
      fields.set(key, { value, contents: Array.isArray(value) ? value.slice() : undefined });
      for (const v of variablesIn(value, key)) {
        if (seen.has(v.variable)) continue;
        seen.add(v.variable);
        hold(v, "optimizer");
      }
    }
    return new StepSnapshot(held, optimizer, fields);
  }

  /** The variables the step gave new values, and the optimizer variables it created. */
  changed(): ChangedVariable[] {
    const out: ChangedVariable[] = [];
    for (const h of this.held) {
      if (!h.variable.isDisposed && h.variable.dataId !== h.dataId) out.push({ variable: h.variable, label: h.label, kind: h.kind, created: false });
    }
    const known = new Set(this.held.map((h) => h.variable));
    for (const [key, value] of Object.entries(this.optimizer)) {
      for (const v of variablesIn(value, key)) {
        if (!known.has(v.variable)) {
          known.add(v.variable);
          out.push({ ...v, kind: "optimizer", created: true });
        }
      }
    }
    return out;
  }

  /** Puts every variable and optimizer field back as it was, disposes what the step created, and releases. */
  restore(): void {
    const opt = this.optimizer as unknown as Record<string, unknown>;
    const before = new Set(this.held.map((h) => h.variable));
    const created: tf.Variable[] = [];
    const collectNew = (value: unknown, key: string) => {
      for (const v of variablesIn(value, key)) if (!before.has(v.variable)) created.push(v.variable);
    };
    for (const key of Object.keys(opt)) {
      if (!this.fields.has(key)) {
        collectNew(opt[key], key);
        delete opt[key];
      }
    }
    for (const [key, saved] of this.fields) {
      collectNew(opt[key], key);
      if (saved.contents !== undefined) {
        const array = saved.value as unknown[];
        collectNew(array, key);
        array.length = 0;
        saved.contents.forEach((element, i) => (array[i] = element));
        array.length = saved.contents.length;
      }
      opt[key] = saved.value;
    }
    for (const v of new Set(created)) if (!v.isDisposed) v.dispose();
    for (const h of this.held) {
      if (!h.variable.isDisposed && h.variable.dataId !== h.dataId) h.variable.assign(h.holder);
    }
    this.release();
  }

  /** Drops the references to the old values (after a step that was kept). */
  release(): void {
    for (const h of this.held) if (!h.holder.isDisposed) h.holder.dispose();
    this.held.length = 0;
  }
}

/** The variables in one optimizer field: a variable, or an array of variables or of `{ originalName, variable }`. */
function variablesIn(value: unknown, key: string): WatchedVariable[] {
  if (value instanceof tf.Variable) return [{ variable: value, label: key }];
  if (!Array.isArray(value)) return [];
  const out: WatchedVariable[] = [];
  value.forEach((element: unknown, i) => {
    if (element instanceof tf.Variable) out.push({ variable: element, label: `${key}[${i}]` });
    else if (typeof element === "object" && element !== null && (element as { variable?: unknown }).variable instanceof tf.Variable) {
      const slot = element as { originalName?: unknown; variable: tf.Variable };
      out.push({ variable: slot.variable, label: typeof slot.originalName === "string" ? slot.originalName : `${key}[${i}]` });
    }
  });
  return out;
}
