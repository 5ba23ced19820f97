import { describe, expect, it } from "vitest";
import {
  daysLeft,
  formatAmount,
  formatDate,
  formatEuro,
  formatPercent,
  parseAmount,
  parseDate,
  parsePercent,
  percentInput,
} from "./format";
import { buildInvoice, inventoryNumbers, vatOfGross, type InvoiceDraft } from "./invoiceDraft";

describe("money the German way", () => {
  it("formats cents like the core's euros()", () => {
    expect(formatEuro(123_456)).toBe("1.234,56 €");
    expect(formatEuro(5)).toBe("0,05 €");
    expect(formatEuro(-250_000_000)).toBe("-2.500.000,00 €");
    expect(formatEuro(100_000)).toBe("1.000,00 €");
    expect(formatEuro(0)).toBe("0,00 €");
    expect(formatAmount(104_900_000)).toBe("1.049.000,00");
  });

  it.each([
    ["1.234,56", 123_456],
    ["1234,56", 123_456],
    ["1234", 123_400],
    ["1.234", 123_400],
    ["1.234,5", 123_450],
    ["-12,50", -1_250],
    [" 1.234,56 € ", 123_456],
    ["EUR 99", 9_900],
    ["12,–", 1_200],
    ["1.000.000,01", 100_000_001],
    ["0,07", 7],
  ])("reads %s as %i cents", (text, cents) => {
    expect(parseAmount(text)).toEqual({ ok: true, value: cents });
  });

  it.each([
    ["", "Bitte einen Betrag eingeben."],
    ["abc", "kein Betrag"],
    ["12.50", "mit Komma"],
    ["1,234", "höchstens zwei Nachkommastellen"],
    ["1.23.4", "kein Betrag"],
    ["12,5,0", "kein Betrag"],
  ])("refuses %j with a German reason", (text, reason) => {
    const parsed = parseAmount(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(reason);
  });

  it("never loses a cent to floating point", () => {
    for (const cents of [1, 10, 29, 1_005, 123_456_789, 999_999_999_99]) {
      expect(parseAmount(formatAmount(cents))).toEqual({ ok: true, value: cents });
    }
  });

  it("takes the VAT out of a gross amount", () => {
    expect(vatOfGross(119_000)).toBe(19_000);
    expect(vatOfGross(100)).toBe(16);
    expect(vatOfGross(10_700, 7)).toBe(700);
  });
});

describe("shares and dates", () => {
  it("shows basis points as percent like the core", () => {
    expect(formatPercent(9000)).toBe("90 %");
    expect(formatPercent(999)).toBe("9,99 %");
    expect(formatPercent(1250)).toBe("12,50 %");
    expect(percentInput(1250)).toBe("12,5");
    expect(percentInput(9000)).toBe("90");
    expect(parsePercent("12,5")).toEqual({ ok: true, value: 1250 });
    expect(parsePercent("90 %")).toEqual({ ok: true, value: 9000 });
    expect(parsePercent("100,01").ok).toBe(false);
    expect(parsePercent("neunzig").ok).toBe(false);
  });

  it("reads and writes German dates", () => {
    expect(formatDate("2024-03-12")).toBe("12.03.2024");
    expect(formatDate(null)).toBe("–");
    expect(parseDate("12.03.2024")).toEqual({ ok: true, value: "2024-03-12" });
    expect(parseDate("1.3.2024")).toEqual({ ok: true, value: "2024-03-01" });
    expect(parseDate("2024-03-12")).toEqual({ ok: true, value: "2024-03-12" });
    expect(parseDate("31.02.2024")).toEqual({ ok: false, message: "Den 31.02.2024 gibt es nicht." });
    expect(parseDate("12/03/2024").ok).toBe(false);
    expect(daysLeft(39)).toBe("noch 39 Tage");
    expect(daysLeft(1)).toBe("noch 1 Tag");
  });
});

describe("the invoice draft", () => {
  const draft = (): InvoiceDraft => ({
    authorityId: "a1",
    supplier: "Bechtle GmbH",
    invoiceNumber: "R-1",
    invoiceDate: "12.03.2024",
    paidOn: "",
    notes: "",
    lines: [
      {
        key: 0,
        description: "",
        schoolId: "s1",
        programmeId: "p",
        category: "wlan",
        gross: "1.190,00",
        vat: "190,00",
        federal: "1.071,00",
        land: "",
        own: "119,00",
        thirdParty: "",
        inventoryNumbers: "INV-1, INV-2;INV-3\nINV-4",
        notes: null,
      },
    ],
  });

  it("becomes the command's input in cents", () => {
    const { invoice, problems } = buildInvoice(draft());
    expect(problems).toEqual({});
    expect(invoice?.invoice_date).toBe("2024-03-12");
    expect(invoice?.paid_on).toBeNull();
    expect(invoice?.lines[0]).toMatchObject({
      gross_cents: 119_000,
      vat_cents: 19_000,
      net_cents: 100_000,
      federal_cents: 107_100,
      land_cents: 0,
      own_cents: 11_900,
      third_party_cents: 0,
      description: null,
      inventory_numbers: ["INV-1", "INV-2", "INV-3", "INV-4"],
    });
    expect(inventoryNumbers("  ")).toEqual([]);
  });

  it("names every unreadable field by the core's field name", () => {
    const d = draft();
    d.invoiceDate = "32.01.2024";
    d.authorityId = "";
    d.lines[0].gross = "1.5";
    d.lines[0].own = "viel";
    const { invoice, problems } = buildInvoice(d);
    expect(invoice).toBeNull();
    expect(Object.keys(problems).sort()).toEqual(["authority_id", "invoice_date", "lines.0.gross_cents", "lines.0.own_cents"]);
  });
});
