import { afterEach, describe, expect, it } from "vitest";
import { mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import EquipmentPage from "./EquipmentPage.svelte";
import type { ListQuery } from "../bindings";
import { setLocale } from "../i18n/i18n.svelte";
import { SCHOOLS, VOCABULARY } from "../../test/inventoryFixtures";

type Stored = { id: string; school_id: string; deleted_at: string | null } & Record<string, unknown>;

function accessPoint(id: string, school_id: string, extra: Record<string, unknown> = {}): Stored {
  return {
    id,
    school_id,
    building_id: null,
    room_id: null,
    inventory_number: `AP-${id}`,
    serial_number: null,
    manufacturer: "Ubiquiti",
    model: "U6 Pro",
    purchase_date: null,
    price_cents: null,
    warranty_end: null,
    status: "in_use",
    notes: null,
    mac_address: null,
    wifi_standard: "wifi6",
    bands: [],
    poe: null,
    controller: null,
    ssids: [],
    installed_on: "2024-08-01",
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    deleted_at: null,
    ...extra,
  };
}

/**
 * A backend with access points and rooms in memory: lists filter by school, status and text,
 * sort by the asked column and page by `limit`; saves, deletes and restores change the table.
 */
function backend(points: Stored[]) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  const rooms = [
    { id: "r1", school_id: "s1", building_id: "b1", number: "A.101", name: "Physik", deleted_at: null },
    { id: "r2", school_id: "s1", building_id: "b2", number: "B.204", name: "Musik", deleted_at: null },
  ];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const page = (rows: Stored[], q: ListQuery) => {
      const words = (q.search ?? "").toLowerCase().split(/\s+/).filter(Boolean);
      let found = rows.filter(
        (r) =>
          r.deleted_at === null &&
          (!q.school_id || r.school_id === q.school_id) &&
          (!q.status || r.status === q.status) &&
          words.every((w) => JSON.stringify(r).toLowerCase().includes(w)),
      );
      const key = q.sort ?? "inventory_number";
      found = [...found].sort((a, b) => String(a[key] ?? "").localeCompare(String(b[key] ?? "")) * (q.descending ? -1 : 1));
      const from = q.after ? Number(q.after) : 0;
      const limit = q.limit ?? 100;
      return { items: found.slice(from, from + limit), next: from + limit < found.length ? String(from + limit) : null };
    };
    switch (cmd) {
      case "funding_schools":
        return SCHOOLS;
      case "list_access_points":
        return page(points, args.query as ListQuery);
      case "list_rooms":
        return page(rooms as unknown as Stored[], args.query as ListQuery);
      case "save_access_point": {
        const data = args.data as Record<string, unknown>;
        if (!data.inventory_number) return Promise.reject({ kind: "validation", message: "Eingaben prüfen", errors: [] });
        const id = (args.id as string | null) ?? `new${points.length}`;
        const row = { ...accessPoint(id, data.school_id as string), ...data, id };
        const at = points.findIndex((p) => p.id === id);
        if (at >= 0) points[at] = row;
        else points.push(row);
        return row;
      }
      case "delete_access_point":
        points.find((p) => p.id === args.id)!.deleted_at = "2026-11-27T12:00:00Z";
        return null;
      case "restore_access_point": {
        const p = points.find((x) => x.id === args.id)!;
        p.deleted_at = null;
        return p;
      }
      default:
        throw `unbekanntes Kommando ${cmd}`;
    }
  });
  return calls;
}

const rowsShown = () => within(screen.getByTestId("equipment-table")).queryAllByRole("row").slice(1);

describe("the equipment lists", () => {
  afterEach(() => setLocale("de"));

  it("lists access points with school and room, filters by school, status and text, and sorts", async () => {
    const calls = backend([
      accessPoint("1", "s1", { room_id: "r1", model: "U6 Pro" }),
      accessPoint("2", "s2", { status: "in_repair", model: "AP 505" }),
      accessPoint("3", "s1", { model: "U6 Lite", mac_address: "aa:bb:cc:00:00:03" }),
    ]);
    render(EquipmentPage, { vocabulary: VOCABULARY, searchDelay: 0 });

    await expect.poll(() => rowsShown().length).toBe(3);
    const first = rowsShown()[0].textContent ?? "";
    expect(first).toContain("AP-1");
    expect(first).toContain("100013 Geschwister-Scholl-Gymnasium");
    await expect.poll(() => rowsShown()[0].textContent).toContain("A.101");
    expect(first).toContain("Wi-Fi 6 (802.11ax)");
    expect(first).toContain("01.08.2024");
    expect(screen.getByTestId("equipment-count").textContent).toContain("3 Einträge");

    await userEvent.selectOptions(screen.getByTestId("equipment-school"), "s1");
    await expect.poll(() => rowsShown().length).toBe(2);
    await userEvent.selectOptions(screen.getByTestId("equipment-school"), "");
    await userEvent.selectOptions(screen.getByTestId("equipment-status"), "in_repair");
    await expect.poll(() => rowsShown().map((r) => r.textContent)).toEqual([expect.stringContaining("in Reparatur")]);
    await userEvent.selectOptions(screen.getByTestId("equipment-status"), "");
    await userEvent.type(screen.getByTestId("equipment-search"), "lite");
    await expect.poll(() => rowsShown().map((r) => r.textContent)).toEqual([expect.stringContaining("U6 Lite")]);
    await userEvent.clear(screen.getByTestId("equipment-search"));

    await expect.poll(() => rowsShown().length).toBe(3);
    await userEvent.click(screen.getByRole("button", { name: /Modell/ }));
    await expect.poll(() => rowsShown()[0].textContent).toContain("AP 505");
    const lists = calls.filter((c) => c.cmd === "list_access_points").map((c) => c.args.query as ListQuery);
    expect(lists.at(-1)).toMatchObject({ sort: "model", descending: false, search: null, status: null });
  });

  it("creates an access point in a room of the chosen school, after a refused save", async () => {
    const points = [accessPoint("1", "s1")];
    const calls = backend(points);
    render(EquipmentPage, { vocabulary: VOCABULARY, searchDelay: 0 });
    await expect.poll(() => rowsShown().length).toBe(1);

    const create = screen.getByTestId("equipment-new") as HTMLButtonElement;
    expect(create.disabled).toBe(true);
    await userEvent.selectOptions(screen.getByTestId("equipment-school"), "s1");
    expect(create.disabled).toBe(false);
    await userEvent.click(create);
    await userEvent.selectOptions(await screen.findByTestId("equipment-new-room"), "r1");
    const panel = screen.getByTestId("equipment-panel");
    await userEvent.type(within(panel).getByLabelText(/Modell/), "U7 Pro");
    await userEvent.click(within(panel).getByRole("button", { name: "Speichern" }));
    expect(await within(panel).findByRole("alert")).toBeTruthy();

    await userEvent.type(within(panel).getByLabelText(/Inventarnummer/), "AP-0099");
    await userEvent.click(within(panel).getByRole("button", { name: "Speichern" }));
    expect((await screen.findByTestId("equipment-notice")).textContent).toBe("Angelegt.");
    const saved = calls.filter((c) => c.cmd === "save_access_point").at(-1)!.args;
    expect(saved.id).toBeNull();
    expect(saved.data).toMatchObject({ school_id: "s1", building_id: "b1", room_id: "r1", inventory_number: "AP-0099", model: "U7 Pro" });
    await expect.poll(() => rowsShown().map((r) => r.textContent)).toContainEqual(expect.stringContaining("AP-0099"));
  });

  it("moves an existing access point to another room of its school, the building following the room", async () => {
    const calls = backend([accessPoint("1", "s1", { building_id: "b1", room_id: "r1" })]);
    render(EquipmentPage, { vocabulary: VOCABULARY, searchDelay: 0 });
    await expect.poll(() => rowsShown()[0]?.textContent ?? "").toContain("A.101");

    await userEvent.click(rowsShown()[0]);
    const room = (await screen.findByLabelText("Raum")) as HTMLSelectElement;
    expect(room).toBe(screen.getByTestId("equipment-new-room"));
    await expect.poll(() => room.value).toBe("r1");
    expect([...room.options].map((o) => o.value)).toEqual(["", "r1", "r2"]);

    await userEvent.selectOptions(room, "r2");
    const panel = screen.getByTestId("equipment-panel");
    await userEvent.click(within(panel).getByRole("button", { name: "Speichern" }));
    expect((await screen.findByTestId("equipment-notice")).textContent).toBe("Gespeichert.");
    const saved = calls.filter((c) => c.cmd === "save_access_point").at(-1)!.args;
    expect(saved.id).toBe("1");
    expect(saved.data).toMatchObject({ school_id: "s1", building_id: "b2", room_id: "r2", inventory_number: "AP-1" });
    await expect.poll(() => rowsShown()[0].textContent).toContain("B.204");

    // Out of any room again: no room, no building.
    await userEvent.click(rowsShown()[0]);
    const again = (await screen.findByTestId("equipment-new-room")) as HTMLSelectElement;
    await expect.poll(() => again.value).toBe("r2");
    await userEvent.selectOptions(again, "");
    await userEvent.click(within(screen.getByTestId("equipment-panel")).getByRole("button", { name: "Speichern" }));
    await expect.poll(() => calls.filter((c) => c.cmd === "save_access_point").length).toBe(2);
    expect(calls.filter((c) => c.cmd === "save_access_point").at(-1)!.args.data).toMatchObject({ building_id: null, room_id: null });
  });

  it("deletes an access point after a confirmation and brings it back", async () => {
    backend([accessPoint("1", "s1"), accessPoint("2", "s1")]);
    render(EquipmentPage, { vocabulary: VOCABULARY, searchDelay: 0 });
    await expect.poll(() => rowsShown().length).toBe(2);

    await userEvent.click(rowsShown()[1]);
    await userEvent.click(await screen.findByTestId("equipment-delete-delete"));
    expect(screen.getByRole("alertdialog").textContent).toContain("Access Point „AP-2“ wirklich löschen?");
    await userEvent.click(screen.getByTestId("equipment-delete-confirm"));
    await expect.poll(() => rowsShown().length).toBe(1);
    await userEvent.click(screen.getByTestId("equipment-delete-undo"));
    await expect.poll(() => rowsShown().length).toBe(2);
  });

  it("speaks English when chosen, vocabulary included", async () => {
    setLocale("en");
    const english = {
      ...VOCABULARY,
      asset_statuses: VOCABULARY.asset_statuses.map((l) => ({ ...l, label_en: l.code === "in_use" ? "in use" : l.label })),
    };
    backend([accessPoint("1", "s1")]);
    render(EquipmentPage, { vocabulary: english, searchDelay: 0 });
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Equipment");
    expect(screen.getAllByRole("tab").map((tab) => tab.textContent)).toEqual(["Access points", "Presentation hardware", "Uplinks and links", "Buildings", "Rooms"]);
    await expect.poll(() => rowsShown()[0]?.textContent ?? "").toContain("in use");
    expect(screen.getByTestId("equipment-count").textContent).toBe("1 entry");
  });
});
