// Names of the core's fields and kinds of entry in the chosen language, and how a history value reads.

import type { InventoryVocabulary, Label } from "../bindings";
import { formatDate, formatEuro } from "../funding/format";
import { label, t, tc } from "../i18n/i18n.svelte";

/**
 * A table of names whose entries are read when used, so that each reads in the language chosen
 * at that moment (`FIELD_LABELS.room_id` is "Raum" or "Room").
 */
function named(texts: Record<string, () => string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, text] of Object.entries(texts)) Object.defineProperty(out, key, { get: text, enumerable: true });
  return out;
}

export const FIELD_LABELS: Record<string, string> = named({
  authority_id: () => t("Schulträger"),
  school_id: () => t("Schule"),
  building_id: () => tc("singular", "Gebäude"),
  room_id: () => t("Raum"),
  inventory_number: () => t("Inventarnummer"),
  serial_number: () => t("Seriennummer"),
  manufacturer: () => t("Hersteller"),
  model: () => t("Modell"),
  purchase_date: () => t("Kaufdatum"),
  price_cents: () => t("Preis"),
  warranty_end: () => t("Garantie bis"),
  status: () => t("Status"),
  notes: () => t("Notizen"),
  category: () => t("Kategorie"),
  user_group: () => t("Nutzergruppe"),
  os: () => t("Betriebssystem"),
  deleted_at: () => t("Gelöscht"),
  land: () => t("Land"),
  school_number: () => t("Schulnummer"),
  name: () => t("Name"),
  school_type_label: () => t("Schulform (Bezeichnung)"),
  school_type: () => t("Schulform"),
  street: () => t("Straße"),
  postcode: () => t("PLZ"),
  city: () => t("Ort"),
  pupils: () => t("Schülerzahl"),
  teachers: () => t("Lehrkräfte"),
  headcount_date: () => t("Stichtag"),
  social_index: () => t("Sozialindex"),
  number: () => t("Raumnummer"),
  floor: () => t("Etage"),
  kind: () => t("Art"),
  wlan_coverage: () => t("WLAN-Abdeckung"),
  mac_address: () => t("MAC-Adresse"),
  installed_on: () => t("Installiert am"),
  holder_name: () => t("Ausgeliehen an"),
  loaned_on: () => t("Ausgeliehen am"),
  due_on: () => t("Rückgabe fällig"),
  returned_on: () => t("Zurückgegeben am"),
});

export const KIND_LABELS: Record<string, string> = named({
  school: () => t("Schulen"),
  room: () => t("Räume"),
  device: () => t("Geräte"),
  access_point: () => t("Access Points"),
  presentation_hardware: () => t("Präsentationstechnik"),
});

export const SOURCE_LABELS: Record<string, string> = named({
  manual: () => t("Eingabe"),
  import: () => t("Import"),
  sync: () => t("Abgleich mit dem Hub"),
  bundle: () => t("Abgleichspaket"),
  demo: () => t("Beispieldaten"),
  restore: () => t("Wiederherstellung"),
});

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field;
}

function find(list: Label[], code: string): string | undefined {
  const entry = list.find((l) => l.code === code);
  return entry ? label(entry) : undefined;
}

/** A value of the change log as a person reads it: dates and money in German form, codes by their label. */
export function historyValue(field: string, value: unknown, vocabulary: InventoryVocabulary | null): string {
  if (value === null || value === undefined || value === "") return "–";
  if (typeof value === "boolean") return value ? t("ja") : t("nein");
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
    const shown = lists[field] ? find(lists[field], value) : undefined;
    if (shown) return shown;
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
