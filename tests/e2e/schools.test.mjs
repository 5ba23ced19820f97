// End-to-end: the real app window under Xvfb, driven through tauri-driver, on a real database
// filled by the CLI. Run via `make test` (or `xvfb-run -a npm test` after `make e2e-prereqs`).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBinary, cli, cliBinary, cliSchoolNames, openApp, saveScreenshot, visibleError } from "./app.mjs";

let workDir;

before(() => {
  for (const binary of [appBinary, cliBinary]) {
    assert.ok(existsSync(binary), `${binary} is missing: build it first (make test does)`);
  }
  workDir = mkdtempSync(join(tmpdir(), "schulinventar-e2e-"));
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("school list in the app window", () => {
  it("shows exactly the schools of a demo database", { timeout: 120_000 }, async () => {
    const db = join(workDir, "demo.sqlite");
    cli(db, "demo", "--scale", "small");
    const expected = cliSchoolNames(db);
    assert.ok(expected.length > 0, "the demo database has schools");

    const app = await openApp(db);
    try {
      const { session } = app;
      assert.equal(await session.title(), "Schulinventar");
      const names = await session.waitFor(
        async () => {
          const error = await visibleError(session);
          if (error) throw new Error(`the app shows an error: ${error}`);
          const found = await session.texts('[data-testid="school-name"]');
          return found.length >= expected.length ? found : null;
        },
        { describe: async () => `waiting for ${expected.length} schools; seen: ${await session.texts("main")}` },
      );
      await saveScreenshot(session, "schools.png", '[data-testid="school-table"]');

      assert.deepEqual([...names].sort(), [...expected].sort());
      const heading = await session.texts("h1");
      assert.deepEqual(heading, ["Schulinventar"]);
    } finally {
      await app.close();
    }
  });

  it("creates a new database on first start and shows the empty state", { timeout: 120_000 }, async () => {
    const db = join(workDir, "neu", "schulinventar.sqlite");
    assert.ok(!existsSync(db));

    const app = await openApp(db);
    try {
      const { session } = app;
      const text = await session.waitFor(
        async () => {
          const error = await visibleError(session);
          if (error) throw new Error(`the app shows an error: ${error}`);
          const main = (await session.texts("main")).join("\n");
          return main.includes("Noch keine Schulen erfasst") ? main : null;
        },
        { describe: async () => `waiting for the empty state; seen: ${await session.texts("main")}` },
      );
      assert.match(text, /Noch keine Schulen erfasst/);
      await saveScreenshot(session, "empty.png", ".empty");
      assert.ok(existsSync(db), "the app created the database file");
    } finally {
      await app.close();
    }
  });
});
