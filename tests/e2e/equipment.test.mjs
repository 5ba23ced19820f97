// End-to-end: the Technik page (every access point, display, link, building and room of the
// municipality, filtered, searched and edited beside the list) and the window in English,
// against a demo database. The CLI says what the lists must hold and checks what the window wrote.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBinary, choose, cli, cliBinary, openApp, press, saveScreenshot, typeInto, waitForText } from "./app.mjs";

const byTestId = (id) => `[data-testid="${id}"]`;
const german = (n) => n.toLocaleString("de-DE");
/** The text of the table's rows (header left out), as the DOM holds them. */
const tableRows = (session) =>
  session.execute("return [...document.querySelectorAll(arguments[0])].map((row) => row.textContent);", [
    `${byTestId("equipment-table")} [role="row"]:not([aria-rowindex="1"])`,
  ]);
const list = (db, ...args) => {
  const parsed = JSON.parse(cli(db, "list", ...args, "--json"));
  return Array.isArray(parsed) ? parsed : parsed.items;
};

let workDir;

before(() => {
  for (const binary of [appBinary, cliBinary]) {
    assert.ok(existsSync(binary), `${binary} is missing: build it first (make test does)`);
  }
  workDir = mkdtempSync(join(tmpdir(), "schulinventar-e2e-equipment-"));
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("Technik page and the English window", () => {
  it("lists, filters and searches the CLI's access points, creates a display in a room, and speaks English on request", { timeout: 300_000 }, async () => {
    const db = join(workDir, "demo.sqlite");
    cli(db, "demo", "--scale", "small");
    const points = list(db, "access-points");
    const schools = list(db, "schools");
    const school = schools.find((s) => points.some((p) => p.school_id === s.id));
    const ofSchool = points.filter((p) => p.school_id === school.id);
    const room = list(db, "rooms", "--school", school.school_number).find((r) => r.number);
    const displaysBefore = list(db, "presentation-hardware").length;
    assert.ok(points.length > ofSchool.length && ofSchool.length > 1, "access points in more than one school");

    const app = await openApp(db);
    try {
      const { session } = app;

      // 1. Every access point of the municipality, then those of one school, then one found by
      //    its inventory number.
      await press(session, byTestId("nav-infra"));
      await waitForText(session, byTestId("equipment-count"), `${german(points.length)} Einträge`, "all access points");
      await choose(session, byTestId("equipment-school"), `${school.school_number} ${school.name}`);
      await waitForText(session, byTestId("equipment-count"), `${german(ofSchool.length)} Einträge`, "the school's access points");
      const wanted = ofSchool[1];
      await typeInto(session, byTestId("equipment-search"), wanted.inventory_number);
      await waitForText(session, byTestId("equipment-count"), "1 Eintrag", "the access point searched for");
      const row = await tableRows(session);
      assert.equal(row.length, 1);
      assert.ok(row[0].includes(wanted.inventory_number) && row[0].includes(wanted.model), row[0]);
      await saveScreenshot(session, "equipment.png", "main");

      // 2. A new interactive display in a room of that school, saved after a refused first try.
      //    (The search stays when the tab changes: cleared first.)
      await session.execute("const f = document.querySelector(arguments[0]); f.value = ''; f.dispatchEvent(new Event('input', { bubbles: true }));", [
        byTestId("equipment-search"),
      ]);
      await waitForText(session, byTestId("equipment-count"), `${german(ofSchool.length)} Einträge`, "the school's access points again");
      await press(session, byTestId("equipment-tab-presentation_hardware"));
      await waitForText(session, byTestId("equipment-count"), (t) => t.endsWith("Einträge"), "the school's displays");
      await press(session, byTestId("equipment-new"));
      await choose(session, byTestId("equipment-new-room"), `${room.number}${room.name ? ` ${room.name}` : ""}`);
      await typeInto(session, byTestId("equipment-form-inventory_number"), "E2E-BOARD-1");
      await typeInto(session, byTestId("equipment-form-size_inches"), "sehr groß");
      await press(session, byTestId("equipment-form-save"));
      await session.waitFor(() => session.execute("return document.querySelector('[aria-invalid=\"true\"]') !== null;"), {
        describe: async () => "the size is marked as wrong",
      });
      await session.execute("const f = document.querySelector(arguments[0]); f.value = ''; f.dispatchEvent(new Event('input', { bubbles: true }));", [
        byTestId("equipment-form-size_inches"),
      ]);
      await typeInto(session, byTestId("equipment-form-size_inches"), "86");
      await typeInto(session, byTestId("equipment-form-model"), "ActivPanel 9");
      await press(session, byTestId("equipment-form-save"));
      await waitForText(session, byTestId("equipment-notice"), "Angelegt.");
      const created = list(db, "presentation-hardware").find((p) => p.inventory_number === "E2E-BOARD-1");
      assert.ok(created, "the CLI finds the new display");
      assert.equal(list(db, "presentation-hardware").length, displaysBefore + 1);
      assert.deepEqual(
        [created.school_id, created.room_id, created.building_id, created.size_inches, created.kind],
        [school.id, room.id, room.building_id, 86, "interactive_display"],
      );

      // 3. English on request: the navigation, this page and its vocabulary; then German again.
      await press(session, byTestId("locale-toggle"));
      await waitForText(session, byTestId("nav-dashboard"), "Overview");
      await waitForText(session, "#equipment-heading", "Equipment");
      await waitForText(session, byTestId("equipment-tab-presentation_hardware"), "Presentation hardware");
      const rows = await tableRows(session);
      assert.ok(rows.some((r) => r.includes("E2E-BOARD-1") && r.includes("Interactive display") && r.includes("in use")), rows.join("\n"));
      assert.equal(await session.execute("return document.documentElement.lang;"), "en");
      await saveScreenshot(session, "equipment-en.png", "main");
      await press(session, byTestId("nav-dashboard"));
      await waitForText(session, "#dashboard-heading", (t) => t.startsWith("Overview"), "the dashboard in English");
      await press(session, byTestId("locale-toggle"));
      await waitForText(session, byTestId("nav-dashboard"), "Übersicht");
      await waitForText(session, "#dashboard-heading", "Übersicht aller Schulen");
    } finally {
      await app.close();
    }
  });
});
