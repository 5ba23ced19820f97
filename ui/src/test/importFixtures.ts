import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  ColumnMapping,
  ImportInspection,
  ImportRun,
  ImportSummary,
  ImportVocabulary,
  PreviewLine,
  PreviewPage,
} from "../lib/bindings";

export const SHA = "3c7498767f2296fc391de4eb9694843576d749852afdc8417e1b14ea827a0476";
export const XLSX_PATH = "/daten/geraeteliste_beispielstadt.xlsx";

export const vocabulary: ImportVocabulary = {
  entities: [
    { code: "schools", label: "Schulen", keys: ["natural"] },
    { code: "devices", label: "Geräte", keys: ["inventory_number", "serial_number", "mac_address"] },
    {
      code: "inventory",
      label: "Gemischte Inventarliste (nach Gerätetyp)",
      keys: ["inventory_number", "serial_number", "mac_address"],
    },
  ],
  keys: [
    { code: "inventory_number", label: "Inventarnummer" },
    { code: "serial_number", label: "Seriennummer" },
    { code: "mac_address", label: "MAC-Adresse" },
    { code: "natural", label: "Schulnummer bzw. Name/Nummer in der Schule" },
  ],
  fields: [
    { code: "inventory_number", label: "Inventarnummer" },
    { code: "serial_number", label: "Seriennummer" },
    { code: "school_number", label: "Schulnummer" },
    { code: "model", label: "Modell" },
    { code: "price_cents", label: "Preis" },
    { code: "type", label: "Typ" },
    { code: "notes", label: "Bemerkung" },
  ],
};

function column(index: number, header: string, headerKey: string, field: string | null, label: string | null) {
  return { index, header, header_key: headerKey, field, field_label: label, note: null } satisfies ColumnMapping;
}

export function inspection(overrides: Partial<ImportInspection> = {}): ImportInspection {
  const columns = [
    column(0, "Inventar-Nr.", "inventarnr", "inventory_number", "Inventarnummer"),
    column(1, "Schulnummer", "schulnummer", "school_number", "Schulnummer"),
    column(2, "Gerätetyp", "geratetyp", "type", "Typ"),
    column(3, "Preis (brutto)", "preisbrutto", "price_cents", "Preis"),
    column(4, "Kostenstelle", "kostenstelle", null, null),
  ];
  return {
    file: {
      file_name: "geraeteliste_beispielstadt.xlsx",
      sha256: SHA,
      size_bytes: 39646,
      format: "XLSX",
      sheets: ["Geräte"],
      sheet: "Geräte",
      header_row: 4,
    },
    entity: "inventory",
    key: "inventory_number",
    columns,
    unknown_columns: ["Kostenstelle"],
    problem: null,
    ...overrides,
  };
}

export function summary(overrides: Partial<ImportSummary> = {}): ImportSummary {
  const base = inspection();
  return {
    report_id: 1,
    file: base.file,
    entity: "inventory",
    entity_label: "Gemischte Inventarliste (nach Gerätetyp)",
    key: "inventory_number",
    key_label: "Inventarnummer",
    columns: base.columns,
    unknown_columns: base.unknown_columns,
    rows: 503,
    created: 500,
    updated: 0,
    unchanged: 0,
    errors: 3,
    by_entity: [
      { entity: "device", label: "Gerät", created: 275, updated: 0, unchanged: 0, errors: 2 },
      { entity: "presentation_hardware", label: "Präsentationstechnik", created: 225, updated: 0, unchanged: 0, errors: 0 },
    ],
    warnings: [
      { row: 14, column: "Status", value: "verliehen", code: "holder_unknown", message: "Entleiher unbekannt." },
      { row: 15, column: "Status", value: "verliehen", code: "holder_unknown", message: "Entleiher unbekannt." },
    ],
    warnings_total: 2,
    new_places: [
      { row: 5, kind: "room", kind_label: "Raum", school_number: "020374", name: "Fachraum Physik" },
      { row: 9, kind: "room", kind_label: "Raum", school_number: "190311", name: "Kunstraum Ö1" },
    ],
    new_places_total: 2,
    errors_not_listed: 0,
    committed: false,
    dry_run: true,
    valid_only: false,
    import_id: null,
    ...overrides,
  };
}

function line(row: number, outcome: PreviewLine["outcome"], extra: Partial<PreviewLine> = {}): PreviewLine {
  return { row, outcome, entity_label: "Gerät", key: `INV-${row}`, column: "", value: "", message: "", ...extra };
}

export const errorLines: PreviewLine[] = [
  line(505, "error", { key: "", column: "Preis (brutto)", value: "abc", message: "„abc“ ist kein Betrag." }),
  line(506, "error", { key: "", column: "Preis (brutto)", value: "-5", message: "Der Preis darf nicht negativ sein." }),
  line(507, "error", { key: "", column: "Gerätetyp", value: "Toaster", message: "Gerätetyp „Toaster“ ist nicht bekannt." }),
];

export const allLines: PreviewLine[] = [line(5, "created"), line(6, "created"), line(7, "created"), ...errorLines];

export function pageOf(lines: PreviewLine[], offset: number, limit: number): PreviewPage {
  return { total: lines.length, offset, lines: lines.slice(offset, offset + limit) };
}

export function run(overrides: Partial<ImportRun> = {}): ImportRun {
  return {
    id: "run-1",
    file_name: "geraeteliste_beispielstadt.xlsx",
    sha256: SHA,
    sheet: "Geräte",
    entity: "inventory",
    match_key: "inventory_number",
    author: "schulamt",
    started_at: "2025-03-01T09:30:00Z",
    finished_at: "2025-03-01T09:30:02Z",
    rows: 503,
    created: 500,
    updated: 0,
    unchanged: 0,
    errors: 3,
    valid_only: true,
    ...overrides,
  };
}

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

export type Handler = (args: Record<string, unknown>) => unknown;

/**
 * A fake backend for the import page: every command answers with a sensible default unless
 * `handlers` overrides it. Returns every call in order.
 */
export function mockImportBackend(handlers: Record<string, Handler> = {}): Call[] {
  const calls: Call[] = [];
  const defaults: Record<string, Handler> = {
    app_info: () => ({ db_path: "/tmp/test/schulinventar.sqlite", version: "0.1.0" }),
    list_schools: () => ({ items: [], next: null }),
    import_vocabulary: () => vocabulary,
    import_profiles: () => [],
    import_history: () => [],
    import_inspect: () => inspection(),
    import_run: () => summary(),
    import_cancel: () => null,
    import_preview_rows: (a) =>
      pageOf(a.onlyErrors ? errorLines : allLines, a.offset as number, a.limit as number),
    import_save_errors: (a) => a.path,
    save_import_profile: (a) => ({
      name: a.name,
      entity: a.entity,
      match_key: a.key,
      columns: a.columns,
      created_at: "2025-03-01T09:00:00Z",
      updated_at: "2025-03-01T09:00:00Z",
    }),
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

/** The calls of one command. */
export function callsOf(calls: Call[], cmd: string): Record<string, unknown>[] {
  return calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}
