import { describe, expect, it } from "vitest";
import { parseCount, readRoom, readSchool, roomDraft, schoolDraft } from "./placeDraft";

const typeLabel = (code: string) => ({ primary: "Grundschule", grammar: "Gymnasium" })[code] ?? code;

describe("school and room drafts", () => {
  it("reads a complete school, with German numbers and dates, and the type's label as default", () => {
    const d = {
      ...schoolDraft(null, "a1"),
      school_number: " 100013 ",
      name: "Grundschule am Park",
      postcode: "45127",
      pupils: "1.204",
      teachers: "",
      headcount_date: "15.10.2025",
      social_index: "7",
    };
    const r = readSchool(d, typeLabel);
    expect(r).toEqual({
      ok: true,
      data: expect.objectContaining({
        authority_id: "a1",
        land: "NW",
        school_number: "100013",
        school_type_label: "Grundschule",
        pupils: 1204,
        teachers: null,
        headcount_date: "2025-10-15",
        social_index: 7,
        street: null,
      }),
    });
  });

  it("names every problem of a school by field", () => {
    const r = readSchool({ ...schoolDraft(null), postcode: "4512", pupils: "viele", social_index: "12", headcount_date: "31.02.2025" }, typeLabel);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(["authority_id", "headcount_date", "name", "postcode", "pupils", "school_number", "social_index"]);
    expect(r.errors.social_index).toBe("Bitte eine Zahl von 1 bis 9 eingeben.");
    expect(r.errors.pupils).toBe("„viele“ ist keine ganze Zahl.");
  });

  it("reads a room; the floor is a whole number and coverage may be unknown", () => {
    const ok = readRoom({ ...roomDraft(null), number: "B.012", floor: "-1", wlan_coverage: "" }, "s1");
    expect(ok).toEqual({
      ok: true,
      data: { school_id: "s1", building_id: null, number: "B.012", name: null, floor: -1, kind: "classroom", wlan_coverage: null, notes: null },
    });
    const bad = readRoom({ ...roomDraft(null), floor: "1. OG" }, "s1");
    expect(bad).toEqual({ ok: false, errors: { number: "Bitte die Raumnummer angeben.", floor: "Die Etage ist eine ganze Zahl (Keller: -1)." } });
  });

  it("counts", () => {
    expect(parseCount(" ", 0, 10)).toEqual({ ok: true, value: null });
    expect(parseCount("10", 0, 10)).toEqual({ ok: true, value: 10 });
    expect(parseCount("11", 0, 10).ok).toBe(false);
    expect(parseCount("1,5", 0, 10).ok).toBe(false);
  });
});
