/** Turns whatever a failed command delivered into the German text shown to the user. */
export function errorMessage(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    const message = (error as { message: unknown }).message;
    if (typeof message === "string" && message.trim() !== "") return message;
  }
  if (typeof error === "string" && error.trim() !== "") {
    // Tauri itself rejects with a plain string (unknown command, bad argument).
    return `Interner Fehler: ${error}`;
  }
  return "Ein unbekannter Fehler ist aufgetreten.";
}

/** The stable code of a core error, if it is one; the UI branches on codes, never on text. */
export function errorCode(error: unknown): string | null {
  if (error && typeof error === "object" && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string") return code;
  }
  return null;
}
