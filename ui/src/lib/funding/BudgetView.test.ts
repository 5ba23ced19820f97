import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import BudgetView from "./BudgetView.svelte";
import { BASIS, budget, callsOf, catalogue, mockFundingBackend } from "../../test/fundingFixtures";

const rows = [
  budget({
    allocated_cents: 104_900_000,
    approved_cents: 15_548_932,
    spent_cents: 14_808_510,
    federal_cents: 13_327_640,
    own_cents: 1_480_870,
    remaining_cents: 91_572_360,
  }),
  budget({
    school_id: "s1",
    school_number: "100000",
    school: "Elsa-Brändström-Grundschule",
    approved_cents: 5_242_367,
    spent_cents: 4_992_732,
    federal_cents: 4_493_455,
    own_cents: 499_277,
    remaining_cents: null,
  }),
  budget({
    school_id: "s2",
    school_number: "100001",
    school: "Gesamtschule Nord",
    allocated_cents: 1_000_000,
    spent_cents: 1_190_000,
    federal_cents: 1_071_000,
    own_cents: 119_000,
    remaining_cents: -71_000,
  }),
  budget({
    programme_id: "programme-sofortausstattung",
    programme: "Sofortausstattung",
    allocated_cents: 18_882_000,
    spent_cents: 9_150_983,
    federal_cents: 8_235_878,
    land_cents: 5,
    own_cents: 915_100,
    remaining_cents: 10_646_117,
  }),
];

function cells(row: HTMLElement): string[] {
  return [...row.querySelectorAll("th, td")].map((c) => c.textContent?.replace(/\s+/g, " ").trim() ?? "");
}

describe("BudgetView", () => {
  it("shows a table per programme and Schulträger with German money", async () => {
    mockFundingBackend({ funding_budgets: () => rows });
    render(BudgetView, { catalogue: catalogue() });

    const basis = await screen.findByRole("table", { name: "DigitalPakt Basis – Stadt Beispielstadt" });
    const headers = within(basis)
      .getAllByRole("columnheader")
      .map((h) => h.textContent?.trim());
    expect(headers).toEqual([
      "Schulträger / Schule",
      "zugewiesen",
      "bewilligt",
      "ausgegeben",
      "Bund",
      "Land",
      "Eigenanteil",
      "verbleibend",
    ]);
    const [authority, school, overdrawn] = within(basis).getAllByRole("row").slice(1);
    expect(cells(authority)).toEqual([
      "Stadt Beispielstadt (gesamt)",
      "1.049.000,00 €",
      "155.489,32 €",
      "148.085,10 €",
      "133.276,40 €",
      "0,00 €",
      "14.808,70 €",
      "915.723,60 €",
    ]);
    expect(cells(school)).toEqual([
      "100000 Elsa-Brändström-Grundschule",
      "0,00 €",
      "52.423,67 €",
      "49.927,32 €",
      "44.934,55 €",
      "0,00 €",
      "4.992,77 €",
      "–",
    ]);
    // Without an allocation of its own a school has nothing "remaining", neither plus nor minus.
    expect(school.querySelector('[data-column="remaining_cents"]')?.classList.contains("negative")).toBe(false);
    expect(cells(overdrawn).at(-1)).toBe("-710,00 €");
    expect(overdrawn.querySelector('[data-column="remaining_cents"]')?.classList.contains("negative")).toBe(true);

    const sofort = screen.getByRole("table", { name: "Sofortausstattung – Stadt Beispielstadt" });
    expect(within(sofort).getAllByRole("row")).toHaveLength(2);
    expect(cells(within(sofort).getAllByRole("row")[1])[5]).toBe("0,05 €");

    // The chart compares allocated and spent per programme; its figures are readable as text.
    const chart = screen.getByRole("img", { name: /Balkendiagramm/ });
    expect(chart.getAttribute("aria-label")).toContain("DigitalPakt Basis: zugewiesen 1.049.000,00 €, ausgegeben 148.085,10 €");
    expect(chart.getAttribute("aria-label")).toContain("Sofortausstattung: zugewiesen 188.820,00 €, ausgegeben 91.509,83 €");
  });

  it("asks the core for one programme when filtered and charts its schools", async () => {
    const calls = mockFundingBackend({
      funding_budgets: (a) => (a.programmeId === BASIS ? rows.slice(0, 3) : rows),
    });
    render(BudgetView, { catalogue: catalogue() });
    await screen.findByRole("table", { name: /Sofortausstattung/ });

    await userEvent.selectOptions(screen.getByLabelText("Programm"), "DigitalPakt Basis");

    await expect.poll(() => screen.queryByRole("table", { name: /Sofortausstattung/ })).toBeNull();
    expect(callsOf(calls, "funding_budgets").map((a) => a.programmeId)).toEqual([null, BASIS]);
    expect(screen.getAllByRole("table")).toHaveLength(1);
    expect(screen.getByText(/Zugewiesen und ausgegeben je Schule/)).toBeTruthy();
    expect(screen.getByRole("img", { name: /Balkendiagramm/ }).getAttribute("aria-label")).toBe(
      "Balkendiagramm: 100000 Elsa-Brändström-Grundschule: zugewiesen 0,00 €, ausgegeben 49.927,32 €; " +
        "100001 Gesamtschule Nord: zugewiesen 10.000,00 €, ausgegeben 11.900,00 €",
    );
  });

  it("says so when nothing is recorded and shows a failure in German", async () => {
    let fail = false;
    mockFundingBackend({
      funding_budgets: () => {
        if (fail) throw { code: "database", message: "Die Datenbank ist gerade gesperrt." };
        return [];
      },
    });
    render(BudgetView, { catalogue: catalogue() });
    expect(await screen.findByText(/Noch keine Zuweisungen, Maßnahmen oder Rechnungen erfasst/)).toBeTruthy();

    fail = true;
    await userEvent.selectOptions(screen.getByLabelText("Programm"), "DigitalPakt Basis");
    expect((await screen.findByRole("alert")).textContent).toContain("Die Datenbank ist gerade gesperrt.");
  });
});
