// The key figures of the dashboard and the school page: totals over schools, ratios and shares
// the German way, and sorting the school table. The per-school counts come from the core
// (`school_kpis`); the same figures are in the KPI report.

import type { SchoolKpi } from "../bindings";
import { t } from "../i18n/i18n.svelte";

/** Uplink bandwidth from which a school counts as connected by gigabit (the core's `GIGABIT_MBPS`). */
export const GIGABIT_MBPS = 1000;

/** `a / b`, or null when `b` is missing or zero. */
export function ratio(a: number, b: number | null | undefined): number | null {
  return b == null || b <= 0 ? null : a / b;
}

export const devicesPerPupil = (k: SchoolKpi) => ratio(k.devices, k.pupils);
export const displayShare = (k: SchoolKpi) => ratio(k.classrooms_with_display, k.classrooms);
export const wlanShare = (k: SchoolKpi) => ratio(k.rooms_with_wlan, k.rooms);
export const gigabit = (k: SchoolKpi) => (k.uplink_down_mbps ?? 0) >= GIGABIT_MBPS;

export interface Totals {
  schools: number;
  pupils: number;
  devices: number;
  devicesPerPupil: number | null;
  displayShare: number | null;
  wlanShare: number | null;
  gigabitShare: number | null;
  pastReplacementAge: number;
  overdueLoans: number;
  spentCents: number;
  allocatedCents: number;
}

/** The municipality's figures: sums over its schools, and shares of those sums. */
export function totals(kpis: SchoolKpi[]): Totals {
  const sum = (f: (k: SchoolKpi) => number) => kpis.reduce((n, k) => n + f(k), 0);
  const pupils = sum((k) => k.pupils ?? 0);
  const devices = sum((k) => k.devices);
  return {
    schools: kpis.length,
    pupils,
    devices,
    devicesPerPupil: ratio(devices, pupils),
    displayShare: ratio(
      sum((k) => k.classrooms_with_display),
      sum((k) => k.classrooms),
    ),
    wlanShare: ratio(
      sum((k) => k.rooms_with_wlan),
      sum((k) => k.rooms),
    ),
    gigabitShare: ratio(kpis.filter(gigabit).length, kpis.length),
    pastReplacementAge: sum((k) => k.past_replacement_age),
    overdueLoans: sum((k) => k.overdue_loans),
    spentCents: sum((k) => k.spent_cents),
    allocatedCents: sum((k) => k.allocated_cents),
  };
}

const decimal = new Intl.NumberFormat("de-DE", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat("de-DE");

/** 0.2134 → "0,21"; nothing → "–". */
export function formatRatio(x: number | null): string {
  return x == null ? "–" : decimal.format(x);
}

/** 0.426 → "43 %" (German spacing); nothing → "–". */
export function formatShare(x: number | null): string {
  return x == null ? "–" : `${whole.format(Math.round(x * 100))} %`;
}

export function formatCount(n: number | null | undefined): string {
  return n == null ? "–" : whole.format(n);
}

/** A sortable column of the school table: what it shows and the value it sorts by. */
export interface KpiColumn {
  key: string;
  /** The header, in the chosen language. */
  label: () => string;
  numeric: boolean;
  value: (k: SchoolKpi) => number | string | null;
}

export const KPI_COLUMNS: KpiColumn[] = [
  { key: "school_number", label: () => t("Schulnummer"), numeric: false, value: (k) => k.school_number },
  { key: "name", label: () => t("Schule"), numeric: false, value: (k) => k.name },
  { key: "social_index", label: () => t("Sozialindex"), numeric: true, value: (k) => k.social_index },
  { key: "pupils", label: () => t("Schüler"), numeric: true, value: (k) => k.pupils },
  { key: "devices", label: () => t("Geräte"), numeric: true, value: (k) => k.devices },
  { key: "devices_per_pupil", label: () => t("Geräte je Schüler"), numeric: true, value: devicesPerPupil },
  { key: "display_share", label: () => t("Unterrichtsräume mit Anzeigetechnik"), numeric: true, value: displayShare },
  { key: "wlan_share", label: () => t("Räume mit WLAN"), numeric: true, value: wlanShare },
  { key: "uplink", label: () => t("Anschluss (Mbit/s)"), numeric: true, value: (k) => k.uplink_down_mbps },
  { key: "past_replacement_age", label: () => t("Über Ersatzalter"), numeric: true, value: (k) => k.past_replacement_age },
  { key: "overdue_loans", label: () => t("Überfällige Ausleihen"), numeric: true, value: (k) => k.overdue_loans },
];

/** The schools ordered by `key`; schools without a value come last either way. */
export function sortKpis(kpis: SchoolKpi[], key: string, descending: boolean): SchoolKpi[] {
  const column = KPI_COLUMNS.find((c) => c.key === key) ?? KPI_COLUMNS[0];
  const collator = new Intl.Collator("de-DE", { numeric: true });
  return [...kpis].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    if (x == null || y == null) {
      if (x == null && y == null) return collator.compare(a.school_number, b.school_number);
      return x == null ? 1 : -1;
    }
    const order = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
    return (descending ? -order : order) || collator.compare(a.school_number, b.school_number);
  });
}

/** How a column's value reads in the table. */
export function formatKpi(column: KpiColumn, k: SchoolKpi): string {
  const v = column.value(k);
  if (column.key === "devices_per_pupil") return formatRatio(v as number | null);
  if (column.key === "display_share" || column.key === "wlan_share") return formatShare(v as number | null);
  if (typeof v === "number") return formatCount(v);
  return v ?? "–";
}
