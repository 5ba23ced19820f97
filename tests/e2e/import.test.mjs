// End-to-end: the import page of the real app window. A school list and then a device list
// from tests/fixtures are imported by typing their paths (a native file dialog cannot be
// driven through WebDriver), previewed, committed and found in the history; the CLI checks
// what reached the database.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBinary, cli, cliBinary, openApp, press, root, saveScreenshot, typeInto, waitForText } from "./app.mjs";

const schoolsCsv = join(root, "tests/fixtures/schulen_nrw_format.csv");
const devicesXlsx = join(root, "tests/fixtures/geraeteliste_beispielstadt.xlsx");
/** Who the app records as the author of the imports. */
const AUTHOR = "e2e-schulamt";

let workDir;

before(() => {
  for (const binary of [appBinary, cliBinary]) {
    assert.ok(existsSync(binary), `${binary} is missing: build it first (make test does)`);
  }
  workDir = mkdtempSync(join(tmpdir(), "schulinventar-e2e-import-"));
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const stats = (db) => JSON.parse(cli(db, "stats", "--json"));
const byTestId = (id) => `[data-testid="${id}"]`;

/** The text of the one element with this test id, or null while there is none. */
async function textOf(session, id) {
  const found = await session.texts(byTestId(id));
  return found.length === 1 ? found[0].trim() : null;
}

/** Types `path` into the path field, opens it and waits for the mapping of that file. */
async function openFile(session, path, fileName) {
  await typeInto(session, byTestId("import-path"), path);
  await press(session, `${byTestId("import-source")} button[type="submit"]`);
  await waitForText(session, byTestId("import-file"), new RegExp(fileName.replace(/\./g, "\\.")));
}

/** The cell texts of the table rows with test id `id`. */
async function cellsOf(session, id) {
  return session.execute(
    `return [...document.querySelectorAll(arguments[0])]
       .map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent.trim()));`,
    [byTestId(id)],
  );
}

async function selectValue(session, id) {
  return session.execute("return document.querySelector(arguments[0]).value;", [byTestId(id)]);
}

describe("import in the app window", () => {
  it(
    "imports the school list, previews and commits the valid rows of the device list, and shows both in the history",
    { timeout: 300_000 },
    async () => {
      const db = join(workDir, "demo.sqlite");
      cli(db, "demo", "--scale", "small");
      const before = stats(db);

      const app = await openApp(db, { SCHULINVENTAR_AUTHOR: AUTHOR });
      try {
        const { session } = app;
        await press(session, byTestId("nav-import"));
        await waitForText(session, byTestId("history-empty"), "Noch keine Importe.");

        // 1. The school list: six new schools, no errors, one click.
        await openFile(session, schoolsCsv, "schulen_nrw_format.csv");
        assert.equal(await selectValue(session, "import-entity"), "schools");
        const unknown = await textOf(session, "unknown-columns");
        assert.match(unknown ?? "", /Rechtsform/, "the unmapped column is listed");
        await press(session, byTestId("import-preview-button"));
        await waitForText(session, byTestId("count-created"), "6");
        assert.equal(await textOf(session, "count-errors"), "0");
        await press(session, byTestId("import-commit"));
        await waitForText(session, byTestId("import-outcome"), "Gespeichert.");
        await session.waitFor(async () => (await session.texts(byTestId("history-row"))).length === 1);
        assert.equal(stats(db).schools, before.schools + 6);

        // 2. The device list: 500 new rows, three with errors.
        await openFile(session, devicesXlsx, "geraeteliste_beispielstadt.xlsx");
        assert.equal(await selectValue(session, "import-entity"), "inventory");
        assert.equal(await selectValue(session, "import-key"), "inventory_number");
        await saveScreenshot(session, "import-mapping.png", byTestId("import-mapping"), { scroll: true });
        await press(session, byTestId("import-preview-button"));
        await waitForText(session, byTestId("count-created"), "500");
        assert.equal(await textOf(session, "count-errors"), "3");
        assert.equal(await textOf(session, "count-updated"), "0");
        assert.equal(await textOf(session, "count-unchanged"), "0");
        assert.match((await textOf(session, "new-places")) ?? "", /Raum/);
        const previewed = stats(db);
        assert.deepEqual(
          [previewed.devices, previewed.presentation_hardware, previewed.rooms],
          [before.devices, before.presentation_hardware, before.rooms],
          "the preview keeps nothing",
        );

        await press(session, byTestId("only-errors"));
        const errorRows = await session.waitFor(async () => {
          const rows = await cellsOf(session, "preview-line");
          return rows.length > 0 && rows.every((r) => r[1] === "Fehler") ? rows : null;
        });
        assert.deepEqual([...new Set(errorRows.map((r) => r[0]))], ["505", "506", "507"]);
        const price = errorRows.find((r) => r[0] === "505" && r[4] === "Preis (brutto)");
        assert.ok(price, "row 505 has a price error");
        assert.equal(price[5], "abc");
        assert.match(price[6], /kein Betrag/);
        await saveScreenshot(session, "import-preview.png", byTestId("import-preview"), { scroll: true });

        // The error list through the path field.
        const errorFile = join(workDir, "fehlerliste.xlsx");
        await typeInto(session, byTestId("error-path"), errorFile);
        await press(session, `${byTestId("error-path")} ~ button[type="submit"]`);
        await waitForText(session, byTestId("import-notice"), `Fehlerliste gespeichert: ${errorFile}`);
        assert.equal(readFileSync(errorFile).subarray(0, 2).toString(), "PK", "an XLSX workbook");

        // Commit the valid rows, after the explicit confirmation.
        await press(session, byTestId("import-valid-only"));
        const question = await session.waitFor(async () => (await session.texts(byTestId("confirm-valid-only")))[0]);
        assert.match(question, /500 Zeilen werden übernommen, 3 Zeilen mit Fehlern werden nicht importiert/);
        await press(session, byTestId("confirm-yes"));
        await waitForText(session, byTestId("import-outcome"), /^Gespeichert: die fehlerfreien Zeilen\. 3 Zeilen/);

        // Columns: when, who, file, SHA-256, new, changed, unchanged, errors.
        const history = await session.waitFor(async () => {
          const rows = await cellsOf(session, "history-row");
          return rows.length === 2 ? rows : null;
        });
        const [when, who, file, sha, ...counts] = history[0];
        assert.match(when, /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/);
        assert.equal(who, AUTHOR);
        assert.match(file, /^geraeteliste_beispielstadt\.xlsx \(Blatt „Geräte“\)\s*nur fehlerfreie Zeilen$/);
        assert.equal(sha, "3c7498767f22", "the short SHA-256 of the file");
        assert.deepEqual(counts, ["500", "0", "0", "3"]);
        assert.deepEqual([history[1][1], history[1][2], ...history[1].slice(4)], [AUTHOR, "schulen_nrw_format.csv", "6", "0", "0", "0"]);

        // What reached the database, as the CLI sees it.
        const runs = JSON.parse(cli(db, "import-history", "--json"));
        assert.equal(runs.length, 2);
        assert.equal(runs[0].file_name, "geraeteliste_beispielstadt.xlsx");
        assert.deepEqual([runs[0].created, runs[0].errors, runs[0].valid_only], [500, 3, true]);
        const after = stats(db);
        assert.equal(
          after.devices + after.presentation_hardware,
          before.devices + before.presentation_hardware + 500,
        );

        // The auditor's comparison of the same file with what is stored now: nothing differs,
        // nothing is written, and the report is saved.
        const reportFile = join(workDir, "abgleich.xlsx");
        await typeInto(session, byTestId("reconcile-report-path"), reportFile);
        await press(session, byTestId("reconcile-button"));
        // Only in the inventory: the demo's own items, which the sheet does not list.
        const demoItems = before.devices + before.presentation_hardware + before.access_points;
        await waitForText(
          session,
          byTestId("reconcile-counts"),
          new RegExp(`0 nur in der Tabelle\\s+${demoItems} nur im Inventar\\s+0 abweichend\\s+500 übereinstimmend\\s+3 fehlerhafte Zeilen`),
        );
        await waitForText(session, byTestId("reconcile-report"), `Bericht gespeichert: ${reportFile}`);
        assert.ok(statSync(reportFile).size > 1000, "report written");
        await saveScreenshot(session, "import-reconcile.png", byTestId("reconcile"), { scroll: true });
        assert.deepEqual(stats(db), after, "reconciling changed nothing");
      } finally {
        await app.close();
      }
    },
  );
});
