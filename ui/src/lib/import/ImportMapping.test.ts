import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import ImportPage from "./ImportPage.svelte";
import { ImportFlow } from "./importFlow.svelte";
import { callsOf, inspection, mockImportBackend, XLSX_PATH } from "../../test/importFixtures";

async function openFile(path = XLSX_PATH) {
  const input = await screen.findByLabelText("oder Pfad der Datei");
  await userEvent.clear(input);
  await userEvent.type(input, path);
  await userEvent.click(screen.getByRole("button", { name: "Öffnen" }));
  return screen.findByTestId("import-mapping");
}

function fieldSelect(header: string): HTMLSelectElement {
  return screen.getByLabelText(`Feld für Spalte „${header}“`) as HTMLSelectElement;
}

describe("import mapping", () => {
  it("reads a typed path and shows each column with its field, unknown columns listed", async () => {
    const calls = mockImportBackend();
    render(ImportPage, { flow: new ImportFlow() });

    const mapping = await openFile(`  ${XLSX_PATH} `);

    expect(callsOf(calls, "import_inspect")).toEqual([
      { path: XLSX_PATH, settings: { sheet: null, entity: null, key: null, columns: {}, school: null } },
    ]);
    expect(within(mapping).getByTestId("import-file").textContent).toContain("geraeteliste_beispielstadt.xlsx");
    expect(within(mapping).getByTestId("import-file").textContent).toContain("Kopfzeile: Zeile 4");
    const rows = within(screen.getByTestId("column-table")).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.querySelector("th")?.textContent)).toEqual([
      "Inventar-Nr.",
      "Schulnummer",
      "Gerätetyp",
      "Preis (brutto)",
      "Kostenstelle",
    ]);
    expect(fieldSelect("Inventar-Nr.").value).toBe("inventory_number");
    expect(fieldSelect("Kostenstelle").value).toBe("");
    expect(within(screen.getByTestId("unknown-columns")).getByText("Kostenstelle")).toBeTruthy();
    expect((screen.getByTestId("import-entity") as HTMLSelectElement).value).toBe("inventory");
    expect((screen.getByTestId("import-key") as HTMLSelectElement).value).toBe("inventory_number");
    // One sheet only: no sheet chooser.
    expect(screen.queryByLabelText("Blatt")).toBeNull();
  });

  it("re-reads the file when a column is left out and shows why it cannot be imported then", async () => {
    const calls = mockImportBackend({
      import_inspect: (a) => {
        const columns = (a.settings as { columns: Record<string, string | null> }).columns;
        if (!("inventarnr" in columns)) return inspection();
        const base = inspection();
        return inspection({
          columns: base.columns.map((c) =>
            c.header_key === "inventarnr" ? { ...c, field: null, field_label: null } : c,
          ),
          unknown_columns: ["Inventar-Nr.", "Kostenstelle"],
          problem: {
            code: "key_column_missing",
            message: "Die Tabelle hat keine Spalte „Inventarnummer“, über die die Zeilen zugeordnet werden könnten.",
          },
        });
      },
    });
    render(ImportPage, { flow: new ImportFlow() });
    await openFile();

    await userEvent.selectOptions(fieldSelect("Inventar-Nr."), "– nicht übernehmen –");

    expect(await screen.findByTestId("mapping-problem")).toHaveProperty(
      "textContent",
      expect.stringContaining("keine Spalte „Inventarnummer“"),
    );
    expect(callsOf(calls, "import_inspect").at(-1)?.settings).toMatchObject({ columns: { inventarnr: null } });
    expect(within(screen.getByTestId("unknown-columns")).getByText("Inventar-Nr.")).toBeTruthy();
    expect(screen.getByTestId("import-preview-button")).toHaveProperty("disabled", true);

    // Mapping it to another field sends that field.
    await userEvent.selectOptions(fieldSelect("Kostenstelle"), "Bemerkung");
    expect(callsOf(calls, "import_inspect").at(-1)?.settings).toMatchObject({
      columns: { inventarnr: null, kostenstelle: "notes" },
    });
  });

  it("changes entity (key back to its default) and key", async () => {
    const calls = mockImportBackend({
      import_inspect: (a) => {
        const s = a.settings as { entity: string | null; key: string | null };
        return inspection({ entity: s.entity ?? "inventory", key: s.key ?? "inventory_number" });
      },
    });
    render(ImportPage, { flow: new ImportFlow() });
    await openFile();

    await userEvent.selectOptions(screen.getByTestId("import-key"), "Seriennummer");
    expect(callsOf(calls, "import_inspect").at(-1)?.settings).toMatchObject({ key: "serial_number" });

    await userEvent.selectOptions(screen.getByTestId("import-entity"), "Geräte");
    expect(callsOf(calls, "import_inspect").at(-1)?.settings).toMatchObject({ entity: "devices", key: null });
    await expect.poll(() => (screen.getByTestId("import-entity") as HTMLSelectElement).value).toBe("devices");
  });

  it("offers the sheets of a workbook with several and starts the mapping afresh on another", async () => {
    const calls = mockImportBackend({
      import_inspect: (a) => {
        const sheet = (a.settings as { sheet: string | null }).sheet ?? "Geräte";
        const base = inspection();
        return inspection({ file: { ...base.file, sheets: ["Geräte", "Räume"], sheet } });
      },
    });
    const flow = new ImportFlow();
    render(ImportPage, { flow });
    await openFile();
    await userEvent.selectOptions(fieldSelect("Kostenstelle"), "Bemerkung");

    await userEvent.selectOptions(screen.getByLabelText("Blatt"), "Räume");

    expect(callsOf(calls, "import_inspect").at(-1)?.settings).toEqual({
      sheet: "Räume",
      entity: null,
      key: null,
      columns: {},
      school: null,
    });
    await expect.poll(() => (screen.getByLabelText("Blatt") as HTMLSelectElement).value).toBe("Räume");
  });

  it("saves the mapping as a profile and applies a saved profile", async () => {
    let profiles: unknown[] = [];
    const calls = mockImportBackend({
      import_profiles: () => profiles,
      save_import_profile: (a) => {
        const saved = {
          name: a.name,
          entity: a.entity,
          match_key: a.key,
          columns: a.columns,
          created_at: "2025-03-01T09:00:00Z",
          updated_at: "2025-03-01T09:00:00Z",
        };
        profiles = [saved, { ...saved, name: "Alte Liste", columns: { inventarnr: "", kostenstelle: "notes" } }];
        return saved;
      },
    });
    render(ImportPage, { flow: new ImportFlow() });
    await openFile();
    expect(screen.queryByTestId("profile-choice")).toBeNull();

    await userEvent.type(screen.getByLabelText("Profilname"), "Geräteliste Stadt");
    await userEvent.click(screen.getByRole("button", { name: "Als Profil speichern" }));

    expect(callsOf(calls, "save_import_profile")).toEqual([
      {
        name: "Geräteliste Stadt",
        entity: "inventory",
        key: "inventory_number",
        columns: {
          inventarnr: "inventory_number",
          schulnummer: "school_number",
          geratetyp: "type",
          preisbrutto: "price_cents",
          kostenstelle: "",
        },
      },
    ]);
    expect((await screen.findByTestId("import-notice")).textContent).toContain("„Geräteliste Stadt“ gespeichert");

    await userEvent.selectOptions(await screen.findByTestId("profile-choice"), "Alte Liste");

    expect(callsOf(calls, "import_inspect").at(-1)?.settings).toEqual({
      sheet: "Geräte",
      entity: "inventory",
      key: "inventory_number",
      columns: { inventarnr: null, kostenstelle: "notes" },
      school: null,
    });
    expect((await screen.findByTestId("import-notice")).textContent).toContain("Profil „Alte Liste“ angewendet");
  });

  it("opens the file the dialog picks", async () => {
    const calls = mockImportBackend({ "plugin:dialog|open": () => "/home/amt/schulen.csv" });
    render(ImportPage, { flow: new ImportFlow() });

    await userEvent.click(await screen.findByRole("button", { name: "Datei auswählen …" }));

    await screen.findByTestId("import-mapping");
    expect(callsOf(calls, "import_inspect")[0]?.path).toBe("/home/amt/schulen.csv");
    expect((screen.getByLabelText("oder Pfad der Datei") as HTMLInputElement).value).toBe("/home/amt/schulen.csv");
    const dialog = callsOf(calls, "plugin:dialog|open")[0] as { options: { filters: { extensions: string[] }[] } };
    expect(dialog.options.filters[0].extensions).toEqual(expect.arrayContaining(["xlsx", "ods", "csv"]));
  });

  it("shows the German message when the file cannot be read", async () => {
    mockImportBackend({
      import_inspect: () => {
        throw { code: "file_not_found", message: "Die Datei „/x.xlsx“ gibt es nicht." };
      },
    });
    render(ImportPage, { flow: new ImportFlow() });
    await userEvent.type(await screen.findByLabelText("oder Pfad der Datei"), "/x.xlsx{Enter}");

    expect((await screen.findByRole("alert")).textContent).toBe("Die Datei „/x.xlsx“ gibt es nicht.");
    expect(screen.queryByTestId("import-mapping")).toBeNull();
  });
});
