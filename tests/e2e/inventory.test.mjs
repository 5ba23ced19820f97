// End-to-end: the Übersicht (municipality dashboard), a new school and room, a school page and
// the Ausleihe in the real window, against a demo database. The CLI reads the same file to say
// what the figures must be and to check what the window wrote: a school and a room created, a
// device deleted, two devices set to a new status at once, an overdue loan taken back, the
// holder's name erased, a device lent again.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBinary, choose, cli, cliBinary, openApp, press, saveScreenshot, typeInto, waitForText } from "./app.mjs";

const byTestId = (id) => `[data-testid="${id}"]`;
const HOLDER = "Frau Dr. Özlem Çelik-Brandt";
const NEW_SCHOOL = { number: "199999", name: "Grundschule Am Wall" };

let workDir;

before(() => {
  for (const binary of [appBinary, cliBinary]) {
    assert.ok(existsSync(binary), `${binary} is missing: build it first (make test does)`);
  }
  workDir = mkdtempSync(join(tmpdir(), "schulinventar-e2e-inventory-"));
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const items = (json) => {
  const parsed = JSON.parse(json);
  return Array.isArray(parsed) ? parsed : parsed.items;
};
const devices = (db) => items(cli(db, "list", "devices", "--json"));
const loans = (db) => items(cli(db, "list", "loans", "--json"));
/** Today on this computer, as the app computes it (yyyy-mm-dd). */
const today = () => new Date().toLocaleDateString("sv-SE");
const german = (n) => n.toLocaleString("de-DE");
const overdue = (db) => loans(db).filter((l) => !l.returned_on && l.due_on && l.due_on < today() && !l.deleted_at);
const inUse = (db) => devices(db).filter((d) => d.status !== "retired");

describe("Übersicht, school page and Ausleihe in the app window", () => {
  it("shows the CLI's figures, and they follow a new school, a delete and a return made in the window; a loan is erased and a device lent", { timeout: 300_000 }, async () => {
    const db = join(workDir, "demo.sqlite");
    cli(db, "demo", "--scale", "small");
    const devicesBefore = inUse(db).length;
    const overdueBefore = overdue(db);
    assert.ok(devicesBefore > 100 && overdueBefore.length > 0, "the demo has devices and overdue loans");

    const app = await openApp(db);
    try {
      const { session } = app;

      // 1. The dashboard's totals are what the CLI counts.
      await press(session, byTestId("nav-dashboard"));
      await waitForText(session, byTestId("total-devices"), german(devicesBefore), "the devices in use");
      await waitForText(session, byTestId("total-overdue"), german(overdueBefore.length), "the overdue loans");
      assert.equal((await session.findAll(byTestId("kpi-row"))).length, 3, "one row per school of the small demo");
      await saveScreenshot(session, "dashboard.png", byTestId("dashboard-totals"));
      // The dark theme, switched in the header and back.
      await press(session, byTestId("theme-toggle"));
      const dark = await session.execute("return getComputedStyle(document.documentElement).backgroundColor;");
      assert.equal(dark, "rgb(17, 24, 39)", "the page turns dark");
      await saveScreenshot(session, "dashboard-dark.png", byTestId("dashboard-totals"), { dark: true });
      await press(session, byTestId("theme-toggle"));
      assert.equal(await session.execute("return document.documentElement.dataset.theme;"), "light");

      // 2. A new school, created on the Schulen page after a typed mistake is fixed, and a room
      //    in it: the dashboard counts four schools.
      await press(session, byTestId("nav-schools"));
      await press(session, byTestId("school-new"));
      await session.waitFor(() =>
        session.execute("return document.querySelector(arguments[0]).value !== '';", [byTestId("school-field-authority_id")]),
      );
      await typeInto(session, byTestId("school-field-school_number"), NEW_SCHOOL.number);
      await typeInto(session, byTestId("school-field-name"), NEW_SCHOOL.name);
      await typeInto(session, byTestId("school-field-pupils"), "zweihundert");
      await press(session, byTestId("school-save"));
      // Refused before anything is sent (the form's alert says to check the marked fields).
      await session.waitFor(async () => (await session.texts("#school-field-pupils-error"))[0] === "„zweihundert“ ist keine ganze Zahl.");
      await typeInto(session, byTestId("school-field-pupils"), "212");
      await session.waitFor(async () => (await session.findAll("#school-field-pupils-error")).length === 0);
      await press(session, byTestId("school-save"));
      await waitForText(session, byTestId("school-page-name"), (t) => t.endsWith(NEW_SCHOOL.name), "the new school's page");
      const created = items(cli(db, "list", "schools", "--json")).find((x) => x.school_number === NEW_SCHOOL.number);
      assert.equal(created?.pupils, 212, "the CLI sees the new school");
      await press(session, byTestId("room-new"));
      await typeInto(session, byTestId("room-number"), "E2E.101");
      await press(session, byTestId("room-save"));
      await waitForText(session, byTestId("school-notice"), "Raum „E2E.101“ angelegt.");
      await waitForText(session, `${byTestId("room-table")} tbody th`, "E2E.101");
      const rooms = () => items(cli(db, "list", "rooms", "--school", NEW_SCHOOL.number, "--json")).map((r) => r.number);
      assert.deepEqual(rooms(), ["E2E.101"]);
      // Its page; deleting it asks first, and undo brings it back.
      await press(session, `${byTestId("room-table")} tbody th button`);
      await waitForText(session, byTestId("room-page-name"), "Raum E2E.101");
      await press(session, byTestId("room-delete-delete"));
      assert.deepEqual(rooms(), ["E2E.101"], "nothing deleted before the confirmation");
      await press(session, byTestId("room-delete-confirm"));
      await session.waitFor(async () => (await session.findAll(byTestId("room-delete-undo"))).length === 1);
      assert.deepEqual(rooms(), [], "the CLI no longer lists the room");
      await press(session, byTestId("room-delete-undo"));
      await session.waitFor(async () => (await session.findAll(byTestId("room-delete-delete"))).length === 1);
      assert.deepEqual(rooms(), ["E2E.101"], "undo restored it");
      // A 75-inch display hung in the room, and a gigabit uplink for the school.
      await press(session, byTestId("ph-new"));
      await typeInto(session, byTestId("ph-size_inches"), "75");
      await press(session, byTestId("ph-save"));
      await waitForText(session, byTestId("room-notice"), "Präsentationstechnik gespeichert.");
      const [display] = items(cli(db, "list", "presentation-hardware", "--school", NEW_SCHOOL.number, "--json"));
      const [room] = items(cli(db, "list", "rooms", "--school", NEW_SCHOOL.number, "--json"));
      assert.equal(display?.size_inches, 75, "the CLI sees the display");
      assert.equal(display.room_id, room.id);
      assert.equal(display.kind, "interactive_display");
      await press(session, ".room-page .fact-list button.link");
      await waitForText(session, byTestId("school-page-name"), (t) => t.endsWith(NEW_SCHOOL.name));
      await press(session, byTestId("link-new"));
      await typeInto(session, byTestId("link-down_mbps"), "1.000");
      await press(session, byTestId("link-save"));
      await waitForText(session, byTestId("school-uplink"), (t) => t.startsWith("1.000 Mbit/s"), "the new uplink");
      await press(session, byTestId("nav-dashboard"));
      await waitForText(session, byTestId("total-schools"), "4", "the new school counted");
      assert.equal((await session.findAll(byTestId("kpi-row"))).length, 4);
      const newRow = await session.execute(
        "return [...document.querySelectorAll('[data-testid=kpi-row]')].find((r) => r.textContent.includes(arguments[0])).innerText;",
        [NEW_SCHOOL.name],
      );
      assert.match(newRow, /100 %/, `its one classroom has a display: ${newRow}`);
      assert.match(newRow, /1\.000/, `and its uplink counts: ${newRow}`);

      // 3. A school's page, opened from the table.
      const school = await session.execute(
        `const b = [...document.querySelectorAll('[data-testid=kpi-row] th button')].find((x) => x.textContent.trim() !== arguments[0]);
         const name = b.textContent.trim(); b.click(); return name;`,
        [NEW_SCHOOL.name],
      );
      await waitForText(session, byTestId("school-page-name"), (t) => t.endsWith(school), "the school page");
      await session.waitFor(async () => (await session.findAll(byTestId("chart-categories"))).length === 1);
      const schoolDevices = Number((await waitForText(session, byTestId("school-devices"), /^[\d.]+$/)).replace(/\./g, ""));
      assert.ok(schoolDevices > 0);
      await saveScreenshot(session, "school.png", byTestId("school-kpis"));

      // 4. One of its devices is deleted on the Geräte page (confirmed): one device fewer.
      await session.execute(
        "[...document.querySelectorAll('.school-page button')].find((b) => b.textContent.trim() === 'Geräte der Schule').click();",
      );
      await press(session, `${byTestId("device-table")} [aria-rowindex="2"]`);
      const gone = await waitForText(session, byTestId("device-title"), /\S/, "the chosen device");
      await press(session, byTestId("device-delete"));
      await press(session, byTestId("device-confirm-delete"));
      await waitForText(session, byTestId("device-undo"), (t) => t.includes(`„${gone}“ gelöscht`));

      // Two of its devices are ticked and set to "in Reparatur" at once, after a confirmation.
      const repairing = () => devices(db).filter((d) => d.status === "in_repair").length;
      const repairBefore = repairing();
      await session.execute("const boxes = document.querySelectorAll('[data-testid=check-row]'); boxes[0].click(); boxes[1].click();");
      await waitForText(session, byTestId("bulk-count"), "2 ausgewählt");
      await choose(session, byTestId("bulk-status"), "in Reparatur");
      await press(session, byTestId("bulk-set-status"));
      assert.equal(repairing(), repairBefore, "nothing changes before the confirmation");
      await press(session, byTestId("bulk-confirm"));
      const done = await waitForText(session, ".devices .status", (t) => /\d+ Geräte geändert/.test(t), "the bulk result");
      const changed = Number(done.match(/(\d+) Geräte geändert/)[1]);
      assert.ok(changed >= 1, done);
      assert.equal(repairing(), repairBefore + changed, "the CLI sees the new status");

      await press(session, byTestId("nav-dashboard"));
      await waitForText(session, byTestId("total-devices"), german(devicesBefore - 1), "one device fewer");
      assert.equal(inUse(db).length, devicesBefore - 1);

      // 5. The overdue loans; the first is taken back today: one overdue loan fewer.
      await press(session, byTestId("nav-loans"));
      await press(session, byTestId("show-overdue"));
      await session.waitFor(async () => (await session.findAll(byTestId("loan-overdue"))).length === overdueBefore.length, {
        describe: async () => `waiting for ${overdueBefore.length} overdue loans; seen: ${(await session.texts("main")).join(" ")}`,
      });
      await saveScreenshot(session, "loans.png", byTestId("loan-table"));
      await press(session, `tbody tr:first-child ${byTestId("loan-return")}`);
      await press(session, byTestId("return-confirm"));
      await waitForText(session, byTestId("loans-notice"), (t) => t.startsWith("Rückgabe am"));
      const returned = loans(db).filter((l) => l.returned_on === today());
      assert.equal(returned.length, 1, "the CLI sees the return, dated today");
      const [loan] = returned;
      assert.ok(overdueBefore.some((l) => l.id === loan.id), "the returned loan was an overdue one");
      assert.ok(loan.holder_name, "its holder is still named");
      await press(session, byTestId("nav-dashboard"));
      await waitForText(session, byTestId("total-overdue"), german(overdueBefore.length - 1), "one overdue loan fewer");

      // 6. The holder of the returned loan is erased, after a confirmation.
      const device = devices(db).find((d) => d.id === loan.device_id);
      assert.ok(device.inventory_number, "the device has an inventory number to find it by");
      /** The holder cells of the closed loans of that device, as the window shows them. */
      const closedHolders = () =>
        session.execute(
          `return [...document.querySelectorAll('[data-testid=loan-row]')]
             .filter((r) => r.querySelector('th').textContent.includes(arguments[0]) && !r.querySelector('[data-testid=loan-return]'))
             .map((r) => r.querySelector('[data-testid=loan-holder]').textContent.trim());`,
          [device.inventory_number],
        );
      await press(session, byTestId("nav-loans"));
      await press(session, byTestId("show-all"));
      await session.waitFor(async () => (await closedHolders()).includes(loan.holder_name), {
        describe: async () => `waiting for the returned loan; seen: ${JSON.stringify(await closedHolders())}`,
      });
      await session.execute(
        `const row = [...document.querySelectorAll('[data-testid=loan-row]')].find((r) =>
           r.querySelector('th').textContent.includes(arguments[0]) && r.querySelector('[data-testid=loan-erase]'));
         row.querySelector('[data-testid=loan-erase]').click();`,
        [device.inventory_number],
      );
      await waitForText(session, '[role="alertdialog"]', (t) => t.includes(loan.holder_name), "the confirmation");
      assert.equal(loans(db).find((l) => l.id === loan.id).holder_name, loan.holder_name, "nothing erased before the confirmation");
      await press(session, byTestId("erase-confirm"));
      await session.waitFor(async () => !(await closedHolders()).includes(loan.holder_name) && (await closedHolders()).includes("Name gelöscht"));
      const erased = loans(db).find((l) => l.id === loan.id);
      assert.equal(erased.holder_name, null);
      assert.equal(erased.holder_erased, true);

      // 7. The device that came back is lent again: first without a holder (refused), then with one.
      await typeInto(session, byTestId("lend-device"), device.inventory_number);
      await press(session, byTestId("lend-candidate"));
      await waitForText(session, byTestId("lend-chosen"), (t) => t.includes(device.inventory_number));
      await press(session, byTestId("lend-submit"));
      await waitForText(session, "#lend-holder-error", "Bitte angeben, wer das Gerät erhält.");
      await typeInto(session, byTestId("lend-holder"), HOLDER);
      await press(session, byTestId("lend-submit"));
      await waitForText(session, byTestId("loans-notice"), (t) => t.includes(HOLDER));
      const open = loans(db).filter((l) => l.device_id === device.id && !l.returned_on);
      assert.equal(open.length, 1, "the CLI sees the new loan");
      assert.equal(open[0].holder_name, HOLDER);
      assert.equal(open[0].loaned_on, today());
    } finally {
      await app.close();
    }
  });
});
