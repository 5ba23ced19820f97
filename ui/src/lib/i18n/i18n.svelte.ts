// The language of the window. German is the product's language and the source of every text:
// components write their German text and pass it through `t`, which gives the English
// translation from `./en/` when English is chosen, in the manner of gettext. Numbers, money and
// dates keep their German form (`1.234,56 €`, `dd.mm.yyyy`) in both languages: they are the form
// of the Land's reports and of the spreadsheets the inventory is checked against.

import { english } from "./en";

export type Locale = "de" | "en";
const KEY = "schulinventar.locale";

function stored(): Locale | null {
  try {
    const l = localStorage.getItem(KEY);
    return l === "de" || l === "en" ? l : null;
  } catch {
    return null;
  }
}

let current = $state<Locale>(stored() ?? "de");

/** The language shown; reading it in a template or effect re-runs that on a switch. */
export function locale(): Locale {
  return current;
}

/** Shows and remembers `next` (the `lang` of the document follows, for screen readers). */
export function setLocale(next: Locale): void {
  current = next;
  if (typeof document !== "undefined") document.documentElement.lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Without storage the choice lasts until the window closes.
  }
}

/** Puts `{name}` placeholders' values into `text`. */
function fill(text: string, params?: Record<string, string | number>): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/**
 * The text to show for the German `de` in the chosen language. `de` must be a literal (the
 * completeness test finds every call by it); values go into `{name}` placeholders.
 */
export function t(de: string, params?: Record<string, string | number>): string {
  return fill(current === "en" ? (english.get(de) ?? de) : de, params);
}

/**
 * `t` for a German word with more than one English meaning: the dictionary holds it as
 * `"{de}#{context}"` ("Gebäude#singular": "Building" beside "Gebäude": "Buildings"). Both must
 * be literals.
 */
export function tc(context: string, de: string, params?: Record<string, string | number>): string {
  return fill(current === "en" ? (english.get(`${de}#${context}`) ?? de) : de, params);
}

/** A German label that comes from data (a vocabulary of the core), in the chosen language. */
export function label(german: { label: string; label_en?: string | null }): string {
  return current === "en" && german.label_en ? german.label_en : german.label;
}

/**
 * The label of `code` in a vocabulary of the core, in the chosen language: "–" when there is no
 * value, the code itself when the vocabulary is not loaded (yet) or does not know it.
 */
export function labelOf(
  list: readonly { code: string; label: string; label_en?: string | null }[] | null | undefined,
  code: string | null | undefined,
): string {
  if (code == null) return "–";
  const entry = list?.find((l) => l.code === code);
  return entry ? label(entry) : code;
}
