import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import AllocationsView from "./AllocationsView.svelte";
import MeasuresView from "./MeasuresView.svelte";
import MediaConceptsView from "./MediaConceptsView.svelte";
import InvoicesView from "./InvoicesView.svelte";
import type {
  AllocationData,
  AllocationRow,
  DeletedInvoice,
  MeasureData,
  MeasureRow,
  MediaConceptData,
  NewInvoice,
  Row,
} from "../bindings";
import { BASIS, callsOf, catalogue, detailOf, finding, mockFundingBackend } from "../../test/fundingFixtures";

const stamp = { created_at: "2026-11-22T10:00:00Z", updated_at: "2026-11-22T10:00:00Z", deleted_at: null };

function allocationRow(id: string, data: Partial<AllocationData>, school: string | null = null): AllocationRow {
  return {
    allocation: {
      id,
      programme_id: BASIS,
      authority_id: "a1",
      school_id: null,
      amount_cents: 104_900_000,
      pupils: null,
      per_pupil_cents: null,
      key_note: null,
      notes: null,
      ...data,
      ...stamp,
    },
    programme: "DigitalPakt Basis",
    authority: "Stadt Beispielstadt",
    school,
  };
}

function measureRow(id: string, data: Partial<MeasureData>): MeasureRow {
  return {
    measure: {
      id,
      programme_id: BASIS,
      school_id: "s1",
      category: "wlan",
      title: "WLAN-Ausleuchtung",
      planned_cents: 5_000_000,
      status: "approved",
      applied_on: "2021-02-01",
      approved_on: "2021-04-15",
      file_number: "DP-2021-0042",
      approved_cents: 4_800_000,
      funding_rate_bp: 9000,
      narrative: null,
      notes: null,
      ...data,
      ...stamp,
    },
    programme: "DigitalPakt Basis",
    authority_id: "a1",
    school: "100000 Elsa-Brändström-Grundschule",
    category: "WLAN",
  };
}

function cells(row: HTMLElement): string[] {
  return [...row.querySelectorAll("th, td")].map((c) => c.textContent?.replace(/\s+/g, " ").trim() ?? "");
}

describe("Zuweisungen", () => {
  it("lists allocations, computes an amount from pupils, shows the core's field error and the checks after saving", async () => {
    let rows = [allocationRow("al1", {}), allocationRow("al2", { school_id: "s1", amount_cents: 2_500_000, pupils: 250, per_pupil_cents: 10_000 }, "100000 Elsa-Brändström-Grundschule")];
    let attempts = 0;
    const calls = mockFundingBackend({
      list_allocations: () => ({ items: rows, more: false }),
      save_allocation: (a) => {
        attempts += 1;
        const data = a.data as AllocationData;
        if (attempts === 1) {
          throw {
            code: "validation",
            message: "Die Eingaben sind ungültig",
            errors: [{ field: "school_id", code: "wrong_authority", message: "Die Schule gehört nicht zu diesem Schulträger." }],
          };
        }
        const record: Row<AllocationData> = { id: "al3", ...data, ...stamp };
        rows = [...rows, allocationRow("al3", data, "100013 Geschwister-Scholl-Gymnasium")];
        return { record, findings: [finding({ code: "allocation_exceeded", severity: "violation", message: "DigitalPakt Basis: überschritten." })] };
      },
    });
    render(AllocationsView, { catalogue: catalogue() });

    const table = await screen.findByTestId("allocation-table");
    const [whole, school] = within(table).getAllByTestId("allocation-row");
    expect(cells(whole).slice(0, 5)).toEqual(["DigitalPakt Basis", "Stadt Beispielstadt", "gesamt", "1.049.000,00 €", "–"]);
    expect(cells(school).slice(2, 5)).toEqual(["100000 Elsa-Brändström-Grundschule", "25.000,00 €", "250 × 100,00 €"]);

    await userEvent.selectOptions(screen.getByLabelText("Programm"), "DigitalPakt Basis");
    await expect.poll(() => callsOf(calls, "list_allocations").at(-1)).toEqual({ programmeId: BASIS, authorityId: null });

    await userEvent.click(screen.getByTestId("allocation-new"));
    const form = screen.getByTestId("allocation-form");
    expect((within(form).getByLabelText("Programm") as HTMLSelectElement).value).toBe(BASIS);
    await expect.poll(() => (within(form).getByLabelText("Schulträger") as HTMLSelectElement).value).toBe("a1");
    await userEvent.selectOptions(within(form).getByLabelText("Schule"), "100013 Geschwister-Scholl-Gymnasium");
    await userEvent.type(within(form).getByLabelText("Schülerzahl (Berechnungsgrundlage)"), "812");
    await userEvent.type(within(form).getByLabelText("Betrag je Schüler (€)"), "125,50");
    await userEvent.click(within(form).getByTestId("allocation-formula"));
    expect((within(form).getByLabelText("Betrag (€)") as HTMLInputElement).value).toBe("101.906,00");

    await userEvent.click(within(form).getByTestId("allocation-save"));
    expect(await within(form).findByText("Die Schule gehört nicht zu diesem Schulträger.")).toBeTruthy();
    expect(within(form).getByLabelText("Schule").getAttribute("aria-invalid")).toBe("true");

    await userEvent.click(within(form).getByTestId("allocation-save"));
    expect(await screen.findByTestId("allocation-notice")).toBeTruthy();
    const sent = callsOf(calls, "save_allocation").at(-1)!;
    expect(sent.id).toBeNull();
    expect(sent.data).toEqual({
      programme_id: BASIS,
      authority_id: "a1",
      school_id: "s2",
      amount_cents: 10_190_600,
      pupils: 812,
      per_pupil_cents: 12_550,
      key_note: null,
      notes: null,
    });
    const checks = screen.getByTestId("saved-findings");
    expect(within(checks).getByTestId("saved-finding").dataset.code).toBe("allocation_exceeded");
    expect(await screen.findAllByTestId("allocation-row")).toHaveLength(3);
  });

  it("deletes only after confirmation and undoes the deletion", async () => {
    let rows = [allocationRow("al1", {})];
    const calls = mockFundingBackend({
      list_allocations: () => ({ items: rows, more: false }),
      delete_allocation: (a) => {
        const record = { ...allocationRow("al1", {}).allocation, deleted_at: a.restore ? null : "2026-11-22T10:01:00Z" };
        rows = a.restore ? [allocationRow("al1", {})] : [];
        return { record, findings: [] };
      },
    });
    render(AllocationsView, { catalogue: catalogue() });
    await screen.findByTestId("allocation-table");
    await userEvent.click(screen.getByTestId("allocation-delete"));
    expect(callsOf(calls, "delete_allocation")).toEqual([]);
    await userEvent.click(screen.getByTestId("allocation-delete-confirm"));
    expect((await screen.findByTestId("allocation-notice")).textContent).toContain("gelöscht");
    await expect.poll(() => screen.queryByTestId("allocation-table")).toBeNull();
    await userEvent.click(screen.getByTestId("allocation-undo"));
    expect(await screen.findByTestId("allocation-table")).toBeTruthy();
    expect(callsOf(calls, "delete_allocation")).toEqual([
      { id: "al1", restore: false },
      { id: "al1", restore: true },
    ]);
    expect(screen.getByTestId("allocation-notice").textContent).toContain("wiederhergestellt");
  });
});

describe("Maßnahmen", () => {
  it("lists measures with German status, edits the approval and the Sachbericht, and deletes with undo", async () => {
    let rows = [measureRow("m1", {}), measureRow("m2", { title: "Tablets Klasse 5", category: "mobile_devices", status: "planned", approved_cents: null, file_number: null, approved_on: null })];
    const calls = mockFundingBackend({
      list_measures: () => ({ items: rows, more: false }),
      save_measure: (a) => {
        const data = a.data as MeasureData;
        rows = rows.map((r) => (r.measure.id === a.id ? measureRow(r.measure.id, data) : r));
        return { record: { id: a.id as string, ...data, ...stamp }, findings: [] };
      },
      delete_measure: (a) => {
        rows = a.restore ? [measureRow("m1", {}), ...rows] : rows.filter((r) => r.measure.id !== a.id);
        return { record: { ...measureRow("m1", {}).measure }, findings: [] };
      },
    });
    render(MeasuresView, { catalogue: catalogue() });
    const table = await screen.findByTestId("measure-table");
    const [first, second] = within(table).getAllByTestId("measure-row");
    expect(cells(first).slice(0, 8)).toEqual([
      "100000 Elsa-Brändström-Grundschule",
      "WLAN-Ausleuchtung",
      "DigitalPakt Basis",
      "WLAN",
      "bewilligt",
      "50.000,00 €",
      "48.000,00 €",
      "DP-2021-0042 vom 15.04.2021",
    ]);
    expect(cells(second)[4]).toBe("geplant");
    // The only Schulträger is chosen, and the list asks for its measures.
    await expect.poll(() => callsOf(calls, "list_measures").at(-1)).toEqual({ programmeId: null, authorityId: "a1", schoolId: null });

    await userEvent.click(within(second).getByTestId("measure-edit"));
    const form = screen.getByTestId("measure-form");
    await userEvent.selectOptions(within(form).getByLabelText("Stand"), "bewilligt");
    await userEvent.type(within(form).getByLabelText("Bewilligt am"), "31.02.2022");
    await userEvent.type(within(form).getByLabelText("Bewilligt (€)"), "12.000,00");
    await userEvent.type(within(form).getByLabelText("Aktenzeichen des Bescheids"), "DP-2022-0007");
    await userEvent.type(
      within(form).getByLabelText("Sachbericht (Ziele, Umsetzung, Abweichungen) für den Verwendungsnachweis"),
      "Ziel: 1:1-Ausstattung der Klasse 5. Abweichung: Lieferverzug von 6 Wochen.",
    );
    await userEvent.click(within(form).getByTestId("measure-save"));
    // An impossible date is caught before anything is sent.
    expect(within(form).getByLabelText("Bewilligt am").getAttribute("aria-invalid")).toBe("true");
    expect(callsOf(calls, "save_measure")).toEqual([]);
    await userEvent.clear(within(form).getByLabelText("Bewilligt am"));
    await userEvent.type(within(form).getByLabelText("Bewilligt am"), "28.02.2022");
    await userEvent.click(within(form).getByTestId("measure-save"));

    expect((await screen.findByTestId("measure-notice")).textContent).toContain("Tablets Klasse 5");
    const sent = callsOf(calls, "save_measure")[0];
    expect(sent.id).toBe("m2");
    expect(sent.data).toMatchObject({
      status: "approved",
      approved_on: "2022-02-28",
      approved_cents: 1_200_000,
      file_number: "DP-2022-0007",
      category: "mobile_devices",
      narrative: "Ziel: 1:1-Ausstattung der Klasse 5. Abweichung: Lieferverzug von 6 Wochen.",
    });
    expect(screen.getByTestId("saved-findings").textContent).toContain("keine Beanstandungen");

    await userEvent.click(within(screen.getAllByTestId("measure-row")[0]).getByTestId("measure-delete"));
    await userEvent.click(screen.getByTestId("measure-delete-confirm"));
    await expect.poll(() => screen.getAllByTestId("measure-row").length).toBe(1);
    await userEvent.click(screen.getByTestId("measure-undo"));
    await expect.poll(() => screen.getAllByTestId("measure-row").length).toBe(2);
    expect(callsOf(calls, "delete_measure").map((a) => a.restore)).toEqual([false, true]);
  });
});

describe("Medienkonzepte", () => {
  it("records a school's concept with its date and shows what the check says", async () => {
    let concept: Row<MediaConceptData> | null = null;
    const calls = mockFundingBackend({
      list_media_concepts: () => [
        { school: { id: "s1", authority_id: "a1", school_number: "100000", name: "Elsa-Brändström-Grundschule" }, concept },
      ],
      save_media_concept: (a) => {
        concept = { id: "mc1", ...(a.data as MediaConceptData), ...stamp };
        return { record: concept, findings: [] };
      },
    });
    render(MediaConceptsView, { catalogue: catalogue() });
    const row = await screen.findByTestId("media-concept-row");
    const status = within(row).getByLabelText("Stand des Medienkonzepts Elsa-Brändström-Grundschule") as HTMLSelectElement;
    expect(status.value).toBe("missing");
    await userEvent.selectOptions(status, "liegt vor");
    const date = within(row).getByLabelText("Beschlossen am (Elsa-Brändström-Grundschule)");
    await userEvent.type(date, "01.09.2023");
    await userEvent.click(within(row).getByRole("button", { name: "Medienkonzept Elsa-Brändström-Grundschule speichern" }));
    await screen.findByTestId("saved-findings");
    expect(callsOf(calls, "save_media_concept")[0].data).toEqual({
      school_id: "s1",
      status: "present",
      adopted_on: "2023-09-01",
      notes: null,
    });
    await expect.poll(() => (screen.getByLabelText("Beschlossen am (Elsa-Brändström-Grundschule)") as HTMLInputElement).value).toBe("01.09.2023");
  });
});

describe("Rechnungen bearbeiten und löschen", () => {
  const input: NewInvoice = {
    authority_id: "a1",
    supplier: "Netzwerk Müller GmbH",
    invoice_number: "NM-1",
    invoice_date: "2024-03-12",
    paid_on: null,
    notes: null,
    lines: [
      {
        description: "Access Points",
        school_id: "s1",
        programme_id: BASIS,
        category: "wlan",
        net_cents: 100_000,
        vat_cents: 19_000,
        gross_cents: 119_000,
        federal_cents: 107_100,
        land_cents: 0,
        own_cents: 11_900,
        third_party_cents: 0,
        notes: "Lieferschein 4711",
        inventory_numbers: [],
      },
    ],
  };
  const stored = detailOf(input);
  stored.invoice.id = "i1";
  stored.lines[0].items = [
    { entity: "access_point", id: "ap1", kind: "Access Point", inventory_number: "AP-0001", label: "Ubiquiti U6", school: null, retired: false },
  ];
  const summary = { invoice: stored.invoice, programmes: ["DigitalPakt Basis"], lines: 1 };

  it("opens an invoice pre-filled, links another item to its line and saves the same invoice", async () => {
    const calls = mockFundingBackend({
      list_invoices: () => ({ items: [summary], next: null }),
      invoice_detail: () => stored,
      save_invoice: (a) => ({
        record: detailOf(a.invoice as NewInvoice),
        findings: [finding({ code: "line_without_items", severity: "warning", message: "1 Rechnungsposition ist mit keinem Inventargegenstand verknüpft." })],
      }),
    });
    render(InvoicesView, { catalogue: catalogue() });
    await userEvent.click(await screen.findByRole("button", { name: "Rechnung NM-1 öffnen" }));
    await userEvent.click(await screen.findByTestId("invoice-edit"));
    expect(screen.getByRole("heading", { name: "Rechnung NM-1 bearbeiten" })).toBeTruthy();
    const line = screen.getAllByTestId("invoice-line")[0];
    const numbers = within(line).getByLabelText("Inventarnummern der bezahlten Gegenstände (optional)") as HTMLInputElement;
    expect(numbers.value).toBe("AP-0001");
    expect((within(line).getByLabelText("Brutto (€)") as HTMLInputElement).value).toBe("1.190,00");
    await userEvent.type(numbers, ", AP-0002");
    await userEvent.click(screen.getByTestId("invoice-save"));

    const saved = await screen.findByTestId("saved-findings");
    expect(within(saved).getByTestId("saved-finding").dataset.code).toBe("line_without_items");
    const sent = callsOf(calls, "save_invoice")[0];
    expect(sent.id).toBe("i1");
    const invoice = sent.invoice as NewInvoice;
    expect(invoice.lines[0].inventory_numbers).toEqual(["AP-0001", "AP-0002"]);
    expect(invoice.lines[0].notes).toBe("Lieferschein 4711");
    expect(invoice.lines[0].gross_cents).toBe(119_000);
  });

  it("deletes an invoice only after confirmation and restores it with Rückgängig", async () => {
    const deleted: DeletedInvoice = { invoice_id: "i1", line_ids: ["l0"], link_ids: ["x1"] };
    let listed = [summary];
    const calls = mockFundingBackend({
      list_invoices: () => ({ items: listed, next: null }),
      invoice_detail: () => stored,
      delete_invoice: () => {
        listed = [];
        return deleted;
      },
      restore_invoice: () => {
        listed = [summary];
        return { record: stored, findings: [] };
      },
    });
    render(InvoicesView, { catalogue: catalogue() });
    await userEvent.click(await screen.findByRole("button", { name: "Rechnung NM-1 öffnen" }));
    await userEvent.click(await screen.findByTestId("invoice-delete"));
    expect(callsOf(calls, "delete_invoice")).toEqual([]);
    await userEvent.click(screen.getByTestId("invoice-delete-confirm"));
    expect((await screen.findByTestId("invoice-notice")).textContent).toContain("Rechnung NM-1 mit 1 Position gelöscht.");
    await expect.poll(() => screen.queryByTestId("invoice-table")).toBeNull();

    await userEvent.click(screen.getByTestId("invoice-undo"));
    expect(await screen.findByTestId("invoice-detail")).toBeTruthy();
    expect(callsOf(calls, "restore_invoice")).toEqual([{ deleted }]);
    expect(screen.getByTestId("invoice-notice").textContent).toContain("wiederhergestellt");
  });
});
