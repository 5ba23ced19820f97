import { Channel } from "@tauri-apps/api/core";
import { commands, type SyncRun, type SyncStatus, type SyncStep } from "../bindings";
import { errorMessage } from "../errors";
import { call } from "../funding/ipc";

/** Minutes between background syncs while the hub answers. */
export const BACKGROUND_MINUTES = 5;

/**
 * This device's sync with the department's hub: its status, a sync run, and a background sync
 * every few minutes while the device is enrolled and the hub answers. Lives in the app, not in
 * the page, so background syncs go on while another page is shown.
 */
export class SyncFlow {
  status = $state<SyncStatus | null>(null);
  /** Whether the hub answered the last check; null while unknown or not enrolled. */
  reachable = $state<boolean | null>(null);
  running = $state(false);
  /** How far the running sync has come; null before its first step and when none runs. */
  progress = $state<SyncStep | null>(null);
  lastRun = $state<SyncRun | null>(null);
  error = $state<string | null>(null);

  /** Reads the local status and asks whether the hub answers. */
  async refresh(): Promise<void> {
    try {
      this.status = await call(commands.syncStatus());
      this.reachable = this.status.enrolled ? await call(commands.syncHubReachable()) : null;
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  /** One sync run; its summary or its error is kept for the page. */
  async syncNow(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = null;
    this.progress = null;
    const channel = new Channel<SyncStep>();
    channel.onmessage = (step) => {
      if (this.running) this.progress = step;
    };
    try {
      const run = await call(commands.syncNow(channel));
      this.lastRun = run;
      this.status = run.status;
      this.reachable = true;
    } catch (e) {
      this.error = errorMessage(e);
      if ((e as { code?: unknown } | null)?.code === "unreachable") this.reachable = false;
    } finally {
      this.running = false;
      this.progress = null;
    }
  }

  /** Enrols this device; afterwards the status shows the hub. */
  async enroll(hubUrl: string, code: string, deviceName: string): Promise<boolean> {
    this.error = null;
    try {
      this.status = await call(commands.syncEnroll(hubUrl, code, deviceName));
      this.reachable = true;
      return true;
    } catch (e) {
      this.error = errorMessage(e);
      return false;
    }
  }

  /** One background step: sync when enrolled, idle and the hub answers. */
  async backgroundTick(): Promise<void> {
    if (this.running) return;
    await this.refresh();
    if (this.status?.enrolled && this.reachable) await this.syncNow();
  }

  /** Starts background syncs (the first at once); returns the function that stops them. */
  startBackground(everyMs = BACKGROUND_MINUTES * 60_000): () => void {
    void this.backgroundTick();
    const timer = setInterval(() => void this.backgroundTick(), everyMs);
    return () => clearInterval(timer);
  }
}
