// End-to-end: the Berichte page of the real app window on the small demo database. The
// Verwendungsnachweis is previewed (the PDF's tables, the spreadsheet-only list named apart)
// and saved to a typed path (a native save dialog cannot be driven through WebDriver); the
// PDF's text must equal the text of the PDF the CLI writes for the same file. A device list
// export must count the devices the CLI counts, and reads back as an XLSX file.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBinary, cli, cliBinary, openApp, press, saveScreenshot, typeInto, waitForText } from "./app.mjs";

const BASIS = "programme-digitalpakt-basis";
const byTestId = (id) => `[data-testid="${id}"]`;

let workDir;

before(() => {
  for (const binary of [appBinary, cliBinary]) {
    assert.ok(existsSync(binary), `${binary} is missing: build it first (make test does)`);
  }
  workDir = mkdtempSync(join(tmpdir(), "schulinventar-e2e-reports-"));
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The text of a PDF as poppler's pdftotext reads it. */
const pdfText = (file) => execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });

describe("Berichte in the app window", () => {
  it(
    "previews and saves the Verwendungsnachweis as the CLI writes it, and exports the device list",
    { timeout: 300_000 },
    async () => {
      const db = join(workDir, "demo.sqlite");
      cli(db, "demo", "--scale", "small");
      const devices = JSON.parse(cli(db, "stats", "--json")).devices;
      assert.ok(devices > 0, "the demo has devices");
      const byCli = join(workDir, "vn-cli.pdf");
      cli(db, "report", "verwendungsnachweis", "--programme", BASIS, "--format", "pdf", "--out", byCli);

      const app = await openApp(db);
      try {
        const { session } = app;
        await session.click(byTestId("nav-reports"));
        await session.waitFor(() =>
          session.execute("return document.querySelector('#report-programme')?.value === arguments[0];", [BASIS]),
        );

        // 1. The preview shows the PDF's tables; the full inventory list is named as XLSX/CSV only.
        await session.click(byTestId("report-preview"));
        await waitForText(session, `${byTestId("report-document")} h3`, (t) => t === "Verwendungsnachweis", "the preview");
        const captions = await session.texts(`${byTestId("report-table")} caption`);
        assert.ok(captions.some((c) => c.startsWith("Belegliste (")), captions.join(" | "));
        assert.ok(captions.some((c) => c.startsWith("Inventar je Position (")), captions.join(" | "));
        assert.ok(!captions.some((c) => c.startsWith("Inventarliste")), captions.join(" | "));
        const leftOut = (await session.texts(byTestId("report-left-out")))[0] ?? "";
        assert.match(leftOut, /^Nur in XLSX und CSV: Inventarliste \([\d.]+ Zeilen\)$/);
        await saveScreenshot(session, "reports-preview.png", byTestId("report-document"));

        // 2. Saved to the typed path: the same text as the CLI's PDF of the same database.
        const byApp = join(workDir, "vn-app.pdf");
        await typeInto(session, byTestId("report-path"), byApp);
        await press(session, byTestId("report-save"));
        await waitForText(session, byTestId("report-notice"), (t) => t === `Gespeichert: ${byApp}`, "the saved report");
        assert.equal(readFileSync(byApp).subarray(0, 5).toString(), "%PDF-");
        const text = pdfText(byApp);
        assert.match(text, /Seite 1 von \d+/);
        assert.equal(text, pdfText(byCli), "the window's PDF reads exactly as the CLI's");

        // 3. The device list as XLSX: every device, counted as the CLI counts them.
        const xlsx = join(workDir, "geraete.xlsx");
        await typeInto(session, byTestId("export-path"), xlsx);
        await press(session, byTestId("export-save"));
        const rows = new Intl.NumberFormat("de-DE").format(devices);
        await waitForText(
          session,
          byTestId("report-notice"),
          (t) => t === `${rows} Zeilen exportiert nach ${xlsx}`,
          `${rows} exported rows`,
        );
        assert.equal(readFileSync(xlsx).subarray(0, 2).toString(), "PK", "an XLSX (zip) file");
      } finally {
        await app.close();
      }
    },
  );
});
