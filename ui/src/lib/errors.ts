import { t } from "./i18n/i18n.svelte";

/** Turns whatever a failed command delivered into the text shown to the user (the core's German
 * message as it came; the fallbacks in the chosen language). */
export function errorMessage(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    const message = (error as { message: unknown }).message;
    if (typeof message === "string" && message.trim() !== "") return message;
  }
  if (typeof error === "string" && error.trim() !== "") {
    // Tauri itself rejects with a plain string (unknown command, bad argument).
    return t("Interner Fehler: {error}", { error });
  }
  return t("Ein unbekannter Fehler ist aufgetreten.");
}
