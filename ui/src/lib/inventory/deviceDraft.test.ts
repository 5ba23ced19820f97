import { describe, expect, it } from "vitest";
import { draftFrom, fieldErrors, readDraft } from "./deviceDraft";
import { device } from "../../test/inventoryFixtures";
import type { Room } from "../types";

const room: Room = {
  id: "r1",
  school_id: "s1",
  building_id: "b1",
  number: "A101",
  name: null,
  floor: 1,
  kind: "classroom",
  wlan_coverage: null,
  notes: null,
  created_at: "",
  updated_at: "",
  deleted_at: null,
};

describe("device draft", () => {
  it("shows a stored device the German way and reads it back unchanged", () => {
    const d = device({ id: "d1", inventory_number: "INV-1", room_id: "r1", building_id: "b1", price_cents: 123_456 });
    const draft = draftFrom(d);
    expect(draft.purchase_date).toBe("12.03.2024");
    expect(draft.price_cents).toBe("1.234,56");
    const read = readDraft(draft, [room]);
    expect(read).toEqual({
      ok: true,
      data: {
        school_id: "s1",
        building_id: "b1",
        room_id: "r1",
        inventory_number: "INV-1",
        serial_number: null,
        manufacturer: "Dell",
        model: "Latitude 3440",
        purchase_date: "2024-03-12",
        price_cents: 123_456,
        warranty_end: "2027-03-12",
        status: "in_use",
        notes: null,
        category: "laptop",
        user_group: "pupils",
        os: null,
      },
    });
  });

  it("names every problem by field: no school, impossible date, warranty before purchase, bad price", () => {
    const draft = { ...draftFrom(null), purchase_date: "31.02.2024", price_cents: "12.5" };
    const read = readDraft(draft, []);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.errors.school_id).toBe("Bitte die Schule wählen.");
    expect(read.errors.purchase_date).toBe("Den 31.02.2024 gibt es nicht.");
    expect(read.errors.price_cents).toContain("mit Komma");

    const order = readDraft({ ...draftFrom(null, "s1"), purchase_date: "01.08.2024", warranty_end: "31.07.2024" }, []);
    expect(order.ok ? {} : order.errors).toEqual({ warranty_end: "Die Garantie kann nicht vor dem Kaufdatum enden." });
  });

  it("empty optional text is none, and a negative price is refused", () => {
    const read = readDraft({ ...draftFrom(null, "s1"), inventory_number: "  ", price_cents: "-5,00" }, []);
    expect(read.ok ? {} : read.errors).toEqual({ price_cents: "Der Preis darf nicht negativ sein." });
    const ok = readDraft({ ...draftFrom(null, "s1"), inventory_number: "  " }, []);
    expect(ok.ok && ok.data.inventory_number).toBeNull();
  });

  it("maps the core's field errors to the form's fields, first message wins", () => {
    expect(
      fieldErrors([
        { field: "serial_number", code: "duplicate_serial_number", message: "schon erfasst" },
        { field: "serial_number", code: "other", message: "zweite" },
        { field: "building_id", code: "mismatch", message: "falsches Gebäude" },
      ]),
    ).toEqual({ serial_number: "schon erfasst", room_id: "falsches Gebäude" });
  });
});
