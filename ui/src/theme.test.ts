import { afterEach, describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import App from "./App.svelte";
import { applyTheme, currentTheme } from "./theme";

describe("theme", () => {
  afterEach(() => {
    localStorage.clear();
    delete document.documentElement.dataset.theme;
  });

  it("follows the system until chosen, and keeps the choice", async () => {
    // jsdom has no matchMedia: the system counts as light.
    expect(currentTheme()).toBe("light");
    mockIPC((cmd) => {
      if (cmd === "app_info") return { db_path: "/tmp/x.sqlite", version: "0.1.0" };
      if (cmd === "list_schools") return { items: [], next: null };
      if (cmd === "sync_status") throw { code: "database", message: "kein Abgleich" };
      return null;
    });
    applyTheme(currentTheme());
    render(App, { props: { listenForDrops: async () => () => {} } });
    const toggle = screen.getByTestId("theme-toggle");
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
    await userEvent.click(toggle);
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    expect(localStorage.getItem("schulinventar.theme")).toBe("dark");
    expect(currentTheme()).toBe("dark");
    await userEvent.click(toggle);
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(currentTheme()).toBe("light");
  });
});
