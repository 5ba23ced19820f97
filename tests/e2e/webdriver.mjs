// A minimal W3C WebDriver client over fetch, enough to drive the app through tauri-driver.
// Only loopback addresses are used.

import { spawn } from "node:child_process";
import { createServer } from "node:net";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf"; // the W3C web element key

/**
 * Asks the OS for `count` distinct free loopback ports. All of them stay bound until every one
 * is known: ports asked for one after another may come back equal once the first is released.
 */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
      });
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => (s.listening ? s.close(resolve) : resolve()))));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `action` (find elements, then act on them) again when the page re-rendered in between and
 * the driver reports a stale element; other errors pass through.
 */
async function retryStale(action) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (e) {
      if (attempt >= 5 || !/stale element/i.test(String(e?.message))) throw e;
      await sleep(100);
    }
  }
}

/** What tauri-driver (or WebKitWebDriver, whose output it passes on) prints when a port is taken. */
const PORT_TAKEN = /Unable to listen for HTTP server|can not listen to address/;

class PortTaken extends Error {}

/**
 * Starts tauri-driver on free ports and waits until it answers. `env` reaches
 * WebKitWebDriver and, through it, the app.
 *
 * A free port can be taken by another process before the driver binds it; the driver then
 * reports that it cannot listen (and a request may be passed on to a stranger, or to the driver
 * itself, and never answered). Such a start is stopped and made again on fresh ports, up to
 * `attempts` times. `ports` ([driver, native]) fixes the first start's ports, for tests.
 * The returned driver's `starts` counts the starts it took.
 */
export async function startDriver({
  binary = process.env.TAURI_DRIVER || "tauri-driver",
  env = process.env,
  ports,
  attempts = 3,
} = {}) {
  const failures = [];
  for (let start = 1; ; start++) {
    const [port, nativePort] = start === 1 && ports ? ports : await freePorts(2);
    try {
      const driver = await launchDriver(binary, env, port, nativePort);
      return { ...driver, starts: start };
    } catch (e) {
      failures.push(`start ${start} (ports ${port}, ${nativePort}): ${e.message}`);
      if (!(e instanceof PortTaken) || start >= attempts) {
        throw new Error(`tauri-driver did not start:\n${failures.join("\n")}`);
      }
    }
  }
}

async function launchDriver(binary, env, port, nativePort) {
  // Own process group, so that stopping it also ends WebKitWebDriver and the app it started
  // (they inherit the output pipes and would otherwise keep this process alive).
  const child = spawn(binary, ["--port", String(port), "--native-port", String(nativePort)], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const spawnError = new Promise((_, reject) => child.once("error", reject));

  const stop = async () => {
    const signalGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is already gone
      }
    };
    signalGroup("SIGTERM");
    if (child.exitCode === null && child.signalCode === null) {
      await Promise.race([exited, sleep(5000)]);
    }
    signalGroup("SIGKILL"); // whatever of the group is left (WebKitWebDriver, the app)
    child.stdout.destroy();
    child.stderr.destroy();
  };
  // The first lines of the log: a port conflict floods it with one line per request passed on.
  const excerpt = () => log.split("\n").slice(0, 20).join("\n");

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  try {
    for (;;) {
      const ready = await Promise.race([
        fetch(`${url}/status`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.ok,
          () => false,
        ),
        spawnError,
        exited.then(({ code }) => {
          throw new Error(`tauri-driver exited early (code ${code}):\n${excerpt()}`);
        }),
      ]);
      // Checked even when an answer came: it may have come from whoever holds the port.
      if (PORT_TAKEN.test(log)) throw new PortTaken(`a port was taken:\n${excerpt()}`);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`no answer on ${url} within 20 s:\n${excerpt()}`);
      await sleep(200);
    }
  } catch (e) {
    await stop();
    if (PORT_TAKEN.test(log) && !(e instanceof PortTaken)) throw new PortTaken(`${e.message}\n(a port was taken)`);
    throw e;
  }
  return { url, log: () => log, stop };
}

async function call(method, url, body, timeoutMs = 60_000) {
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new Error(`${method} ${url}: ${e.name}: ${e.message}`);
  }
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${url}: HTTP ${response.status}, not JSON: ${text.slice(0, 500)}`);
  }
  if (!response.ok) {
    const v = json.value ?? {};
    throw new Error(`${method} ${url}: ${v.error ?? response.status}: ${v.message ?? text}`);
  }
  return json.value;
}

/** One WebDriver session, i.e. one running app window. */
export class Session {
  static async create(driverUrl, application) {
    const value = await call("POST", `${driverUrl}/session`, {
      capabilities: { alwaysMatch: { "tauri:options": { application } } },
    });
    return new Session(`${driverUrl}/session/${value.sessionId}`);
  }

  constructor(base) {
    this.base = base;
  }

  async findAll(css) {
    const found = await call("POST", `${this.base}/elements`, { using: "css selector", value: css });
    return found.map((e) => e[ELEMENT]);
  }

  async text(elementId) {
    return call("GET", `${this.base}/element/${elementId}/text`);
  }

  /**
   * The visible text of every element `css` matches. The page may re-render between finding the
   * elements and reading them; then the lookup starts again.
   */
  async texts(css) {
    return retryStale(async () => {
      const ids = await this.findAll(css);
      const out = [];
      for (const id of ids) out.push(await this.text(id));
      return out;
    });
  }

  /** Runs `script` (a function body; arguments in `arguments`) in the page. */
  async execute(script, args = []) {
    return call("POST", `${this.base}/execute/sync`, { script, args });
  }

  /** Like `execute`, but the script calls `arguments[arguments.length - 1](result)` when done. */
  async executeAsync(script, args = []) {
    return call("POST", `${this.base}/execute/async`, { script, args });
  }

  /** The one element `css` matches; fails if there is none or more than one. */
  async find(css) {
    const ids = await this.findAll(css);
    if (ids.length !== 1) throw new Error(`${ids.length} elements match ${css}, expected one`);
    return ids[0];
  }

  /** Clicks the element `css` matches, as a user would (scrolled into view first). */
  async click(css) {
    await retryStale(async () => {
      const id = await this.find(css);
      await call("POST", `${this.base}/element/${id}/click`, {});
    });
  }

  /** Replaces the content of the input `css` matches by typing `text`. */
  async type(css, text) {
    await retryStale(async () => {
      const id = await this.find(css);
      await call("POST", `${this.base}/element/${id}/clear`, {});
      await call("POST", `${this.base}/element/${id}/value`, { text });
    });
  }

  async title() {
    return call("GET", `${this.base}/title`);
  }

  /**
   * The window as a PNG. WebKitWebDriver answers with the next frame the window paints; painted
   * without compositing (the app's default), a page where nothing moves paints no frame and the
   * screenshot would never come. So while it is taken, a 1-px mark in the bottom-right corner
   * changes its (almost invisible) shade every 50 ms.
   */
  async screenshot() {
    await this.execute(
      `const mark = document.createElement("div");
       mark.id = "e2e-repaint";
       mark.style.cssText = "position:fixed;right:0;bottom:0;width:1px;height:1px;background:#808080;opacity:0.01;pointer-events:none;z-index:2147483647";
       document.body.append(mark);
       let odd = false;
       mark.dataset.timer = String(setInterval(() => { odd = !odd; mark.style.opacity = odd ? "0.02" : "0.01"; }, 50));`,
    );
    try {
      return Buffer.from(await call("GET", `${this.base}/screenshot`), "base64");
    } finally {
      await this.execute(
        `const mark = document.getElementById("e2e-repaint");
         if (mark) { clearInterval(Number(mark.dataset.timer)); mark.remove(); }`,
      ).catch(() => {});
    }
  }

  /** Polls `probe` until it returns something truthy; `describe` explains a timeout. */
  async waitFor(probe, { timeoutMs = 30_000, describe = () => "" } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await probe();
      if (result) return result;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms ${await describe()}`);
      await sleep(250);
    }
  }

  async close() {
    await call("DELETE", this.base, undefined, 15_000).catch(() => {});
  }
}
