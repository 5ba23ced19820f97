import { describe, expect, it } from "vitest";
import type { SchoolKpi } from "../bindings";
import { formatRatio, formatShare, sortKpis, totals } from "./kpi";
import { kpi } from "../../test/inventoryFixtures";

describe("key figures", () => {
  const a = kpi({ school_id: "a", school_number: "100002", name: "Gymnasium Nord", pupils: 800, devices: 200, classrooms: 30, classrooms_with_display: 24, rooms: 50, rooms_with_wlan: 40, uplink_down_mbps: 1000, overdue_loans: 2 });
  const b = kpi({ school_id: "b", school_number: "100001", name: "Grundschule am Park", pupils: 200, devices: 20, classrooms: 10, classrooms_with_display: 2, rooms: 14, rooms_with_wlan: 0, uplink_down_mbps: 250, past_replacement_age: 7 });
  const c = kpi({ school_id: "c", school_number: "100003", name: "Neue Schule", pupils: null });

  it("sums counts and takes shares of the sums, not averages of shares", () => {
    const t = totals([a, b, c]);
    expect(t).toMatchObject({ schools: 3, pupils: 1000, devices: 220, pastReplacementAge: 7, overdueLoans: 2 });
    expect(t.devicesPerPupil).toBeCloseTo(0.22);
    expect(t.displayShare).toBeCloseTo(26 / 40);
    expect(t.wlanShare).toBeCloseTo(40 / 64);
    expect(t.gigabitShare).toBeCloseTo(1 / 3);
    expect(totals([]).devicesPerPupil).toBeNull();
  });

  it("formats ratios and shares the German way", () => {
    expect(formatRatio(0.22)).toBe("0,22");
    expect(formatShare(0.65)).toBe("65 %");
    expect(formatShare(null)).toBe("–");
  });

  it("sorts by a figure either way, schools without it last", () => {
    const numbers = (list: SchoolKpi[]) => list.map((k) => k.school_number);
    expect(numbers(sortKpis([a, b, c], "school_number", false))).toEqual(["100001", "100002", "100003"]);
    expect(numbers(sortKpis([a, b, c], "devices_per_pupil", true))).toEqual(["100002", "100001", "100003"]);
    expect(numbers(sortKpis([a, b, c], "devices_per_pupil", false))).toEqual(["100001", "100002", "100003"]);
    expect(numbers(sortKpis([a, b, c], "name", true))).toEqual(["100003", "100002", "100001"]);
  });
});
