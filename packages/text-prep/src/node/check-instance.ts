import { describe } from "../check-args";

/**
 * Throws a `TypeError` unless `value` is an instance of `type` (whose name is
 * `typeName`), naming the parameter, the expected class and what came. An
 * object of a class of that name that is not `type` comes from another copy
 * of this package (an ESM `import` of one entry and a CJS `require` of the
 * other load two copies): the message says so.
 * @internal
 */
export function checkInstance(value: unknown, type: abstract new (...args: never[]) => unknown, typeName: string, name: string): void {
  if (value instanceof type) return;
  const other = value !== null && typeof value === "object" ? (value.constructor as { name?: unknown } | undefined)?.name : undefined;
  const got =
    typeof other === "string" && other.replace(/\d+$/, "") === typeName
      ? `a ${typeName} from another copy of @recurrent/text-prep (load "@recurrent/text-prep" and "@recurrent/text-prep/node" the same way: both with import, or both with require)`
      : describe(value);
  throw new TypeError(`expected ${name} to be a ${typeName}, got ${got}`);
}
