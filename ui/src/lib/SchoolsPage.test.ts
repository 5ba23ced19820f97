import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import SchoolsPage from "./SchoolsPage.svelte";
import { deferred, mockBackend, school } from "../test/fixtures";

const grundschule = school({
  id: "1",
  name: "Grundschule am Park",
  school_number: "123456",
  school_type_label: "Grundschule",
  city: "Musterstadt",
  pupils: 1234,
});
const gymnasium = school({
  id: "2",
  name: "Goethe-Gymnasium",
  school_number: "654321",
  school_type_label: "Gymnasium",
  city: null,
  pupils: null,
});

describe("SchoolsPage", () => {
  it("shows the schools in a table with German headers", async () => {
    mockBackend(() => ({ items: [grundschule, gymnasium], next: null }));
    render(SchoolsPage);

    const table = await screen.findByRole("table", { name: "Schulen" });
    const headers = within(table)
      .getAllByRole("columnheader")
      .map((h) => h.textContent?.trim());
    expect(headers).toEqual(["Schulnummer", "Name", "Schulform", "Ort", "Schüler"]);

    const rows = within(table).getAllByRole("row").slice(1);
    const cells = rows.map((row) => [...row.querySelectorAll("th, td")].map((c) => c.textContent?.trim()));
    expect(cells).toEqual([
      ["123456", "Grundschule am Park", "Grundschule", "Musterstadt", "1.234"],
      ["654321", "Goethe-Gymnasium", "Gymnasium", "–", "–"],
    ]);
  });

  it("says that it is loading while the answer is pending", async () => {
    const answer = deferred<unknown>();
    mockBackend(() => answer.promise);
    render(SchoolsPage);

    expect(await screen.findByRole("status")).toHaveProperty("textContent", expect.stringContaining("Schulen werden geladen"));
    answer.resolve({ items: [grundschule], next: null });
    await screen.findByText("Grundschule am Park");
    expect(screen.getByRole("status").textContent).not.toContain("geladen …");
  });

  it("shows an empty state when no school is recorded", async () => {
    mockBackend(() => ({ items: [], next: null }));
    render(SchoolsPage);

    expect(await screen.findByText("Noch keine Schulen erfasst")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("shows the German error message and retries on request", async () => {
    let fail = true;
    const calls = mockBackend(() => {
      if (fail) throw { code: "schema_too_new", message: "Die Datenbank stammt aus einer neueren Version." };
      return { items: [grundschule], next: null };
    });
    render(SchoolsPage);

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Die Datenbank stammt aus einer neueren Version.");
    expect(screen.queryByText("Noch keine Schulen erfasst")).toBeNull();

    fail = false;
    await userEvent.click(within(alert).getByRole("button", { name: "Erneut versuchen" }));
    await screen.findByText("Grundschule am Park");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(calls).toHaveLength(2);
  });

  it("searches as the user types", async () => {
    const calls = mockBackend((q) =>
      q.search === null ? { items: [grundschule, gymnasium], next: null } : { items: [gymnasium], next: null },
    );
    render(SchoolsPage, { searchDelay: 0 });
    await screen.findByText("Grundschule am Park");

    await userEvent.type(screen.getByLabelText("Schulen durchsuchen"), "Goethe");

    await expect.poll(() => screen.queryByText("Grundschule am Park")).toBeNull();
    expect(screen.getByText("Goethe-Gymnasium")).toBeTruthy();
    expect(calls.at(-1)?.search).toBe("Goethe");
  });

  it("tells when a search finds nothing", async () => {
    mockBackend((q) => (q.search === null ? { items: [grundschule], next: null } : { items: [], next: null }));
    render(SchoolsPage, { searchDelay: 0 });
    await screen.findByText("Grundschule am Park");

    await userEvent.type(screen.getByLabelText("Schulen durchsuchen"), "xyz{Enter}");

    expect(await screen.findByText("Keine Schule passt zu „xyz“.")).toBeTruthy();
    expect(screen.queryByText("Noch keine Schulen erfasst")).toBeNull();
  });

  it("loads further pages on request", async () => {
    const calls = mockBackend((q) =>
      q.after === null ? { items: [grundschule], next: "c1" } : { items: [gymnasium], next: null },
    );
    render(SchoolsPage);

    await userEvent.click(await screen.findByRole("button", { name: "Weitere Schulen laden" }));

    await screen.findByText("Goethe-Gymnasium");
    expect(screen.getByText("Grundschule am Park")).toBeTruthy();
    expect(calls.map((q) => q.after)).toEqual([null, "c1"]);
    expect(screen.queryByRole("button", { name: "Weitere Schulen laden" })).toBeNull();
  });
});
