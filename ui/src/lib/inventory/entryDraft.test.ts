import { describe, expect, it } from "vitest";
import { entryDraft, entrySpecs, readEntry } from "./entryDraft";
import { VOCABULARY } from "../../test/inventoryFixtures";

const specs = entrySpecs(VOCABULARY);

describe("entry forms described by their fields", () => {
  it("turns an access point's typed text into the core's values", () => {
    const draft = entryDraft(specs.access_point, { status: "in_use" });
    expect(draft.status).toBe("in_use");
    Object.assign(draft, {
      manufacturer: " Aruba ",
      price_cents: "1.234,50",
      purchase_date: "01.08.2025",
      poe: "true",
      bands: ["5ghz"],
      ssids: "Schule, Gast;  Verwaltung ",
      wifi_standard: "wifi6",
    });
    const r = readEntry(specs.access_point, draft);
    expect(r).toEqual({
      ok: true,
      data: expect.objectContaining({
        manufacturer: "Aruba",
        price_cents: 123_450,
        purchase_date: "2025-08-01",
        poe: true,
        bands: ["5ghz"],
        ssids: ["Schule", "Gast", "Verwaltung"],
        wifi_standard: "wifi6",
        inventory_number: null,
        installed_on: null,
        mac_address: null,
      }),
    });
  });

  it("names each field's problem, and required fields that are empty", () => {
    const draft = entryDraft(specs.fibre_link, {});
    expect(draft.link_type).toBe("uplink"); // a required choice starts with its first option
    Object.assign(draft, { down_mbps: "schnell", commissioned_on: "30.02.2024", monthly_cost_cents: "-5" });
    const r = readEntry(specs.fibre_link, draft);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual({
      down_mbps: "„schnell“ ist keine ganze Zahl.",
      commissioned_on: expect.stringContaining("30.02.2024"),
      monthly_cost_cents: "Der Betrag darf nicht negativ sein.",
    });
    const building = readEntry(specs.building, entryDraft(specs.building, {}));
    expect(building).toEqual({ ok: false, errors: { name: "Bitte „Name“ angeben." } });
  });

  it("shows a stored row as text the way it was typed", () => {
    const draft = entryDraft(specs.access_point, {
      price_cents: 89_900,
      purchase_date: "2023-05-02",
      poe: false,
      ssids: ["Schule", "Gast"],
      bands: ["2.4ghz", "5ghz"],
    });
    expect(draft).toMatchObject({ price_cents: "899,00", purchase_date: "02.05.2023", poe: "false", ssids: "Schule, Gast", bands: ["2.4ghz", "5ghz"] });
    const back = readEntry(specs.access_point, { ...draft, status: "in_use" });
    expect(back.ok && back.data).toMatchObject({ price_cents: 89_900, purchase_date: "2023-05-02", poe: false, ssids: ["Schule", "Gast"] });
  });
});
