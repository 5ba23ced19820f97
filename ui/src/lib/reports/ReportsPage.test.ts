import { afterEach, describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import ReportsPage from "./ReportsPage.svelte";
import type { Channel } from "@tauri-apps/api/core";
import type { Column, Document, ReportPreview, SaveProgress } from "../bindings";
import { BASIS, callsOf, mockFundingBackend } from "../../test/fundingFixtures";
import { cellText } from "./cells";
import { setLocale } from "../i18n/i18n.svelte";

const INVENTORY: Column[] = [{ title: "Inventar", kind: "text" }];

const document: Document = {
  title: "Verwendungsnachweis",
  subtitle: "DigitalPakt Schule 2019–2024 (Basis)",
  header: "Stadt Beispielstadt",
  created_on: "2026-11-22",
  slug: "verwendungsnachweis",
  sections: [
    {
      title: "Zuwendungsempfänger und Bewilligung",
      blocks: [{ kind: "facts", rows: [["Zugewiesene Mittel", { t: "money", v: 104_900_000 }]] }],
    },
    {
      title: "Belegliste",
      blocks: [
        { kind: "paragraph", text: "2 Rechnungen mit 2 Positionen." },
        {
          kind: "table",
          sheet: "Belegliste",
          columns: [
            { title: "Rechnungsnummer", kind: "text" },
            { title: "Rechnungsdatum", kind: "date" },
            { title: "Brutto", kind: "money" },
          ],
          rows: [
            [{ t: "text", v: "=HYPERLINK(\"http://x\")" }, { t: "date", v: "2024-03-12" }, { t: "money", v: 119_000 }],
            [{ t: "text", v: "RE-2" }, { t: "date", v: "2024-04-01" }, { t: "money", v: 23_800 }],
          ],
          totals: [{ t: "text", v: "Summe" }, { t: "empty" }, { t: "money", v: 142_800 }],
          medium: "all",
        },
      ],
    },
    {
      title: "Inventar",
      blocks: [
        { kind: "table", sheet: "Inventar je Position", columns: INVENTORY, rows: [[{ t: "text", v: "RE-2 / 1: 3 Geräte" }]], totals: null, medium: "print" },
        { kind: "table", sheet: "Inventarliste", columns: INVENTORY, rows: [[{ t: "text", v: "INV-0001" }]], totals: null, medium: "spreadsheet" },
      ],
    },
  ],
};

/** The preview as the app sends it: the Belegliste cut from 1,234 rows to its first two. */
const PREVIEW: ReportPreview = { document, table_rows: [1_234, 3_448, 21_547] };

/** A promise resolved from outside. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Berichte", () => {
  it("formats cells the German way", () => {
    expect(cellText({ t: "money", v: -123_456 })).toBe("-1.234,56 €");
    expect(cellText({ t: "percent", v: 0.125 })).toBe("12,5 %");
    expect(cellText({ t: "date", v: "2024-03-07" })).toBe("07.03.2024");
    expect(cellText({ t: "integer", v: 1_234_567 })).toBe("1.234.567");
    expect(cellText({ t: "empty" })).toBe("");
  });

  it("previews the Verwendungsnachweis of the chosen programme and saves it where the user says", async () => {
    const saved = deferred<string[]>();
    let channel: Channel<SaveProgress> | undefined;
    const calls = mockFundingBackend({
      report_preview: () => PREVIEW,
      report_save: (a) => {
        channel = a.onProgress as Channel<SaveProgress>;
        return saved.promise;
      },
    });
    const asked: [string, string][] = [];
    render(ReportsPage, {
      pickPath: async (name: string, format: string) => {
        asked.push([name, format]);
        return "/home/admin/vn.pdf";
      },
    });
    await expect.poll(() => (screen.getByLabelText("Förderprogramm") as HTMLSelectElement).value).toBe(BASIS);
    await userEvent.click(screen.getByTestId("report-preview"));
    const preview = await screen.findByTestId("report-document");
    expect(within(preview).getByRole("heading", { name: "Verwendungsnachweis" })).toBeTruthy();
    expect(preview.textContent).toContain("1.049.000,00 €");
    const table = within(preview).getAllByTestId("report-table")[0];
    // Text that looks like a formula is shown as the text it is.
    expect(table.textContent).toContain('=HYPERLINK("http://x")');
    expect(within(table).getByTestId("report-totals").textContent).toContain("1.428,00 €");
    // The caption counts every row, though only the first ones came over.
    expect(table.querySelector("caption")?.textContent).toBe("Belegliste (1.234 Zeilen, die ersten 2 gezeigt)");
    // A PDF shows the inventory per invoice line; the full list is named as only in XLSX and CSV.
    const captions = () => within(preview).getAllByTestId("report-table").map((t) => t.querySelector("caption")?.textContent);
    expect(captions()).toEqual([
      "Belegliste (1.234 Zeilen, die ersten 2 gezeigt)",
      "Inventar je Position (3.448 Zeilen, die ersten 1 gezeigt)",
    ]);
    expect(screen.getByTestId("report-left-out").textContent).toContain("Nur in XLSX und CSV: Inventarliste (21.547 Zeilen)");
    await userEvent.selectOptions(screen.getByLabelText("Format", { selector: "#report-format" }), "Excel (XLSX)");
    expect(captions()).toEqual([
      "Belegliste (1.234 Zeilen, die ersten 2 gezeigt)",
      "Inventarliste (21.547 Zeilen, die ersten 1 gezeigt)",
    ]);
    expect(screen.getByTestId("report-left-out").textContent).toContain("Nur im PDF: Inventar je Position (3.448 Zeilen)");
    await userEvent.selectOptions(screen.getByLabelText("Format", { selector: "#report-format" }), "PDF");
    expect(callsOf(calls, "report_preview")[0].request).toEqual({
      kind: "verwendungsnachweis",
      programme_id: BASIS,
      authority_id: "a1",
      school_number: null,
      months: null,
    });

    await userEvent.click(screen.getByTestId("report-save"));
    // While the file is written the page shows how far it has come and takes no second job.
    const status = screen.getByTestId("report-progress");
    await expect.poll(() => channel !== undefined).toBe(true);
    channel?.onmessage({ stage: "building" });
    await expect.poll(() => status.textContent).toContain("Daten werden zusammengestellt");
    channel?.onmessage({ stage: "typeset", done: 3, total: 12 });
    await expect.poll(() => status.textContent).toContain("PDF wird gesetzt: Teil 3 von 12 (25 %)");
    expect((within(status).getByLabelText("Fortschritt") as HTMLProgressElement).value).toBe(25);
    expect(screen.getByTestId("report-save")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("export-save")).toHaveProperty("disabled", true);
    saved.resolve(["/home/admin/vn.pdf"]);
    expect((await screen.findByTestId("report-notice")).textContent).toContain("Gespeichert: /home/admin/vn.pdf");
    expect(status.textContent?.trim()).toBe("");
    expect(asked).toEqual([["verwendungsnachweis.pdf", "pdf"]]);
    expect(callsOf(calls, "report_save")[0]).toMatchObject({ format: "pdf", plain: false, path: "/home/admin/vn.pdf" });

    // A path typed (or chosen with „Durchsuchen …“) is used without asking; the format's
    // extension follows the format.
    await userEvent.type(screen.getByLabelText(/^Datei/, { selector: "#report-path" }), "/srv/berichte/vn.pdf");
    await userEvent.selectOptions(screen.getByLabelText("Format", { selector: "#report-format" }), "Excel (XLSX)");
    expect((screen.getByTestId("report-path") as HTMLInputElement).value).toBe("/srv/berichte/vn.xlsx");
    await userEvent.click(screen.getByTestId("report-save"));
    await expect.poll(() => callsOf(calls, "report_save").length).toBe(2);
    expect(callsOf(calls, "report_save")[1]).toMatchObject({ format: "xlsx", path: "/srv/berichte/vn.xlsx" });
    expect(asked).toHaveLength(1);
  });

  it("asks for the lifecycle's months, shows the core's error, and does nothing when the dialog is cancelled", async () => {
    const exported = deferred<number>();
    let exportChannel: Channel<SaveProgress> | undefined;
    const calls = mockFundingBackend({
      report_preview: () => {
        throw { code: "not_found", message: "Die Schule 999999 gibt es nicht." };
      },
      export_list: (a) => {
        exportChannel = a.onProgress as Channel<SaveProgress>;
        return exported.promise;
      },
    });
    let answer: string | null = null;
    render(ReportsPage, { pickPath: async () => answer });
    await userEvent.selectOptions(screen.getByLabelText("Bericht"), "Lebenszyklus (Garantie, Ersatzbedarf)");
    const months = screen.getByLabelText("Monate voraus");
    await userEvent.clear(months);
    await userEvent.type(months, "zwölf");
    await userEvent.click(screen.getByTestId("report-preview"));
    expect((await screen.findByTestId("report-error")).textContent).toContain("ganze Zahl");
    expect(callsOf(calls, "report_preview")).toEqual([]);
    await userEvent.clear(months);
    await userEvent.type(months, "24");
    await userEvent.click(screen.getByTestId("report-preview"));
    expect((await screen.findByTestId("report-error")).textContent).toContain("gibt es nicht");
    expect(callsOf(calls, "report_preview")[0].request).toMatchObject({ kind: "lifecycle", months: 24 });

    // Export: cancelled first, then saved.
    await userEvent.click(screen.getByTestId("export-save"));
    expect(callsOf(calls, "export_list")).toEqual([]);
    answer = "/home/admin/geraete.xlsx";
    await userEvent.selectOptions(screen.getByLabelText("Schule"), "100013 Geschwister-Scholl-Gymnasium");
    await userEvent.click(screen.getByTestId("export-save"));
    await expect.poll(() => exportChannel !== undefined).toBe(true);
    exportChannel?.onmessage({ stage: "rows", rows: 120, total: 360 });
    await expect.poll(() => screen.getByTestId("report-progress").textContent).toContain("120 von 360 Zeilen geschrieben (33 %)");
    exported.resolve(360);
    expect((await screen.findByTestId("report-notice")).textContent).toBe("360 Zeilen exportiert nach /home/admin/geraete.xlsx");
    expect(callsOf(calls, "export_list")[0].request).toEqual({
      entity: "devices",
      school_number: "100013",
      search: null,
      format: "xlsx",
      plain: false,
      path: "/home/admin/geraete.xlsx",
    });
  });
});

describe("Berichte in English", () => {
  afterEach(() => setLocale("de"));

  it("labels the form and the preview in English, with the report's own text and German numbers", async () => {
    setLocale("en");
    mockFundingBackend({ report_preview: () => PREVIEW });
    render(ReportsPage, { pickPath: async () => null });
    expect(screen.getByRole("heading", { name: "Reports and exports" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Export a list" })).toBeTruthy();
    await expect.poll(() => (screen.getByLabelText("Funding programme") as HTMLSelectElement).value).toBe(BASIS);
    expect(screen.getByLabelText("School authority")).toBeTruthy();
    expect((screen.getByLabelText("Report") as HTMLSelectElement).selectedOptions[0].textContent).toBe("Verwendungsnachweis (proof of use)");
    expect(screen.getByRole("button", { name: "Save" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Export" })).toBeTruthy();

    await userEvent.click(screen.getByTestId("report-preview"));

    const preview = await screen.findByTestId("report-document");
    // The document is the core's (German) text; the page's own words around it are English.
    expect(within(preview).getByRole("heading", { name: "Verwendungsnachweis" })).toBeTruthy();
    const captions = within(preview)
      .getAllByTestId("report-table")
      .map((t) => t.querySelector("caption")?.textContent?.trim());
    expect(captions).toEqual(["Belegliste (1.234 rows, the first 2 shown)", "Inventar je Position (3.448 rows, the first 1 shown)"]);
    expect(screen.getByTestId("report-left-out").textContent).toContain("Only in XLSX and CSV: Inventarliste (21.547 rows)");
  });

  it("says what is wrong with the months in the chosen language, and follows a switch", async () => {
    setLocale("en");
    const calls = mockFundingBackend({ report_preview: () => PREVIEW });
    render(ReportsPage, { pickPath: async () => null });
    await userEvent.selectOptions(screen.getByLabelText("Report"), "Lifecycle (warranty, replacement needs)");
    const months = screen.getByLabelText("Months ahead");
    await userEvent.clear(months);
    await userEvent.type(months, "twelve");
    await userEvent.click(screen.getByTestId("report-preview"));

    const error = await screen.findByTestId("report-error");
    expect(error.textContent).toBe("Please enter the months as a whole number.");
    expect(callsOf(calls, "report_preview")).toEqual([]);

    setLocale("de");
    await expect.poll(() => error.textContent).toBe("Bitte die Monate als ganze Zahl angeben.");
    expect(screen.getByLabelText("Monate voraus")).toBe(months);
  });
});
