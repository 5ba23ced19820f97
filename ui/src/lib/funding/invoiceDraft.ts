import type { FundingCategory, InvoiceDetail, NewInvoice, NewInvoiceLine } from "../bindings";
import { t } from "../i18n/i18n.svelte";
import { formatAmount, formatDate, parseAmount, parseDate, parseOptionalDate, type Parsed } from "./format";

/** One line of the entry form, as typed. */
export interface LineDraft {
  key: number;
  description: string;
  schoolId: string;
  programmeId: string;
  category: FundingCategory;
  gross: string;
  vat: string;
  federal: string;
  land: string;
  own: string;
  thirdParty: string;
  inventoryNumbers: string;
  /** A stored line's notes, kept as they are (the form does not edit them). */
  notes: string | null;
}

export interface InvoiceDraft {
  authorityId: string;
  supplier: string;
  invoiceNumber: string;
  invoiceDate: string;
  paidOn: string;
  notes: string;
  lines: LineDraft[];
}

/** The VAT contained in a gross amount at `ratePercent` (19 % unless said otherwise), to the cent. */
export function vatOfGross(grossCents: number, ratePercent = 19): number {
  const net = Math.round((grossCents * 100) / (100 + ratePercent));
  return grossCents - net;
}

/** Inventory numbers separated by spaces, commas, semicolons or line breaks. */
export function inventoryNumbers(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((n) => n.trim())
    .filter((n) => n !== "");
}

/** A line's field as the core names it ("lines.0.gross_cents"). */
export function lineField(index: number, field: string): string {
  return `lines.${index}.${field}`;
}

/**
 * The draft as the command's input, or the problems of what was typed (by the core's field
 * names). Rules about the content (required supplier, split adding up, known schools) are the
 * core's; this only reads numbers and dates.
 */
export function buildInvoice(draft: InvoiceDraft): { invoice: NewInvoice | null; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  function read<T>(field: string, parsed: Parsed<T>): T | undefined {
    if (parsed.ok) return parsed.value;
    problems[field] = parsed.message;
    return undefined;
  }
  /** An optional share: empty is zero. */
  const share = (field: string, text: string) => (text.trim() === "" ? 0 : read(field, parseAmount(text)));

  if (draft.authorityId === "") problems.authority_id = t("Bitte den Schulträger wählen.");
  let invoiceDate: string | undefined;
  if (draft.invoiceDate.trim() === "") problems.invoice_date = t("Bitte das Rechnungsdatum angeben.");
  else invoiceDate = read("invoice_date", parseDate(draft.invoiceDate));
  const paidOn = read("paid_on", parseOptionalDate(draft.paidOn));

  const lines: NewInvoiceLine[] = draft.lines.map((l, i) => {
    const gross = read(lineField(i, "gross_cents"), parseAmount(l.gross)) ?? 0;
    const vat = share(lineField(i, "vat_cents"), l.vat) ?? 0;
    return {
      description: l.description.trim() === "" ? null : l.description,
      school_id: l.schoolId === "" ? null : l.schoolId,
      programme_id: l.programmeId === "" ? null : l.programmeId,
      category: l.category,
      net_cents: gross - vat,
      vat_cents: vat,
      gross_cents: gross,
      federal_cents: share(lineField(i, "federal_cents"), l.federal) ?? 0,
      land_cents: share(lineField(i, "land_cents"), l.land) ?? 0,
      own_cents: share(lineField(i, "own_cents"), l.own) ?? 0,
      third_party_cents: share(lineField(i, "third_party_cents"), l.thirdParty) ?? 0,
      notes: l.notes,
      inventory_numbers: inventoryNumbers(l.inventoryNumbers),
    };
  });
  if (Object.keys(problems).length > 0 || invoiceDate === undefined) return { invoice: null, problems };
  return {
    problems,
    invoice: {
      authority_id: draft.authorityId,
      supplier: draft.supplier,
      invoice_number: draft.invoiceNumber,
      invoice_date: invoiceDate,
      paid_on: paidOn ?? null,
      notes: draft.notes.trim() === "" ? null : draft.notes,
      lines,
    },
  };
}

/** Today as the form shows it: "22.11.2026". */
export function todayGerman(now = new Date()): string {
  const d = String(now.getDate()).padStart(2, "0");
  const m = String(now.getMonth() + 1).padStart(2, "0");
  return `${d}.${m}.${now.getFullYear()}`;
}

/** A stored invoice as the form shows it for editing; `key` numbers the lines. */
export function draftOfDetail(detail: InvoiceDetail, key: () => number): InvoiceDraft {
  const i = detail.invoice;
  return {
    authorityId: i.authority_id,
    supplier: i.supplier,
    invoiceNumber: i.invoice_number,
    invoiceDate: formatDate(i.invoice_date),
    paidOn: i.paid_on ? formatDate(i.paid_on) : "",
    notes: i.notes ?? "",
    lines: detail.lines.map(({ line, items }) => ({
      key: key(),
      description: line.description ?? "",
      schoolId: line.school_id ?? "",
      programmeId: line.programme_id ?? "",
      category: line.category,
      gross: formatAmount(line.gross_cents),
      vat: formatAmount(line.vat_cents),
      federal: formatAmount(line.federal_cents),
      land: formatAmount(line.land_cents),
      own: formatAmount(line.own_cents),
      thirdParty: formatAmount(line.third_party_cents),
      inventoryNumbers: items
        .map((it) => it.inventory_number)
        .filter((n): n is string => n !== null)
        .join(", "),
      notes: line.notes,
    })),
  };
}
