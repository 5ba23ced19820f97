import { describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import InvoiceForm from "./InvoiceForm.svelte";
import type { NewInvoice } from "../bindings";
import { BASIS, HESSEN, callsOf, catalogue, mockFundingBackend } from "../../test/fundingFixtures";

function renderForm() {
  const onSaved = vi.fn();
  const onCancel = vi.fn();
  render(InvoiceForm, { catalogue: catalogue(), onSaved, onCancel });
  return { onSaved, onCancel };
}

/** The input of line `index` labelled `label`. */
function lineInput(index: number, label: string): HTMLInputElement {
  const line = screen.getAllByTestId("invoice-line")[index];
  return within(line).getByLabelText(label) as HTMLInputElement;
}

async function fillHeader() {
  // The only Schulträger is chosen by itself once loaded.
  await expect.poll(() => (screen.getByLabelText("Schulträger") as HTMLSelectElement).value).toBe("a1");
  await userEvent.type(screen.getByLabelText("Lieferant"), "Netzwerk Müller GmbH");
  await userEvent.type(screen.getByLabelText("Rechnungsnummer"), "NM-2024-0815");
  const date = screen.getByLabelText("Rechnungsdatum");
  await userEvent.clear(date);
  await userEvent.type(date, "12.03.2024");
}

describe("InvoiceForm", () => {
  it("prefills VAT and the split from the programme's shares, editable, and saves German amounts as cents", async () => {
    const calls = mockFundingBackend();
    const { onSaved } = renderForm();
    await fillHeader();

    const line = screen.getAllByTestId("invoice-line")[0];
    await userEvent.selectOptions(within(line).getByLabelText("Schule"), "100013 Geschwister-Scholl-Gymnasium");
    await userEvent.selectOptions(within(line).getByLabelText("Programm"), "DigitalPakt Basis");
    await userEvent.type(lineInput(0, "Brutto (€)"), "1.190,00");

    await expect.poll(() => lineInput(0, "Bund (€)").value).toBe("1.071,00");
    expect(lineInput(0, "Land (€)").value).toBe("0,00");
    expect(lineInput(0, "Eigenanteil (€)").value).toBe("119,00");
    expect(lineInput(0, "Drittmittel (€)").value).toBe("0,00");
    expect(lineInput(0, "darin USt (€)").value).toBe("190,00");
    expect(callsOf(calls, "funding_split").at(-1)).toEqual({ programmeId: BASIS, grossCents: 119_000 });
    expect(screen.getByTestId("invoice-total").textContent).toBe("Summe brutto: 1.190,00 €");

    // Another programme splits the same amount by its own shares (75 % Bund, 12,5 % Land).
    await userEvent.selectOptions(within(line).getByLabelText("Programm"), "Digitale Schule Hessen");
    await expect.poll(() => lineInput(0, "Bund (€)").value).toBe("892,50");
    expect(lineInput(0, "Land (€)").value).toBe("148,75");
    expect(lineInput(0, "Eigenanteil (€)").value).toBe("148,75");
    expect((within(line).getByLabelText("Kategorie") as HTMLSelectElement).value).toBe("wlan");

    // The prefilled split stays editable.
    await userEvent.clear(lineInput(0, "Drittmittel (€)"));
    await userEvent.type(lineInput(0, "Drittmittel (€)"), "48,75");
    await userEvent.clear(lineInput(0, "Eigenanteil (€)"));
    await userEvent.type(lineInput(0, "Eigenanteil (€)"), "100");

    await userEvent.click(screen.getByRole("button", { name: "Rechnung speichern" }));

    await expect.poll(() => onSaved.mock.calls.length).toBe(1);
    const [sent] = callsOf(calls, "save_invoice").map((a) => a.invoice as NewInvoice);
    expect(sent).toEqual({
      authority_id: "a1",
      supplier: "Netzwerk Müller GmbH",
      invoice_number: "NM-2024-0815",
      invoice_date: "2024-03-12",
      paid_on: null,
      notes: null,
      lines: [
        {
          description: null,
          school_id: "s2",
          programme_id: HESSEN,
          category: "wlan",
          net_cents: 100_000,
          vat_cents: 19_000,
          gross_cents: 119_000,
          federal_cents: 89_250,
          land_cents: 14_875,
          own_cents: 10_000,
          third_party_cents: 4_875,
          notes: null,
          inventory_numbers: [],
        },
      ],
    });
    expect(onSaved.mock.calls[0][0].record.invoice.gross_cents).toBe(119_000);
  });

  it("refuses amounts it cannot read, in German, without calling the core", async () => {
    const calls = mockFundingBackend();
    const { onSaved } = renderForm();
    await fillHeader();

    await userEvent.type(lineInput(0, "Brutto (€)"), "1.5");
    await userEvent.click(screen.getByRole("button", { name: "Rechnung speichern" }));

    const gross = lineInput(0, "Brutto (€)");
    expect(gross.getAttribute("aria-invalid")).toBe("true");
    const message = document.getElementById(gross.getAttribute("aria-describedby") ?? "");
    expect(message?.textContent).toBe("„1.5“: Nachkommastellen bitte mit Komma trennen (z. B. 12,50).");
    expect(screen.getByTestId("invoice-failure").textContent).toContain("Position 1: „1.5“");
    // "1" was readable while typing and split; "1.5" is not.
    expect(callsOf(calls, "funding_split").map((a) => a.grossCents)).toEqual([100]);
    expect(callsOf(calls, "save_invoice")).toEqual([]);
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("shows the core's field errors next to the fields, for the invoice and each line", async () => {
    const calls = mockFundingBackend({
      save_invoice: () => {
        throw {
          code: "validation",
          message: "Die Eingaben sind ungültig: …",
          errors: [
            {
              field: "invoice_number",
              code: "duplicate",
              message: "Die Rechnung NM-2024-0815 von Netzwerk Müller GmbH ist schon erfasst.",
            },
            {
              field: "lines.1.own_cents",
              code: "split_mismatch",
              message: "Bundes-, Landes-, Eigen- und Drittmittelanteil ergeben zusammen nicht den Bruttobetrag 50,00 €.",
            },
            {
              field: "lines.1.inventory_numbers",
              code: "unknown_inventory_number",
              message: "Die Inventarnummer „X-1“ ist beim Schulträger nicht erfasst.",
            },
          ],
        };
      },
    });
    const { onSaved } = renderForm();
    await fillHeader();
    await userEvent.type(lineInput(0, "Brutto (€)"), "100");
    await userEvent.click(screen.getByRole("button", { name: "Position hinzufügen" }));
    expect(screen.getAllByTestId("invoice-line")).toHaveLength(2);
    await userEvent.type(lineInput(1, "Brutto (€)"), "50");
    await expect.poll(() => lineInput(1, "Eigenanteil (€)").value).toBe("50,00");
    await userEvent.clear(lineInput(1, "Eigenanteil (€)"));
    await userEvent.type(lineInput(1, "Eigenanteil (€)"), "49");
    await userEvent.type(lineInput(1, "Inventarnummern der bezahlten Gegenstände (optional)"), "X-1");

    await userEvent.click(screen.getByRole("button", { name: "Rechnung speichern" }));

    const number = await screen.findByLabelText("Rechnungsnummer");
    await expect.poll(() => number.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(number.getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "Die Rechnung NM-2024-0815 von Netzwerk Müller GmbH ist schon erfasst.",
    );
    const own = lineInput(1, "Eigenanteil (€)");
    expect(own.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(own.getAttribute("aria-describedby") ?? "")?.textContent).toContain(
      "ergeben zusammen nicht den Bruttobetrag 50,00 €",
    );
    expect(lineInput(0, "Eigenanteil (€)").getAttribute("aria-invalid")).toBe("false");
    const summary = screen.getByTestId("invoice-failure");
    expect(summary.getAttribute("role")).toBe("alert");
    expect(within(summary).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "Die Rechnung NM-2024-0815 von Netzwerk Müller GmbH ist schon erfasst.",
      "Position 2: Bundes-, Landes-, Eigen- und Drittmittelanteil ergeben zusammen nicht den Bruttobetrag 50,00 €.",
      "Position 2: Die Inventarnummer „X-1“ ist beim Schulträger nicht erfasst.",
    ]);
    const sent = callsOf(calls, "save_invoice")[0].invoice as NewInvoice;
    expect(sent.lines.map((l) => [l.gross_cents, l.own_cents, l.inventory_numbers])).toEqual([
      [10_000, 10_000, []],
      [5_000, 4_900, ["X-1"]],
    ]);
    expect(onSaved).not.toHaveBeenCalled();
  });
});
