// Light or dark: the user's choice (kept in localStorage), else the system's preference.

export type Theme = "light" | "dark";
const KEY = "schulinventar.theme";

export function storedTheme(): Theme | null {
  try {
    const t = localStorage.getItem(KEY);
    return t === "light" || t === "dark" ? t : null;
  } catch {
    return null;
  }
}

export function systemTheme(): Theme {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Shows `theme` (sets `data-theme` on the root element, which app.css reads). */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

/** Shows and remembers `theme`. */
export function chooseTheme(theme: Theme): void {
  applyTheme(theme);
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // Without storage the choice lasts until the window closes.
  }
}

export const currentTheme = (): Theme => storedTheme() ?? systemTheme();

/** Calls `changed` whenever the theme switches; returns the function that stops listening. */
export function onThemeChange(changed: () => void): () => void {
  if (typeof MutationObserver !== "function") return () => {};
  const observer = new MutationObserver(changed);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => observer.disconnect();
}

/** The chart colours of the theme shown, read from app.css's variables. */
export function chartColours(element: Element): { bars: string[]; text: string; lines: string } {
  const css = getComputedStyle(element);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    bars: [v("--chart", "#1d4ed8"), v("--chart-2", "#059669")],
    text: v("--muted", "#4b5563"),
    lines: v("--border", "#e5e7eb"),
  };
}
