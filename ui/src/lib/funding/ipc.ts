import type { CoreError } from "../bindings";
import { errorMessage } from "../errors";

type Outcome<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

/** Awaits a generated command and returns its data; its error (a core error unless the command
 * names another) is thrown as it came. */
export async function call<T, E = CoreError>(outcome: Promise<Outcome<T, E>>): Promise<T> {
  const result = await outcome;
  if (result.status === "error") throw result.error;
  return result.data;
}

/** Field → German messages, from a validation error of the core (empty for any other error). */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (error && typeof error === "object" && (error as { code?: unknown }).code === "validation") {
    const list = (error as { errors?: unknown }).errors;
    if (Array.isArray(list)) {
      for (const e of list as { field?: unknown; message?: unknown }[]) {
        if (typeof e.field !== "string" || typeof e.message !== "string") continue;
        out[e.field] = out[e.field] ? `${out[e.field]} ${e.message}` : e.message;
      }
    }
  }
  return out;
}

/** The German text of any failure, for an alert. */
export { errorMessage };
