import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  AuthorityRef,
  Budget,
  Finding,
  FundingVocabulary,
  InvoiceDetail,
  NewInvoice,
  ProgrammeData,
  Row,
  SchoolRef,
} from "../lib/bindings";
import { FundingCatalogue } from "../lib/funding/catalogue.svelte";

export const BASIS = "programme-digitalpakt-basis";
export const HESSEN = "programme-hessen";

export const vocabulary: FundingVocabulary = {
  lands: [
    { code: "HE", label: "Hessen", label_en: "Hesse" },
    { code: "NW", label: "Nordrhein-Westfalen", label_en: "North Rhine-Westphalia" },
  ],
  categories: [
    { code: "networking", label: "Vernetzung / Verkabelung", label_en: "Networking / cabling", buys_items: false },
    { code: "wlan", label: "WLAN", label_en: "WLAN", buys_items: true },
    { code: "mobile_devices", label: "Mobile Endgeräte", label_en: "Mobile devices", buys_items: true },
  ],
  item_kinds: [{ code: "device", label: "Gerät", label_en: "Device" }],
  measure_statuses: [
    { code: "planned", label: "geplant", label_en: "planned" },
    { code: "applied", label: "beantragt", label_en: "applied for" },
    { code: "approved", label: "bewilligt", label_en: "approved" },
    { code: "amended", label: "geändert bewilligt", label_en: "approved with changes" },
    { code: "completed", label: "abgeschlossen", label_en: "completed" },
    { code: "withdrawn", label: "zurückgezogen", label_en: "withdrawn" },
  ],
  media_concept_statuses: [
    { code: "missing", label: "fehlt", label_en: "missing" },
    { code: "in_progress", label: "in Arbeit", label_en: "in progress" },
    { code: "present", label: "liegt vor", label_en: "present" },
  ],
};

export function programme(id: string, overrides: Partial<ProgrammeData> = {}): Row<ProgrammeData> {
  return {
    id,
    name: "DigitalPakt Schule 2019–2024 (Basis)",
    short_name: "DigitalPakt Basis",
    land: null,
    eligible_from: "2019-05-17",
    eligible_to: "2024-05-16",
    application_deadline: null,
    binding_deadline: "2024-05-16",
    implementation_end: "2024-05-16",
    proof_due: "2025-12-31",
    federal_share_bp: 9000,
    land_share_bp: 0,
    min_cofinancing_bp: 1000,
    earmark_years: 5,
    mobile_cap_bp: 2000,
    mobile_cap_per_school_cents: 2_500_000,
    categories: ["networking", "wlan", "mobile_devices"],
    notes: null,
    created_at: "2019-05-17T00:00:00Z",
    updated_at: "2019-05-17T00:00:00Z",
    deleted_at: null,
    ...overrides,
  };
}

export const programmes = [
  programme(BASIS),
  programme(HESSEN, {
    name: "Digitale Schule Hessen",
    short_name: null,
    land: "HE",
    federal_share_bp: 7500,
    land_share_bp: 1250,
    min_cofinancing_bp: 2500,
    categories: ["wlan"],
    mobile_cap_bp: null,
    mobile_cap_per_school_cents: null,
  }),
];

/** A catalogue as the page has it after loading. */
export function catalogue(): FundingCatalogue {
  const c = new FundingCatalogue();
  c.vocabulary = vocabulary;
  c.programmes = programmes;
  c.loaded = true;
  return c;
}

export function budget(overrides: Partial<Budget>): Budget {
  return {
    programme_id: BASIS,
    programme: "DigitalPakt Basis",
    authority_id: "a1",
    authority: "Stadt Beispielstadt",
    school_id: null,
    school_number: null,
    school: null,
    allocated_cents: 0,
    planned_cents: 0,
    approved_cents: 0,
    spent_cents: 0,
    federal_cents: 0,
    land_cents: 0,
    own_cents: 0,
    third_party_cents: 0,
    remaining_cents: 0,
    ...overrides,
  };
}

export function finding(overrides: Partial<Finding>): Finding {
  return {
    code: "items_without_invoice",
    severity: "warning",
    message: "Ein Befund.",
    programme_id: null,
    authority_id: null,
    school_id: null,
    entity: null,
    ids: [],
    count: overrides.ids?.length ?? 0,
    amount_cents: null,
    due: null,
    days_left: null,
    ...overrides,
  };
}

export const authorities: AuthorityRef[] = [{ id: "a1", name: "Stadt Beispielstadt" }];
export const schools: SchoolRef[] = [
  { id: "s1", authority_id: "a1", school_number: "100000", name: "Elsa-Brändström-Grundschule" },
  { id: "s2", authority_id: "a1", school_number: "100013", name: "Geschwister-Scholl-Gymnasium" },
];

/** What `save_invoice` answers (as its record) for an input. */
export function detailOf(input: NewInvoice): InvoiceDetail {
  const sum = (f: (l: NewInvoice["lines"][number]) => number) => input.lines.reduce((s, l) => s + f(l), 0);
  const stamp = { created_at: "2026-11-22T10:00:00Z", updated_at: "2026-11-22T10:00:00Z", deleted_at: null };
  return {
    invoice: {
      id: "i-new",
      authority_id: input.authority_id,
      supplier: input.supplier,
      invoice_number: input.invoice_number,
      invoice_date: input.invoice_date,
      paid_on: input.paid_on,
      net_cents: sum((l) => l.net_cents),
      vat_cents: sum((l) => l.vat_cents),
      gross_cents: sum((l) => l.gross_cents),
      notes: input.notes,
      ...stamp,
    },
    authority: "Stadt Beispielstadt",
    lines: input.lines.map((l, i) => ({
      line: {
        id: `l${i}`,
        invoice_id: "i-new",
        position: i + 1,
        description: l.description,
        school_id: l.school_id,
        programme_id: l.programme_id,
        category: l.category,
        net_cents: l.net_cents,
        vat_cents: l.vat_cents,
        gross_cents: l.gross_cents,
        federal_cents: l.federal_cents,
        land_cents: l.land_cents,
        own_cents: l.own_cents,
        third_party_cents: l.third_party_cents,
        notes: l.notes ?? null,
        ...stamp,
      },
      programme: "DigitalPakt Basis",
      school: null,
      category: "WLAN",
      earmarked_until: "2029-03-12",
      items: [],
    })),
  };
}

type Handler = (args: Record<string, unknown>) => unknown;
export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

/** A fake backend for the funding commands; `handlers` override the defaults. */
export function mockFundingBackend(handlers: Record<string, Handler> = {}): Call[] {
  const calls: Call[] = [];
  const defaults: Record<string, Handler> = {
    app_info: () => ({ db_path: "/tmp/test/schulinventar.sqlite", version: "0.1.0" }),
    list_schools: () => ({ items: [], next: null }),
    funding_vocabulary: () => vocabulary,
    list_programmes: () => programmes,
    funding_budgets: () => [],
    funding_findings: () => [],
    funding_records: () => [],
    funding_authorities: () => authorities,
    funding_schools: () => schools,
    funding_split: (a) => {
      // The core's split_by_shares: federal and Land rounded down, the rest own.
      const gross = a.grossCents as number;
      const p = programmes.find((x) => x.id === a.programmeId);
      const federal = p ? Math.trunc((gross * p.federal_share_bp) / 10_000) : 0;
      const land = p ? Math.trunc((gross * p.land_share_bp) / 10_000) : 0;
      return { federal_cents: federal, land_cents: land, own_cents: gross - federal - land, third_party_cents: 0 };
    },
    list_invoices: () => ({ items: [], next: null }),
    save_invoice: (a) => ({ record: detailOf(a.invoice as NewInvoice), findings: [] }),
    find_items: () => [],
    item_funding: () => [],
  };
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    const handler = handlers[cmd] ?? defaults[cmd];
    if (!handler) throw `unbekanntes Kommando ${cmd}`;
    return handler(a);
  });
  return calls;
}

export function callsOf(calls: Call[], cmd: string): Record<string, unknown>[] {
  return calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}
