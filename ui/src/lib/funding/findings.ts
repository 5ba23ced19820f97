import type { Severity } from "../bindings";

export const SEVERITY_LABEL: Record<Severity, string> = {
  violation: "Verstoß",
  warning: "Hinweis",
  info: "Info",
};

/** Plural heading of a severity in the filter. */
export const SEVERITY_PLURAL: Record<Severity, string> = {
  violation: "Verstöße",
  warning: "Hinweise",
  info: "Infos",
};

const ENTITY_WORDS: Record<string, [string, string]> = {
  invoice_line: ["Rechnungsposition", "Rechnungspositionen"],
  invoice: ["Rechnung", "Rechnungen"],
  school: ["Schule", "Schulen"],
  device: ["Gerät", "Geräte"],
  access_point: ["Access Point", "Access Points"],
  presentation_hardware: ["Präsentationsgerät", "Präsentationsgeräte"],
  fibre_link: ["Leitung", "Leitungen"],
  programme: ["Programm", "Programme"],
};

/** The core lists at most this many records per finding (funding::check, MAX_IDS). */
export const LISTED_MAX = 100;

/** "1 Gerät", "47 Geräte", "mindestens 100 Rechnungspositionen". */
export function recordCount(entity: string | null, count: number): string {
  const [one, many] = ENTITY_WORDS[entity ?? ""] ?? ["Datensatz", "Datensätze"];
  if (count >= LISTED_MAX) return `mindestens ${count} ${many}`;
  return `${count} ${count === 1 ? one : many}`;
}
