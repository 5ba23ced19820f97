import { afterEach, describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import type { Channel } from "@tauri-apps/api/core";
import ImportPage from "./ImportPage.svelte";
import { ImportFlow } from "./importFlow.svelte";
import { deferred } from "../../test/fixtures";
import {
  callsOf,
  mockImportBackend,
  run,
  SHA,
  summary,
  XLSX_PATH,
  vocabulary,
  type Handler,
} from "../../test/importFixtures";
import type { ImportProgressInfo } from "../bindings";
import { setLocale } from "../i18n/i18n.svelte";

async function openAndPreview(handlers: Record<string, Handler> = {}) {
  const calls = mockImportBackend(handlers);
  render(ImportPage, { flow: new ImportFlow() });
  await userEvent.type(await screen.findByLabelText("oder Pfad der Datei"), `${XLSX_PATH}{Enter}`);
  await userEvent.click(await screen.findByTestId("import-preview-button"));
  return calls;
}

function cellsOfLines(): string[][] {
  return screen
    .getAllByTestId("preview-line")
    .map((row) => [...row.querySelectorAll("td")].map((c) => c.textContent?.trim() ?? ""));
}

describe("import preview", () => {
  it("shows progress while the dry run runs, then the counts, new places and warnings", async () => {
    const answer = deferred<unknown>();
    let channel: Channel<ImportProgressInfo> | undefined;
    const calls = await openAndPreview({
      import_run: (a) => {
        channel = a.onProgress as Channel<ImportProgressInfo>;
        return answer.promise;
      },
    });

    const progress = await screen.findByTestId("import-progress");
    expect(progress.textContent).toContain("Probelauf läuft");
    channel?.onmessage({ rows: 1000, fraction: 0.5 });
    await expect.poll(() => progress.textContent).toContain("1.000 Zeilen verarbeitet (50 %)");
    expect((within(progress).getByLabelText("Fortschritt") as HTMLProgressElement).value).toBe(50);
    expect(screen.getByTestId("import-preview-button")).toHaveProperty("disabled", true);
    expect(screen.getByLabelText("oder Pfad der Datei")).toHaveProperty("disabled", true);

    answer.resolve(summary());

    expect(await screen.findByTestId("count-created")).toHaveProperty("textContent", "500");
    expect(screen.getByTestId("count-updated").textContent).toBe("0");
    expect(screen.getByTestId("count-unchanged").textContent).toBe("0");
    expect(screen.getByTestId("count-errors").textContent).toBe("3");
    expect(screen.queryByTestId("import-progress")).toBeNull();
    expect(callsOf(calls, "import_run")[0]).toMatchObject({ path: XLSX_PATH, mode: "dry_run", expectedSha256: null });

    const places = screen.getByTestId("new-places");
    expect(places.textContent).toContain("2 × Raum");
    expect(places.textContent).toContain("Fachraum Physik (Schule 020374), Zeile 5");
    const warnings = screen.getByTestId("import-warnings");
    expect(warnings.textContent).toContain("Hinweise (2)");
    expect(warnings.textContent).toContain("Entleiher unbekannt.");
    expect(warnings.textContent).toContain("2 Zeilen: 14, 15");
  });

  it("lists every row and, with „nur Fehler“, only the errors with column, value and message", async () => {
    const calls = await openAndPreview();

    await screen.findByTestId("preview-lines");
    expect(cellsOfLines().map((c) => [c[0], c[1]])).toEqual([
      ["5", "neu"],
      ["6", "neu"],
      ["7", "neu"],
      ["505", "Fehler"],
      ["506", "Fehler"],
      ["507", "Fehler"],
    ]);
    expect(screen.getByTestId("lines-range").textContent).toContain("Zeilen 1–6 von 6");

    await userEvent.click(screen.getByLabelText("nur Fehler"));

    await expect.poll(() => cellsOfLines().length).toBe(3);
    expect(cellsOfLines()).toEqual([
      ["505", "Fehler", "Gerät", "", "Preis (brutto)", "abc", "„abc“ ist kein Betrag."],
      ["506", "Fehler", "Gerät", "", "Preis (brutto)", "-5", "Der Preis darf nicht negativ sein."],
      ["507", "Fehler", "Gerät", "", "Gerätetyp", "Toaster", "Gerätetyp „Toaster“ ist nicht bekannt."],
    ]);
    expect(callsOf(calls, "import_preview_rows").at(-1)).toEqual({
      reportId: 1,
      onlyErrors: true,
      offset: 0,
      limit: 100,
    });

    await userEvent.click(screen.getByLabelText("nur Fehler"));
    await expect.poll(() => cellsOfLines().length).toBe(6);
  });

  it("pages through long results", async () => {
    const lines = Array.from({ length: 250 }, (_, i) => ({
      row: i + 5,
      outcome: "created" as const,
      entity_label: "Gerät",
      key: `INV-${i}`,
      column: "",
      value: "",
      message: "",
    }));
    const calls = await openAndPreview({
      import_preview_rows: (a) => ({
        total: lines.length,
        offset: a.offset,
        lines: lines.slice(a.offset as number, (a.offset as number) + (a.limit as number)),
      }),
    });
    await screen.findByTestId("preview-lines");
    expect(screen.getByTestId("lines-range").textContent).toContain("Zeilen 1–100 von 250");
    expect(screen.getByRole("button", { name: "Zurück" })).toHaveProperty("disabled", true);

    await userEvent.click(screen.getByRole("button", { name: "Weiter" }));
    await expect.poll(() => screen.getByTestId("lines-range").textContent).toContain("Zeilen 101–200 von 250");
    await userEvent.click(screen.getByRole("button", { name: "Weiter" }));
    await expect.poll(() => screen.getByTestId("lines-range").textContent).toContain("Zeilen 201–250 von 250");
    expect(cellsOfLines()[0][0]).toBe("205");
    expect(screen.getByRole("button", { name: "Weiter" })).toHaveProperty("disabled", true);
    expect(callsOf(calls, "import_preview_rows").map((a) => a.offset)).toEqual([0, 100, 200]);
  });

  it("„Abbrechen“ stops the run and says that nothing was saved", async () => {
    const answer = deferred<unknown>();
    const calls = await openAndPreview({ import_run: () => answer.promise });

    await userEvent.click(await screen.findByRole("button", { name: "Abbrechen" }));

    expect(callsOf(calls, "import_cancel")).toHaveLength(1);
    expect(screen.getByRole("button", { name: "Wird abgebrochen …" })).toHaveProperty("disabled", true);
    answer.reject({ code: "cancelled", message: "Der Import wurde abgebrochen; es wurde nichts gespeichert." });

    expect((await screen.findByTestId("import-notice")).textContent).toBe(
      "Der Import wurde abgebrochen; es wurde nichts gespeichert.",
    );
    expect(screen.queryByTestId("import-progress")).toBeNull();
    expect(screen.queryByTestId("import-preview")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByTestId("import-preview-button")).toHaveProperty("disabled", false);
  });

  it("saves the error list to a typed path and through the save dialog", async () => {
    const calls = await openAndPreview({ "plugin:dialog|save": () => "/home/amt/fehler_dialog.xlsx" });

    await userEvent.type(await screen.findByTestId("error-path"), "/home/amt/fehler.xlsx");
    await userEvent.click(screen.getByRole("button", { name: "Speichern" }));
    expect((await screen.findByTestId("import-notice")).textContent).toBe(
      "Fehlerliste gespeichert: /home/amt/fehler.xlsx",
    );

    await userEvent.click(screen.getByRole("button", { name: "Fehlerliste als XLSX speichern …" }));
    await expect
      .poll(() => screen.getByTestId("import-notice").textContent)
      .toBe("Fehlerliste gespeichert: /home/amt/fehler_dialog.xlsx");
    expect(callsOf(calls, "import_save_errors")).toEqual([
      { reportId: 1, path: "/home/amt/fehler.xlsx" },
      { reportId: 1, path: "/home/amt/fehler_dialog.xlsx" },
    ]);
    const dialog = callsOf(calls, "plugin:dialog|save")[0] as { options: { defaultPath: string } };
    expect(dialog.options.defaultPath).toBe("geraeteliste_beispielstadt_fehler.xlsx");
  });
});

describe("import commit", () => {
  it("imports only the valid rows after an explicit confirmation", async () => {
    let history: unknown[] = [];
    const calls = await openAndPreview({
      import_run: (a) =>
        a.mode === "dry_run"
          ? summary()
          : summary({ report_id: 2, dry_run: false, committed: true, valid_only: true, import_id: "run-1" }),
      import_history: () => history,
    });
    await screen.findByTestId("import-preview");
    expect(screen.getByTestId("import-commit")).toHaveProperty("disabled", true);

    await userEvent.click(screen.getByRole("button", { name: "Nur fehlerfreie Zeilen importieren" }));
    const dialog = screen.getByRole("alertdialog", { name: "Nur die fehlerfreien Zeilen importieren?" });
    expect(dialog.textContent).toContain("500 Zeilen werden übernommen, 3 Zeilen mit Fehlern werden nicht importiert");
    expect(callsOf(calls, "import_run")).toHaveLength(1);

    // „Zurück“ closes the question without importing.
    await userEvent.click(within(dialog).getByRole("button", { name: "Zurück" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(callsOf(calls, "import_run")).toHaveLength(1);

    history = [run()];
    await userEvent.click(screen.getByRole("button", { name: "Nur fehlerfreie Zeilen importieren" }));
    await userEvent.click(screen.getByRole("button", { name: "Ja, fehlerfreie Zeilen importieren" }));

    expect((await screen.findByTestId("import-outcome")).textContent).toContain(
      "Gespeichert: die fehlerfreien Zeilen. 3 Zeilen mit Fehlern wurden nicht übernommen.",
    );
    expect(callsOf(calls, "import_run")[1]).toMatchObject({ mode: "commit_valid_only", expectedSha256: SHA });
    expect(screen.queryByTestId("import-valid-only")).toBeNull();
    const historyRow = await screen.findByTestId("history-row");
    expect(historyRow.textContent).toContain("geraeteliste_beispielstadt.xlsx");
    expect(historyRow.textContent).toContain(SHA.slice(0, 12));
    expect(historyRow.textContent).toContain("nur fehlerfreie Zeilen");
  });

  it("imports a file without errors with one click", async () => {
    const calls = await openAndPreview({
      import_run: (a) =>
        a.mode === "dry_run"
          ? summary({ errors: 0 })
          : summary({ errors: 0, report_id: 2, dry_run: false, committed: true }),
    });
    await screen.findByTestId("import-preview");
    expect(screen.queryByRole("button", { name: "Nur fehlerfreie Zeilen importieren" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Fehlerliste als XLSX speichern …" })).toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "Importieren" }));

    expect((await screen.findByTestId("import-outcome")).textContent).toContain("Gespeichert.");
    expect(callsOf(calls, "import_run").map((a) => a.mode)).toEqual(["dry_run", "commit"]);
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  it("a changed mapping discards the preview, so only a fresh preview can be committed", async () => {
    await openAndPreview();
    await screen.findByTestId("import-preview");

    await userEvent.selectOptions(screen.getByLabelText("Feld für Spalte „Kostenstelle“"), "Bemerkung");

    await expect.poll(() => screen.queryByTestId("import-preview")).toBeNull();
    expect(screen.queryByRole("button", { name: "Nur fehlerfreie Zeilen importieren" })).toBeNull();
  });
});

describe("import in English", () => {
  afterEach(() => setLocale("de"));

  it("shows the mapping, the preview and the confirmation in English; the file's data stays as it is", async () => {
    setLocale("en");
    // The core sends an English label beside the German one.
    const english = {
      ...vocabulary,
      entities: vocabulary.entities.map((e) =>
        e.code === "inventory" ? { ...e, label_en: "Mixed inventory list (by device type)" } : e,
      ),
    };
    mockImportBackend({ import_vocabulary: () => english });
    render(ImportPage, { flow: new ImportFlow() });
    expect(screen.getByRole("heading", { name: "Import" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Previous imports" })).toBeTruthy();
    expect(screen.getByTestId("history-empty").textContent).toBe("No imports yet.");

    await userEvent.type(await screen.findByLabelText("or path of the file"), `${XLSX_PATH}{Enter}`);

    const mapping = await screen.findByTestId("import-mapping");
    expect(within(mapping).getByRole("heading", { name: "Column mapping" })).toBeTruthy();
    expect(within(mapping).getByTestId("import-file").textContent).toContain("Header: row 4");
    expect(screen.getByTestId("unknown-columns").textContent).toContain("Unmapped columns (1) – will not be imported:");
    await expect
      .poll(() => (screen.getByLabelText("Type of data") as HTMLSelectElement).selectedOptions[0]?.textContent)
      .toBe("Mixed inventory list (by device type)");
    expect((screen.getByLabelText("Field for column “Kostenstelle”") as HTMLSelectElement).value).toBe("");

    await userEvent.click(screen.getByRole("button", { name: "Create preview (dry run)" }));

    const preview = await screen.findByTestId("import-preview");
    // The entity's label in the summary is the core's (German) text.
    expect(within(preview).getByRole("heading", { level: 3 }).textContent?.trim()).toBe(
      "Preview: geraeteliste_beispielstadt.xlsx as Gemischte Inventarliste (nach Gerätetyp) (dry run – nothing saved)",
    );
    expect(screen.getByTestId("lines-range").textContent).toContain("Rows 1–6 of 6");
    expect(screen.getByTestId("import-warnings").textContent).toContain("Warnings (2)");
    expect(screen.getByTestId("import-warnings").textContent).toContain("2 rows: 14, 15");
    expect(cellsOfLines().map((c) => c[1])).toEqual(["new", "new", "new", "errors", "errors", "errors"]);

    await userEvent.click(screen.getByRole("button", { name: "Import only rows without errors" }));
    const dialog = screen.getByRole("alertdialog", { name: "Import only the rows without errors?" });
    expect(dialog.textContent).toContain("500 rows will be imported; 3 rows with errors will not be imported.");
    expect(within(dialog).getByRole("button", { name: "Yes, import the rows without errors" })).toBeTruthy();
  });

  it("says in the chosen language that the error list was saved, and follows a switch", async () => {
    await openAndPreview();
    await screen.findByTestId("import-preview");
    setLocale("en");
    await userEvent.type(await screen.findByTestId("error-path"), "/home/amt/fehler.xlsx");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    const notice = await screen.findByTestId("import-notice");
    expect(notice.textContent).toBe("Error list saved: /home/amt/fehler.xlsx");

    setLocale("de");
    await expect.poll(() => notice.textContent).toBe("Fehlerliste gespeichert: /home/amt/fehler.xlsx");
    expect(screen.getByRole("button", { name: "Fehlerliste als XLSX speichern …" })).toBeTruthy();
  });

  it("shows the progress of a running dry run in English", async () => {
    setLocale("en");
    const answer = deferred<unknown>();
    let channel: Channel<ImportProgressInfo> | undefined;
    mockImportBackend({
      import_run: (a) => {
        channel = a.onProgress as Channel<ImportProgressInfo>;
        return answer.promise;
      },
    });
    render(ImportPage, { flow: new ImportFlow() });
    await userEvent.type(await screen.findByLabelText("or path of the file"), `${XLSX_PATH}{Enter}`);
    await userEvent.click(await screen.findByRole("button", { name: "Create preview (dry run)" }));
    const progress = await screen.findByTestId("import-progress");
    expect(progress.textContent).toContain("Dry run in progress …");
    channel?.onmessage({ rows: 1000, fraction: 0.5 });
    await expect.poll(() => progress.textContent).toContain("1.000 rows processed (50 %)");
    expect(within(progress).getByRole("button", { name: "Cancel" })).toBeTruthy();
    answer.resolve(summary());
    await screen.findByTestId("import-preview");
  });
});
