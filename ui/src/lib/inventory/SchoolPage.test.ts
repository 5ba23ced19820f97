import { describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { LifecycleItem, SchoolProfile } from "../bindings";
import SchoolPage from "./SchoolPage.svelte";
import { kpi, VOCABULARY } from "../../test/inventoryFixtures";

const SCHOOL = {
  id: "s1",
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
  deleted_at: null,
  authority_id: "a1",
  land: "NW",
  school_number: "100013",
  name: "Geschwister-Scholl-Gymnasium",
  school_type_label: "Gymnasium",
  school_type: "grammar",
  street: "Schulstraße 1",
  postcode: "45127",
  city: "Essen",
  pupils: 812,
  teachers: 64,
  headcount_date: "2025-10-15",
  social_index: 4,
  notes: null,
};

const item = (id: string, over: Partial<LifecycleItem>): LifecycleItem => ({
  entity: "device",
  id,
  school_id: "s1",
  school_number: "100013",
  school_name: SCHOOL.name,
  inventory_number: null,
  description: "Dell Latitude 3440",
  kind: "laptop",
  purchase_date: null,
  warranty_end: null,
  replacement_due: null,
  price_cents: null,
  ...over,
});

const PROFILE: SchoolProfile = {
  kpi: kpi({ school_id: "s1", pupils: 812, devices: 203, classrooms: 30, classrooms_with_display: 21, rooms: 48, rooms_with_wlan: 36, uplink_technology: "ftth", uplink_down_mbps: 1000, past_replacement_age: 12, overdue_loans: 1 }),
  devices_by_category: [
    { code: "laptop", count: 150 },
    { code: "tablet", count: 53 },
  ],
  devices_by_age: [
    { code: "1", count: 40 },
    { code: "6", count: 150 },
    { code: "unbekannt", count: 13 },
  ],
  due: [
    item("d1", { inventory_number: "INV-1", purchase_date: "2019-03-01", replacement_due: "2024-03-01" }),
    item("d2", { inventory_number: "INV-2", warranty_end: "2027-01-15", replacement_due: "2029-01-15" }),
  ],
  due_until: "2027-05-27",
};

function mock() {
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "get_school":
        return SCHOOL;
      case "school_profile":
        return PROFILE;
      case "list_rooms":
        expect((args as { query: { school_id: string } }).query.school_id).toBe("s1");
        return {
          items: [
            { id: "r1", created_at: "", updated_at: "", deleted_at: null, school_id: "s1", building_id: null, number: "A.101", name: "Klasse 5a", floor: 1, kind: "classroom", wlan_coverage: "full", notes: null },
          ],
          next: null,
        };
      case "list_buildings":
        return { items: [], next: null };
      case "list_fibre_links":
        return {
          items: [
            { id: "f1", created_at: "", updated_at: "", deleted_at: null, school_id: "s1", link_type: "uplink", provider: "Stadtwerke", technology: "ftth", down_mbps: 1000, up_mbps: 500, status: "live", commissioned_on: null, contract_end: null, monthly_cost_cents: null, fibre_type: null, fibre_count: null, length_m: null, from_building_id: null, to_building_id: null, notes: null },
          ],
          next: null,
        };
      default:
        throw `unbekanntes Kommando ${cmd}`;
    }
  });
}

describe("SchoolPage", () => {
  it("shows the school's facts, key figures, charts, what is due and its rooms", async () => {
    mock();
    render(SchoolPage, { props: { schoolId: "s1", vocabulary: VOCABULARY } });
    expect((await screen.findByTestId("school-page-name")).textContent).toContain("Geschwister-Scholl-Gymnasium");
    expect(screen.getByTestId("school-facts").textContent).toContain("Schulstraße 1, 45127 Essen");
    expect(screen.getByTestId("school-facts").textContent).toContain("Stichtag 15.10.2025");
    const kpis = screen.getByTestId("school-kpis").textContent!;
    expect(screen.getByTestId("school-devices").textContent).toBe("203");
    expect(kpis).toContain("0,25"); // 203 devices for 812 pupils
    expect(kpis).toContain("70 %"); // 21 of 30 classrooms
    expect(kpis).toContain("(36 von 48)");
    expect(screen.getByTestId("school-uplink").textContent).toContain("1.000 Mbit/s");
    expect(screen.getByTestId("school-uplink").textContent).toContain("Glasfaser (FTTH)");

    const categories = within(screen.getByTestId("chart-categories")).getByRole("img").getAttribute("aria-label");
    expect(categories).toContain("Laptop: 150; Tablet: 53");
    const ages = within(screen.getByTestId("chart-ages")).getByRole("img").getAttribute("aria-label");
    expect(ages).toContain("1 Jahr: 40; 6 Jahre: 150; ohne Kaufdatum: 13");

    const due = within(screen.getByTestId("due-table")).getAllByRole("row").slice(1);
    const cells = (r: HTMLElement) =>
      [...r.querySelectorAll("th, td")].map((c) => c.textContent!.replace(/\s+/g, " ").trim()).join(" | ");
    expect(due.map(cells)).toEqual([
      "Laptop | INV-1 | Dell Latitude 3440 | – | 01.03.2024 überfällig",
      "Laptop | INV-2 | Dell Latitude 3440 | 15.01.2027 | 15.01.2029",
    ]);
    expect(screen.getByText(/bis 27\.05\.2027/)).toBeTruthy();
    expect(within(screen.getByTestId("room-table")).getByText("Unterrichtsraum")).toBeTruthy();
    expect(within(screen.getByTestId("link-table")).getByText("Stadtwerke")).toBeTruthy();
    expect(screen.getByText("Noch keine Gebäude erfasst.")).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("opens a room and a device that is due", async () => {
    mock();
    const onOpenRoom = vi.fn();
    const onOpenDevice = vi.fn();
    render(SchoolPage, { props: { schoolId: "s1", vocabulary: VOCABULARY, onOpenRoom, onOpenDevice } });
    await userEvent.click(await screen.findByRole("button", { name: "A.101" }));
    expect(onOpenRoom).toHaveBeenCalledWith("r1");
    await userEvent.click(screen.getByRole("button", { name: "INV-1" }));
    expect(onOpenDevice).toHaveBeenCalledWith("d1", "s1");
  });
});
