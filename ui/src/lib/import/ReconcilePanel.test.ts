import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import ReconcilePanel from "./ReconcilePanel.svelte";
import { callsOf, mockImportBackend, XLSX_PATH } from "../../test/importFixtures";
import type { ReconcileSummary } from "../bindings";

function result(overrides: Partial<ReconcileSummary> = {}): ReconcileSummary {
  return {
    only_in_sheet: 1,
    only_in_inventory: 2500,
    different: 1,
    identical: 1,
    errors: 0,
    sheet_only: [{ row: 4, entity: "device", entity_label: "Gerät", school_number: null, key: "NEU-1", description: null }],
    inventory_only: [
      { row: null, entity: "device", entity_label: "Gerät", school_number: "020374", key: "INV-00002", description: "Elmo MX-P3" },
    ],
    differences: [{ row: 3, key: "INV-00003", field_label: "Preis", sheet: "100", inventory: "440479" }],
    report_path: null,
    ...overrides,
  };
}

const settings = { sheet: null, entity: null, key: null, columns: {}, school: null };

describe("reconciliation", () => {
  it("compares the sheet and shows the counts and the lists", async () => {
    const calls = mockImportBackend({ import_reconcile: () => result() });
    render(ReconcilePanel, { path: XLSX_PATH, settings });
    await userEvent.click(screen.getByLabelText(/auf die Schulen der Tabelle beschränken/));
    await userEvent.click(screen.getByTestId("reconcile-button"));

    const counts = await screen.findByTestId("reconcile-counts");
    expect(counts.textContent?.replace(/\s+/g, " ").trim()).toBe(
      "1 nur in der Tabelle 2500 nur im Inventar 1 abweichend 1 übereinstimmend 0 fehlerhafte Zeilen",
    );
    const diff = within(screen.getByTestId("reconcile-differences")).getAllByRole("row")[1];
    expect([...diff.querySelectorAll("td")].map((c) => c.textContent)).toEqual(["3", "INV-00003", "Preis", "100", "440479"]);
    expect(screen.getByTestId("reconcile-inventory-only").querySelector("caption")?.textContent).toContain(
      "die ersten 1 von 2500",
    );
    expect(callsOf(calls, "import_reconcile")[0]).toMatchObject({ path: XLSX_PATH, sheetSchoolsOnly: true, reportPath: null });
  });

  it("saves the report where the user chose and says so", async () => {
    const calls = mockImportBackend({ import_reconcile: (a) => result({ report_path: a.reportPath as string }) });
    render(ReconcilePanel, { path: XLSX_PATH, settings, pickReport: async () => "/tmp/Abgleich.xlsx" });
    await userEvent.click(screen.getByRole("button", { name: "Speicherort wählen …" }));
    await userEvent.click(screen.getByTestId("reconcile-button"));
    expect((await screen.findByTestId("reconcile-report")).textContent).toBe("Bericht gespeichert: /tmp/Abgleich.xlsx");
    expect(callsOf(calls, "import_reconcile")[0].reportPath).toBe("/tmp/Abgleich.xlsx");
  });

  it("shows the reason in German when the comparison fails", async () => {
    mockImportBackend({
      import_reconcile: () => {
        throw { code: "not_a_spreadsheet", message: "„liste.xlsx“ ist keine lesbare Tabellendatei." };
      },
    });
    render(ReconcilePanel, { path: XLSX_PATH, settings });
    await userEvent.click(screen.getByTestId("reconcile-button"));
    expect((await screen.findByRole("alert")).textContent).toContain("keine lesbare Tabellendatei");
  });
});
