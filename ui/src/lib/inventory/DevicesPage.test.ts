import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import DevicesPage from "./DevicesPage.svelte";
import { callsOf, device, mockInventoryBackend } from "../../test/inventoryFixtures";
import { setLocale } from "../i18n/i18n.svelte";

const many = Array.from({ length: 450 }, (_, i) =>
  device({ id: `d${i}`, inventory_number: `INV-${String(i).padStart(4, "0")}` }),
);

function rowsShown(): string[] {
  const grid = screen.getByRole("grid", { name: "Geräte" });
  return within(grid)
    .getAllByRole("row")
    .slice(1)
    .map((r) => r.querySelector("[role=gridcell]:not(.check)")?.textContent?.trim() ?? "");
}

describe("DevicesPage", () => {
  it("lists devices page by page with German labels, dates and money", async () => {
    const { calls } = mockInventoryBackend(many);
    render(DevicesPage);

    await expect.poll(() => rowsShown()[0]).toBe("INV-0000");
    const first = screen.getByText("INV-0000").closest("[role=row]") as HTMLElement;
    const cells = [...first.querySelectorAll("[role=gridcell]:not(.check)")].map((c) => c.textContent?.trim());
    expect(cells).toEqual(["INV-0000", "Laptop", "Dell Latitude 3440", "–", "im Einsatz", "12.03.2024", "12.03.2027", "899,00 €"]);
    // Only the first page was asked for: nothing loads the whole table.
    expect(callsOf(calls, "list_devices")).toHaveLength(1);
    expect((callsOf(calls, "list_devices")[0].query as { limit: number }).limit).toBe(200);
    expect(screen.getByRole("status").textContent).toContain("200+ Geräte");
  });

  it("creates a device after a refused serial number is corrected, then shows it with its history", async () => {
    const { calls } = mockInventoryBackend([], {
      saveErrors: [
        {
          code: "validation",
          message: "Die Eingaben sind ungültig",
          errors: [
            {
              field: "serial_number",
              code: "duplicate_serial_number",
              message: "Die Seriennummer „SN-1“ ist für diesen Hersteller bereits erfasst.",
            },
          ],
        },
      ],
      history: [
        {
          at: "2025-06-02T10:00:00.000Z",
          author: "a.schmidt",
          source_kind: "manual",
          file_name: null,
          reason: null,
          origin_node: "n1",
          changes: [{ field: "status", from: null, to: "in_use" }],
        },
      ],
    });
    render(DevicesPage);
    await userEvent.click(await screen.findByRole("button", { name: "Neues Gerät" }));

    const form = await screen.findByTestId("device-form");
    // Checked while typing: the date is wrong until it is complete and real.
    const purchase = within(form).getByLabelText("Kaufdatum");
    await userEvent.type(purchase, "31.02.2024");
    expect(within(form).getByText("Den 31.02.2024 gibt es nicht.")).toBeTruthy();
    expect(purchase.getAttribute("aria-invalid")).toBe("true");
    await userEvent.clear(purchase);
    await userEvent.type(purchase, "01.08.2024");
    expect(within(form).queryByText(/gibt es nicht/)).toBeNull();

    await expect.poll(() => within(form).getAllByRole("option", { name: /Gymnasium/ }).length).toBe(1);
    await userEvent.selectOptions(within(form).getByLabelText("Schule"), "s1");
    await userEvent.type(within(form).getByLabelText("Inventarnummer"), "INV-NEU");
    await userEvent.type(within(form).getByLabelText("Seriennummer"), "SN-1");
    await userEvent.type(within(form).getByLabelText("Preis (brutto, €)"), "1.049,90");
    await userEvent.click(within(form).getByRole("button", { name: "Speichern" }));

    // The core's answer stands next to its field until the field is changed.
    const serial = within(form).getByLabelText("Seriennummer");
    expect(await within(form).findByText(/SN-1“ ist für diesen Hersteller bereits erfasst/)).toBeTruthy();
    expect(serial.getAttribute("aria-invalid")).toBe("true");
    await userEvent.clear(serial);
    await userEvent.type(serial, "SN-2");
    expect(within(form).queryByText(/bereits erfasst/)).toBeNull();
    await userEvent.click(within(form).getByRole("button", { name: "Speichern" }));

    expect(await screen.findByTestId("device-title")).toHaveProperty("textContent", "INV-NEU");
    const saves = callsOf(calls, "save_device");
    expect(saves).toHaveLength(2);
    expect(saves[1]).toMatchObject({
      id: null,
      reason: null,
      data: { school_id: "s1", inventory_number: "INV-NEU", serial_number: "SN-2", price_cents: 104_990, purchase_date: "2024-08-01" },
    });
    await expect.poll(() => rowsShown()).toEqual(["INV-NEU"]);
    const history = await screen.findByTestId("history");
    await expect.poll(() => history.textContent).toContain("a.schmidt");
    expect(history.textContent).toContain("im Einsatz");
  });

  it("deletes only after confirmation and brings the device back on undo", async () => {
    const { calls } = mockInventoryBackend([device({ id: "d1", inventory_number: "INV-1" }), device({ id: "d2", inventory_number: "INV-2" })]);
    render(DevicesPage);
    await userEvent.click(await screen.findByText("INV-2"));
    await userEvent.click(await screen.findByRole("button", { name: "Löschen" }));
    expect(callsOf(calls, "delete_device")).toHaveLength(0);
    const confirm = screen.getByRole("alertdialog");
    expect(confirm.textContent).toContain("„INV-2“ wirklich löschen");
    await userEvent.click(within(confirm).getByRole("button", { name: "Löschen" }));

    await expect.poll(() => rowsShown()).toEqual(["INV-1"]);
    expect(callsOf(calls, "delete_device")).toEqual([{ id: "d2" }]);
    await userEvent.click(within(screen.getByTestId("device-undo")).getByRole("button", { name: "Rückgängig" }));
    await expect.poll(() => rowsShown()).toEqual(["INV-1", "INV-2"]);
    expect(callsOf(calls, "restore_device")).toEqual([{ id: "d2" }]);
    expect(screen.queryByTestId("device-undo")).toBeNull();
  });
});

describe("DevicesPage opened from the search", () => {
  it("filters by the hit's school, shows the device, and its buttons keep working", async () => {
    const { calls } = mockInventoryBackend([device({ id: "d7", inventory_number: "INV-7" })]);
    render(DevicesPage, { props: { target: { deviceId: "d7", schoolId: "s1" } } });

    expect(await screen.findByTestId("device-title")).toHaveProperty("textContent", "INV-7");
    expect(callsOf(calls, "list_devices")[0].query).toMatchObject({ school_id: "s1", search: null });
    await userEvent.click(screen.getByRole("button", { name: "Löschen" }));
    expect(screen.getByRole("alertdialog").textContent).toContain("„INV-7“ wirklich löschen");
    // Nothing re-ran the opening: one list request, one device read.
    expect(callsOf(calls, "list_devices")).toHaveLength(1);
    expect(callsOf(calls, "get_device")).toHaveLength(1);
  });
});

describe("DevicesPage bulk actions", () => {
  const rows = Array.from({ length: 5 }, (_, i) => device({ id: `d${i}`, inventory_number: `INV-${i}` }));
  const checkboxes = () => screen.getAllByTestId("check-row") as HTMLInputElement[];

  it("sets a status for the ticked devices after a confirmation, and asks for a reason when the core needs one", async () => {
    const { calls } = mockInventoryBackend(rows, {
      bulkErrors: [
        {
          code: "validation",
          message: "Die Eingaben sind ungültig",
          errors: [{ field: "items.1.status", code: "earmarked", message: "INV-1: Das Gerät ist bis 02.05.2028 zweckgebunden (DigitalPakt Basis)." }],
        },
      ],
    });
    render(DevicesPage);
    await expect.poll(() => screen.queryAllByTestId("check-row").length).toBe(5);
    await userEvent.click(checkboxes()[0]);
    await userEvent.click(checkboxes()[1]);
    // Ticking does not open the device.
    expect(screen.queryByTestId("device-detail")).toBeNull();
    expect(screen.getByTestId("bulk-count").textContent).toBe("2 ausgewählt");

    await userEvent.selectOptions(screen.getByTestId("bulk-status"), "ausgemustert");
    await userEvent.click(screen.getByTestId("bulk-set-status"));
    expect(screen.getByTestId("bulk-bar").textContent).toContain("2 Geräte auf „ausgemustert“ setzen?");
    expect(callsOf(calls, "bulk_update_devices")).toHaveLength(0);
    await userEvent.click(screen.getByTestId("bulk-confirm"));
    expect((await screen.findByTestId("bulk-problems")).textContent).toContain("INV-1: Das Gerät ist bis 02.05.2028 zweckgebunden");
    await userEvent.type(screen.getByTestId("bulk-reason"), "Wasserschaden");
    await userEvent.click(screen.getByTestId("bulk-confirm"));

    const sent = callsOf(calls, "bulk_update_devices");
    expect(sent).toHaveLength(2);
    expect(sent[0]).toEqual({ ids: ["d0", "d1"], change: { status: "retired", room_id: null }, reason: null });
    expect(sent[1].reason).toBe("Wasserschaden");
    await expect.poll(() => screen.queryByTestId("bulk-bar")).toBeNull();
    expect(screen.getByRole("status").textContent).toContain("2 Geräte geändert.");
  });

  it("ticks every loaded device at once and moves them into a room of the chosen school", async () => {
    const room = { id: "r1", created_at: "", updated_at: "", deleted_at: null, school_id: "s1", building_id: null, number: "A.101", name: null, floor: 1, kind: "classroom" as const, wlan_coverage: null, notes: null };
    const { calls } = mockInventoryBackend(rows, { rooms: [room] });
    render(DevicesPage);
    await expect.poll(() => screen.queryAllByTestId("check-row").length).toBe(5);
    await userEvent.click(screen.getByTestId("check-all"));
    expect(checkboxes().every((c) => c.checked)).toBe(true);
    expect(screen.getByTestId("bulk-bar").textContent).toContain("erst eine Schule wählen");
    await userEvent.selectOptions(screen.getByTestId("device-school-filter"), "100013 Geschwister-Scholl-Gymnasium");
    // A new filter is a new list: the ticks go.
    await expect.poll(() => screen.queryByTestId("bulk-bar")).toBeNull();
    await expect.poll(() => screen.queryAllByTestId("check-row").length).toBe(5);
    await userEvent.click(screen.getByTestId("check-all"));
    await userEvent.selectOptions(await screen.findByTestId("bulk-room"), "A.101");
    await userEvent.click(screen.getByTestId("bulk-move"));
    await userEvent.click(screen.getByTestId("bulk-confirm"));
    expect(callsOf(calls, "bulk_update_devices")[0]).toEqual({
      ids: ["d0", "d1", "d2", "d3", "d4"],
      change: { status: null, room_id: "r1" },
      reason: null,
    });
  });
});

describe("DevicesPage and loans", () => {
  it("shows a lent device's holder and offers to lend a device that is not lent", async () => {
    const lent = device({ id: "d1", inventory_number: "LG-1", user_group: "teachers" });
    const free = device({ id: "d2", inventory_number: "LG-2", user_group: "teachers" });
    const loan = {
      loan: { id: "l1", created_at: "", updated_at: "", deleted_at: null, device_id: "d1", holder_name: "Frau Kaya", holder_erased: false, loaned_on: "2025-02-03", due_on: "2025-08-31", returned_on: null, notes: null },
      device_inventory_number: "LG-1",
      device_description: "Dell Latitude 3440",
      school_id: "s1",
      school_number: "100013",
      school_name: "Geschwister-Scholl-Gymnasium",
      overdue: true,
    };
    mockInventoryBackend([lent, free], { loans: [loan] });
    const onLend = vi.fn();
    render(DevicesPage, { props: { onLend } });
    await userEvent.click(await screen.findByText("LG-1"));
    const info = await screen.findByTestId("device-loan");
    expect(info.textContent).toMatch(/Verliehen an Frau Kaya seit 03\.02\.2025, Rückgabe bis 31\.08\.2025\s+überfällig/);
    expect(screen.queryByTestId("device-lend")).toBeNull();

    await userEvent.click(screen.getByText("LG-2"));
    await userEvent.click(await screen.findByTestId("device-lend"));
    expect(onLend).toHaveBeenCalledWith(expect.objectContaining({ id: "d2" }));
    expect(screen.queryByTestId("device-loan")).toBeNull();
  });
});

describe("DevicesPage in English", () => {
  afterEach(() => setLocale("de"));

  it("lists devices under English headers with German dates and money", async () => {
    mockInventoryBackend(many);
    setLocale("en");
    render(DevicesPage);
    await expect.poll(() => screen.queryByText("INV-0000")).not.toBeNull();
    expect(screen.getByRole("heading", { name: "Devices" })).toBeTruthy();
    const grid = screen.getByRole("grid", { name: "Devices" });
    const headers = within(grid).getAllByRole("columnheader").map((h) => h.textContent?.trim());
    expect(headers).toEqual(["", "Inventory number ▲", "Category", "Model", "Serial number", "Status", "Purchase date", "Warranty until", "Price"]);
    expect(screen.getByRole("status").textContent).toContain("200+ devices");
    expect(screen.getByPlaceholderText("Inventory number, serial number, model")).toBeTruthy();
    const first = screen.getByText("INV-0000").closest("[role=row]") as HTMLElement;
    expect(first.textContent).toContain("12.03.2024");
    expect(first.textContent).toContain("899,00 €");
    expect(within(first).getByRole("checkbox").getAttribute("aria-label")).toBe("Select: INV-0000");
  });

  it("asks before moving the ticked devices, and its outcome follows a switch back to German", async () => {
    const rows = Array.from({ length: 5 }, (_, i) => device({ id: `d${i}`, inventory_number: `INV-${i}` }));
    const room = { id: "r1", created_at: "", updated_at: "", deleted_at: null, school_id: "s1", building_id: null, number: "A.101", name: null, floor: 1, kind: "classroom" as const, wlan_coverage: null, notes: null };
    mockInventoryBackend(rows, { rooms: [room] });
    setLocale("en");
    render(DevicesPage);
    await expect.poll(() => screen.queryAllByTestId("check-row").length).toBe(5);
    await userEvent.click(screen.getByRole("checkbox", { name: "Select all loaded" }));
    expect(screen.getByTestId("bulk-count").textContent).toBe("5 selected");
    expect(screen.getByTestId("bulk-bar").textContent).toContain("To move devices to a room, choose a school first.");
    await userEvent.selectOptions(screen.getByTestId("device-school-filter"), "100013 Geschwister-Scholl-Gymnasium");
    await expect.poll(() => screen.queryAllByTestId("check-row").length).toBe(5);
    await userEvent.click(screen.getByTestId("check-all"));
    await userEvent.selectOptions(await screen.findByTestId("bulk-room"), "A.101");
    await userEvent.click(screen.getByRole("button", { name: "Move" }));
    expect(screen.getByTestId("bulk-bar").textContent).toContain(
      "Move 5 devices to room A.101? Nothing is changed if any device does not allow the change.",
    );
    await userEvent.click(screen.getByRole("button", { name: "Apply" }));
    await expect.poll(() => screen.getByRole("status").textContent).toContain("Devices changed: 5.");

    setLocale("de");
    await expect.poll(() => screen.getByRole("status").textContent).toContain("5 Geräte geändert.");
  });
});
