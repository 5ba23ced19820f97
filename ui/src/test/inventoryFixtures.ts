import { mockIPC } from "@tauri-apps/api/mocks";
import type { DeviceData, InventoryVocabulary, ListQuery, LoanFilter, LoanView, SchoolKpi, SchoolRef } from "../lib/bindings";
import type { Device, Room } from "../lib/types";

export const VOCABULARY: InventoryVocabulary = {
  lands: [{ code: "NW", label: "Nordrhein-Westfalen", label_en: "North Rhine-Westphalia" }],
  school_types: [{ code: "primary", label: "Grundschule", label_en: "Primary school" }],
  room_kinds: [{ code: "classroom", label: "Unterrichtsraum", label_en: "Classroom" }],
  wlan_coverages: [{ code: "full", label: "vollständig", label_en: "full" }],
  asset_statuses: [
    { code: "in_stock", label: "auf Lager", label_en: "in stock" },
    { code: "in_use", label: "im Einsatz", label_en: "in use" },
    { code: "in_repair", label: "in Reparatur", label_en: "in repair" },
    { code: "retired", label: "ausgemustert", label_en: "retired" },
  ],
  device_categories: [
    { code: "laptop", label: "Laptop", label_en: "Laptop" },
    { code: "tablet", label: "Tablet", label_en: "Tablet" },
  ],
  user_groups: [
    { code: "pupils", label: "Schülerinnen und Schüler", label_en: "Pupils" },
    { code: "teachers", label: "Lehrkräfte", label_en: "Teachers" },
  ],
  presentation_kinds: [{ code: "interactive_display", label: "Interaktives Display", label_en: "Interactive display" }],
  uplink_technologies: [{ code: "ftth", label: "Glasfaser (FTTH)", label_en: "Fibre (FTTH)" }],
  link_types: [
    { code: "uplink", label: "Internetanschluss", label_en: "Internet uplink" },
    { code: "inter_building", label: "Verbindung zwischen Gebäuden", label_en: "Link between buildings" },
  ],
  link_statuses: [
    { code: "planned", label: "geplant", label_en: "planned" },
    { code: "live", label: "in Betrieb", label_en: "live" },
  ],
  fibre_types: [{ code: "os2", label: "OS2 (Singlemode)", label_en: "OS2 (single-mode)" }],
  wifi_standards: [{ code: "wifi6", label: "Wi-Fi 6 (802.11ax)", label_en: "Wi-Fi 6 (802.11ax)" }],
  wifi_bands: [
    { code: "2.4ghz", label: "2,4 GHz", label_en: "2.4 GHz" },
    { code: "5ghz", label: "5 GHz", label_en: "5 GHz" },
  ],
};

export const SCHOOLS: SchoolRef[] = [
  { id: "s1", authority_id: "a1", school_number: "100013", name: "Geschwister-Scholl-Gymnasium" },
  { id: "s2", authority_id: "a1", school_number: "100025", name: "Grundschule am Park" },
];

/** A device as the core serialises it; tests set what they look at. */
export function device(overrides: Partial<Device> & Pick<Device, "id">): Device {
  return {
    created_at: "2025-01-01T00:00:00.000Z",
    updated_at: "2025-01-01T00:00:00.000Z",
    deleted_at: null,
    school_id: "s1",
    building_id: null,
    room_id: null,
    inventory_number: null,
    serial_number: null,
    manufacturer: "Dell",
    model: "Latitude 3440",
    purchase_date: "2024-03-12",
    price_cents: 89_900,
    warranty_end: "2027-03-12",
    status: "in_use",
    notes: null,
    category: "laptop",
    user_group: "pupils",
    os: null,
    ...overrides,
  };
}

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

/**
 * A fake backend over an in-memory device table: lists page by `limit` with the index as
 * cursor, saves (answering with `saveError` once if given), deletes and restores.
 */
export function mockInventoryBackend(
  devices: Device[],
  options: { saveErrors?: unknown[]; history?: unknown[]; bulkErrors?: unknown[]; rooms?: Room[]; loans?: LoanView[] } = {},
) {
  const calls: Call[] = [];
  const table = [...devices];
  const deleted = new Map<string, Device>();
  const saveErrors = [...(options.saveErrors ?? [])];
  const bulkErrors = [...(options.bulkErrors ?? [])];
  let next = 1;
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "inventory_vocabulary":
        return VOCABULARY;
      case "funding_schools":
        return SCHOOLS;
      case "list_rooms": {
        const q = args.query as ListQuery;
        return { items: (options.rooms ?? []).filter((r) => r.school_id === q.school_id), next: null };
      }
      case "bulk_update_devices": {
        const failure = bulkErrors.shift();
        if (failure) throw failure;
        const change = args.change as { status: Device["status"] | null; room_id: string | null };
        let changed = 0;
        for (const id of args.ids as string[]) {
          const at = table.findIndex((x) => x.id === id);
          table[at] = { ...table[at], status: change.status ?? table[at].status, room_id: change.room_id ?? table[at].room_id };
          changed++;
        }
        return { changed, unchanged: 0 };
      }
      case "list_devices": {
        const q = args.query as ListQuery;
        const rows = table.filter((d) => !q.search || (d.inventory_number ?? "").includes(q.search));
        const from = q.after === null ? 0 : Number(q.after);
        const limit = q.limit ?? 100;
        const items = rows.slice(from, from + limit);
        return { items, next: from + limit < rows.length ? String(from + limit) : null };
      }
      case "get_device": {
        const d = table.find((x) => x.id === args.id);
        if (!d) throw { code: "not_found", message: "Gerät nicht gefunden.", entity: "device", id: args.id };
        return d;
      }
      case "save_device": {
        const failure = saveErrors.shift();
        if (failure) throw failure;
        const data = args.data as DeviceData;
        const id = (args.id as string | null) ?? `new-${next++}`;
        const saved = device({ ...data, id, updated_at: `2025-06-0${next}T10:00:00.000Z` });
        const at = table.findIndex((x) => x.id === id);
        if (at >= 0) table[at] = saved;
        else table.push(saved);
        return saved;
      }
      case "delete_device": {
        const at = table.findIndex((x) => x.id === args.id);
        deleted.set(args.id as string, table[at]);
        table.splice(at, 1);
        return null;
      }
      case "restore_device": {
        const d = deleted.get(args.id as string)!;
        table.push(d);
        return d;
      }
      case "list_loans": {
        const f = args.filter as LoanFilter;
        return (options.loans ?? []).filter((l) => !f.device_id || l.loan.device_id === f.device_id);
      }
      case "item_history":
        return options.history ?? [];
      default:
        throw `unbekanntes Kommando ${cmd}`;
    }
  });
  return { calls, table };
}

export function callsOf(calls: Call[], cmd: string): Record<string, unknown>[] {
  return calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

/** A school's key figures; tests set what they look at. */
export function kpi(overrides: Partial<SchoolKpi> & Pick<SchoolKpi, "school_id">): SchoolKpi {
  return {
    school_number: "100000",
    name: "Schule",
    social_index: null,
    pupils: 100,
    devices: 0,
    classrooms: 0,
    classrooms_with_display: 0,
    rooms: 0,
    rooms_with_wlan: 0,
    uplink_technology: null,
    uplink_down_mbps: null,
    past_replacement_age: 0,
    overdue_loans: 0,
    spent_cents: 0,
    allocated_cents: 0,
    ...overrides,
  };
}
