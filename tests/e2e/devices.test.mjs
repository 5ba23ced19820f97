// End-to-end: the Geräte page and the global search in the real window, against a demo database
// the CLI filled and then reads back to check what the window wrote.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBinary, choose, cli, cliBinary, openApp, press, saveScreenshot, typeInto, waitForText } from "./app.mjs";

const byTestId = (id) => `[data-testid="${id}"]`;
const NEW_NUMBER = "E2E-QX4711";

let workDir;

before(() => {
  for (const binary of [appBinary, cliBinary]) {
    assert.ok(existsSync(binary), `${binary} is missing: build it first (make test does)`);
  }
  workDir = mkdtempSync(join(tmpdir(), "schulinventar-e2e-devices-"));
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Devices with this inventory number, as the CLI lists them. */
function devicesNumbered(db, number) {
  const parsed = JSON.parse(cli(db, "list", "devices", "--search", number, "--json"));
  const items = Array.isArray(parsed) ? parsed : parsed.items;
  return items.filter((d) => d.inventory_number === number);
}

/** The field error shown under the input `field` of the device form. */
const fieldError = (field) => `#device-${field}-error`;

describe("Geräte in the app window", () => {
  it(
    "creates a device after fixing a typed and a refused value, finds it through the search, deletes and restores it",
    { timeout: 240_000 },
    async () => {
      const db = join(workDir, "demo.sqlite");
      cli(db, "demo", "--scale", "small");
      const existing = JSON.parse(cli(db, "list", "devices", "--limit", "500", "--json"));
      const taken = (Array.isArray(existing) ? existing : existing.items).find((d) => d.inventory_number);
      assert.ok(taken, "the demo has devices with inventory numbers");
      const schools = JSON.parse(cli(db, "list", "schools", "--json"));
      const school = (Array.isArray(schools) ? schools : schools.items).find((s) => s.id === taken.school_id);
      const schoolOption = `${school.school_number} ${school.name}`;
      assert.equal(devicesNumbered(db, NEW_NUMBER).length, 0);

      const app = await openApp(db);
      try {
        const { session } = app;
        await press(session, byTestId("nav-devices"));
        await session.waitFor(async () => (await session.findAll(`${byTestId("device-table")} [aria-rowindex="2"]`)).length === 1, {
          describe: async () => `waiting for the device list; seen: ${(await session.texts("main")).join(" ")}`,
        });
        // The school filter is filled once the schools arrived.
        await session.waitFor(() =>
          session.execute("return document.querySelectorAll(arguments[0] + ' option').length > 1;", [
            byTestId("device-school-filter"),
          ]),
        );
        await saveScreenshot(session, "devices.png", byTestId("device-table"));

        await press(session, byTestId("device-new"));
        await session.waitFor(() =>
          session.execute("return document.querySelectorAll(arguments[0] + ' option').length > 1;", [byTestId("device-school")]),
        );
        await choose(session, byTestId("device-school"), schoolOption);
        // Checked while typing: a date that does not exist.
        await typeInto(session, byTestId("device-purchase_date"), "31.02.2025");
        await waitForText(session, fieldError("purchase_date"), "Den 31.02.2025 gibt es nicht.");
        await typeInto(session, byTestId("device-purchase_date"), "01.08.2025");
        await session.waitFor(async () => (await session.findAll(fieldError("purchase_date"))).length === 0);
        // Refused by the core: the inventory number is taken within the Schulträger.
        await typeInto(session, byTestId("device-inventory_number"), taken.inventory_number);
        await typeInto(session, byTestId("device-serial_number"), "E2E-SN-0001");
        await typeInto(session, byTestId("device-price"), "1.049,90");
        await press(session, byTestId("device-save"));
        await session.waitFor(async () => (await session.texts(fieldError("inventory_number"))).length === 1);
        const refusal = (await session.texts(fieldError("inventory_number")))[0];
        assert.match(refusal, /bereits vergeben/);
        await saveScreenshot(session, "device-form-error.png", byTestId("device-form"));
        await typeInto(session, byTestId("device-inventory_number"), NEW_NUMBER);
        await press(session, byTestId("device-save"));
        await waitForText(session, byTestId("device-title"), NEW_NUMBER);

        const stored = devicesNumbered(db, NEW_NUMBER);
        assert.equal(stored.length, 1, "the CLI sees the new device");
        assert.equal(stored[0].school_id, taken.school_id);
        assert.equal(stored[0].price_cents, 104_990);
        assert.equal(stored[0].purchase_date, "2025-08-01");
        await waitForText(session, byTestId("history"), (t) => t.includes("Inventarnummer") && t.includes(NEW_NUMBER));

        // The global search finds it; choosing the hit opens it.
        await press(session, byTestId("nav-schools"));
        await press(session, byTestId("open-search"));
        await typeInto(session, byTestId("global-search-input"), NEW_NUMBER);
        await waitForText(session, byTestId("global-hit"), (t) => t.includes(NEW_NUMBER));
        await saveScreenshot(session, "search.png", byTestId("global-search"), { overlay: true });
        await press(session, byTestId("global-hit"));
        await waitForText(session, byTestId("device-title"), NEW_NUMBER);

        // Delete asks first; undo brings the device back.
        await press(session, byTestId("device-delete"));
        assert.equal(devicesNumbered(db, NEW_NUMBER).length, 1, "nothing is deleted before the confirmation");
        await press(session, byTestId("device-confirm-delete"));
        await waitForText(session, byTestId("device-undo"), (t) => t.includes(`„${NEW_NUMBER}“ gelöscht`));
        assert.equal(devicesNumbered(db, NEW_NUMBER).length, 0, "deleted devices are not listed");
        await press(session, `${byTestId("device-undo")} button`);
        await waitForText(session, byTestId("device-title"), NEW_NUMBER);
        assert.equal(devicesNumbered(db, NEW_NUMBER).length, 1, "the undo restored the device");
      } finally {
        await app.close();
      }
    },
  );
});
