import { expect, it } from "vitest";
import { render, screen } from "@testing-library/svelte";
import App from "./App.svelte";
import { mockBackend, school } from "./test/fixtures";

it("shows the title, the schools and the database in use", async () => {
  mockBackend(() => ({ items: [school({ id: "1", name: "Gesamtschule Nord" })], next: null }));
  render(App);

  expect(screen.getByRole("heading", { level: 1, name: "Schulinventar" })).toBeTruthy();
  expect(await screen.findByText("Gesamtschule Nord")).toBeTruthy();
  expect(await screen.findByText("/tmp/test/schulinventar.sqlite")).toBeTruthy();
});
