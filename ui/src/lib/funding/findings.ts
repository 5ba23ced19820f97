import type { Severity } from "../bindings";
import { t } from "../i18n/i18n.svelte";

/** A severity's badge. */
export function severityLabel(severity: Severity): string {
  switch (severity) {
    case "violation":
      return t("Verstoß");
    case "warning":
      return t("Hinweis");
    case "info":
      return t("Info");
  }
}

/** Plural heading of a severity in the filter. */
export function severityPlural(severity: Severity): string {
  switch (severity) {
    case "violation":
      return t("Verstöße");
    case "warning":
      return t("Hinweise");
    case "info":
      return t("Infos");
  }
}

/** "1 Gerät" and "{n} Geräte" of each kind of record a finding can concern. */
const ENTITY_WORDS: Record<string, [() => string, (n: number) => string]> = {
  invoice_line: [() => t("1 Rechnungsposition"), (n) => t("{n} Rechnungspositionen", { n })],
  invoice: [() => t("1 Rechnung"), (n) => t("{n} Rechnungen", { n })],
  school: [() => t("1 Schule"), (n) => t("{n} Schulen", { n })],
  device: [() => t("1 Gerät"), (n) => t("{n} Geräte", { n })],
  access_point: [() => t("1 Access Point"), (n) => t("{n} Access Points", { n })],
  presentation_hardware: [() => t("1 Präsentationsgerät"), (n) => t("{n} Präsentationsgeräte", { n })],
  fibre_link: [() => t("1 Leitung"), (n) => t("{n} Leitungen", { n })],
  programme: [() => t("1 Programm"), (n) => t("{n} Programme", { n })],
};
const RECORDS: [() => string, (n: number) => string] = [() => t("1 Datensatz"), (n) => t("{n} Datensätze", { n })];

/** "1 Gerät", "47 Geräte". `count` is the finding's total; its `ids` list only the first ones. */
export function recordCount(entity: string | null, count: number): string {
  const [one, many] = ENTITY_WORDS[entity ?? ""] ?? RECORDS;
  return count === 1 ? one() : many(count);
}
