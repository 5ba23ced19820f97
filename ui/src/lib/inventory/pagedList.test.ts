import { describe, expect, it } from "vitest";
import type { ListQuery } from "../bindings";
import { deferred } from "../../test/fixtures";
import { PagedList, type Outcome } from "./pagedList.svelte";
import type { Page } from "../bindings";

type Row = { id: string };

function backend(total: number) {
  const calls: ListQuery[] = [];
  const fetch = async (q: ListQuery): Promise<Outcome<Page<Row>>> => {
    calls.push(q);
    const from = q.after === null ? 0 : Number(q.after);
    const items = Array.from({ length: Math.max(0, Math.min(q.limit ?? 0, total - from)) }, (_, i) => ({
      id: `r${from + i}`,
    }));
    const next = from + items.length < total ? String(from + items.length) : null;
    return { status: "ok", data: { items, next } };
  };
  return { calls, fetch };
}

describe("PagedList", () => {
  it("fetches the next page only when the view comes near the end of the loaded rows", async () => {
    const { calls, fetch } = backend(250);
    const list = new PagedList<Row>(fetch, 100);
    await list.reload({ school_id: "s1", sort: "status" });
    expect(calls[0]).toMatchObject({ school_id: "s1", sort: "status", after: null, limit: 100 });

    list.reached(10);
    expect(calls).toHaveLength(1);
    list.reached(60);
    await expect.poll(() => list.items.length).toBe(200);
    expect(calls[1]).toMatchObject({ school_id: "s1", after: "100" });

    list.reached(199);
    await expect.poll(() => list.items.length).toBe(250);
    expect(list.next).toBeNull();
    list.reached(249);
    expect(calls).toHaveLength(3);
  });

  it("starts over when a filter changes and keeps the other filters", async () => {
    const { calls, fetch } = backend(250);
    const list = new PagedList<Row>(fetch, 100);
    await list.reload({ school_id: "s1" });
    await list.loadMore();
    await list.reload({ status: "in_repair" });
    expect(calls.at(-1)).toMatchObject({ school_id: "s1", status: "in_repair", after: null });
    expect(list.items).toHaveLength(100);
  });

  it("replaces a changed row in place and removes a deleted one", async () => {
    const { fetch } = backend(3);
    const list = new PagedList<Row & { note?: string }>(fetch, 100);
    await list.reload();
    list.replace({ id: "r1", note: "neu" });
    list.remove("r0");
    expect(list.items).toEqual([{ id: "r1", note: "neu" }, { id: "r2" }]);
  });

  it("ignores the answer to an outdated query", async () => {
    const slow = deferred<Outcome<Page<Row>>>();
    const list = new PagedList<Row>(
      (q) =>
        q.search === "alt"
          ? slow.promise
          : Promise.resolve({ status: "ok", data: { items: [{ id: "neu" }], next: null } }),
      100,
    );
    const first = list.reload({ search: "alt" });
    await list.reload({ search: "neu" });
    slow.resolve({ status: "ok", data: { items: [{ id: "alt" }], next: null } });
    await first;
    expect(list.items).toEqual([{ id: "neu" }]);
  });
});
