// End-to-end: the Abgleich page of the real app window against a real hub on loopback. The
// window's laptop (the small demo) enrols with a one-time code and syncs; a second laptop,
// empty, enrols through the CLI and syncs; both must then hold the same content (equal
// `schulinventar digest`). A conflict made on the two laptops shows in the window and is
// resolved there; after the next syncs both agree again.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBinary, cli, cliBinary, openApp, press, saveScreenshot, waitForText } from "./app.mjs";

const byTestId = (id) => `[data-testid="${id}"]`;

let workDir;
let hub;

before(() => {
  for (const binary of [appBinary, cliBinary]) {
    assert.ok(existsSync(binary), `${binary} is missing: build it first (make test does)`);
  }
  workDir = mkdtempSync(join(tmpdir(), "schulinventar-e2e-sync-"));
});

after(() => {
  hub?.kill();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Starts `hub serve` on a free loopback port; resolves to its address. */
function serveHub(dataDir) {
  hub = spawn(cliBinary, ["hub", "serve", "--listen", "127.0.0.1:0", "--data", dataDir], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: hub.stdout });
    lines.once("line", (line) => {
      const url = line.trim().replace(/^Hub läuft auf /, "");
      if (!url.startsWith("http://127.0.0.1:")) reject(new Error(`unexpected first line: ${line}`));
      else resolve(url);
    });
    hub.once("exit", (code) => reject(new Error(`hub serve ended with ${code}`)));
  });
}

/** A one-time enrolment code for a department device (`hub enroll` prints only the code). */
const code = (dataDir) =>
  execFileSync(cliBinary, ["hub", "enroll", "--role", "department", "--data", dataDir], { encoding: "utf8" }).trim();
const digest = (db) => cli(db, "digest").trim();

describe("Abgleich in the app window", () => {
  it("enrols at a real hub, syncs, and converges with a second laptop; a conflict is resolved in the window", { timeout: 300_000 }, async () => {
    const hubDir = join(workDir, "hub");
    const url = await serveHub(hubDir);
    const laptopA = join(workDir, "laptop-a.sqlite");
    const laptopB = join(workDir, "laptop-b.sqlite");
    cli(laptopA, "demo", "--scale", "small");
    cli(laptopB, "stats");

    const app = await openApp(laptopA);
    try {
      const { session } = app;
      await session.click(byTestId("nav-sync"));
      await waitForText(session, byTestId("sync-hub"), (t) => t === "nicht angemeldet", "the status");

      // 1. Enrolment in the window, then a sync: everything goes to the hub.
      await session.type(byTestId("sync-hub-url"), url);
      await session.type(byTestId("sync-code"), code(hubDir));
      await session.type(byTestId("sync-device"), "Laptop A");
      await press(session, `${byTestId("sync-enroll")} button[type="submit"]`);
      await waitForText(session, byTestId("sync-notice"), (t) => t.includes(`beim Hub ${url}`), "the enrolment");
      await waitForText(session, byTestId("sync-reachable"), (t) => t === "ja", "the hub reachable");
      const pending = Number((await session.texts(byTestId("sync-pending")))[0].replace(/\./g, ""));
      assert.ok(pending > 100, `the demo's changes wait for the hub: ${pending}`);
      // Every progress text the page shows while the sync runs, as it is drawn.
      await session.execute(
        `window.__syncProgress = [];
         new MutationObserver(() => {
           const el = document.querySelector('[data-testid="sync-progress-text"]');
           const text = el?.textContent.trim();
           if (text && window.__syncProgress.at(-1) !== text) window.__syncProgress.push(text);
         }).observe(document.body, { subtree: true, childList: true, characterData: true });`,
      );
      await press(session, byTestId("sync-now"));
      const result = await waitForText(session, byTestId("sync-result"), (t) => /\d+ gesendet/.test(t), "the sync result");
      const sent = Number(result.match(/([\d.]+) gesendet/)[1].replace(/\./g, ""));
      assert.equal(sent, pending, `every waiting change went to the hub: ${result}`);
      const shown = await session.execute("return window.__syncProgress;");
      const sending = shown.filter((t) => t.startsWith("Senden: "));
      assert.ok(sending.length > 0, `the page showed the changes being sent: ${JSON.stringify(shown)}`);
      for (const text of sending) {
        const [, done, total] = text.match(/^Senden: ([\d.]+) von ([\d.]+) Änderungen$/) ?? [];
        assert.equal(Number(total?.replace(/\./g, "")), pending, `sent of all that waited: ${text}`);
        assert.ok(Number(done.replace(/\./g, "")) <= pending, text);
      }
      await waitForText(session, byTestId("sync-pending"), (t) => t === "0", "nothing pending");

      // 2. The second laptop enrols and syncs through the CLI: the same content as the window's.
      cli(laptopB, "enroll", "--hub", url, "--code", code(hubDir), "--name", "Laptop B");
      const pulled = JSON.parse(cli(laptopB, "sync", "--hub", url, "--json"));
      assert.equal(pulled.pulled, sent, "laptop B received every operation laptop A sent");
      assert.equal(digest(laptopB), digest(laptopA), "both laptops hold the same content");

      // 3. A conflict: both laptops change the same device's note while apart (by importing
      //    a one-row list, as an administrator would).
      const [device] = JSON.parse(cli(laptopA, "list", "devices", "--limit", "1", "--json"));
      const schools = JSON.parse(cli(laptopA, "list", "schools", "--json"));
      const schoolNumber = schools.find((s) => s.id === device.school_id).school_number;
      const setNote = (db, note) => {
        const csv = join(workDir, `notiz-${note}.csv`);
        writeFileSync(csv, `Inventarnummer;Schulnummer;Notiz\n${device.inventory_number};${schoolNumber};${note}\n`);
        cli(db, "import", csv, "--entity", "devices", "--key", "inventory_number", "--map", "Notiz=notes");
      };
      setNote(laptopA, "blau");
      await new Promise((resolve) => setTimeout(resolve, 20));
      setNote(laptopB, "rot");
      cli(laptopB, "sync", "--hub", url);
      await press(session, byTestId("sync-now"));
      await waitForText(session, byTestId("sync-conflict-count"), (t) => t === "1", "one open conflict");
      const row = await waitForText(session, byTestId("conflict"), (t) => t.includes('"blau"'), "the conflict row");
      assert.ok(row.includes('"rot"'), row);
      await saveScreenshot(session, "sync-page.png", byTestId("sync-conflicts"), { scroll: true });
      // The later change (laptop B's "rot") is in force; laptop A's "blau" is chosen instead,
      // and the confirmation answered.
      await session.execute(
        `window.confirm = () => true;
         const row = document.querySelector('[data-testid="conflict"]');
         [...row.querySelectorAll("button")].find((b) => b.textContent.trim() === "Überschriebenen Wert nehmen").click();`,
      );
      await waitForText(session, byTestId("sync-notice"), (t) => t.includes("gelöst"), "the resolution");
      await waitForText(session, byTestId("sync-conflict-count"), (t) => t === "0", "no open conflict");
      await press(session, byTestId("sync-now"));
      await waitForText(session, byTestId("sync-pending"), (t) => t === "0", "the resolution sent");
      cli(laptopB, "sync", "--hub", url);
      assert.equal(digest(laptopB), digest(laptopA), "both agree after the resolution");
      const again = JSON.parse(cli(laptopB, "list", "devices", "--search", device.inventory_number, "--json"));
      assert.equal(again.find((d) => d.id === device.id).notes, "blau");
      assert.deepEqual(JSON.parse(cli(laptopB, "conflicts", "--json")), [], "closed on laptop B too");
    } finally {
      await app.close();
    }
  });
});
