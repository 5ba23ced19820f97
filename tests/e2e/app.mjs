// Shared by the end-to-end tests: where the binaries are, the CLI, one app window per test
// through tauri-driver, and screenshots that are checked to really show what they claim.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decodePng, distinctColours } from "./png.mjs";
import { Session, startDriver } from "./webdriver.mjs";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, "target");
export const appBinary = process.env.SCHULINVENTAR_APP ?? join(targetDir, "debug", "schulinventar-app");
export const cliBinary = process.env.SCHULINVENTAR_CLI ?? join(targetDir, "debug", "schulinventar");
export const screenshots = join(targetDir, "e2e-screenshots");

export function cli(db, ...args) {
  return execFileSync(cliBinary, ["--db", db, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Names of all schools as the CLI lists them (`--json` prints an array or a page object). */
export function cliSchoolNames(db) {
  const parsed = JSON.parse(cli(db, "list", "schools", "--json"));
  const schools = Array.isArray(parsed) ? parsed : parsed.items;
  assert.ok(Array.isArray(schools), "`list schools --json` prints schools");
  return schools.map((s) => s.name);
}

/**
 * Starts tauri-driver and one app window on `db` (`env`: more variables for the app);
 * returns the session and a cleanup.
 */
export async function openApp(db, env = {}) {
  // The window paints as the app chooses (without compositing); SCHULINVENTAR_COMPOSITING or
  // WEBKIT_DISABLE_COMPOSITING_MODE are passed through if the caller sets them.
  // A fresh web profile per launch (WebKit keeps localStorage, e.g. the chosen theme, under
  // XDG_DATA_HOME): no test sees what an earlier one left behind.
  const profile = mkdtempSync(join(tmpdir(), "schulinventar-e2e-profile-"));
  const driver = await startDriver({ env: { ...process.env, XDG_DATA_HOME: profile, ...env, SCHULINVENTAR_DB: db } });
  const cleanUp = () => rmSync(profile, { recursive: true, force: true });
  try {
    const session = await Session.create(driver.url, appBinary);
    // The session exists as soon as the webview does; the page may still be loading. Tests
    // start by clicking the navigation, so wait until it is drawn.
    await session.waitFor(async () => (await session.findAll('nav [data-testid="nav-schools"]')).length === 1, {
      timeoutMs: 60_000,
      describe: async () => `for the app's navigation to appear (page: ${await session.title().catch(() => "?")})`,
    });
    return {
      session,
      driverLog: driver.log,
      async close() {
        await session.close();
        await driver.stop();
        cleanUp();
      },
    };
  } catch (e) {
    await driver.stop();
    cleanUp();
    throw new Error(`${e.message}\n--- tauri-driver log ---\n${driver.log()}`);
  }
}

/**
 * Saves the window as a PNG once `selector` is really drawn: the DOM can be ahead of the
 * painted frame, so this waits for frames and checks the pixels inside the element's box.
 * `scroll` first scrolls the element to the top of its scrolling area (for content below the
 * fold); `overlay` is for an element shown over a dimmed window (a dialog); `dark` for the
 * dark theme (light text, the darker header).
 */
export async function saveScreenshot(session, name, selector, { scroll = false, overlay = false, dark = false } = {}) {
  mkdirSync(screenshots, { recursive: true });
  const file = join(screenshots, name);
  const box = await session.execute(
    `const el = document.querySelector(arguments[0]);
     if (arguments[1]) el.scrollIntoView({ block: "start" });
     const r = el.getBoundingClientRect();
     return { x: r.x, y: r.y, width: r.width, height: r.height, scale: window.devicePixelRatio };`,
    [selector, scroll],
  );
  let verdict = "";
  const deadline = Date.now() + 15_000;
  for (;;) {
    await session.executeAsync(
      "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
    );
    const png = await session.screenshot();
    writeFileSync(file, png);
    const image = decodePng(png);
    const ink = textPixels(image, box, dark);
    const colours = distinctColours(image);
    const [r, g, b] = pixel(image, 4, 4);
    // Behind a dialog's backdrop (30 % black) the header is darker by that much.
    const shade = overlay ? 0.7 : 1;
    const [hr, hg, hb] = dark ? [0x1e, 0x40, 0xaf] : [0x1d, 0x4e, 0xd8];
    const brand = Math.abs(r - hr * shade) + Math.abs(g - hg * shade) + Math.abs(b - hb * shade) < 30;
    // Text inside the element's box, a real picture, and the header in the brand blue
    // (#1d4ed8, dark theme #1e40af: the page's CSS was applied).
    if (ink > 100 && colours > 50 && brand) return file;
    verdict = `${ink} dark pixels in ${selector}, ${colours} colours, header rgb(${r},${g},${b})`;
    if (Date.now() > deadline) assert.fail(`${file} does not show ${selector}: ${verdict}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function pixel(image, x, y) {
  const at = (y * image.width + x) * image.channels;
  return image.pixels.subarray(at, at + 3);
}

/** Pixels that stand out as text within `box` (CSS pixels): dark ones, or light ones on a dark theme. */
function textPixels(image, box, dark) {
  const x0 = Math.max(0, Math.floor(box.x * box.scale));
  const y0 = Math.max(0, Math.floor(box.y * box.scale));
  const x1 = Math.min(image.width, Math.ceil((box.x + box.width) * box.scale));
  const y1 = Math.min(image.height, Math.ceil((box.y + box.height) * box.scale));
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const [r, g, b] = pixel(image, x, y);
      if (dark ? r + g + b > 420 : r + g + b < 420) count++;
    }
  }
  return count;
}

/** The visible error text, if the page shows one; used to fail fast with its message. */
export async function visibleError(session) {
  const alerts = await session.texts('[role="alert"]');
  return alerts.join(" | ");
}

/**
 * Waits until `selector` matches one element whose trimmed text `expected` accepts: the text
 * itself, a RegExp or a predicate. Fails at once when the page shows an error.
 */
export async function waitForText(session, selector, expected, what = selector) {
  const accepts =
    typeof expected === "function"
      ? expected
      : expected instanceof RegExp
        ? (t) => expected.test(t)
        : (t) => t === expected;
  return session.waitFor(
    async () => {
      const error = await visibleError(session);
      if (error) throw new Error(`the app shows an error: ${error}`);
      const texts = await session.texts(selector);
      return texts.length === 1 && accepts(texts[0].trim()) ? texts[0].trim() : null;
    },
    { timeoutMs: 120_000, describe: async () => `waiting for ${what}; seen: ${(await session.texts("main")).join(" ")}` },
  );
}

/**
 * Waits until `selector` matches an element (pages render after their data arrives over IPC),
 * then scrolls it into the middle of the view.
 */
async function reveal(session, selector) {
  await session.waitFor(
    () =>
      session.execute(
        "const el = document.querySelector(arguments[0]); if (!el) return false; el.scrollIntoView({ block: 'center' }); return true;",
        [selector],
      ),
    { describe: async () => `waiting for ${selector} to appear` },
  );
}

/** Types into a field that may lie below the fold: WebKitWebDriver types only into what is in view. */
export async function typeInto(session, selector, text) {
  await reveal(session, selector);
  await session.type(selector, text);
}

/** Clicks an element that may not be rendered yet or may lie outside the visible part of the page. */
export async function press(session, selector) {
  await reveal(session, selector);
  await session.click(selector);
}

/** Chooses the option of a select by its visible text, as a user would, and tells Svelte. */
export async function choose(session, selector, optionText) {
  const chosen = await session.execute(
    `const select = document.querySelector(arguments[0]);
     const option = [...select.options].find((o) => o.textContent.trim() === arguments[1]);
     if (!option) return null;
     select.focus();
     select.value = option.value;
     select.dispatchEvent(new Event("change", { bubbles: true }));
     return option.value;`,
    [selector, optionText],
  );
  assert.ok(chosen !== null, `${selector} offers "${optionText}"`);
}
