// Money, shares and dates the German way. Money is integer cents everywhere; nothing here
// goes through floating point for an amount a user typed. The formats stay German in English too;
// only the messages about what was typed follow the chosen language.

import { t } from "../i18n/i18n.svelte";

/** The result of reading a typed value: the value, or the reason it is not one (in the chosen language). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
}

/** Cents as an amount without currency: 123456 → "1.234,56", -5 → "-0,05". */
export function formatAmount(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(cents));
  const whole = Math.floor(abs / 100).toString();
  const rest = (abs % 100).toString().padStart(2, "0");
  return `${sign}${group(whole)},${rest}`;
}

/** Cents as money: 123456 → "1.234,56 €" (as the core's `euros`). */
export function formatEuro(cents: number): string {
  return `${formatAmount(cents)} €`;
}

const MAX_CENTS = 1_000_000_000_000; // ten billion euros, the core's plausibility limit

/**
 * Reads an amount typed the German way: "1.234,56", "1234,56", "1234", "1.234", "-12,5",
 * "1.234,56 €", "12,–". The dot only groups thousands, the comma separates the cents.
 */
export function parseAmount(text: string): Parsed<number> {
  let typed = text.replace(/[\s\u00a0\u202f]/g, "").replace(/€|EUR/gi, "");
  typed = typed.replace(/,[-–]$/, "");
  if (typed === "") return { ok: false, message: t("Bitte einen Betrag eingeben.") };
  const m = /^([-+]?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?$/.exec(typed);
  if (!m) {
    if (/^[-+]?\d+(?:\.\d{1,2})$/.test(typed)) {
      return { ok: false, message: t("„{text}“: Nachkommastellen bitte mit Komma trennen (z. B. 12,50).", { text: text.trim() }) };
    }
    if (/^[-+]?[\d.,]+$/.test(typed) && /,\d{3,}$/.test(typed)) {
      return {
        ok: false,
        message: t("„{text}“: höchstens zwei Nachkommastellen. Bitte einen Betrag wie 1.234,56 eingeben.", { text: text.trim() }),
      };
    }
    return { ok: false, message: t("„{text}“ ist kein Betrag. Bitte einen Betrag wie 1.234,56 eingeben.", { text: text.trim() }) };
  }
  const whole = Number(m[2].replace(/\./g, ""));
  const cents = whole * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  if (cents > MAX_CENTS) return { ok: false, message: t("Der Betrag ist unplausibel groß.") };
  return { ok: true, value: m[1] === "-" ? -cents : cents };
}

/** Basis points as a percentage: 9000 → "90 %", 999 → "9,99 %" (as the core's `percent`). */
export function formatPercent(bp: number): string {
  if (bp % 100 === 0) return `${bp / 100} %`;
  const sign = bp < 0 ? "-" : "";
  const abs = Math.abs(bp);
  return `${sign}${Math.floor(abs / 100)},${(abs % 100).toString().padStart(2, "0")} %`;
}

/** A percentage for an input field: 9000 → "90", 1250 → "12,5". */
export function percentInput(bp: number): string {
  return formatPercent(bp).replace(" %", "").replace(/(,\d)0$/, "$1");
}

/** Reads a percentage ("90", "12,5", "12,50 %") into basis points. */
export function parsePercent(text: string): Parsed<number> {
  const typed = text.replace(/[\s\u00a0]/g, "").replace(/%$/, "");
  const m = /^(\d{1,3})(?:,(\d{1,2}))?$/.exec(typed);
  if (!m) return { ok: false, message: t("„{text}“ ist kein Prozentsatz. Bitte z. B. 90 oder 12,5 eingeben.", { text: text.trim() }) };
  const bp = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  if (bp > 10_000) return { ok: false, message: t("Der Anteil darf höchstens 100 % betragen.") };
  return { ok: true, value: bp };
}

/** An ISO date as the Germans write it: "2024-03-12" → "12.03.2024". */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "–";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}

/** Reads "12.03.2024", "12.3.2024" or "2024-03-12" into an ISO date; refuses 31.02. */
export function parseDate(text: string): Parsed<string> {
  const typed = text.trim();
  let y: number, mo: number, d: number;
  let m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(typed);
  if (m) {
    [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(typed))) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else {
    return { ok: false, message: t("„{text}“ ist kein Datum. Bitte als TT.MM.JJJJ eingeben.", { text: typed }) };
  }
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    return { ok: false, message: t("Den {date} gibt es nicht.", { date: typed }) };
  }
  return { ok: true, value: `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}` };
}

/** Reads an optional date: empty is none. */
export function parseOptionalDate(text: string): Parsed<string | null> {
  return text.trim() === "" ? { ok: true, value: null } : parseDate(text);
}

/** "noch 39 Tage", "noch 1 Tag", "heute". */
export function daysLeft(days: number): string {
  if (days === 0) return t("heute fällig");
  if (days === 1) return t("noch 1 Tag");
  return t("noch {n} Tage", { n: days });
}
