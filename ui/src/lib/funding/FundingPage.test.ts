import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "../../App.svelte";
import FundingPage from "./FundingPage.svelte";
import type { InvoiceSummary, ItemRef, ProgrammeData } from "../bindings";
import { BASIS, HESSEN, callsOf, detailOf, mockFundingBackend, programmes } from "../../test/fundingFixtures";

const tablet: ItemRef = {
  entity: "device",
  id: "d1",
  kind: "Gerät",
  inventory_number: "100013-00042",
  label: "Lenovo ThinkPad 11e",
  school: "100013 Geschwister-Scholl-Gymnasium",
  retired: false,
};

describe("FundingPage", () => {
  it("is reached from the navigation and opens on the budget", async () => {
    const calls = mockFundingBackend();
    render(App, { listenForDrops: async () => () => {} });

    await userEvent.click(screen.getByRole("button", { name: "Fördermittel" }));

    expect(await screen.findByRole("heading", { level: 2, name: "Fördermittel" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Fördermittel" }).getAttribute("aria-current")).toBe("page");
    expect(await screen.findByRole("heading", { level: 3, name: "Budget" })).toBeTruthy();
    await expect.poll(() => callsOf(calls, "funding_budgets")).toEqual([{ programmeId: null }]);
    expect(screen.getByRole("button", { name: "Budget" }).getAttribute("aria-current")).toBe("page");
  });

  it("lists the programmes with their shares and shows the core's field errors when one is edited", async () => {
    let saved: ProgrammeData | null = null;
    const calls = mockFundingBackend({
      save_programme: (a) => {
        const data = a.data as ProgrammeData;
        if (data.federal_share_bp + data.land_share_bp > 10_000) {
          throw {
            code: "validation",
            message: "Die Eingaben sind ungültig",
            errors: [
              {
                field: "land_share_bp",
                code: "shares_exceed_total",
                message: "Bundes- und Landesanteil zusammen dürfen 100 % nicht übersteigen.",
              },
            ],
          };
        }
        saved = data;
        return { record: { ...programmes[1], ...data }, findings: [] };
      },
    });
    render(FundingPage, { initial: "programmes" });

    const table = await screen.findByTestId("programme-table");
    const hessen = within(table).getAllByTestId("programme-row")[1];
    const texts = [...hessen.querySelectorAll("th, td")].map((c) => c.textContent?.replace(/\s+/g, " ").trim());
    expect(texts.slice(0, 7)).toEqual([
      "Digitale Schule Hessen",
      "Hessen",
      "17.05.2019 – 16.05.2024",
      "75 %",
      "12,50 %",
      "25 %",
      "5 Jahre",
    ]);

    await userEvent.click(within(hessen).getByRole("button", { name: "Digitale Schule Hessen bearbeiten" }));
    const land = screen.getByLabelText("Landesanteil (%)") as HTMLInputElement;
    expect(land.value).toBe("12,5");
    expect((screen.getByLabelText("Förderfähig ab") as HTMLInputElement).value).toBe("17.05.2019");
    expect((screen.getByLabelText("WLAN") as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText("Mobile Endgeräte") as HTMLInputElement).checked).toBe(false);

    await userEvent.clear(land);
    await userEvent.type(land, "30");
    await userEvent.click(screen.getByRole("button", { name: "Programm speichern" }));

    await expect.poll(() => land.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(land.getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "Bundes- und Landesanteil zusammen dürfen 100 % nicht übersteigen.",
    );
    expect(callsOf(calls, "save_programme")[0]).toMatchObject({ id: HESSEN });

    await userEvent.clear(land);
    await userEvent.type(land, "15");
    await userEvent.click(screen.getByLabelText("Mobile Endgeräte"));
    await userEvent.click(screen.getByRole("button", { name: "Programm speichern" }));

    expect(await screen.findByText("Programm „Digitale Schule Hessen“ gespeichert.")).toBeTruthy();
    expect(saved).toMatchObject({ land_share_bp: 1500, federal_share_bp: 7500, categories: ["wlan", "mobile_devices"] });
    expect(callsOf(calls, "list_programmes")).toHaveLength(2);
  });

  it("looks up which invoice and programme paid for an inventory number", async () => {
    const calls = mockFundingBackend({
      find_items: () => [tablet],
      item_funding: () => [
        {
          item: tablet,
          invoice_id: "i1",
          invoice_number: "RE-2021-01",
          supplier: "Bechtle GmbH",
          invoice_date: "2021-03-12",
          line_id: "l1",
          position: 1,
          description: "Mobile Endgeräte 2021",
          programme_id: BASIS,
          programme: "DigitalPakt Basis",
          category: "Mobile Endgeräte",
          gross_cents: 3_000_000,
          federal_cents: 2_700_000,
          land_cents: 0,
          own_cents: 300_000,
          third_party_cents: 0,
          earmarked_until: "2026-03-12",
        },
      ],
    });
    render(FundingPage);

    await userEvent.type(screen.getByLabelText("Inventarnummer"), "100013-00042{Enter}");

    const funding = await screen.findByTestId("lookup-funding");
    expect(funding.textContent?.replace(/\s+/g, " ").trim()).toBe(
      "Rechnung RE-2021-01 (Bechtle GmbH) vom 12.03.2021, Position 1: DigitalPakt Basis, Mobile Endgeräte, brutto 30.000,00 € (Bund 27.000,00 €, Land 0,00 €, Eigenanteil 3.000,00 €); zweckgebunden bis 12.03.2026",
    );
    expect(screen.getByTestId("lookup-result").textContent).toContain("Gerät 100013-00042");
    expect(callsOf(calls, "find_items")).toEqual([{ inventoryNumber: "100013-00042" }]);
    expect(callsOf(calls, "item_funding")).toEqual([{ itemId: "d1" }]);
  });

  it("lists invoices with their programmes and opens one with its lines and linked items", async () => {
    const detail = detailOf({
      authority_id: "a1",
      supplier: "Bechtle GmbH",
      invoice_number: "RE-2021-01",
      invoice_date: "2021-03-12",
      paid_on: "2021-04-09",
      notes: null,
      lines: [
        {
          description: "Mobile Endgeräte 2021",
          school_id: "s2",
          programme_id: BASIS,
          category: "mobile_devices",
          net_cents: 2_521_008,
          vat_cents: 478_992,
          gross_cents: 3_000_000,
          federal_cents: 2_700_000,
          land_cents: 0,
          own_cents: 300_000,
          third_party_cents: 0,
          inventory_numbers: [],
        },
      ],
    });
    detail.lines[0].items = [tablet];
    const summary: InvoiceSummary = { invoice: detail.invoice, programmes: ["DigitalPakt Basis"], lines: 1 };
    const calls = mockFundingBackend({
      list_invoices: () => ({ items: [summary], next: null }),
      invoice_detail: () => detail,
    });
    render(FundingPage, { initial: "invoices" });

    const row = await screen.findByTestId("invoice-row");
    expect([...row.querySelectorAll("th, td")].map((c) => c.textContent?.trim())).toEqual([
      "RE-2021-01",
      "Bechtle GmbH",
      "12.03.2021",
      "30.000,00 €",
      "DigitalPakt Basis",
      "1",
    ]);
    expect(callsOf(calls, "list_invoices")[0]).toMatchObject({
      query: { sort: "invoice_date", descending: true, after: null },
    });

    await userEvent.click(within(row).getByRole("button", { name: "Rechnung RE-2021-01 öffnen" }));

    const article = await screen.findByTestId("invoice-detail");
    expect(within(article).getByTestId("invoice-detail-gross").textContent).toBe("30.000,00 €");
    const line = within(article).getByTestId("invoice-line-row");
    expect([...line.querySelectorAll("td")].slice(4).map((c) => c.textContent)).toEqual([
      "30.000,00 €",
      "27.000,00 €",
      "0,00 €",
      "3.000,00 €",
      "0,00 €",
    ]);
    const items = within(article).getByTestId("linked-items");
    expect(items.textContent?.replace(/\s+/g, " ")).toContain("Gerät 100013-00042 · Lenovo ThinkPad 11e – 100013 Geschwister-Scholl-Gymnasium");
    expect(article.textContent).toContain("zweckgebunden bis 12.03.2029");

    await userEvent.click(within(article).getByRole("button", { name: "Zur Rechnungsliste" }));
    expect(await screen.findByTestId("invoice-table")).toBeTruthy();
  });
});
