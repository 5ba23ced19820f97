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

/** "1 Gerät", "47 Geräte". `count` is the finding's total; its `ids` list only the first ones. */
export function recordCount(entity: string | null, count: number): string {
  const [one, many] = ENTITY_WORDS[entity ?? ""] ?? ["Datensatz", "Datensätze"];
  return `${count} ${count === 1 ? one : many}`;
}
