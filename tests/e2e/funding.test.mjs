// End-to-end: the Fördermittel page of the real app window on the small demo database. The
// budget it shows must be what `schulinventar funding status --json` computes for the same
// file; a new invoice entered in the window must raise the spent amount by exactly its gross.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBinary, choose, cli, cliBinary, openApp, press, saveScreenshot, typeInto, waitForText } from "./app.mjs";

const BASIS = "programme-digitalpakt-basis";
const byTestId = (id) => `[data-testid="${id}"]`;

let workDir;

before(() => {
  for (const binary of [appBinary, cliBinary]) {
    assert.ok(existsSync(binary), `${binary} is missing: build it first (make test does)`);
  }
  workDir = mkdtempSync(join(tmpdir(), "schulinventar-e2e-funding-"));
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Cents the German way, written independently of the app: 123456 → "1.234,56 €". */
function euro(cents) {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return `${sign}${whole},${String(abs % 100).padStart(2, "0")} €`;
}

/** The DigitalPakt Basis row of the Schulträger as the CLI computes it. */
function cliBasisBudget(db) {
  const { budgets } = JSON.parse(cli(db, "funding", "status", "--json"));
  const row = budgets.find((b) => b.programme_id === BASIS && b.school_id === null);
  assert.ok(row, "the CLI reports a DigitalPakt Basis budget for the Schulträger");
  return row;
}

/** `funding check --json` exits with 1 when a rule is violated; its output counts either way. */
function cliFindings(db) {
  try {
    return JSON.parse(execFileSync(cliBinary, ["--db", db, "funding", "check", "--json"], { encoding: "utf8" })).findings;
  } catch (e) {
    if (e.status === 1 && e.stdout) return JSON.parse(e.stdout).findings;
    throw e;
  }
}

const spentCell = `${byTestId("budget-table")}[data-programme="${BASIS}"] tr[data-kind="authority"] td[data-column="spent_cents"]`;
const allocatedCell = `${byTestId("budget-table")}[data-programme="${BASIS}"] tr[data-kind="authority"] td[data-column="allocated_cents"]`;

describe("Fördermittel in the app window", () => {
  it(
    "shows the CLI's budget, the findings, and adds a new invoice's gross to the spent amount",
    { timeout: 300_000 },
    async () => {
      const db = join(workDir, "demo.sqlite");
      cli(db, "demo", "--scale", "small");
      const expected = cliBasisBudget(db);
      assert.ok(expected.spent_cents > 0 && expected.allocated_cents > 0, "the demo spent DigitalPakt money");
      const findings = cliFindings(db);

      const app = await openApp(db);
      try {
        const { session } = app;
        await session.click(byTestId("nav-funding"));

        // 1. The budget equals what the CLI computes for the same file.
        const spent = await waitForText(session, spentCell, (t) => t.endsWith("€"), "the Basis budget");
        assert.equal(spent, euro(expected.spent_cents));
        assert.equal((await session.texts(allocatedCell))[0].trim(), euro(expected.allocated_cents));
        const captions = await session.texts(`${byTestId("budget-table")} caption`);
        assert.ok(captions.includes("DigitalPakt Basis – Stadt Beispielstadt"), captions.join(" | "));

        // The chart really drew bars (Chart.js under the app's content security policy).
        const inked = await session.waitFor(() =>
          session.execute(
            `const c = document.querySelector('[data-testid="budget-chart"] canvas');
             if (!c || c.width === 0) return 0;
             const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
             let n = 0;
             for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
             return n > 1000 ? n : 0;`,
          ),
        );
        assert.ok(inked > 1000);
        await saveScreenshot(session, "funding-budget.png", byTestId("budget-view"), { scroll: true });

        // 2. The findings: as many as the CLI reports, with their badges and named records.
        await press(session, byTestId("funding-tab-findings"));
        const badges = await session.waitFor(async () => {
          const found = await session.texts(byTestId("finding-badge"));
          return found.length === findings.length && found.length > 0 ? found : null;
        });
        const label = { violation: "Verstoß", warning: "Hinweis", info: "Info" };
        assert.deepEqual(badges, findings.map((f) => label[f.severity]));
        const withDevices = findings.findIndex((f) => f.entity === "device");
        assert.ok(withDevices >= 0, "the demo has devices no invoice paid for");
        const devices = `${byTestId("finding")}:nth-child(${withDevices + 1})`;
        await press(session, `${devices} button[aria-expanded]`);
        const names = await session.waitFor(async () => {
          const items = await session.texts(`${devices} ${byTestId("finding-records")} li`);
          return items.length === findings[withDevices].ids.length ? items : null;
        });
        assert.ok(names.every((n) => n.startsWith("Gerät ")), names.slice(0, 3).join(" | "));
        await saveScreenshot(session, "funding-findings.png", byTestId("findings-view"), { scroll: true });

        // 3. A new invoice with one line, split from the programme's shares.
        await press(session, byTestId("funding-tab-invoices"));
        await press(session, byTestId("invoice-new"));
        await waitForText(session, byTestId("invoice-form") + " h4", "Neue Rechnung erfassen", "the form");
        await session.waitFor(() =>
          session.execute("return document.querySelectorAll(arguments[0] + ' option').length > 1;", [byTestId("line-school")]),
        );
        await typeInto(session, byTestId("invoice-supplier"), "Netzwerk Müller GmbH");
        await typeInto(session, byTestId("invoice-number"), "E2E-2024-0815");
        await typeInto(session, byTestId("invoice-date"), "15.03.2024");
        const school = await session.execute(
          "return document.querySelector(arguments[0]).options[1].textContent.trim();",
          [byTestId("line-school")],
        );
        await choose(session, byTestId("line-school"), school);
        await choose(session, byTestId("line-programme"), "DigitalPakt Basis");
        await typeInto(session, byTestId("line-gross"), "1.190,00");
        const federal = await session.waitFor(async () => {
          const v = await session.execute("return document.querySelector(arguments[0]).value;", [byTestId("line-federal_cents")]);
          return v === "1.071,00" ? v : null;
        });
        assert.equal(federal, "1.071,00");
        await saveScreenshot(session, "funding-invoice-form.png", byTestId("invoice-form"), { scroll: true });
        await press(session, byTestId("invoice-save"));
        await waitForText(
          session,
          byTestId("invoice-notice"),
          "Rechnung E2E-2024-0815 mit 1 Position gespeichert.",
          "the saved invoice",
        );
        assert.equal((await session.texts(byTestId("invoice-detail-gross")))[0], "1.190,00 €");

        // 4. The budget: spent grew by exactly the line's gross, in the window and in the file.
        await press(session, byTestId("funding-tab-budget"));
        const grown = euro(expected.spent_cents + 119_000);
        assert.equal(await waitForText(session, spentCell, grown, `spent ${grown}`), grown);
        const now = cliBasisBudget(db);
        assert.equal(now.spent_cents - expected.spent_cents, 119_000);
        assert.equal(now.federal_cents - expected.federal_cents, 107_100);
        const schoolRow = JSON.parse(cli(db, "funding", "status", "--json")).budgets.find(
          (b) => b.programme_id === BASIS && b.school_number === school.split(" ")[0],
        );
        assert.ok(schoolRow, `a budget row for school ${school}`);
      } finally {
        await app.close();
      }
    },
  );

  it(
    "records an allocation and a measure, links an item to an invoice line, deletes the invoice and undoes it",
    { timeout: 300_000 },
    async () => {
      const db = join(workDir, "ledger.sqlite");
      cli(db, "demo", "--scale", "small");
      const list = (entity) => JSON.parse(cli(db, "list", entity, "--json"));
      const allocationsBefore = list("allocations").length;
      const invoicesBefore = list("invoices").length;
      const device = list("devices").find((d) => d.inventory_number);
      assert.ok(device, "the demo has devices with inventory numbers");

      const app = await openApp(db);
      try {
        const { session } = app;
        await session.click(byTestId("nav-funding"));

        // 1. An allocation to one school, its amount from pupils × amount per pupil.
        await press(session, byTestId("funding-tab-allocations"));
        await session.waitFor(() => session.execute("return !!document.querySelector(arguments[0]);", [byTestId("allocation-table")]));
        await press(session, byTestId("allocation-new"));
        await choose(session, "#allocation-programme_id", "DigitalPakt Basis");
        await session.waitFor(() =>
          session.execute("return document.querySelectorAll('#allocation-school_id option').length > 1;"),
        );
        const school = await session.execute("return document.querySelector('#allocation-school_id').options[1].textContent.trim();");
        await choose(session, "#allocation-school_id", school);
        await typeInto(session, "#allocation-pupils", "812");
        await typeInto(session, "#allocation-per_pupil_cents", "125,50");
        await press(session, byTestId("allocation-formula"));
        await press(session, byTestId("allocation-save"));
        await waitForText(session, byTestId("allocation-notice"), (t) => t.startsWith("Zuweisung über 101.906,00 € gespeichert."), "the saved allocation");
        await session.waitFor(() => session.execute("return !!document.querySelector(arguments[0]);", [byTestId("saved-findings")]));
        const allocations = list("allocations");
        assert.equal(allocations.length, allocationsBefore + 1);
        const added = allocations.find((a) => a.amount_cents === 10_190_600);
        assert.ok(added, "the file holds the new allocation");
        assert.deepEqual([added.pupils, added.per_pupil_cents, added.programme_id], [812, 12_550, BASIS]);
        await saveScreenshot(session, "funding-allocations.png", byTestId("allocations-view"), { scroll: true });

        // 2. A measure with its Sachbericht.
        await press(session, byTestId("funding-tab-measures"));
        await session.waitFor(() => session.execute("return !!document.querySelector(arguments[0]);", [byTestId("measure-table")]));
        await press(session, byTestId("measure-new"));
        await choose(session, "#measure-programme_id", "DigitalPakt Basis");
        await session.waitFor(() => session.execute("return document.querySelectorAll('#measure-school_id option').length > 1;"));
        await choose(session, "#measure-school_id", school);
        await typeInto(session, "#measure-title", "E2E Präsentationstechnik Neubau");
        await typeInto(session, "#measure-planned_cents", "48.000,00");
        await choose(session, "#measure-status", "beantragt");
        await typeInto(session, "#measure-applied_on", "02.05.2023");
        await typeInto(session, "#measure-narrative", "Ziel: interaktive Displays in 12 Räumen.");
        await press(session, byTestId("measure-save"));
        await waitForText(session, byTestId("measure-notice"), "Maßnahme „E2E Präsentationstechnik Neubau“ gespeichert.", "the saved measure");
        const measure = list("measures").find((m) => m.title === "E2E Präsentationstechnik Neubau");
        assert.ok(measure, "the file holds the new measure");
        assert.deepEqual(
          [measure.planned_cents, measure.status, measure.applied_on, measure.narrative],
          [4_800_000, "applied", "2023-05-02", "Ziel: interaktive Displays in 12 Räumen."],
        );
        await saveScreenshot(session, "funding-measures.png", byTestId("measures-view"), { scroll: true });

        // 3. The newest invoice: one more item linked to its line by inventory number.
        await press(session, byTestId("funding-tab-invoices"));
        await session.waitFor(() => session.execute("return !!document.querySelector(arguments[0]);", [byTestId("invoice-row")]));
        const number = (await session.texts(`${byTestId("invoice-row")} th`))[0].trim();
        await press(session, `${byTestId("invoice-row")}:first-child th button`);
        await press(session, byTestId("invoice-edit"));
        await waitForText(session, byTestId("invoice-form") + " h4", `Rechnung ${number} bearbeiten`, "the edit form");
        const numbersField = '[data-testid="invoice-line"] input[id$="inventory_numbers"]';
        await typeInto(session, numbersField, `, ${device.inventory_number}`);
        await press(session, byTestId("invoice-save"));
        await waitForText(session, byTestId("invoice-notice"), (t) => t.startsWith(`Rechnung ${number} mit`), "the saved invoice");
        const linked = await session.execute(
          "return [...document.querySelectorAll('[data-testid=\"linked-items\"] li')].map((li) => li.textContent);",
        );
        assert.ok(linked.some((t) => t.includes(device.inventory_number)), `${device.inventory_number} in ${linked.join(" | ")}`);

        // 4. Delete after confirmation, then undo.
        await press(session, byTestId("invoice-delete"));
        await press(session, byTestId("invoice-delete-confirm"));
        await waitForText(session, byTestId("invoice-notice"), (t) => t.startsWith(`Rechnung ${number} mit`) && t.includes("gelöscht"), "the deletion");
        assert.equal(list("invoices").length, invoicesBefore - 1);
        await press(session, byTestId("invoice-undo"));
        await waitForText(session, byTestId("invoice-notice"), `Rechnung ${number} wiederhergestellt.`, "the undo");
        assert.equal(list("invoices").length, invoicesBefore);
        await saveScreenshot(session, "funding-invoice-detail.png", byTestId("invoices-view"), { scroll: true });
      } finally {
        await app.close();
      }
    },
  );
});
