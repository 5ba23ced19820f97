import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import FindingsView from "./FindingsView.svelte";
import { BASIS, callsOf, catalogue, finding, mockFundingBackend } from "../../test/fundingFixtures";

const findings = [
  finding({
    code: "invoice_outside_period",
    severity: "violation",
    message: "DigitalPakt Basis: 2 Rechnungspositionen sind außerhalb des Förderzeitraums datiert.",
    programme_id: BASIS,
    entity: "invoice_line",
    ids: ["l1", "l2"],
  }),
  finding({
    code: "items_without_invoice",
    severity: "warning",
    message: "100000 Elsa-Brändström-Grundschule: 1 Geräte sind mit keiner Rechnung verknüpft.",
    entity: "device",
    ids: ["d1"],
  }),
  finding({
    code: "items_without_invoice",
    severity: "warning",
    message: "100013 Geschwister-Scholl-Gymnasium: 100 Geräte sind mit keiner Rechnung verknüpft.",
    entity: "device",
    ids: Array.from({ length: 100 }, (_, i) => `d${i + 10}`),
    count: 437,
  }),
  finding({
    code: "deadline_ahead",
    severity: "info",
    message: "DigitalPakt Basis: Verwendungsnachweis fällig am 31.12.2026 (in 39 Tagen).",
    programme_id: BASIS,
    entity: "proof_due",
    due: "2026-12-31",
    days_left: 39,
  }),
];

const shownCodes = () => screen.queryAllByTestId("finding").map((f) => f.getAttribute("data-severity"));

describe("FindingsView", () => {
  it("shows every finding with its severity badge, deadline and records", async () => {
    mockFundingBackend({ funding_findings: () => findings });
    render(FindingsView, { catalogue: catalogue() });

    const items = await screen.findAllByTestId("finding");
    expect(items.map((f) => within(f).getByTestId("finding-badge").textContent)).toEqual([
      "Verstoß",
      "Hinweis",
      "Hinweis",
      "Info",
    ]);
    expect(screen.getByRole("status").textContent).toMatch(/1 Verstoß, 2\s+Hinweise, 1 Info/);
    expect(within(items[0]).getByTestId("finding-count").textContent).toBe("betrifft 2 Rechnungspositionen");
    expect(within(items[0]).getByText("Programm: DigitalPakt Basis")).toBeTruthy();
    expect(within(items[1]).getByTestId("finding-count").textContent).toBe("betrifft 1 Gerät");
    expect(within(items[2]).getByTestId("finding-count").textContent).toBe("betrifft 437 Geräte");
    expect(within(items[3]).getByTestId("finding-due").textContent?.replace(/\s+/g, " ").trim()).toBe(
      "fällig am 31.12.2026 – noch 39 Tage",
    );
    expect(within(items[3]).queryByTestId("finding-count")).toBeNull();
  });

  it("filters by severity", async () => {
    mockFundingBackend({ funding_findings: () => findings });
    render(FindingsView, { catalogue: catalogue() });
    await screen.findAllByTestId("finding");

    const filter = screen.getByLabelText("Schweregrad") as HTMLSelectElement;
    expect([...filter.options].map((o) => o.textContent)).toEqual([
      "Alle (4)",
      "Verstöße (1)",
      "Hinweise (2)",
      "Infos (1)",
    ]);

    await userEvent.selectOptions(filter, "Verstöße (1)");
    expect(shownCodes()).toEqual(["violation"]);
    await userEvent.selectOptions(filter, "Hinweise (2)");
    expect(shownCodes()).toEqual(["warning", "warning"]);
    await userEvent.selectOptions(filter, "Infos (1)");
    expect(shownCodes()).toEqual(["info"]);
    await userEvent.selectOptions(filter, "Alle (4)");
    expect(shownCodes()).toHaveLength(4);
  });

  it("lists the records a finding concerns by name, asking the core once", async () => {
    const calls = mockFundingBackend({
      funding_findings: () => findings,
      funding_records: (a) =>
        (a.ids as string[]).map((id, i) => ({
          id,
          entity: a.entity,
          label: `Rechnung RE-2018-0${i + 1} (Bechtle GmbH), Position 1`,
          detail: "WLAN 2018 · 100000 Elsa-Brändström-Grundschule",
          found: i === 0,
        })),
    });
    render(FindingsView, { catalogue: catalogue() });
    const [violation] = await screen.findAllByTestId("finding");

    const toggle = within(violation).getByRole("button", { name: "Einträge anzeigen" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    await userEvent.click(toggle);

    const list = await within(violation).findByTestId("finding-records");
    const entries = within(list).getAllByRole("listitem").map((li) => li.textContent?.replace(/\s+/g, " ").trim());
    expect(entries).toEqual([
      "Rechnung RE-2018-01 (Bechtle GmbH), Position 1 – WLAN 2018 · 100000 Elsa-Brändström-Grundschule",
      "nicht mehr vorhanden (l2)",
    ]);
    expect(callsOf(calls, "funding_records")).toEqual([{ entity: "invoice_line", ids: ["l1", "l2"] }]);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");

    await userEvent.click(within(violation).getByRole("button", { name: "Einträge ausblenden" }));
    await userEvent.click(within(violation).getByRole("button", { name: "Einträge anzeigen" }));
    expect(callsOf(calls, "funding_records")).toHaveLength(1);
  });

  it("says when every rule is kept", async () => {
    mockFundingBackend({ funding_findings: () => [] });
    render(FindingsView, { catalogue: catalogue() });
    expect(await screen.findByText("Keine Befunde: alle Förderregeln sind eingehalten.")).toBeTruthy();
  });
});
