import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import DeleteControl from "./DeleteControl.svelte";
import { setLocale } from "../i18n/i18n.svelte";

describe("DeleteControl", () => {
  it("deletes only after a confirmation and restores on undo", async () => {
    const onDelete = vi.fn(async () => ({ status: "ok" as const }));
    const onRestore = vi.fn(async () => ({ status: "ok" as const }));
    const onChange = vi.fn();
    render(DeleteControl, { props: { what: "Raum „A.101“", onDelete, onRestore, onChange, testid: "room-delete" } });
    await userEvent.click(screen.getByTestId("room-delete-delete"));
    expect(screen.getByRole("alertdialog").textContent).toContain("Raum „A.101“ wirklich löschen?");
    expect(onDelete).not.toHaveBeenCalled();
    await userEvent.click(screen.getByTestId("room-delete-confirm"));
    expect(onDelete).toHaveBeenCalledTimes(1);
    expect(await screen.findByText(/Raum „A.101“ gelöscht/)).toBeTruthy();
    expect(onChange).toHaveBeenLastCalledWith(true);
    await userEvent.click(screen.getByTestId("room-delete-undo"));
    expect(onRestore).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenLastCalledWith(false);
    expect(screen.getByTestId("room-delete-delete")).toBeTruthy();
  });

  it("shows why the core refused and keeps the entry", async () => {
    const onDelete = async () => ({
      status: "error" as const,
      error: { code: "validation" as const, message: "Der Raum wird noch von 3 Geräten genutzt.", errors: [] },
    });
    render(DeleteControl, { props: { what: "Raum „A.101“", onDelete, onRestore: onDelete, testid: "room-delete" } });
    await userEvent.click(screen.getByTestId("room-delete-delete"));
    await userEvent.click(screen.getByTestId("room-delete-confirm"));
    expect((await screen.findByRole("alert")).textContent).toBe("Der Raum wird noch von 3 Geräten genutzt.");
    expect(screen.getByTestId("room-delete-delete")).toBeTruthy();
  });
});

describe("DeleteControl in English", () => {
  afterEach(() => setLocale("de"));

  it("asks and reports in English around the name it is given, and follows a switch while asking", async () => {
    const onDelete = vi.fn(async () => ({ status: "ok" as const }));
    const onRestore = vi.fn(async () => ({ status: "ok" as const }));
    setLocale("en");
    render(DeleteControl, { props: { what: "room “A.101”", onDelete, onRestore, testid: "room-delete" } });
    expect(screen.getByTestId("room-delete-delete").textContent).toBe("Delete");
    await userEvent.click(screen.getByTestId("room-delete-delete"));
    const dialog = screen.getByRole("alertdialog", { name: "Confirm deletion" });
    expect(dialog.textContent).toContain("Really delete room “A.101”? It can be restored afterwards.");
    expect(screen.getByRole("button", { name: "Cancel" })).toBeTruthy();

    setLocale("de");
    expect(await screen.findByRole("alertdialog", { name: "Löschen bestätigen" })).toBeTruthy();
    setLocale("en");
    await userEvent.click(await screen.findByRole("button", { name: "Delete" }));
    expect(await screen.findByText(/Deleted room “A\.101”\./)).toBeTruthy();
    expect(screen.getByTestId("room-delete-undo").textContent).toBe("Undo");
  });
});
