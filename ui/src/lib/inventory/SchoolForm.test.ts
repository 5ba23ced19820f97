import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import SchoolForm from "./SchoolForm.svelte";
import RoomForm from "./RoomForm.svelte";
import { VOCABULARY } from "../../test/inventoryFixtures";
import type { InventoryVocabulary } from "../bindings";
import { setLocale } from "../i18n/i18n.svelte";

describe("SchoolForm and RoomForm", () => {
  it("creates a school after the core refused a taken school number", async () => {
    const saves: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "funding_authorities") return [{ id: "a1", name: "Stadt Beispielstadt" }];
      if (cmd === "save_school") {
        saves.push(args);
        if (saves.length === 1) {
          throw {
            code: "validation",
            message: "Die Eingaben sind ungültig",
            errors: [{ field: "school_number", code: "duplicate", message: "Die Schulnummer 100013 ist bereits vergeben." }],
          };
        }
        return { id: "s9", created_at: "", updated_at: "", deleted_at: null, ...(args as { data: object }).data };
      }
      throw `unbekanntes Kommando ${cmd}`;
    });
    const onSaved = vi.fn();
    render(SchoolForm, { props: { school: null, vocabulary: VOCABULARY, onSaved, onCancel: () => {} } });
    // The only Schulträger is chosen by itself.
    await expect.poll(() => (screen.getByTestId("school-field-authority_id") as HTMLSelectElement).value).toBe("a1");
    await userEvent.type(screen.getByTestId("school-field-pupils"), "zwölf");
    expect(screen.getByText("„zwölf“ ist keine ganze Zahl.")).toBeTruthy();
    await userEvent.clear(screen.getByTestId("school-field-pupils"));
    await userEvent.type(screen.getByTestId("school-field-pupils"), "240");
    await userEvent.type(screen.getByTestId("school-field-school_number"), "100013");
    await userEvent.type(screen.getByTestId("school-field-name"), "Grundschule Am Wall");
    await userEvent.click(screen.getByTestId("school-save"));
    expect(await screen.findByText("Die Schulnummer 100013 ist bereits vergeben.")).toBeTruthy();
    expect(screen.getByTestId("school-field-school_number").getAttribute("aria-invalid")).toBe("true");
    expect(onSaved).not.toHaveBeenCalled();

    await userEvent.clear(screen.getByTestId("school-field-school_number"));
    await userEvent.type(screen.getByTestId("school-field-school_number"), "100099");
    expect(screen.queryByText("Die Schulnummer 100013 ist bereits vergeben.")).toBeNull();
    await userEvent.click(screen.getByTestId("school-save"));
    await expect.poll(() => onSaved.mock.calls.length).toBe(1);
    expect(saves[1]).toEqual({
      id: null,
      reason: null,
      data: expect.objectContaining({ authority_id: "a1", school_number: "100099", name: "Grundschule Am Wall", pupils: 240, school_type: "primary", school_type_label: "Grundschule" }),
    });
    expect(onSaved.mock.calls[0][1]).toBe(true);
  });

  it("creates a room of the school; nothing is sent while the number is missing", async () => {
    const saves: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "list_buildings") return { items: [{ id: "b1", created_at: "", updated_at: "", deleted_at: null, school_id: "s1", name: "Hauptgebäude", code: "A", street: null, notes: null }], next: null };
      if (cmd === "save_room") {
        saves.push(args);
        return { id: "r9", created_at: "", updated_at: "", deleted_at: null, ...(args as { data: object }).data };
      }
      throw `unbekanntes Kommando ${cmd}`;
    });
    const onSaved = vi.fn();
    render(RoomForm, { props: { schoolId: "s1", room: null, vocabulary: VOCABULARY, onSaved, onCancel: () => {} } });
    await userEvent.click(screen.getByTestId("room-save"));
    expect(screen.getByText("Bitte die Raumnummer angeben.")).toBeTruthy();
    expect(saves).toHaveLength(0);
    await userEvent.type(screen.getByTestId("room-number"), "A.204");
    await userEvent.selectOptions(await screen.findByLabelText("Gebäude"), "Hauptgebäude");
    await userEvent.selectOptions(screen.getByTestId("room-wlan_coverage"), "vollständig");
    await userEvent.click(screen.getByTestId("room-save"));
    await expect.poll(() => onSaved.mock.calls.length).toBe(1);
    expect(saves[0]).toEqual({
      id: null,
      reason: null,
      data: { school_id: "s1", building_id: "b1", number: "A.204", name: null, floor: null, kind: "classroom", wlan_coverage: "full", notes: null },
    });
  });
});

describe("SchoolForm and RoomForm in English", () => {
  afterEach(() => setLocale("de"));

  /** The fixture's vocabulary with the English labels the core sends along. */
  const english: InventoryVocabulary = {
    ...VOCABULARY,
    room_kinds: [{ code: "classroom", label: "Unterrichtsraum", label_en: "Classroom" }],
    wlan_coverages: [{ code: "full", label: "vollständig", label_en: "full coverage" }],
  };

  it("creates a room with English labels, messages and vocabulary", async () => {
    const saves: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "list_buildings") return { items: [{ id: "b1", created_at: "", updated_at: "", deleted_at: null, school_id: "s1", name: "Hauptgebäude", code: "A", street: null, notes: null }], next: null };
      if (cmd === "save_room") {
        saves.push(args);
        return { id: "r9", created_at: "", updated_at: "", deleted_at: null, ...(args as { data: object }).data };
      }
      throw `unbekanntes Kommando ${cmd}`;
    });
    setLocale("en");
    const onSaved = vi.fn();
    render(RoomForm, { props: { schoolId: "s1", room: null, vocabulary: english, onSaved, onCancel: () => {} } });
    expect(screen.getByRole("heading", { name: "New room" })).toBeTruthy();
    expect(screen.getByTestId("room-number").getAttribute("placeholder")).toBe("e.g. A.101");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByText("Please enter the room number.")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toBe("Please check the marked entries.");
    expect(saves).toHaveLength(0);

    await userEvent.type(screen.getByLabelText("Room number"), "A.204");
    await userEvent.selectOptions(await screen.findByLabelText("Building"), "Hauptgebäude");
    expect(screen.getByRole("option", { name: "Classroom" })).toBeTruthy();
    await userEvent.selectOptions(screen.getByLabelText("Wi-Fi coverage"), "full coverage");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await expect.poll(() => onSaved.mock.calls.length).toBe(1);
    expect(saves[0]).toEqual({
      id: null,
      reason: null,
      data: { school_id: "s1", building_id: "b1", number: "A.204", name: null, floor: null, kind: "classroom", wlan_coverage: "full", notes: null },
    });
  });

  it("checks the school's numbers with English messages that name what was typed", async () => {
    mockIPC((cmd) => {
      if (cmd === "funding_authorities") return [{ id: "a1", name: "Stadt Beispielstadt" }];
      throw `unbekanntes Kommando ${cmd}`;
    });
    setLocale("en");
    render(SchoolForm, { props: { school: null, vocabulary: english, onSaved: () => {}, onCancel: () => {} } });
    expect(screen.getByRole("heading", { name: "New school" })).toBeTruthy();
    await userEvent.type(screen.getByLabelText("Pupils"), "zwölf");
    expect(screen.getByText("“zwölf” is not a whole number.")).toBeTruthy();
    await userEvent.type(screen.getByLabelText("Social index (1–9)"), "12");
    expect(screen.getByText("Please enter a number from 1 to 9.")).toBeTruthy();
    setLocale("de");
    expect(await screen.findByText("„zwölf“ ist keine ganze Zahl.")).toBeTruthy();
  });
});
