import { describe, expect, it } from "vitest";
import { PAGE_SIZE, SchoolList } from "./schoolList.svelte";
import { deferred, mockBackend, school } from "../test/fixtures";

const anna = school({ id: "1", name: "Anne-Frank-Schule" });
const bert = school({ id: "2", name: "Bertha-von-Suttner-Gymnasium" });
const carl = school({ id: "3", name: "Carl-Benz-Realschule" });

describe("SchoolList", () => {
  it("loads the first page through list_schools", async () => {
    const calls = mockBackend(() => ({ items: [anna, bert], next: null }));
    const list = new SchoolList();

    await list.load();

    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ search: null, after: null, limit: PAGE_SIZE, include_deleted: false });
    expect(list.items.map((s) => s.name)).toEqual(["Anne-Frank-Schule", "Bertha-von-Suttner-Gymnasium"]);
    expect(list.next).toBeNull();
    expect(list.loading).toBe(false);
    expect(list.error).toBeNull();
    expect(list.isEmpty).toBe(false);
  });

  it("sends the trimmed search term", async () => {
    const calls = mockBackend(() => ({ items: [bert], next: null }));
    const list = new SchoolList();

    await list.load("  Suttner ");

    expect(calls[0].search).toBe("Suttner");
    expect(list.items).toEqual([bert]);
  });

  it("appends the next page using the cursor", async () => {
    const calls = mockBackend((q) =>
      q.after === null ? { items: [anna, bert], next: "cursor-2" } : { items: [carl], next: null },
    );
    const list = new SchoolList();

    await list.load();
    expect(list.next).toBe("cursor-2");
    await list.loadMore();

    expect(calls.map((q) => q.after)).toEqual([null, "cursor-2"]);
    expect(list.items.map((s) => s.id)).toEqual(["1", "2", "3"]);
    expect(list.next).toBeNull();
    await list.loadMore(); // nothing left: no further request
    expect(calls).toHaveLength(2);
  });

  it("reports the German message of a core error", async () => {
    mockBackend(() => {
      throw { code: "database", message: "Die Datenbank ist gerade gesperrt." };
    });
    const list = new SchoolList();

    await list.load();

    expect(list.error).toBe("Die Datenbank ist gerade gesperrt.");
    expect(list.items).toEqual([]);
    expect(list.loading).toBe(false);
    expect(list.isEmpty).toBe(false);
  });

  it("is empty when the database has no schools", async () => {
    mockBackend(() => ({ items: [], next: null }));
    const list = new SchoolList();
    expect(list.isEmpty).toBe(false); // nothing asked yet

    await list.load();

    expect(list.isEmpty).toBe(true);
  });

  it("keeps the answer of the newest search when an older one arrives late", async () => {
    const slow = deferred<unknown>();
    mockBackend((q) => (q.search === "A" ? slow.promise : { items: [bert], next: null }));
    const list = new SchoolList();

    const first = list.load("A");
    await list.load("B");
    slow.resolve({ items: [anna], next: null });
    await first;

    expect(list.search).toBe("B");
    expect(list.items).toEqual([bert]);
  });
});
