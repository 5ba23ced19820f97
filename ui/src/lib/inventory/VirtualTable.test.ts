import { describe, expect, it, vi } from "vitest";
import { createRawSnippet } from "svelte";
import { fireEvent, render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import VirtualTable, { type Column } from "./VirtualTable.svelte";

type Item = { id: string; name: string };

const columns: Column[] = [
  { key: "id", label: "Nummer", width: "6rem", sortable: true },
  { key: "name", label: "Name", width: "1fr" },
];

const cell = createRawSnippet((item: () => Item, column: () => Column) => ({
  render: () => `<span>${column().key === "id" ? item().id : item().name}</span>`,
}));

function items(n: number): Item[] {
  return Array.from({ length: n }, (_, i) => ({ id: `D${i}`, name: `Gerät ${i}` }));
}

function renderTable(props: Partial<Record<string, unknown>> = {}) {
  return render(VirtualTable<Item>, {
    label: "Geräte",
    items: items(100_000),
    columns,
    cell,
    rowHeight: 30,
    fallbackHeight: 300,
    ...props,
  });
}

function shownIds(): string[] {
  const grid = screen.getByRole("grid", { name: "Geräte" });
  return within(grid)
    .getAllByRole("row")
    .slice(1)
    .map((r) => r.querySelector("[role=gridcell]")?.textContent ?? "");
}

describe("VirtualTable", () => {
  it("draws only the rows in view of 100,000, and the rows further down after scrolling", async () => {
    const onReach = vi.fn();
    renderTable({ onReach });

    const first = shownIds();
    // 300 px / 30 px = 10 rows in view, plus 8 below for smooth scrolling.
    expect(first).toHaveLength(18);
    expect(first[0]).toBe("D0");
    expect(onReach).toHaveBeenLastCalledWith(17);

    const body = screen.getByRole("grid").querySelector(".body") as HTMLElement;
    body.scrollTop = 30 * 50_000;
    await fireEvent.scroll(body);

    const later = shownIds();
    expect(later.length).toBeLessThanOrEqual(26);
    expect(later).toContain("D50000");
    expect(later).not.toContain("D0");
    expect(onReach).toHaveBeenLastCalledWith(50_017);
    const row = screen.getByText("D50000").closest("[role=row]") as HTMLElement;
    expect(row.getAttribute("aria-rowindex")).toBe("50002");
    expect(row.style.transform).toBe("translateY(1500000px)");
  });

  it("sorts by a column header and tells the order to assistive technology", async () => {
    const onSort = vi.fn();
    renderTable({ onSort, sort: "id", descending: true });

    const header = screen.getByRole("columnheader", { name: /Nummer/ });
    expect(header.getAttribute("aria-sort")).toBe("descending");
    expect(screen.getByRole("columnheader", { name: "Name" }).getAttribute("aria-sort")).toBeNull();
    await userEvent.click(within(header).getByRole("button"));
    expect(onSort).toHaveBeenCalledWith("id");
  });

  it("opens a row by click and by keyboard, moving with the arrow keys", async () => {
    const onOpen = vi.fn();
    renderTable({ onOpen, items: items(5) });

    await userEvent.click(screen.getByText("Gerät 1"));
    expect(onOpen).toHaveBeenLastCalledWith({ id: "D1", name: "Gerät 1" });

    const row1 = screen.getByText("D1").closest("[role=row]") as HTMLElement;
    row1.focus();
    await userEvent.keyboard("{ArrowDown}");
    await vi.waitFor(() => expect(document.activeElement?.textContent).toContain("D2"));
    await userEvent.keyboard("{Enter}");
    expect(onOpen).toHaveBeenLastCalledWith({ id: "D2", name: "Gerät 2" });
    expect(screen.getByRole("grid").getAttribute("aria-rowcount")).toBe("6");
  });
});
