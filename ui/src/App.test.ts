import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import type { DropHandlers } from "./lib/import/native";
import { mockBackend, school } from "./test/fixtures";
import { callsOf, mockImportBackend, run } from "./test/importFixtures";

it("shows the title, the schools and the database in use", async () => {
  mockBackend(() => ({ items: [school({ id: "1", name: "Gesamtschule Nord" })], next: null }));
  render(App);

  expect(screen.getByRole("heading", { level: 1, name: "Schulinventar" })).toBeTruthy();
  expect(await screen.findByText("Gesamtschule Nord")).toBeTruthy();
  expect(await screen.findByText("/tmp/test/schulinventar.sqlite")).toBeTruthy();
});

describe("navigation and dropped files", () => {
  it("switches to the import page and back", async () => {
    mockImportBackend({ import_history: () => [run()] });
    render(App, { listenForDrops: async () => () => {} });

    await userEvent.click(screen.getByRole("button", { name: "Import" }));

    expect(await screen.findByRole("heading", { level: 2, name: "Import" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Import" }).getAttribute("aria-current")).toBe("page");
    expect((await screen.findByTestId("history-row")).textContent).toContain("geraeteliste_beispielstadt.xlsx");

    await userEvent.click(screen.getByRole("button", { name: "Schulen" }));
    expect(await screen.findByRole("heading", { level: 2, name: "Schulen" })).toBeTruthy();
  });

  it("opens a file dropped onto the window on the import page", async () => {
    const calls = mockImportBackend();
    let handlers: DropHandlers | undefined;
    const unlisten = vi.fn();
    const { unmount } = render(App, {
      listenForDrops: async (h) => {
        handlers = h;
        return unlisten;
      },
    });
    await expect.poll(() => handlers).toBeDefined();

    handlers?.hover(true);
    handlers?.drop(["/home/amt/geraeteliste.xlsx", "/home/amt/zweite.xlsx"]);

    expect(await screen.findByTestId("import-mapping")).toBeTruthy();
    expect(callsOf(calls, "import_inspect")[0]?.path).toBe("/home/amt/geraeteliste.xlsx");
    expect((screen.getByLabelText("oder Pfad der Datei") as HTMLInputElement).value).toBe("/home/amt/geraeteliste.xlsx");
    unmount();
    expect(unlisten).toHaveBeenCalledOnce();
  });
});

describe("language", () => {
  it("switches the frame to English and back, and stores the choice", async () => {
    mockBackend(() => ({ items: [school({ id: "1", name: "Gesamtschule Nord" })], next: null }));
    const { unmount } = render(App, { listenForDrops: async () => () => {} });
    const nav = () => screen.getAllByRole("button").filter((b) => b.dataset.testid?.startsWith("nav-")).map((b) => b.textContent?.trim());
    expect(nav()).toEqual(["Übersicht", "Schulen", "Geräte", "Ausleihe", "Technik", "Fördermittel", "Import", "Berichte", "Abgleich"]);

    await userEvent.click(screen.getByRole("button", { name: "English" }));
    expect(nav()).toEqual(["Overview", "Schools", "Devices", "Loans", "Equipment", "Funding", "Import", "Reports", "Sync"]);
    expect(screen.getByRole("button", { name: "Dark theme" })).toBeTruthy();
    expect(document.documentElement.lang).toBe("en");
    expect(await screen.findByRole("heading", { level: 2, name: "Schools" })).toBeTruthy();
    expect(localStorage.getItem("schulinventar.locale")).toBe("en");

    await userEvent.click(screen.getByRole("button", { name: "Deutsch" }));
    expect(screen.getByRole("button", { name: "Übersicht" })).toBeTruthy();
    expect(localStorage.getItem("schulinventar.locale")).toBe("de");
    expect(await screen.findByRole("heading", { level: 2, name: "Schulen" })).toBeTruthy();
    unmount();
  });
});
