import { describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import GlobalSearch from "./GlobalSearch.svelte";

const hits = [
  { entity: "school", id: "s1", school_id: "s1", title: "Geschwister-Scholl-Gymnasium" },
  { entity: "device", id: "d1", school_id: "s1", title: "Laptop INV-7 Dell" },
  { entity: "device", id: "d2", school_id: "s1", title: "Tablet INV-8 Apple" },
  { entity: "access_point", id: "a1", school_id: "s1", title: "Access Point AP-1" },
];

describe("GlobalSearch", () => {
  it("groups the hits by kind and opens the chosen one with the keyboard", async () => {
    const texts: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== "global_search") throw `unbekanntes Kommando ${cmd}`;
      texts.push((args as { text: string }).text);
      return hits;
    });
    const onChoose = vi.fn();
    const onClose = vi.fn();
    render(GlobalSearch, { open: true, onChoose, onClose, searchDelay: 0 });

    const input = screen.getByRole("combobox", { name: "Suchbegriff" });
    await vi.waitFor(() => expect(document.activeElement).toBe(input));
    await userEvent.type(input, "sch");
    const groups = await screen.findAllByRole("group");
    expect(groups.map((g) => g.getAttribute("aria-label"))).toEqual(["Schulen", "Geräte", "Access Points"]);
    expect(within(groups[1]).getAllByRole("option").map((o) => o.textContent?.trim())).toEqual([
      "Laptop INV-7 Dell",
      "Tablet INV-8 Apple",
    ]);
    expect(texts.at(-1)).toBe("sch");

    await userEvent.keyboard("{ArrowDown}{ArrowDown}");
    expect(screen.getByRole("option", { name: "Tablet INV-8 Apple" }).getAttribute("aria-selected")).toBe("true");
    await userEvent.keyboard("{Enter}");
    expect(onChoose).toHaveBeenCalledWith(hits[2]);
    expect(onClose).toHaveBeenCalled();
  });

  it("says when nothing matches and closes on Escape", async () => {
    mockIPC(() => []);
    const onClose = vi.fn();
    render(GlobalSearch, { open: true, onChoose: vi.fn(), onClose, searchDelay: 0 });
    await userEvent.type(screen.getByRole("combobox"), "xyz");
    expect((await screen.findByRole("status")).textContent).toContain("Nichts gefunden für „xyz“");
    await userEvent.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
  });
});
