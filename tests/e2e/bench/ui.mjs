// UI benchmark (not a test: it prints figures and asserts nothing about speed). On a
// municipality-scale demo (160 schools, 60,000 devices), with the release build:
//
//   1. launch → first school list drawn: from starting the app until the school list's
//      user-timing mark, and from the page's navigation start;
//   2. resident memory of the app's processes (the app and its WebKit children) once the
//      Übersicht is open, against a bare Tauri window showing an empty page, both as Tauri
//      draws it by default and painted the way the app paints (without compositing);
//   3. scrolling the Geräte list from top to bottom through all 60,000 devices at 20 screens per
//      frame (as when the scroll bar is dragged), waiting wherever the next page is still on its
//      way from the database; then, back at the top, one screen per frame over the first 5,000
//      rows (frame times: how smooth scrolling is).
//
// Run with `make bench-ui` (builds the release binaries and the demo, runs under Xvfb).

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Session, sleep, startDriver } from "../webdriver.mjs";
import { root } from "../app.mjs";

const release = join(process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, "target"), "release");
// BENCH_APP measures another build of the app against the same bare window and demo.
const app = process.env.BENCH_APP ? resolve(process.env.BENCH_APP) : join(release, "schulinventar-app");
const bare = join(release, "examples", "bare_window");
const cliBinary = join(release, "schulinventar");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

for (const binary of [app, bare, cliBinary]) {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: make bench-ui builds it`);
}

/** Every process id whose parent chain leads to `pid`, `pid` included. */
function familyOf(pid) {
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const family = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [child, parent] of parents) {
      if (family.has(parent) && !family.has(child)) {
        family.add(child);
        grew = true;
      }
    }
  }
  return [...family];
}

/** The process running `binary` (the newest, if several). */
function pidOf(binary) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`) === binary) found.push(Number(entry));
    } catch {
      // Not ours to read, or gone.
    }
  }
  if (found.length === 0) throw new Error(`no process runs ${binary}`);
  return Math.max(...found);
}

/** Resident (RSS) and proportional (PSS) memory of a process and its children, in MiB. */
function memoryOf(pid) {
  let rss = 0;
  let pss = 0;
  const names = [];
  const byProcess = {};
  for (const p of familyOf(pid)) {
    try {
      const rollup = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
      const r = Number(/^Rss:\s+(\d+)/m.exec(rollup)[1]);
      const q = Number(/^Pss:\s+(\d+)/m.exec(rollup)[1]);
      rss += r;
      pss += q;
      const name = readFileSync(`/proc/${p}/comm`, "utf8").trim();
      names.push(name);
      byProcess[name] = (byProcess[name] ?? 0) + q / 1024;
    } catch {
      // Gone meanwhile.
    }
  }
  return { rssMiB: rss / 1024, pssMiB: pss / 1024, processes: names, byProcess };
}

/** Waits until the family's memory stops growing (three readings within 1 %), then reads it. */
async function settledMemory(pid) {
  let last = memoryOf(pid);
  for (let i = 0; i < 20; i++) {
    await sleep(1000);
    const now = memoryOf(pid);
    if (Math.abs(now.pssMiB - last.pssMiB) < last.pssMiB * 0.01) return now;
    last = now;
  }
  return last;
}

/**
 * The bare window as Tauri draws it by default (`painted: "default"`) or painted the way the app
 * paints itself (`"like-app"`: without compositing, unless SCHULINVENTAR_COMPOSITING=1 is set).
 */
async function bareWindow(painted) {
  const env = { ...process.env };
  delete env.WEBKIT_DISABLE_COMPOSITING_MODE;
  if (painted === "like-app" && env.SCHULINVENTAR_COMPOSITING !== "1") env.WEBKIT_DISABLE_COMPOSITING_MODE = "1";
  const child = spawn(bare, [], { stdio: "ignore", env });
  try {
    // The network and web processes start once the window maps and loads its page.
    for (let i = 0; i < 100 && familyOf(child.pid).length < 3; i++) await sleep(200);
    return await settledMemory(child.pid);
  } finally {
    child.kill();
  }
}

/** A measurement's PSS per process, as "name MiB, …". */
const perProcess = (memory) => Object.entries(memory.byProcess).map(([name, mib]) => `${name} ${fmt(mib)}`).join(", ");

const byTestId = (id) => `[data-testid="${id}"]`;

async function waitFor(session, script, args = [], timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await session.execute(script, args);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${script}`);
    await sleep(50);
  }
}

/**
 * Scrolls the device list from the top, `screens` screens per frame, until `maxRows` rows are
 * passed or the last row is in view; waits wherever the next page is still on its way.
 */
async function scrollRun(session, screens, maxRows) {
  await session.execute(
    `const grid = document.querySelector(arguments[0]);
     const body = grid.querySelector('.body');
     const [screens, maxRows, row] = [arguments[1], arguments[2] ?? Infinity, 36];
     body.scrollTop = 0;
     const state = { done: false, frames: 0, waits: 0, gaps: [] };
     window.__scroll = state;
     const t0 = performance.now();
     let last = t0;
     function step(now) {
       state.frames++;
       state.gaps.push(now - last);
       last = now;
       const more = grid.getAttribute('aria-rowcount') === '-1';
       const atEnd = body.scrollTop + body.clientHeight >= body.scrollHeight - 1;
       const passed = Math.round((body.scrollTop + body.clientHeight) / row);
       if ((atEnd && !more) || passed >= maxRows) {
         const gaps = state.gaps.slice(1).sort((a, b) => a - b);
         Object.assign(state, {
           done: true,
           ms: performance.now() - t0,
           rows: passed,
           medianFrameMs: gaps[Math.floor(gaps.length / 2)],
           p95FrameMs: gaps[Math.floor(gaps.length * 0.95)],
           gaps: [],
         });
         return;
       }
       if (atEnd) state.waits++;
       else body.scrollTop += body.clientHeight * screens;
       requestAnimationFrame(step);
     }
     requestAnimationFrame(step);`,
    [byTestId("device-table"), screens, Number.isFinite(maxRows) ? maxRows : null],
  );
  // Progress every 10 s, so a slow run shows where it is.
  for (let next = Date.now() + 10_000; ; ) {
    const state = await session.execute(
      `const s = window.__scroll; const body = document.querySelector(arguments[0] + ' .body');
       return { ...s, gaps: undefined, top: Math.round(body.scrollTop / 36), loaded: Math.round(body.scrollHeight / 36) };`,
      [byTestId("device-table")],
    );
    if (state.done) return state;
    if (Date.now() > next) {
      console.log(`  scrolling ${screens} screen(s) per frame: row ${state.top} of ${state.loaded} loaded, ${state.frames} frames, ${state.waits} waits`);
      next = Date.now() + 10_000;
    }
    await sleep(100);
  }
}

async function appRun(db) {
  const driver = await startDriver({ env: { ...process.env, SCHULINVENTAR_DB: db } });
  try {
    const launched = Date.now();
    const session = await Session.create(driver.url, app);
    try {
      const mark = await waitFor(
        session,
        `const m = performance.getEntriesByName("schulinventar:first-school-list")[0];
         return m ? { at: performance.timeOrigin + m.startTime, fromNavigation: m.startTime } : null;`,
      );
      const firstList = { fromLaunchMs: mark.at - launched, fromNavigationMs: mark.fromNavigation };

      await session.click(byTestId("nav-dashboard"));
      await waitFor(session, "return document.querySelectorAll('[data-testid=kpi-row]').length > 0;");
      const memory = await settledMemory(pidOf(app));

      await session.click(byTestId("nav-devices"));
      await waitFor(session, `return !!document.querySelector('${byTestId("device-table")} [aria-rowindex="2"]');`);
      // Frames while nothing happens: what the display under test gives at best.
      const idleFrameMs = await session.executeAsync(
        `const done = arguments[arguments.length - 1]; const gaps = []; let last = 0;
         function step(now) { if (last) gaps.push(now - last); last = now;
           if (gaps.length < 60) requestAnimationFrame(step); else done(gaps.sort((a, b) => a - b)[30]); }
         requestAnimationFrame(step);`,
      );
      // First through all devices, fetching every page; then back at the top, frame by frame.
      const fast = await scrollRun(session, 20, Infinity);
      const smooth = await scrollRun(session, 1, 5_000);
      return { firstList, memory, smooth, fast, idleFrameMs };
    } finally {
      await session.close();
    }
  } finally {
    await driver.stop();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, digits = 0) => x.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const work = mkdtempSync(join(tmpdir(), "schulinventar-bench-ui-"));
try {
  const db = join(work, "municipality.sqlite");
  process.stdout.write("Building the municipality demo … ");
  execFileSync(cliBinary, ["--db", db, "demo", "--scale", "municipality"], { stdio: "ignore" });
  console.log(execFileSync(cliBinary, ["--db", db, "stats"], { encoding: "utf8" }).match(/devices\s+(\d+)/)[1], "devices");

  const bareRuns = [];
  const bareLikeAppRuns = [];
  const appRuns = [];
  for (let i = 0; i < RUNS; i++) {
    bareRuns.push(await bareWindow("default"));
    bareLikeAppRuns.push(await bareWindow("like-app"));
    appRuns.push(await appRun(db));
    const a = appRuns.at(-1);
    console.log(
      `run ${i + 1}: first list ${fmt(a.firstList.fromLaunchMs)} ms after launch (${fmt(a.firstList.fromNavigationMs)} ms after navigation start); ` +
        `app ${fmt(a.memory.pssMiB)} MiB PSS / ${fmt(a.memory.rssMiB)} MiB RSS (${perProcess(a.memory)}); ` +
        `bare by process: ${perProcess(bareRuns.at(-1))}; ` +
        `idle frame ${fmt(a.idleFrameMs)} ms; ` +
        `bare window ${fmt(bareRuns.at(-1).pssMiB)} MiB PSS / ${fmt(bareRuns.at(-1).rssMiB)} MiB RSS, ` +
        `painted like the app ${fmt(bareLikeAppRuns.at(-1).pssMiB)} MiB PSS / ${fmt(bareLikeAppRuns.at(-1).rssMiB)} MiB RSS ` +
        `(${perProcess(bareLikeAppRuns.at(-1))}); ` +
        `one screen per frame: ${fmt(a.smooth.rows)} rows in ${fmt(a.smooth.ms)} ms, frame ${fmt(a.smooth.medianFrameMs)} ms median / ${fmt(a.smooth.p95FrameMs)} ms p95; ` +
        `20 screens per frame: ${fmt(a.fast.rows)} rows in ${fmt(a.fast.ms)} ms (${a.fast.frames} frames, ${a.fast.waits} waiting for data)`,
    );
  }
  const appPss = median(appRuns.map((r) => r.memory.pssMiB));
  const barePss = median(bareRuns.map((r) => r.pssMiB));
  const appRss = median(appRuns.map((r) => r.memory.rssMiB));
  const bareRss = median(bareRuns.map((r) => r.rssMiB));
  console.log("\nMedian of", RUNS, "runs:");
  console.log(`  launch → first school list   ${fmt(median(appRuns.map((r) => r.firstList.fromLaunchMs)))} ms (target ≤ 1,500 ms)`);
  console.log(`  scroll to the last device    ${fmt(median(appRuns.map((r) => r.fast.ms)))} ms for ${fmt(appRuns[0].fast.rows)} rows at 20 screens per frame`);
  console.log(`  scroll, 1 screen per frame   ${fmt(median(appRuns.map((r) => r.smooth.medianFrameMs)))} ms per frame (median), ${fmt(median(appRuns.map((r) => r.smooth.p95FrameMs)))} ms p95, first ${fmt(appRuns[0].smooth.rows)} rows`);
  console.log(`  memory with the Übersicht    ${fmt(appPss)} MiB PSS (${fmt(appRss)} MiB RSS)`);
  console.log(`  bare Tauri window            ${fmt(barePss)} MiB PSS (${fmt(bareRss)} MiB RSS)`);
  console.log(`  ratio                        ${fmt(appPss / barePss, 2)} × PSS, ${fmt(appRss / bareRss, 2)} × RSS (target ≤ 1.5 ×)`);
  const likePss = median(bareLikeAppRuns.map((r) => r.pssMiB));
  const likeRss = median(bareLikeAppRuns.map((r) => r.rssMiB));
  console.log(`  bare window painted like app ${fmt(likePss)} MiB PSS (${fmt(likeRss)} MiB RSS)`);
  console.log(`  ratio to that                ${fmt(appPss / likePss, 2)} × PSS, ${fmt(appRss / likeRss, 2)} × RSS`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
