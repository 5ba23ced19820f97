// The driver start itself: a port taken between asking for it and binding it must not fail a
// test run. Only tauri-driver and WebKitWebDriver run here, no app window.

import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { freePorts, startDriver } from "./webdriver.mjs";

async function status(url) {
  const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(5000) });
  assert.equal(response.status, 200, "the driver answers /status");
  return (await response.json()).value;
}

test("free ports asked for together are distinct", async () => {
  const ports = await freePorts(8);
  assert.equal(ports.length, 8);
  assert.equal(new Set(ports).size, 8, `distinct ports: ${ports}`);
  for (const port of ports) assert.ok(port > 0 && port < 65536);
});

test("a native port held by another process: the driver starts again on fresh ports", async () => {
  // A stranger that accepts connections and never answers.
  const stranger = createServer(() => {});
  await new Promise((resolve) => stranger.listen(0, "127.0.0.1", resolve));
  const held = stranger.address().port;
  const [port] = await freePorts(1);
  try {
    const driver = await startDriver({ ports: [port, held] });
    try {
      assert.equal(driver.starts, 2, "the first start failed, the second came up");
      assert.notEqual(driver.url, `http://127.0.0.1:${port}`, "the second start has fresh ports");
      assert.equal((await status(driver.url)).ready, true);
    } finally {
      await driver.stop();
    }
  } finally {
    stranger.close();
  }
});

test("the same port for both: the driver starts again instead of passing requests to itself", async () => {
  const [port] = await freePorts(1);
  const driver = await startDriver({ ports: [port, port] });
  try {
    assert.equal(driver.starts, 2);
    assert.equal((await status(driver.url)).ready, true);
  } finally {
    await driver.stop();
  }
  await assert.rejects(fetch(`${driver.url}/status`, { signal: AbortSignal.timeout(2000) }), "stopped means gone");
});

test("ports that stay taken: the start fails after the attempts allowed, naming each", async () => {
  const stranger = createServer(() => {});
  await new Promise((resolve) => stranger.listen(0, "127.0.0.1", resolve));
  const held = stranger.address().port;
  try {
    // Only one attempt allowed, so the fixed (taken) ports are the only ones tried.
    await assert.rejects(startDriver({ ports: [held, held], attempts: 1 }), (e) => {
      assert.match(e.message, /tauri-driver did not start/);
      assert.match(e.message, new RegExp(`start 1 \\(ports ${held}, ${held}\\)`));
      assert.match(e.message, /port was taken/);
      return true;
    });
  } finally {
    stranger.close();
  }
});
