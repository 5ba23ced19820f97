import { expect, it } from "vitest";
import { errorMessage } from "./errors";

it("shows a core error's German message", () => {
  expect(errorMessage({ code: "not_found", message: "Die Schule wurde nicht gefunden." })).toBe(
    "Die Schule wurde nicht gefunden.",
  );
});

it("marks Tauri's own string rejections as internal errors", () => {
  expect(errorMessage("command list_schools not found")).toBe("Interner Fehler: command list_schools not found");
});

it("never shows an empty message", () => {
  expect(errorMessage(undefined)).toBe("Ein unbekannter Fehler ist aufgetreten.");
  expect(errorMessage({ code: "io", message: "" })).toBe("Ein unbekannter Fehler ist aufgetreten.");
});
