// The device form's state as typed, its checks while typing, and the conversion to the core's
// `DeviceData`. The core validates again on save; its field errors use the same field names.

import type { DeviceData, FieldError } from "../bindings";
import type { Device, Room } from "../types";
import { formatAmount, parseAmount, parseOptionalDate } from "../funding/format";
import { t } from "../i18n/i18n.svelte";

/** What the form holds: text as typed, codes for choices. Keys are the core's field names. */
export interface DeviceDraft {
  school_id: string;
  room_id: string;
  inventory_number: string;
  serial_number: string;
  manufacturer: string;
  model: string;
  category: string;
  user_group: string;
  status: string;
  os: string;
  purchase_date: string;
  warranty_end: string;
  price_cents: string;
  notes: string;
}

export type DraftErrors = Partial<Record<keyof DeviceDraft | "reason", string>>;

function isoToGerman(iso: string | null): string {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso) : null;
  return m ? `${m[3]}.${m[2]}.${m[1]}` : (iso ?? "");
}

/** The form's starting values: an existing device, or a new one (optionally for a school). */
export function draftFrom(device: Device | null, schoolId = ""): DeviceDraft {
  if (device === null) {
    return {
      school_id: schoolId,
      room_id: "",
      inventory_number: "",
      serial_number: "",
      manufacturer: "",
      model: "",
      category: "laptop",
      user_group: "pupils",
      status: "in_use",
      os: "",
      purchase_date: "",
      warranty_end: "",
      price_cents: "",
      notes: "",
    };
  }
  return {
    school_id: device.school_id,
    room_id: device.room_id ?? "",
    inventory_number: device.inventory_number ?? "",
    serial_number: device.serial_number ?? "",
    manufacturer: device.manufacturer ?? "",
    model: device.model ?? "",
    category: device.category,
    user_group: device.user_group,
    status: device.status,
    os: device.os ?? "",
    purchase_date: isoToGerman(device.purchase_date),
    warranty_end: isoToGerman(device.warranty_end),
    price_cents: device.price_cents == null ? "" : formatAmount(device.price_cents),
    notes: device.notes ?? "",
  };
}

function text(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/**
 * Reads the draft: the data to save, or the problems by field (in the chosen language). `rooms` are the rooms of
 * the chosen school; the building follows from the room.
 */
export function readDraft(
  draft: DeviceDraft,
  rooms: Room[],
): { ok: true; data: DeviceData } | { ok: false; errors: DraftErrors } {
  const errors: DraftErrors = {};
  if (draft.school_id === "") errors.school_id = t("Bitte die Schule wählen.");
  const purchase = parseOptionalDate(draft.purchase_date);
  if (!purchase.ok) errors.purchase_date = purchase.message;
  const warranty = parseOptionalDate(draft.warranty_end);
  if (!warranty.ok) errors.warranty_end = warranty.message;
  if (purchase.ok && warranty.ok && purchase.value && warranty.value && warranty.value < purchase.value) {
    errors.warranty_end = t("Die Garantie kann nicht vor dem Kaufdatum enden.");
  }
  let price: number | null = null;
  if (draft.price_cents.trim() !== "") {
    const p = parseAmount(draft.price_cents);
    if (!p.ok) errors.price_cents = p.message;
    else if (p.value < 0) errors.price_cents = t("Der Preis darf nicht negativ sein.");
    else price = p.value;
  }
  const room = rooms.find((r) => r.id === draft.room_id) ?? null;
  if (draft.room_id !== "" && room === null) errors.room_id = t("Der Raum gehört nicht zu dieser Schule.");
  if (Object.keys(errors).length > 0 || !purchase.ok || !warranty.ok) return { ok: false, errors };
  return {
    ok: true,
    data: {
      school_id: draft.school_id,
      building_id: room?.building_id ?? null,
      room_id: room?.id ?? null,
      inventory_number: text(draft.inventory_number),
      serial_number: text(draft.serial_number),
      manufacturer: text(draft.manufacturer),
      model: text(draft.model),
      purchase_date: purchase.value,
      price_cents: price,
      warranty_end: warranty.value,
      status: draft.status as DeviceData["status"],
      notes: text(draft.notes),
      category: draft.category as DeviceData["category"],
      user_group: draft.user_group as DeviceData["user_group"],
      os: text(draft.os),
    },
  };
}

/** The core's field errors by field of the form (the first message per field). */
export function fieldErrors(errors: FieldError[]): DraftErrors {
  const out: DraftErrors = {};
  for (const e of errors) {
    const key = (e.field === "building_id" ? "room_id" : e.field) as keyof DraftErrors;
    out[key] ??= e.message;
  }
  return out;
}
