import { afterEach, describe, expect, it } from "vitest";
import { areas } from "./en";
import { label, labelOf, locale, setLocale, t, tc } from "./i18n.svelte";

// The source of every component and module of the window (tests and fixtures left out).
const files = Object.entries(
  import.meta.glob(["/src/**/*.svelte", "/src/**/*.ts", "!/src/**/*.test.ts", "!/src/test/**"], {
    query: "?raw",
    import: "default",
    eager: true,
  }) as Record<string, string>,
);

/** Every German text passed to `t` as a literal, with the files it is used in. */
function usedTexts(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const call = /(?<![\w.$])t\(\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/g;
  const withContext = /(?<![\w.$])tc\(\s*("(?:[^"\\\n]|\\.)*")\s*,\s*("(?:[^"\\\n]|\\.)*")/g;
  for (const [file, source] of files) {
    for (const match of source.matchAll(call)) {
      const literal = match[1];
      const text = literal.startsWith('"') ? JSON.parse(literal) : literal.slice(1, -1).replace(/\\'/g, "'");
      used.set(text, [...(used.get(text) ?? []), file]);
    }
    for (const match of source.matchAll(withContext)) {
      const key = `${JSON.parse(match[2])}#${JSON.parse(match[1])}`;
      used.set(key, [...(used.get(key) ?? []), file]);
    }
  }
  return used;
}

const placeholders = (text: string) => [...text.replace(/#\w+$/, "").matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the English translation", () => {
  const used = usedTexts();
  const entries = Object.entries(areas).flatMap(([area, dict]) => Object.entries(dict).map(([de, en]) => ({ area, de, en })));

  it("is found in the components", () => {
    expect(files.some(([file]) => file.endsWith("/App.svelte"))).toBe(true);
    expect(files.some(([file]) => file.endsWith(".test.ts"))).toBe(false);
    // The window's frame alone passes a dozen texts; fewer means the scan above is broken.
    expect(used.size).toBeGreaterThan(12);
    expect(used.has("Übersicht")).toBe(true);
  });

  it("has an entry for every text the window shows", () => {
    const english = new Set(entries.map((e) => e.de));
    const missing = [...used].filter(([de]) => !english.has(de)).map(([de, files]) => `${de}  (${files[0]})`);
    expect(missing).toEqual([]);
  });

  it("has no entry that no component uses", () => {
    const stale = entries.filter((e) => !used.has(e.de)).map((e) => `${e.area}: ${e.de}`);
    expect(stale).toEqual([]);
  });

  it("keeps the placeholders and gives one translation per text", () => {
    const wrong = entries.filter((e) => placeholders(e.de).join() !== placeholders(e.en).join() || e.en.trim() === "");
    expect(wrong.map((e) => `${e.area}: ${e.de} → ${e.en}`)).toEqual([]);
    const first = new Map<string, string>();
    const conflicting = entries.filter((e) => {
      const seen = first.get(e.de);
      first.set(e.de, seen ?? e.en);
      return seen !== undefined && seen !== e.en;
    });
    expect(conflicting.map((e) => `${e.area}: ${e.de}`)).toEqual([]);
  });
});

describe("t", () => {
  afterEach(() => setLocale("de"));

  it("shows German until English is chosen, and remembers the choice", () => {
    expect(locale()).toBe("de");
    expect(t("Übersicht")).toBe("Übersicht");
    setLocale("en");
    expect(t("Übersicht")).toBe("Overview");
    expect(document.documentElement.lang).toBe("en");
    expect(localStorage.getItem("schulinventar.locale")).toBe("en");
  });

  it("fills placeholders in either language, and falls back to German for an unknown text", () => {
    expect(t("{n} ungespeicherte Änderungen", { n: "3" })).toBe("{n} ungespeicherte Änderungen".replace("{n}", "3"));
    setLocale("en");
    expect(t("Datenbank wird aktualisiert: Schritt {step} von {of}", { step: 2, of: 8 })).toBe("Updating the database: step 2 of 8");
    expect(t("Kein Eintrag im Wörterbuch")).toBe("Kein Eintrag im Wörterbuch");
  });

  it("picks a vocabulary's English label when English is chosen", () => {
    const l = { code: "in_repair", label: "in Reparatur", label_en: "in repair" };
    expect(label(l)).toBe("in Reparatur");
    expect(labelOf([l], "in_repair")).toBe("in Reparatur");
    setLocale("en");
    expect(label(l)).toBe("in repair");
    expect(labelOf([l], "in_repair")).toBe("in repair");
    expect(labelOf([l], "unbekannt")).toBe("unbekannt");
    expect(labelOf(null, null)).toBe("–");
  });

  it("tells a word's meanings apart by their context", () => {
    expect(tc("singular", "Gebäude")).toBe("Gebäude");
    setLocale("en");
    expect(t("Gebäude")).toBe("Buildings");
    expect(tc("singular", "Gebäude")).toBe("Building");
  });
});
