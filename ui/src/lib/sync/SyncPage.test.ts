import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import SyncPage from "./SyncPage.svelte";
import { SyncFlow } from "./syncFlow.svelte";
import type { Channel } from "@tauri-apps/api/core";
import type { BundleResult, BundleStep, ConflictView, SyncRun, SyncStatus, SyncStep } from "../bindings";
import { deferred } from "../../test/fixtures";
import { setLocale } from "../i18n/i18n.svelte";

type Handler = (args: Record<string, unknown>) => unknown;

/** Answers the sync commands from `handlers`; records every call. */
function mockSync(handlers: Record<string, Handler>): { cmd: string; args: Record<string, unknown> }[] {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    const handler = handlers[cmd];
    if (!handler) throw `unbekanntes Kommando ${cmd}`;
    return handler(a);
  });
  return calls;
}

/** An enrolled device whose sync runs until `result` settles; `step` sends it a progress step. */
function mockRunningSync(result: Promise<SyncRun>): { step: (s: SyncStep) => void } {
  let channel: Channel<SyncStep> | undefined;
  mockSync({
    sync_status: () => enrolled,
    sync_hub_reachable: () => true,
    sync_conflicts: () => [],
    sync_now: (a) => {
      channel = a.onProgress as Channel<SyncStep>;
      return result;
    },
  });
  return { step: (s) => channel?.onmessage(s) };
}

const notEnrolled: SyncStatus = { enrolled: false, hub_url: null, last_sync: null, pending: 12, open_conflicts: 0 };
const enrolled: SyncStatus = {
  enrolled: true,
  hub_url: "http://127.0.0.1:9000",
  last_sync: "2026-11-26T09:30:00Z",
  pending: 3,
  open_conflicts: 1,
};

const conflict: ConflictView = {
  id: "a1b2c3d4",
  kind: "concurrent",
  entity: "room",
  row_id: "r-1",
  field: "name",
  winner: { value: '"Raum 101"', author: "laptop-b", device: "node-b", at: "2026-11-25T08:00:00Z" },
  loser: { value: '"Physik"', author: "laptop-a", device: "node-a", at: "2026-11-25T07:59:00Z" },
  open: true,
};

describe("Abgleich", () => {
  it("enrols with the department's code, then syncs and shows what moved and what the hub refused", async () => {
    let status = notEnrolled;
    const run: SyncRun = {
      pushed: 12,
      duplicates: 0,
      rejected: 1,
      rejected_reasons: ["device d-9: Die Schule 100013 gehört nicht zu den Schulen dieses Geräts."],
      pulled: 40,
      purged: 3,
      conflicts: 0,
      clock_warning: null,
      status: { ...enrolled, pending: 0, last_sync: "2026-11-26T10:00:00Z" },
    };
    const calls = mockSync({
      sync_status: () => status,
      sync_hub_reachable: () => true,
      sync_conflicts: () => [],
      sync_enroll: () => {
        status = enrolled;
        return enrolled;
      },
      sync_now: () => run,
    });
    const flow = new SyncFlow();
    render(SyncPage, { flow });

    expect((await screen.findByTestId("sync-hub")).textContent).toBe("nicht angemeldet");
    expect(screen.queryByTestId("sync-now")).toBeNull();
    // Nothing is sent before every field is filled.
    const form = screen.getByTestId("sync-enroll");
    await userEvent.click(within(form).getByRole("button", { name: "Anmelden" }));
    expect((await screen.findByTestId("sync-error")).textContent).toContain("Bitte Hub-Adresse, Anmeldecode und Gerätenamen");
    await userEvent.type(screen.getByLabelText("Hub-Adresse"), "http://127.0.0.1:9000");
    await userEvent.type(screen.getByLabelText("Anmeldecode"), "K7QF-2MXP");
    await userEvent.type(screen.getByLabelText("Name dieses Geräts"), "Laptop Keller");
    await userEvent.click(within(form).getByRole("button", { name: "Anmelden" }));
    expect((await screen.findByTestId("sync-notice")).textContent).toContain("beim Hub http://127.0.0.1:9000 angemeldet");
    expect(calls.find((c) => c.cmd === "sync_enroll")?.args).toEqual({
      hubUrl: "http://127.0.0.1:9000",
      code: "K7QF-2MXP",
      deviceName: "Laptop Keller",
    });
    expect(screen.queryByTestId("sync-enroll")).toBeNull();
    expect(screen.getByTestId("sync-pending").textContent).toBe("3");

    await userEvent.click(screen.getByTestId("sync-now"));
    const result = await screen.findByTestId("sync-result");
    expect(result.textContent).toContain("12 gesendet, 40 empfangen,");
    expect(result.textContent).toContain("1 abgelehnt");
    expect(screen.getByTestId("sync-purged").textContent).toContain("3 gelöschte Einträge hat der Hub endgültig entfernt");
    expect(screen.getByTestId("sync-rejected").textContent).toContain("gehört nicht zu den Schulen dieses Geräts");
    expect(screen.getByTestId("sync-pending").textContent).toBe("0");
    expect(screen.getByTestId("sync-last").textContent).not.toBe("noch nie");
  });

  it("lists a conflict with both values and resolves it with the chosen one after a confirmation", async () => {
    let open = [conflict];
    const calls = mockSync({
      sync_status: () => enrolled,
      sync_hub_reachable: () => false,
      sync_conflicts: () => open,
      sync_resolve: () => {
        open = [];
        return null;
      },
    });
    render(SyncPage, { flow: new SyncFlow() });
    const reachable = await screen.findByTestId("sync-reachable");
    await expect.poll(() => reachable.textContent).toBe("nein");
    const row = await screen.findByTestId("conflict");
    expect(row.textContent).toContain('"Raum 101"');
    expect(row.textContent).toContain('"Physik"');
    expect(row.textContent).toContain("laptop-a");
    expect(screen.getByTestId("sync-conflict-count").textContent).toBe("1");

    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    await userEvent.click(within(row).getByRole("button", { name: "Überschriebenen Wert nehmen" }));
    expect(calls.filter((c) => c.cmd === "sync_resolve")).toEqual([]);
    await userEvent.click(within(row).getByRole("button", { name: "Überschriebenen Wert nehmen" }));
    expect((await screen.findByTestId("sync-notice")).textContent).toContain("Konflikt a1b2c3d4 gelöst");
    expect(calls.find((c) => c.cmd === "sync_resolve")?.args).toEqual({ id: "a1b2c3d4", keep: "loser" });
    expect(screen.queryByTestId("conflict")).toBeNull();
    expect(screen.getByTestId("sync-conflict-count").textContent).toBe("0");
    confirm.mockRestore();
  });

  it("resolves an edit hidden by a delete by restoring the row or confirming the deletion", async () => {
    const hidden: ConflictView = {
      ...conflict,
      id: "dddd0001",
      kind: "deleted_concurrently",
      entity: "device",
      field: "notes",
      winner: { ...conflict.winner, value: '"2026-11-25T08:00:00Z"' },
      loser: { ...conflict.loser, value: '"Display getauscht"' },
    };
    let open = [hidden];
    const calls = mockSync({
      sync_status: () => enrolled,
      sync_hub_reachable: () => false,
      sync_conflicts: () => open,
      sync_resolve: () => {
        open = [];
        return null;
      },
    });
    render(SyncPage, { flow: new SyncFlow() });
    const row = await screen.findByTestId("conflict");
    expect(row.textContent).toContain("Änderung an gelöschtem Eintrag");
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    await userEvent.click(within(row).getByRole("button", { name: "Eintrag wiederherstellen" }));
    expect(confirm.mock.calls[0][0]).toContain("wiederherstellen");
    expect(calls.find((c) => c.cmd === "sync_resolve")?.args).toEqual({ id: "dddd0001", keep: "loser" });
    confirm.mockRestore();
  });

  it("gives a hidden duplicate a new value or discards it, and refuses an empty value", async () => {
    const dup: ConflictView = {
      ...conflict,
      id: "eeee0001",
      kind: "duplicate",
      entity: "device",
      field: "inventory_number",
      winner: { ...conflict.winner, value: '"INV-7"' },
      loser: { ...conflict.loser, value: '"INV-7"' },
    };
    let open = [dup, { ...dup, id: "eeee0002", row_id: "d-2" }];
    const calls = mockSync({
      sync_status: () => enrolled,
      sync_hub_reachable: () => false,
      sync_conflicts: () => open,
      sync_resolve_duplicate: (a) => {
        open = open.filter((c) => c.id !== a.id);
        return null;
      },
    });
    render(SyncPage, { flow: new SyncFlow() });
    const rows = await screen.findAllByTestId("conflict");
    expect(rows[0].textContent).toContain("doppelter Wert in „inventory_number“");
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    // Nothing typed: refused on the page, nothing sent.
    await userEvent.click(within(rows[0]).getByRole("button", { name: "Neuen Wert setzen" }));
    expect((await screen.findByTestId("sync-error")).textContent).toContain("neuen Wert");
    expect(calls.filter((c) => c.cmd === "sync_resolve_duplicate")).toEqual([]);
    await userEvent.type(within(rows[0]).getByTestId("duplicate-value"), "INV-8");
    await userEvent.click(within(rows[0]).getByRole("button", { name: "Neuen Wert setzen" }));
    await expect
      .poll(() => calls.filter((c) => c.cmd === "sync_resolve_duplicate").map((c) => c.args))
      .toEqual([{ id: "eeee0001", newValue: "INV-8" }]);
    const left = await screen.findByTestId("conflict");
    await userEvent.click(within(left).getByRole("button", { name: "Doppelten Eintrag verwerfen" }));
    await expect
      .poll(() => calls.filter((c) => c.cmd === "sync_resolve_duplicate").map((c) => c.args)[1])
      .toEqual({ id: "eeee0002", newValue: null });
    expect(confirm.mock.calls.at(-1)?.[0]).toContain("verwerfen");
    confirm.mockRestore();
  });

  it("writes and reads USB bundles and shows a refused bundle's reason", async () => {
    const calls = mockSync({
      sync_status: () => notEnrolled,
      sync_conflicts: () => [],
      bundle_export: () => ({ operations: 1234, origin: "node-a", applied: 0, skipped: 0 }),
      bundle_import: (a) => {
        if (a.path === "/media/usb/kaputt.sibundle") {
          throw { code: "core", message: "Das Paket ist beschädigt: die Prüfsumme stimmt nicht." };
        }
        return { operations: 50, origin: "node-b", applied: 45, skipped: 5 };
      },
    });
    render(SyncPage, { flow: new SyncFlow(), pickBundle: async () => "/media/usb/laptop-a.sibundle" });
    await screen.findByTestId("sync-hub");
    await userEvent.click(within(screen.getByTestId("bundle-export")).getByRole("button", { name: "Paket schreiben" }));
    expect((await screen.findByTestId("sync-notice")).textContent).toBe(
      "Paket geschrieben: 1.234 Änderungen nach /media/usb/laptop-a.sibundle",
    );
    expect(calls.find((c) => c.cmd === "bundle_export")?.args).toEqual({ path: "/media/usb/laptop-a.sibundle", sinceAck: true });

    await userEvent.type(screen.getByTestId("bundle-import-path"), "/media/usb/kaputt.sibundle");
    await userEvent.click(within(screen.getByTestId("bundle-import")).getByRole("button", { name: "Paket einlesen" }));
    expect((await screen.findByTestId("sync-error")).textContent).toContain("Prüfsumme stimmt nicht");
    await userEvent.clear(screen.getByTestId("bundle-import-path"));
    await userEvent.type(screen.getByTestId("bundle-import-path"), "/media/usb/laptop-b.sibundle");
    await userEvent.click(within(screen.getByTestId("bundle-import")).getByRole("button", { name: "Paket einlesen" }));
    expect((await screen.findByTestId("sync-notice")).textContent).toBe(
      "Paket von Gerät node-b eingelesen: 45 neue Änderungen, 5 waren schon vorhanden.",
    );
    expect(screen.queryByTestId("sync-error")).toBeNull();
  });

  it("shows how far a bundle import has come: the check, then changes taken in and entries written", async () => {
    const answer = deferred<BundleResult>();
    let channel: Channel<BundleStep> | undefined;
    const calls = mockSync({
      sync_status: () => notEnrolled,
      sync_conflicts: () => [],
      bundle_import: (a) => {
        channel = a.onProgress as Channel<BundleStep>;
        return answer.promise;
      },
    });
    render(SyncPage, { flow: new SyncFlow(), pickBundle: async () => "/media/usb/laptop-b.sibundle" });
    await screen.findByTestId("sync-hub");
    await userEvent.click(within(screen.getByTestId("bundle-import")).getByRole("button", { name: "Paket einlesen" }));
    expect(await screen.findByText("Paket wird geprüft und eingelesen …")).toBeTruthy();
    expect(calls.find((c) => c.cmd === "bundle_import")?.args.path).toBe("/media/usb/laptop-b.sibundle");

    channel?.onmessage({ stage: "check" });
    const box = await screen.findByTestId("bundle-progress");
    const bar = () => within(box).getByLabelText("Paket wird eingelesen") as HTMLProgressElement;
    await expect.poll(() => box.textContent?.trim()).toBe("Paket wird geprüft …");
    expect(bar().hasAttribute("value")).toBe(false);
    channel?.onmessage({ stage: "changes", done: 1000, total: 2102 });
    await expect.poll(() => box.textContent?.trim()).toBe("Änderungen werden übernommen: 1.000 von 2.102");
    expect([bar().value, bar().max]).toEqual([1000, 2102]);
    channel?.onmessage({ stage: "entries", done: 2000, total: 2102 });
    await expect.poll(() => box.textContent?.trim()).toBe("Einträge werden geschrieben: 2.000 von 2.102");
    expect(within(screen.getByTestId("bundle-import")).getByRole("button", { name: "Paket einlesen" })).toHaveProperty(
      "disabled",
      true,
    );

    answer.resolve({ operations: 2102, origin: "node-b", applied: 2102, skipped: 0 });
    expect((await screen.findByTestId("sync-notice")).textContent).toBe(
      "Paket von Gerät node-b eingelesen: 2.102 neue Änderungen.",
    );
    expect(screen.queryByTestId("bundle-progress")).toBeNull();
    // A step that arrives after the end shows nothing.
    channel?.onmessage({ stage: "entries", done: 2102, total: 2102 });
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByTestId("bundle-progress")).toBeNull();
  });

  it("shows how far a running sync has come: changes sent of all, then received with a percentage", async () => {
    const answer = deferred<SyncRun>();
    const sync = mockRunningSync(answer.promise);
    const flow = new SyncFlow();
    render(SyncPage, { flow });
    await userEvent.click(await screen.findByTestId("sync-now"));

    // Before the first step: a bar without a value, no text.
    const box = await screen.findByTestId("sync-progress");
    const bar = () => within(box).getByLabelText("Abgleich läuft") as HTMLProgressElement;
    expect(bar().hasAttribute("value")).toBe(false);
    expect(within(box).queryByTestId("sync-progress-text")).toBeNull();

    sync.step({ stage: "push", sent: 500, total: 1200 });
    await expect.poll(() => box.textContent?.trim()).toBe("Senden: 500 von 1.200 Änderungen");
    expect([bar().value, bar().max]).toEqual([500, 1200]);

    sync.step({ stage: "pull", received: 2000, percent: 40 });
    await expect.poll(() => box.textContent?.trim()).toBe("Empfangen: 2.000 Änderungen (40 %)");
    expect([bar().value, bar().max]).toEqual([40, 100]);

    // A hub that does not tell how much there is: the count without a percentage.
    sync.step({ stage: "pull", received: 2500, percent: null });
    await expect.poll(() => box.textContent?.trim()).toBe("Empfangen: 2.500 Änderungen");
    expect(bar().hasAttribute("value")).toBe(false);

    answer.resolve({
      pushed: 1200,
      duplicates: 0,
      rejected: 0,
      rejected_reasons: [],
      pulled: 2500,
      purged: 0,
      conflicts: 0,
      clock_warning: null,
      status: enrolled,
    });
    expect((await screen.findByTestId("sync-result")).textContent).toContain("1.200 gesendet, 2.500 empfangen");
    expect(screen.queryByTestId("sync-progress")).toBeNull();
    // A step that arrives after the end does not bring the bar back.
    sync.step({ stage: "pull", received: 2500, percent: 100 });
    expect(flow.progress).toBeNull();
  });

  it("syncs in the background only while enrolled and the hub answers", async () => {
    let reachable = false;
    const calls = mockSync({
      sync_status: () => enrolled,
      sync_hub_reachable: () => reachable,
      sync_now: () => ({ pushed: 0, duplicates: 0, rejected: 0, rejected_reasons: [], pulled: 2, purged: 0, conflicts: 0, clock_warning: null, status: enrolled }),
    });
    const flow = new SyncFlow();
    await flow.backgroundTick();
    expect(calls.filter((c) => c.cmd === "sync_now")).toEqual([]);
    reachable = true;
    await flow.backgroundTick();
    expect(calls.filter((c) => c.cmd === "sync_now")).toHaveLength(1);
    expect(flow.lastRun?.pulled).toBe(2);

    mockSync({ sync_status: () => notEnrolled, sync_hub_reachable: () => true, sync_now: () => flow.lastRun });
    const idle = new SyncFlow();
    await idle.backgroundTick();
    expect(idle.lastRun).toBeNull();
  });
});

describe("Abgleich in English", () => {
  afterEach(() => setLocale("de"));

  it("shows the status and the enrolment in English and writes a bundle", async () => {
    setLocale("en");
    mockSync({
      sync_status: () => notEnrolled,
      sync_conflicts: () => [],
      bundle_export: () => ({ operations: 1234, origin: "node-a", applied: 0, skipped: 0 }),
    });
    render(SyncPage, { flow: new SyncFlow(), pickBundle: async () => "/media/usb/laptop-a.sibundle" });

    expect((await screen.findByTestId("sync-hub")).textContent).toBe("not enrolled");
    expect(screen.getByRole("heading", { name: "Sync" })).toBeTruthy();
    expect(screen.getByTestId("sync-last").textContent).toBe("never");
    expect(screen.getByText("No open conflicts.")).toBeTruthy();
    const form = screen.getByTestId("sync-enroll");
    expect(within(form).getByRole("heading", { name: "Enrol with the hub" })).toBeTruthy();
    // The command named in the note stays code, wherever English puts it.
    expect(form.querySelector("p")?.textContent).toBe(
      "The one-time enrolment code is issued by the education office (schulinventar hub enroll).",
    );
    expect(form.querySelector("p code")?.textContent).toBe("schulinventar hub enroll");
    await userEvent.click(within(form).getByRole("button", { name: "Enrol" }));
    expect((await screen.findByTestId("sync-error")).textContent).toBe(
      "Please enter the hub address, enrolment code and device name.",
    );
    expect(screen.getByLabelText("Hub address")).toBeTruthy();
    expect(screen.getByLabelText("Enrolment code")).toBeTruthy();

    await userEvent.click(within(screen.getByTestId("bundle-export")).getByRole("button", { name: "Write bundle" }));
    expect((await screen.findByTestId("sync-notice")).textContent).toBe(
      "Bundle written: 1.234 changes to /media/usb/laptop-a.sibundle",
    );
  });

  it("shows a running sync's progress in English", async () => {
    setLocale("en");
    const sync = mockRunningSync(new Promise(() => {}));
    render(SyncPage, { flow: new SyncFlow() });
    await userEvent.click(await screen.findByRole("button", { name: "Sync now" }));
    const box = await screen.findByTestId("sync-progress");
    sync.step({ stage: "push", sent: 3, total: 10 });
    await expect.poll(() => box.textContent?.trim()).toBe("Sending: 3 of 10 changes");
    sync.step({ stage: "pull", received: 7, percent: 70 });
    await expect.poll(() => box.textContent?.trim()).toBe("Receiving: 7 changes (70 %)");
    expect(within(box).getByLabelText("Syncing")).toBeTruthy();
  });

  it("asks about a conflict in English", async () => {
    setLocale("en");
    mockSync({ sync_status: () => enrolled, sync_hub_reachable: () => false, sync_conflicts: () => [conflict] });
    render(SyncPage, { flow: new SyncFlow() });
    await expect.poll(async () => (await screen.findByTestId("sync-reachable")).textContent).toBe("no");
    const row = await screen.findByTestId("conflict");
    expect(row.textContent).toContain("Room");
    expect(row.textContent).toContain("Conflict a1b2c3d4");
    expect(screen.getByRole("button", { name: "Sync now" })).toBeTruthy();

    const confirm = vi.spyOn(window, "confirm").mockReturnValue(false);
    await userEvent.click(within(row).getByRole("button", { name: "Use overwritten value" }));
    expect(confirm.mock.calls[0][0]).toBe('Resolve conflict a1b2c3d4: set “name” of Room r-1 to "Physik"?');
    confirm.mockRestore();
  });
});
