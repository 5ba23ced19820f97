// A form described by its fields: what each field holds (text, whole number, date, money, a
// choice …), its label in the chosen language, and how the typed text becomes the core's value. EntryForm draws
// it; the buildings, fibre links, access points and presentation hardware are edited with it.
// The core validates again on save, with the same field names.

import type { Label } from "../bindings";
import { formatAmount, formatDate, parseAmount, parseOptionalDate } from "../funding/format";
import { t, tc } from "../i18n/i18n.svelte";
import { parseCount } from "./placeDraft";

export type FieldKind = "text" | "count" | "date" | "money" | "select" | "bool" | "multi" | "list";

export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
  /** The choices of `select` and `multi`. */
  options?: Label[];
  /** Bounds of `count`. */
  min?: number;
  max?: number;
  placeholder?: string;
}

/** What the form holds: text as typed, a code for a choice, the codes ticked for `multi`. */
export type EntryDraft = Record<string, string | string[]>;
export type EntryErrors = Record<string, string>;

/** The form's starting values from a stored row (or defaults), as text. */
export function entryDraft(specs: FieldSpec[], values: Record<string, unknown>): EntryDraft {
  const draft: EntryDraft = {};
  for (const f of specs) {
    const v = values[f.key];
    switch (f.kind) {
      case "multi":
        draft[f.key] = Array.isArray(v) ? v.map(String) : [];
        break;
      case "list":
        draft[f.key] = Array.isArray(v) ? v.join(", ") : "";
        break;
      case "bool":
        draft[f.key] = v === true ? "true" : v === false ? "false" : "";
        break;
      case "date":
        draft[f.key] = typeof v === "string" && v !== "" ? formatDate(v) : "";
        break;
      case "money":
        draft[f.key] = typeof v === "number" ? formatAmount(v) : "";
        break;
      case "select":
        draft[f.key] = typeof v === "string" ? v : f.required && f.options?.length ? f.options[0].code : "";
        break;
      default:
        draft[f.key] = v == null ? "" : String(v);
    }
  }
  return draft;
}

/** The core's values from the typed text, or the problem of each field (in the chosen language). */
export function readEntry(specs: FieldSpec[], draft: EntryDraft): { ok: true; data: Record<string, unknown> } | { ok: false; errors: EntryErrors } {
  const data: Record<string, unknown> = {};
  const errors: EntryErrors = {};
  for (const f of specs) {
    const raw = draft[f.key];
    if (f.kind === "multi") {
      data[f.key] = Array.isArray(raw) ? raw : [];
      continue;
    }
    const text = (typeof raw === "string" ? raw : "").trim();
    if (text === "") {
      if (f.required) errors[f.key] = t("Bitte „{field}“ angeben.", { field: f.label });
      data[f.key] = f.kind === "list" ? [] : null;
      continue;
    }
    switch (f.kind) {
      case "count": {
        const n = parseCount(text, f.min ?? 0, f.max ?? 1_000_000_000);
        if (n.ok) data[f.key] = n.value;
        else errors[f.key] = n.message;
        break;
      }
      case "date": {
        const d = parseOptionalDate(text);
        if (d.ok) data[f.key] = d.value;
        else errors[f.key] = d.message;
        break;
      }
      case "money": {
        const m = parseAmount(text);
        if (!m.ok) errors[f.key] = m.message;
        else if (m.value < 0) errors[f.key] = t("Der Betrag darf nicht negativ sein.");
        else data[f.key] = m.value;
        break;
      }
      case "bool":
        data[f.key] = text === "true";
        break;
      case "list":
        data[f.key] = text
          .split(/[,;]/)
          .map((x) => x.trim())
          .filter(Boolean);
        break;
      default:
        data[f.key] = text;
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, data };
}

const asset = (statuses: Label[]): FieldSpec[] => [
  { key: "inventory_number", label: t("Inventarnummer"), kind: "text" },
  { key: "serial_number", label: t("Seriennummer"), kind: "text" },
  { key: "manufacturer", label: t("Hersteller"), kind: "text" },
  { key: "model", label: t("Modell"), kind: "text" },
  { key: "status", label: t("Status"), kind: "select", options: statuses, required: true },
  { key: "purchase_date", label: t("Kaufdatum"), kind: "date", placeholder: t("TT.MM.JJJJ") },
  { key: "price_cents", label: t("Preis (€)"), kind: "money", placeholder: "1.234,56" },
  { key: "warranty_end", label: t("Garantie bis"), kind: "date", placeholder: t("TT.MM.JJJJ") },
  { key: "notes", label: t("Notizen"), kind: "text" },
];

/**
 * The fields of each kind of entry the EntryForm edits, with the vocabulary's choices. Their
 * labels are in the language chosen at the call: call it in a `$derived` to follow a switch.
 */
export function entrySpecs(v: {
  asset_statuses: Label[];
  presentation_kinds: Label[];
  wifi_standards: Label[];
  wifi_bands: Label[];
  link_types: Label[];
  link_statuses: Label[];
  uplink_technologies: Label[];
  fibre_types: Label[];
}): Record<"building" | "fibre_link" | "access_point" | "presentation_hardware", FieldSpec[]> {
  return {
    building: [
      { key: "name", label: t("Name"), kind: "text", required: true },
      { key: "code", label: t("Kürzel"), kind: "text" },
      { key: "street", label: t("Straße"), kind: "text" },
      { key: "notes", label: t("Notizen"), kind: "text" },
    ],
    fibre_link: [
      { key: "link_type", label: t("Art"), kind: "select", options: v.link_types, required: true },
      { key: "status", label: t("Status"), kind: "select", options: v.link_statuses, required: true },
      { key: "provider", label: t("Anbieter"), kind: "text" },
      // "Technik" alone is the navigation's "Equipment"; the empty placeholder names this sense.
      { key: "technology", label: tc("technology", "Technik"), kind: "select", options: v.uplink_technologies },
      { key: "down_mbps", label: t("Download (Mbit/s)"), kind: "count", max: 1_000_000 },
      { key: "up_mbps", label: t("Upload (Mbit/s)"), kind: "count", max: 1_000_000 },
      { key: "commissioned_on", label: t("In Betrieb seit"), kind: "date", placeholder: t("TT.MM.JJJJ") },
      { key: "contract_end", label: t("Vertragsende"), kind: "date", placeholder: t("TT.MM.JJJJ") },
      { key: "monthly_cost_cents", label: t("Kosten je Monat (€)"), kind: "money" },
      { key: "fibre_type", label: t("Fasertyp"), kind: "select", options: v.fibre_types },
      { key: "fibre_count", label: t("Fasern"), kind: "count", max: 10_000 },
      { key: "length_m", label: t("Länge (m)"), kind: "count", max: 1_000_000 },
      { key: "notes", label: t("Notizen"), kind: "text" },
    ],
    access_point: [
      ...asset(v.asset_statuses),
      { key: "mac_address", label: t("MAC-Adresse"), kind: "text", placeholder: "aa:bb:cc:dd:ee:ff" },
      { key: "wifi_standard", label: t("WLAN-Standard"), kind: "select", options: v.wifi_standards },
      { key: "bands", label: t("Frequenzbänder"), kind: "multi", options: v.wifi_bands },
      { key: "poe", label: t("PoE"), kind: "bool" },
      { key: "controller", label: t("Controller"), kind: "text" },
      { key: "ssids", label: t("SSIDs (mit Komma getrennt)"), kind: "list" },
      { key: "installed_on", label: t("Installiert am"), kind: "date", placeholder: t("TT.MM.JJJJ") },
    ],
    presentation_hardware: [
      { key: "kind", label: t("Art"), kind: "select", options: v.presentation_kinds, required: true },
      { key: "size_inches", label: t("Diagonale (Zoll)"), kind: "count", min: 1, max: 300 },
      { key: "installed_on", label: t("Installiert am"), kind: "date", placeholder: t("TT.MM.JJJJ") },
      ...asset(v.asset_statuses),
    ],
  };
}
