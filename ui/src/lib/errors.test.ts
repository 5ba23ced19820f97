import { afterEach, describe, expect, it } from "vitest";
import { errorMessage } from "./errors";
import { setLocale } from "./i18n/i18n.svelte";

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

describe("in English", () => {
  afterEach(() => setLocale("de"));

  it("writes its own fallbacks in English and keeps the core's German message", () => {
    setLocale("en");
    expect(errorMessage("command list_schools not found")).toBe("Internal error: command list_schools not found");
    expect(errorMessage(undefined)).toBe("An unknown error occurred.");
    expect(errorMessage({ code: "not_found", message: "Die Schule wurde nicht gefunden." })).toBe("Die Schule wurde nicht gefunden.");
  });
});
