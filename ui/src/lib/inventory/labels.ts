// German names of the core's fields and kinds of entry, and how a history value reads.

import type { InventoryVocabulary, Label } from "../bindings";
import { formatDate, formatEuro } from "../funding/format";

export const FIELD_LABELS: Record<string, string> = {
  authority_id: "Schulträger",
  school_id: "Schule",
  building_id: "Gebäude",
  room_id: "Raum",
  inventory_number: "Inventarnummer",
  serial_number: "Seriennummer",
  manufacturer: "Hersteller",
  model: "Modell",
  purchase_date: "Kaufdatum",
  price_cents: "Preis",
  warranty_end: "Garantie bis",
  status: "Status",
  notes: "Notizen",
  category: "Kategorie",
  user_group: "Nutzergruppe",
  os: "Betriebssystem",
  deleted_at: "Gelöscht",
  land: "Land",
  school_number: "Schulnummer",
  name: "Name",
  school_type_label: "Schulform (Bezeichnung)",
  school_type: "Schulform",
  street: "Straße",
  postcode: "PLZ",
  city: "Ort",
  pupils: "Schülerzahl",
  teachers: "Lehrkräfte",
  headcount_date: "Stichtag",
  social_index: "Sozialindex",
  number: "Raumnummer",
  floor: "Etage",
  kind: "Art",
  wlan_coverage: "WLAN-Abdeckung",
  mac_address: "MAC-Adresse",
  installed_on: "Installiert am",
  holder_name: "Ausgeliehen an",
  loaned_on: "Ausgeliehen am",
  due_on: "Rückgabe fällig",
  returned_on: "Zurückgegeben am",
};

export const KIND_LABELS: Record<string, string> = {
  school: "Schulen",
  room: "Räume",
  device: "Geräte",
  access_point: "Access Points",
  presentation_hardware: "Präsentationstechnik",
};

export const SOURCE_LABELS: Record<string, string> = {
  manual: "Eingabe",
  import: "Import",
  sync: "Abgleich mit dem Hub",
  bundle: "Abgleichspaket",
  demo: "Beispieldaten",
  restore: "Wiederherstellung",
};

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field;
}

function find(list: Label[], code: string): string | undefined {
  return list.find((l) => l.code === code)?.label;
}

/** A value of the change log as a person reads it: dates, money and codes in German. */
export function historyValue(field: string, value: unknown, vocabulary: InventoryVocabulary | null): string {
  if (value === null || value === undefined || value === "") return "–";
  if (typeof value === "boolean") return value ? "ja" : "nein";
  if (field.endsWith("_cents") && typeof value === "number") return formatEuro(value);
  if (typeof value === "number") return new Intl.NumberFormat("de-DE").format(value);
  if (typeof value !== "string") return JSON.stringify(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDate(value);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return formatTimestamp(value);
  if (vocabulary) {
    const lists: Record<string, Label[]> = {
      status: vocabulary.asset_statuses,
      category: vocabulary.device_categories,
      user_group: vocabulary.user_groups,
      land: vocabulary.lands,
      school_type: vocabulary.school_types,
      kind: vocabulary.room_kinds,
      wlan_coverage: vocabulary.wlan_coverages,
    };
    const label = lists[field] ? find(lists[field], value) : undefined;
    if (label) return label;
  }
  return value;
}

/** An RFC 3339 instant in local time: "12.03.2025, 14:05". */
export function formatTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()}, ${two(d.getHours())}:${two(d.getMinutes())}`;
}
