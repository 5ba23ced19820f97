import { mockIPC } from "@tauri-apps/api/mocks";
import type { ListQuery } from "../lib/bindings";
import type { School } from "../lib/types";

/** A school as the core serialises it; tests set what they look at. */
export function school(overrides: Partial<School> & Pick<School, "id" | "name">): School {
  return {
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    deleted_at: null,
    authority_id: "authority-1",
    land: "NW",
    school_number: "100001",
    school_type_label: "Grundschule",
    school_type: "primary",
    street: null,
    postcode: null,
    city: "Beispielstadt",
    pupils: 250,
    teachers: null,
    headcount_date: null,
    social_index: null,
    notes: null,
    ...overrides,
  };
}

export type ListHandler = (query: ListQuery) => unknown;

/**
 * Installs a fake backend. `list` answers `list_schools` (throw to reject like a failed
 * command); every call's query is recorded in the returned array.
 */
export function mockBackend(list: ListHandler): ListQuery[] {
  const calls: ListQuery[] = [];
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "list_schools": {
        const query = (args as { query: ListQuery }).query;
        calls.push(query);
        return list(query);
      }
      case "app_info":
        return { db_path: "/tmp/test/schulinventar.sqlite", version: "0.1.0" };
      default:
        throw `unbekanntes Kommando ${cmd}`;
    }
  });
  return calls;
}

/** A promise plus the functions that settle it, to hold a command's answer back. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
