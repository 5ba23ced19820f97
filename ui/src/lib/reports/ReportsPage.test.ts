import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import ReportsPage from "./ReportsPage.svelte";
import type { Document } from "../bindings";
import { BASIS, callsOf, mockFundingBackend } from "../../test/fundingFixtures";
import { cellText } from "./cells";

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
        },
      ],
    },
  ],
};

describe("Berichte", () => {
  it("formats cells the German way", () => {
    expect(cellText({ t: "money", v: -123_456 })).toBe("-1.234,56 €");
    expect(cellText({ t: "percent", v: 0.125 })).toBe("12,5 %");
    expect(cellText({ t: "date", v: "2024-03-07" })).toBe("07.03.2024");
    expect(cellText({ t: "integer", v: 1_234_567 })).toBe("1.234.567");
    expect(cellText({ t: "empty" })).toBe("");
  });

  it("previews the Verwendungsnachweis of the chosen programme and saves it where the user says", async () => {
    const calls = mockFundingBackend({
      report_preview: () => document,
      report_save: (a) => [a.path as string],
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
    const table = within(preview).getByTestId("report-table");
    // Text that looks like a formula is shown as the text it is.
    expect(table.textContent).toContain('=HYPERLINK("http://x")');
    expect(within(table).getByTestId("report-totals").textContent).toContain("1.428,00 €");
    expect(callsOf(calls, "report_preview")[0].request).toEqual({
      kind: "verwendungsnachweis",
      programme_id: BASIS,
      authority_id: "a1",
      school_number: null,
      months: null,
    });

    await userEvent.click(screen.getByTestId("report-save"));
    expect((await screen.findByTestId("report-notice")).textContent).toContain("Gespeichert: /home/admin/vn.pdf");
    expect(asked).toEqual([["verwendungsnachweis.pdf", "pdf"]]);
    expect(callsOf(calls, "report_save")[0]).toMatchObject({ format: "pdf", plain: false, path: "/home/admin/vn.pdf" });
  });

  it("asks for the lifecycle's months, shows the core's error, and does nothing when the dialog is cancelled", async () => {
    const calls = mockFundingBackend({
      report_preview: () => {
        throw { code: "not_found", message: "Die Schule 999999 gibt es nicht." };
      },
      export_list: () => 360,
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
    expect((await screen.findByTestId("report-notice")).textContent).toBe("360 Zeilen exportiert nach /home/admin/geraete.xlsx");
    expect(callsOf(calls, "export_list")[0]).toEqual({
      entity: "devices",
      schoolNumber: "100013",
      search: null,
      format: "xlsx",
      plain: false,
      path: "/home/admin/geraete.xlsx",
    });
  });
});
