// The school and room forms' state as typed, their checks while typing, and the conversion to
// the core's `SchoolData` and `RoomData`. The core validates again on save (the school number's
// form per Land, uniqueness); its field errors use the same field names.

import type { Land, RoomData, RoomKind, SchoolData, SchoolType, WlanCoverage } from "../bindings";
import { formatDate, parseOptionalDate } from "../funding/format";
import { t } from "../i18n/i18n.svelte";
import type { Room, School } from "../types";

export type Problems<K extends string> = Partial<Record<K, string>>;
export type Read<T, K extends string> = { ok: true; data: T } | { ok: false; errors: Problems<K> };

/** An optional whole number between `min` and `max`, typed with or without thousands dots. */
export function parseCount(text: string, min: number, max: number): { ok: true; value: number | null } | { ok: false; message: string } {
  const digits = text.trim().replace(/\./g, "");
  if (digits === "") return { ok: true, value: null };
  if (!/^\d+$/.test(digits)) return { ok: false, message: t("„{text}“ ist keine ganze Zahl.", { text: text.trim() }) };
  const value = Number(digits);
  if (value < min || value > max) {
    return { ok: false, message: t("Bitte eine Zahl von {min} bis {max} eingeben.", { min, max: max.toLocaleString("de-DE") }) };
  }
  return { ok: true, value };
}

const orNull = (s: string) => (s.trim() === "" ? null : s.trim());

export interface SchoolDraft {
  authority_id: string;
  land: string;
  school_number: string;
  name: string;
  school_type: string;
  school_type_label: string;
  street: string;
  postcode: string;
  city: string;
  pupils: string;
  teachers: string;
  headcount_date: string;
  social_index: string;
  notes: string;
}
export type SchoolField = keyof SchoolDraft;

export function schoolDraft(school: School | null, authorityId = "", land = "NW"): SchoolDraft {
  const n = (v: number | null) => (v == null ? "" : String(v));
  return {
    authority_id: school?.authority_id ?? authorityId,
    land: school?.land ?? land,
    school_number: school?.school_number ?? "",
    name: school?.name ?? "",
    school_type: school?.school_type ?? "primary",
    school_type_label: school?.school_type_label ?? "",
    street: school?.street ?? "",
    postcode: school?.postcode ?? "",
    city: school?.city ?? "",
    pupils: n(school?.pupils ?? null),
    teachers: n(school?.teachers ?? null),
    headcount_date: school?.headcount_date ? formatDate(school.headcount_date) : "",
    social_index: n(school?.social_index ?? null),
    notes: school?.notes ?? "",
  };
}

/** Checks what can be checked while typing; `typeLabel` names the school type when no own label is typed. */
export function readSchool(d: SchoolDraft, typeLabel: (code: string) => string): Read<SchoolData, SchoolField> {
  const errors: Problems<SchoolField> = {};
  if (d.authority_id === "") errors.authority_id = t("Bitte den Schulträger wählen.");
  if (d.school_number.trim() === "") errors.school_number = t("Bitte die Schulnummer angeben.");
  if (d.name.trim() === "") errors.name = t("Bitte den Namen der Schule angeben.");
  if (d.postcode.trim() !== "" && !/^\d{5}$/.test(d.postcode.trim())) errors.postcode = t("Eine Postleitzahl hat fünf Ziffern.");
  const pupils = parseCount(d.pupils, 0, 10_000);
  if (!pupils.ok) errors.pupils = pupils.message;
  const teachers = parseCount(d.teachers, 0, 2_000);
  if (!teachers.ok) errors.teachers = teachers.message;
  const social = parseCount(d.social_index, 1, 9);
  if (!social.ok) errors.social_index = social.message;
  const headcount = parseOptionalDate(d.headcount_date);
  if (!headcount.ok) errors.headcount_date = headcount.message;
  if (!pupils.ok || !teachers.ok || !social.ok || !headcount.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    data: {
      authority_id: d.authority_id,
      land: d.land as Land,
      school_number: d.school_number.trim(),
      name: d.name.trim(),
      school_type: d.school_type as SchoolType,
      school_type_label: orNull(d.school_type_label) ?? typeLabel(d.school_type),
      street: orNull(d.street),
      postcode: orNull(d.postcode),
      city: orNull(d.city),
      pupils: pupils.value,
      teachers: teachers.value,
      headcount_date: headcount.value,
      social_index: social.value,
      notes: orNull(d.notes),
    },
  };
}

export interface RoomDraft {
  building_id: string;
  number: string;
  name: string;
  floor: string;
  kind: string;
  wlan_coverage: string;
  notes: string;
}
export type RoomField = keyof RoomDraft | "school_id";

export function roomDraft(room: Room | null): RoomDraft {
  return {
    building_id: room?.building_id ?? "",
    number: room?.number ?? "",
    name: room?.name ?? "",
    floor: room?.floor == null ? "" : String(room.floor),
    kind: room?.kind ?? "classroom",
    wlan_coverage: room?.wlan_coverage ?? "",
    notes: room?.notes ?? "",
  };
}

export function readRoom(d: RoomDraft, schoolId: string): Read<RoomData, RoomField> {
  const errors: Problems<RoomField> = {};
  if (d.number.trim() === "") errors.number = t("Bitte die Raumnummer angeben.");
  const floor = d.floor.trim();
  if (floor !== "" && !/^-?\d{1,2}$/.test(floor)) errors.floor = t("Die Etage ist eine ganze Zahl (Keller: -1).");
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    data: {
      school_id: schoolId,
      building_id: orNull(d.building_id),
      number: d.number.trim(),
      name: orNull(d.name),
      floor: floor === "" ? null : Number(floor),
      kind: d.kind as RoomKind,
      wlan_coverage: d.wlan_coverage === "" ? null : (d.wlan_coverage as WlanCoverage),
      notes: orNull(d.notes),
    },
  };
}
