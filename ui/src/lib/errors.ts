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
