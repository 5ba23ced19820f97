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
