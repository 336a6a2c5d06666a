import * as tf from "@tensorflow/tfjs";

/** Thrown (and caught by the attempts) when an attempt's time is up. */
export class AttemptTimeout extends Error {
  override readonly name = "AttemptTimeout";
}

/**
 * The time budget of one backend attempt. Every await of an attempt goes through {@link Deadline.within}, so that
 * once the time is up the attempt stops at its next step and never acts afterwards (no late `tf.setBackend`).
 */
export class Deadline {
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly expired: Promise<never>;
  /** What the attempt was doing when the time ran out. */
  private step = "starting";

  constructor(readonly ms: number) {
    let fire: (e: Error) => void = () => {};
    this.expired = new Promise<never>((_, reject) => {
      fire = reject;
    });
    this.expired.catch(() => {}); // observed through within(); never an unhandled rejection
    this.timer = setTimeout(() => fire(new AttemptTimeout(`did not start within ${ms / 1000} s (${this.step})`)), ms);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /**
   * Resolves as `promise` does, or rejects with {@link AttemptTimeout} when the time runs out first.
   *
   * @param step what the attempt is waiting for, for the timeout's message.
   */
  within<T>(promise: Promise<T> | T, step: string): Promise<T> {
    this.step = step;
    return Promise.race([Promise.resolve(promise), this.expired]);
  }

  /** Stops the timer (the attempt is over). */
  clear(): void {
    clearTimeout(this.timer);
  }
}

/** The tfjs engine internals used to start a backend (public fields of tfjs-core's `Engine`, undocumented). */
interface EngineRegistry {
  registry: Record<string, tf.KernelBackend | undefined>;
}

const errorText = (error: unknown): string => {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String((error as { message: unknown }).message);
  return String(error);
};

/** The first line of an error's message. */
export function firstLine(error: unknown): string {
  return errorText(error).split("\n")[0]!.trim();
}

/**
 * Makes `name` the active tfjs backend, initialising it first if it is not yet, within the deadline.
 *
 * It runs the backend's registered factory itself (`tf.findBackendFactory`) rather than letting `tf.setBackend`
 * do it, for two reasons: a failure then arrives as the factory's exception, with its message, instead of as a
 * `false` result and a `console.warn` (so nothing global has to be patched to learn why); and a start that hangs
 * leaves tfjs untouched (no pending initialisation that would make every later `tf.ready()` wait, or switch the
 * backend when it completes). Once the factory has produced the backend, it is put into the engine's registry,
 * where `tf.setBackend` would have put it, and `tf.setBackend(name)` switches to it without initialising anything.
 *
 * @returns `null` when the backend is active, else why it could not start (the first line of the factory's error).
 * @throws {AttemptTimeout} when the time runs out first.
 */
export async function startBackend(name: string, deadline: Deadline): Promise<string | null> {
  const engine = tf.engine() as unknown as EngineRegistry;
  if (engine.registry[name] === undefined) {
    const factory = tf.findBackendFactory(name);
    if (factory === null) return `no "${name}" backend is registered with this copy of @tensorflow/tfjs`;
    let instance: unknown;
    try {
      instance = await deadline.within(
        Promise.resolve().then(() => factory()),
        `initialising the ${name} backend`,
      );
    } catch (error) {
      if (error instanceof AttemptTimeout) throw error;
      return firstLine(error);
    }
    if (typeof instance !== "object" || instance === null) {
      return `its factory returned ${String(instance)}`;
    }
    // Someone else may have started it meanwhile: keep theirs, free ours.
    if (engine.registry[name] === undefined) engine.registry[name] = instance as tf.KernelBackend;
    else (instance as { dispose?: () => void }).dispose?.();
  }
  const ok = await deadline.within(tf.setBackend(name), `switching to the ${name} backend`);
  return ok ? null : `tf.setBackend("${name}") failed`;
}
