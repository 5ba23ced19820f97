import { afterEach, describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import HistoryPanel from "./HistoryPanel.svelte";
import { VOCABULARY } from "../../test/inventoryFixtures";
import type { InventoryVocabulary } from "../bindings";
import { setLocale } from "../i18n/i18n.svelte";

/** The fixture's vocabulary with the English labels the core sends along. */
const vocabulary: InventoryVocabulary = {
  ...VOCABULARY,
  asset_statuses: VOCABULARY.asset_statuses.map((s) => ({ ...s, label_en: s.code === "in_use" ? "in use" : s.code === "in_repair" ? "in repair" : s.code })),
};

const HISTORY = [
  {
    at: "2025-06-02T10:00:00.000Z",
    author: "a.schmidt",
    source_kind: "import",
    file_name: "geraete.xlsx",
    reason: null,
    origin_node: "n1",
    changes: [
      { field: "status", from: null, to: "in_use" },
      { field: "building_id", from: null, to: "b1" },
    ],
  },
  {
    at: "2025-06-03T10:00:00.000Z",
    author: "a.schmidt",
    source_kind: "manual",
    file_name: null,
    reason: "Wasserschaden",
    origin_node: "n1",
    changes: [
      { field: "status", from: "in_use", to: "in_repair" },
      { field: "poe", from: false, to: true },
    ],
  },
];

function rows(): string[][] {
  return screen.getAllByRole("row").map((r) => [...r.children].map((c) => c.textContent!.trim()));
}

describe("HistoryPanel", () => {
  afterEach(() => setLocale("de"));

  it("shows the changes with German field names, sources and labels", async () => {
    mockIPC((cmd) => (cmd === "item_history" ? HISTORY : null));
    render(HistoryPanel, { props: { entity: "device", id: "d1", vocabulary } });
    expect(await screen.findByText(/Eingabe/)).toBeTruthy();
    expect(screen.getByText(/Import „geraete\.xlsx“/)).toBeTruthy();
    expect(screen.getByText("Begründung: Wasserschaden")).toBeTruthy();
    expect(rows()).toContainEqual(["Status", "im Einsatz", "in Reparatur"]);
    expect(rows()).toContainEqual(["Gebäude", "–", "b1"]);
    expect(rows()).toContainEqual(["poe", "nein", "ja"]);
  });

  it("names the fields, the sources and the vocabulary in English", async () => {
    mockIPC((cmd) => (cmd === "item_history" ? HISTORY : null));
    setLocale("en");
    render(HistoryPanel, { props: { entity: "device", id: "d1", vocabulary } });
    expect(await screen.findByText(/Manual entry/)).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Change history" })).toBeTruthy();
    expect(screen.getByText(/Import “geraete\.xlsx”/)).toBeTruthy();
    expect(screen.getByText("Reason: Wasserschaden")).toBeTruthy();
    const first = screen.getAllByRole("table")[0];
    expect(within(first).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Field", "before", "after"]);
    expect(rows()).toContainEqual(["Status", "in use", "in repair"]);
    expect(rows()).toContainEqual(["Building", "–", "b1"]);
    expect(rows()).toContainEqual(["poe", "no", "yes"]);
    // Dates keep their German form.
    expect(screen.getAllByRole("time")[0].textContent).toMatch(/^03\.06\.2025, \d\d:00$/);
  });
});
