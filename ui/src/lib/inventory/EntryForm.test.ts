import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import EntryForm from "./EntryForm.svelte";
import { entrySpecs } from "./entryDraft";
import { VOCABULARY } from "../../test/inventoryFixtures";

const specs = entrySpecs(VOCABULARY);
const place = { school_id: "s1", building_id: "b1", room_id: "r1" };

describe("EntryForm", () => {
  it("sends the typed access point with its room once the typed mistakes are fixed", async () => {
    const onSave = vi.fn(async (data: Record<string, unknown>) => ({ status: "ok" as const, data: { id: "ap1", ...data } }));
    const onSaved = vi.fn();
    render(EntryForm, {
      props: { title: "Neuer Access Point", specs: specs.access_point, values: { status: "in_use" }, fixed: place, onSave, onSaved, onCancel: () => {}, testid: "ap" },
    });
    await userEvent.type(screen.getByTestId("ap-installed_on"), "31.04.2025");
    expect(screen.getByText(/31\.04\.2025/)).toBeTruthy();
    await userEvent.click(screen.getByTestId("ap-save"));
    expect(onSave).not.toHaveBeenCalled();
    expect(screen.getByRole("alert").textContent).toBe("Bitte die markierten Angaben prüfen.");

    await userEvent.clear(screen.getByTestId("ap-installed_on"));
    await userEvent.type(screen.getByTestId("ap-installed_on"), "30.04.2025");
    await userEvent.type(screen.getByTestId("ap-mac_address"), "AA-BB-CC-DD-EE-FF");
    await userEvent.click(screen.getByLabelText("5 GHz"));
    await userEvent.selectOptions(screen.getByTestId("ap-poe"), "ja");
    await userEvent.click(screen.getByTestId("ap-save"));
    expect(onSave).toHaveBeenCalledTimes(1);
    expect(onSave.mock.calls[0][0]).toMatchObject({ ...place, installed_on: "2025-04-30", mac_address: "AA-BB-CC-DD-EE-FF", bands: ["5ghz"], poe: true, status: "in_use" });
    expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ id: "ap1" }));
  });

  it("puts the core's objections at their fields, and those of fields it does not show on top", async () => {
    const onSave = vi.fn(async () => ({
      status: "error" as const,
      error: {
        code: "validation" as const,
        message: "Die Eingaben sind ungültig",
        errors: [
          { field: "mac_address", code: "duplicate_mac", message: "Die MAC-Adresse ist bereits erfasst." },
          { field: "room_id", code: "unknown_room", message: "Den Raum gibt es nicht (mehr)." },
        ],
      },
    }));
    render(EntryForm, {
      props: { title: "Neuer Access Point", specs: specs.access_point, values: { status: "in_use" }, fixed: place, onSave, onSaved: () => {}, onCancel: () => {}, testid: "ap" },
    });
    await userEvent.click(screen.getByTestId("ap-save"));
    expect(await screen.findByText("Die MAC-Adresse ist bereits erfasst.")).toBeTruthy();
    expect(screen.getByTestId("ap-mac_address").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByRole("alert").textContent).toBe("Den Raum gibt es nicht (mehr).");
    // Editing the field clears the core's objection.
    await userEvent.type(screen.getByTestId("ap-mac_address"), "a");
    expect(screen.queryByText("Die MAC-Adresse ist bereits erfasst.")).toBeNull();
  });
});
