import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import FundingPage from "./FundingPage.svelte";
import FindingsView from "./FindingsView.svelte";
import InvoiceForm from "./InvoiceForm.svelte";
import type { FundingVocabulary, ItemRef, ProgrammeData } from "../bindings";
import { setLocale } from "../i18n/i18n.svelte";
import { BASIS, HESSEN, callsOf, catalogue, finding, mockFundingBackend, programmes, vocabulary } from "../../test/fundingFixtures";

/** The core's vocabulary with the English labels it sends along. */
const ENGLISH: Record<string, string> = {
  HE: "Hesse",
  networking: "Networking / cabling",
  wlan: "Wi-Fi",
  mobile_devices: "Mobile devices",
  device: "Device",
};
const withEnglish = <T extends { code: string; label: string }>(entries: T[]): T[] =>
  entries.map((e) => ({ ...e, label_en: ENGLISH[e.code] ?? e.label }));
const englishVocabulary: FundingVocabulary = {
  ...vocabulary,
  lands: withEnglish(vocabulary.lands),
  categories: withEnglish(vocabulary.categories),
  item_kinds: withEnglish(vocabulary.item_kinds),
};

const cells = (row: HTMLElement) => [...row.querySelectorAll("th, td")].map((c) => c.textContent?.replace(/\s+/g, " ").trim());

describe("the funding pages in English", () => {
  afterEach(() => setLocale("de"));

  it("shows the programmes with English headings, vocabulary labels and messages, and German numbers", async () => {
    setLocale("en");
    mockFundingBackend({
      funding_vocabulary: () => englishVocabulary,
      save_programme: (a) => ({ record: { ...programmes[1], ...(a.data as ProgrammeData) }, findings: [] }),
    });
    render(FundingPage, { initial: "programmes" });

    expect(await screen.findByRole("heading", { level: 2, name: "Funding" })).toBeTruthy();
    const tabs = within(screen.getByRole("navigation", { name: "Funding sections" })).getAllByRole("button");
    expect(tabs.map((b) => b.textContent?.trim())).toEqual([
      "Budget",
      "Findings",
      "Programmes",
      "Allocations",
      "Measures",
      "Invoices",
      "Media concepts",
    ]);

    const table = await screen.findByTestId("programme-table");
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent?.trim());
    expect(headers.slice(0, 9)).toEqual([
      "Programme",
      "Scope",
      "Funding period",
      "Federal",
      "State",
      "Minimum own share",
      "Earmarking",
      "Cap on mobile devices",
      "Verwendungsnachweis (proof of use)",
    ]);
    const [basis, hessen] = within(table).getAllByTestId("programme-row");
    expect(cells(basis).slice(1, 8)).toEqual([
      "all states",
      "17.05.2019 – 16.05.2024",
      "90 %",
      "0 %",
      "10 %",
      "5 years",
      "20 % or 25.000,00 € per school",
    ]);
    expect(cells(hessen).slice(1, 2)).toEqual(["Hesse"]);

    await userEvent.click(within(hessen).getByRole("button", { name: "Edit Digitale Schule Hessen" }));
    expect(screen.getByRole("heading", { level: 4, name: "Edit programme “Digitale Schule Hessen”" })).toBeTruthy();
    expect((screen.getByLabelText("Wi-Fi") as HTMLInputElement).checked).toBe(true);
    expect(screen.getByLabelText("Eligible from").getAttribute("placeholder")).toBe("DD.MM.YYYY");
    const land = screen.getByLabelText("State share (%)") as HTMLInputElement;
    expect(land.value).toBe("12,5");

    await userEvent.clear(land);
    await userEvent.type(land, "zwölf");
    await userEvent.click(screen.getByRole("button", { name: "Save programme" }));
    expect(screen.getByTestId("programme-failure").textContent).toBe("Please correct the marked entries.");
    expect(document.getElementById(land.getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "“zwölf” is not a percentage. Please enter e.g. 90 or 12,5.",
    );

    await userEvent.clear(land);
    await userEvent.type(land, "15");
    await userEvent.click(screen.getByRole("button", { name: "Save programme" }));
    expect(await screen.findByText("Programme “Digitale Schule Hessen” saved.")).toBeTruthy();
  });

  it("switches the findings to English while they are shown", async () => {
    mockFundingBackend({
      funding_findings: () => [
        finding({
          code: "invoice_outside_period",
          severity: "violation",
          message: "DigitalPakt Basis: …",
          programme_id: BASIS,
          entity: "invoice_line",
          ids: ["l1", "l2"],
        }),
        finding({ severity: "warning", entity: "device", ids: ["d1"] }),
        finding({ severity: "warning", entity: "device", ids: ["d2"], count: 437 }),
        finding({ code: "deadline_ahead", severity: "info", programme_id: HESSEN, entity: "proof_due", due: "2026-12-31", days_left: 39 }),
      ],
    });
    render(FindingsView, { catalogue: catalogue() });
    const items = await screen.findAllByTestId("finding");
    expect(within(items[0]).getByTestId("finding-badge").textContent).toBe("Verstoß");

    setLocale("en");

    await expect.poll(() => within(items[0]).getByTestId("finding-badge").textContent).toBe("Violation");
    expect(items.map((f) => within(f).getByTestId("finding-badge").textContent)).toEqual(["Violation", "Note", "Note", "Info"]);
    expect(screen.getByRole("heading", { level: 3 }).textContent).toBe("Findings");
    expect(screen.getByRole("status").textContent?.trim()).toBe("1 violation, 2 notes, 1 info");
    const filter = screen.getByLabelText("Severity") as HTMLSelectElement;
    expect([...filter.options].map((o) => o.textContent)).toEqual(["All (4)", "Violations (1)", "Notes (2)", "Info (1)"]);
    expect(within(items[0]).getByTestId("finding-count").textContent).toBe("concerns 2 invoice lines");
    expect(within(items[1]).getByTestId("finding-count").textContent).toBe("concerns 1 device");
    expect(within(items[2]).getByTestId("finding-count").textContent).toBe("concerns 437 devices");
    expect(within(items[0]).getByText("Programme: DigitalPakt Basis")).toBeTruthy();
    expect(within(items[3]).getByTestId("finding-due").textContent?.replace(/\s+/g, " ").trim()).toBe("due on 31.12.2026 – 39 days left");
    expect(within(items[0]).getByRole("button", { name: "Show entries" })).toBeTruthy();
  });

  it("refuses an unreadable invoice amount with English messages", async () => {
    setLocale("en");
    const calls = mockFundingBackend();
    const c = catalogue();
    c.vocabulary = englishVocabulary;
    const onSaved = vi.fn();
    render(InvoiceForm, { catalogue: c, onSaved, onCancel: vi.fn() });

    expect(screen.getByRole("heading", { name: "Record new invoice" })).toBeTruthy();
    await expect.poll(() => (screen.getByLabelText("School authority") as HTMLSelectElement).value).toBe("a1");
    const line = screen.getAllByTestId("invoice-line")[0];
    expect(line.querySelector("legend")?.textContent).toBe("Line 1");
    const categories = within(line).getByLabelText("Category") as HTMLSelectElement;
    expect([...categories.options].map((o) => o.textContent)).toEqual(["Networking / cabling", "Wi-Fi", "Mobile devices"]);

    const gross = within(line).getByLabelText("Gross (€)") as HTMLInputElement;
    await userEvent.type(gross, "1.5");
    await userEvent.click(screen.getByRole("button", { name: "Save invoice" }));

    expect(gross.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(gross.getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "“1.5”: please separate the cents with a comma (e.g. 12,50).",
    );
    const failure = screen.getByTestId("invoice-failure");
    expect(within(failure).getByRole("strong").textContent).toBe("The invoice was not saved. Please correct the marked entries.");
    expect(failure.textContent).toContain("Line 1: “1.5”");
    expect(screen.getByTestId("invoice-total").textContent).toBe("Gross total: 0,00 €");
    expect(callsOf(calls, "save_invoice")).toEqual([]);
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("says in English which invoice paid for an inventory number", async () => {
    setLocale("en");
    const tablet: ItemRef = {
      entity: "device",
      id: "d1",
      kind: "Gerät",
      inventory_number: "100013-00042",
      label: "Lenovo ThinkPad 11e",
      school: "100013 Geschwister-Scholl-Gymnasium",
      retired: false,
    };
    mockFundingBackend({
      funding_vocabulary: () => englishVocabulary,
      find_items: (a) => (a.inventoryNumber === "100013-00042" ? [tablet] : []),
      item_funding: () => [
        {
          item: tablet,
          invoice_id: "i1",
          invoice_number: "RE-2021-01",
          supplier: "Bechtle GmbH",
          invoice_date: "2021-03-12",
          line_id: "l1",
          position: 1,
          description: null,
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
    expect(await screen.findByRole("heading", { level: 3, name: "Budget" })).toBeTruthy();

    const number = screen.getByLabelText("Inventory number");
    expect(number.getAttribute("placeholder")).toBe("e.g. 100013-00042");
    await userEvent.click(screen.getByRole("button", { name: "Look up" }));
    expect(screen.getByRole("alert").textContent).toBe("Please enter an inventory number.");

    await userEvent.type(number, "100013-00099{Enter}");
    expect(await screen.findByText("No item has the inventory number “100013-00099”.")).toBeTruthy();

    await userEvent.clear(number);
    await userEvent.type(number, "100013-00042{Enter}");
    const funding = await screen.findByTestId("lookup-funding");
    expect(funding.textContent?.replace(/\s+/g, " ").trim()).toBe(
      "Invoice RE-2021-01 (Bechtle GmbH) of 12.03.2021, line 1: DigitalPakt Basis, Mobile devices, gross 30.000,00 € " +
        "(federal 27.000,00 €, state 0,00 €, own share 3.000,00 €); earmarked until 12.03.2026",
    );
    expect(screen.getByTestId("lookup-result").textContent).toContain("Device 100013-00042");
  });
});
