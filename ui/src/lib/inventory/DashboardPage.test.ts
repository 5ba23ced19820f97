import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import DashboardPage from "./DashboardPage.svelte";
import { kpi } from "../../test/inventoryFixtures";
import { setLocale } from "../i18n/i18n.svelte";

const KPIS = [
  kpi({ school_id: "a", school_number: "100002", name: "Gymnasium Nord", pupils: 800, devices: 200, classrooms: 30, classrooms_with_display: 24, rooms: 50, rooms_with_wlan: 40, uplink_down_mbps: 1000, overdue_loans: 2, spent_cents: 50_000_00, allocated_cents: 100_000_00 }),
  kpi({ school_id: "b", school_number: "100001", name: "Grundschule am Park", pupils: 200, devices: 20, classrooms: 10, classrooms_with_display: 2, rooms: 14, rooms_with_wlan: 0, uplink_down_mbps: 250, past_replacement_age: 7 }),
];

function schoolOrder(): string[] {
  return screen.getAllByTestId("kpi-row").map((r) => r.querySelector("th")!.textContent!.trim());
}

describe("DashboardPage", () => {
  it("shows the municipality's totals and charts of the schools' figures", async () => {
    mockIPC((cmd) => {
      if (cmd === "school_kpis") return KPIS;
      throw `unbekanntes Kommando ${cmd}`;
    });
    render(DashboardPage);
    expect(await screen.findByTestId("total-devices")).toHaveProperty("textContent", "220");
    expect(screen.getByTestId("total-pupils").textContent).toBe("1.000");
    expect(screen.getByTestId("total-devices-per-pupil").textContent).toBe("0,22");
    expect(screen.getByTestId("total-overdue").textContent).toBe("2");
    const totals = screen.getByTestId("dashboard-totals").textContent!;
    expect(totals).toContain("65 %"); // 26 of 40 classrooms
    expect(totals).toContain("50.000,00 €");
    // The charts carry their figures as text for screen readers.
    const chart = within(screen.getByTestId("chart-devices-per-pupil")).getByRole("img");
    expect(chart.getAttribute("aria-label")).toBe(
      "Balkendiagramm Geräte je Schüler (niedrigste zuerst): 100001 Grundschule am Park: 0,10; 100002 Gymnasium Nord: 0,25",
    );
  });

  it("sorts the school table by a column and opens a school", async () => {
    mockIPC((cmd) => (cmd === "school_kpis" ? KPIS : null));
    const onOpenSchool = vi.fn();
    render(DashboardPage, { props: { onOpenSchool } });
    await screen.findByTestId("kpi-table");
    expect(schoolOrder()).toEqual(["Grundschule am Park", "Gymnasium Nord"]);

    const header = screen.getByRole("columnheader", { name: /Geräte je Schüler/ });
    await userEvent.click(within(header).getByRole("button"));
    expect(header.getAttribute("aria-sort")).toBe("descending");
    expect(schoolOrder()).toEqual(["Gymnasium Nord", "Grundschule am Park"]);
    await userEvent.click(within(header).getByRole("button"));
    expect(header.getAttribute("aria-sort")).toBe("ascending");
    expect(schoolOrder()).toEqual(["Grundschule am Park", "Gymnasium Nord"]);

    await userEvent.click(screen.getByRole("button", { name: "Gymnasium Nord" }));
    expect(onOpenSchool).toHaveBeenCalledWith("a");
  });

  it("says why the figures are missing and tries again", async () => {
    let fail = true;
    mockIPC((cmd) => {
      if (cmd !== "school_kpis") return null;
      if (fail) throw { code: "database", message: "Die Datenbank ist gesperrt." };
      return KPIS;
    });
    render(DashboardPage);
    expect((await screen.findByRole("alert")).textContent).toContain("Die Datenbank ist gesperrt.");
    fail = false;
    await userEvent.click(screen.getByRole("button", { name: "Erneut versuchen" }));
    expect(await screen.findByTestId("total-devices")).toHaveProperty("textContent", "220");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});

describe("DashboardPage in English", () => {
  afterEach(() => setLocale("de"));

  it("names the figures, charts and columns in English with German number forms, and follows a switch back", async () => {
    mockIPC((cmd) => (cmd === "school_kpis" ? KPIS : null));
    setLocale("en");
    render(DashboardPage);
    expect(await screen.findByRole("heading", { name: "Overview of all schools" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Refresh" })).toBeTruthy();
    const totals = (await screen.findByTestId("dashboard-totals")).textContent!;
    expect(totals).toContain("Devices in use");
    expect(totals).toContain("Schools with a gigabit connection");
    expect(totals).toContain("(50 % of the funds allocated to the schools)");
    expect(screen.getByTestId("total-devices-per-pupil").textContent).toBe("0,22");
    const chart = within(screen.getByTestId("chart-devices-per-pupil")).getByRole("img");
    expect(chart.getAttribute("aria-label")).toBe(
      "Bar chart Devices per pupil (lowest first): 100001 Grundschule am Park: 0,10; 100002 Gymnasium Nord: 0,25",
    );
    const header = screen.getByRole("columnheader", { name: /Devices per pupil/ });
    await userEvent.click(within(header).getByRole("button"));
    expect(schoolOrder()).toEqual(["Gymnasium Nord", "Grundschule am Park"]);

    setLocale("de");
    expect(await screen.findByRole("heading", { name: "Übersicht aller Schulen" })).toBeTruthy();
    expect(screen.getByRole("columnheader", { name: /Geräte je Schüler/ }).getAttribute("aria-sort")).toBe("descending");
  });

  it("puts the core's German reason into an English sentence", async () => {
    mockIPC((cmd) => {
      if (cmd === "school_kpis") throw { code: "database", message: "Die Datenbank ist gesperrt." };
      return null;
    });
    setLocale("en");
    render(DashboardPage);
    expect((await screen.findByRole("alert")).textContent).toContain("The key figures could not be calculated: Die Datenbank ist gesperrt.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });
});
