import { afterEach, describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/svelte";
import OpeningBanner from "./OpeningBanner.svelte";
import type { DatabaseStatus } from "./bindings";
import { setLocale } from "./i18n/i18n.svelte";

/** Answers the status questions in turn, the last one again and again. */
function answers(...statuses: DatabaseStatus[]) {
  let asked = 0;
  return {
    load: async () => statuses[Math.min(asked++, statuses.length - 1)],
    asked: () => asked,
  };
}

const opening = (step: DatabaseStatus["step"]): DatabaseStatus => ({ state: "opening", step, message: null });
const ready: DatabaseStatus = { state: "ready", step: null, message: null };

describe("opening the database", () => {
  afterEach(() => setLocale("de"));

  it("shows the backup and each migration of an upgrade, then goes away", async () => {
    let now = opening({ step: "backup", done: 1024, total: 40960 });
    let asked = 0;
    render(OpeningBanner, { load: async () => (asked++, now), interval: 20 });

    const banner = await screen.findByTestId("database-opening");
    expect(banner.textContent).toContain("Sicherung vor dem Update: 1.024 von 40.960 Seiten kopiert");
    expect(banner.querySelector("progress")?.getAttribute("value")).toBe("1024");
    expect(banner.textContent).toContain("Bitte das Fenster nicht schließen.");

    now = opening({ step: "migrate", number: 7, last: 8 });
    await expect.poll(() => screen.queryByTestId("database-opening")?.textContent ?? "").toContain("Datenbank wird aktualisiert: Schritt 7 von 8");
    now = ready;
    await expect.poll(() => screen.queryByTestId("database-opening")).toBeNull();
    const before = asked;
    await new Promise((r) => setTimeout(r, 100));
    expect(asked).toBe(before); // no more questions once it is open
  });

  it("stays quiet during an ordinary opening, and says so when it takes long", async () => {
    const quick = answers(opening(null), ready);
    render(OpeningBanner, { load: quick.load, interval: 20, quietFor: 200 });
    await expect.poll(() => quick.asked()).toBeGreaterThanOrEqual(2);
    expect(screen.queryByTestId("database-opening")).toBeNull();

    const slow = answers(opening(null));
    render(OpeningBanner, { load: slow.load, interval: 20, quietFor: 60 });
    expect((await screen.findByTestId("database-opening")).textContent).toContain("Datenbank wird geöffnet …");
  });

  it("reports a failure with the reason, in English too", async () => {
    setLocale("en");
    const failed = answers({ state: "failed", step: null, message: "„x.sqlite“ ist keine lesbare SQLite-Datenbank." });
    render(OpeningBanner, { load: failed.load, interval: 20 });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The database could not be opened.");
    expect(alert.textContent).toContain("keine lesbare SQLite-Datenbank");
  });

  it("shows nothing and asks no more when the answer is empty or refused", async () => {
    let asked = 0;
    render(OpeningBanner, { load: async () => (asked++, null as unknown as DatabaseStatus), interval: 10, quietFor: 0 });
    render(OpeningBanner, {
      load: async () => {
        asked++;
        throw "unbekanntes Kommando";
      },
      interval: 10,
      quietFor: 0,
    });
    await new Promise((r) => setTimeout(r, 80));
    expect(asked).toBe(2);
    expect(screen.queryByTestId("database-opening")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows the upgrade's step in English", async () => {
    setLocale("en");
    render(OpeningBanner, { load: answers(opening({ step: "migrate", number: 8, last: 8 })).load, interval: 20 });
    expect((await screen.findByRole("status")).textContent).toContain("Updating the database: step 8 of 8");
  });
});
