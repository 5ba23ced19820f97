import { Channel } from "@tauri-apps/api/core";
import {
  commands,
  type ImportInspection,
  type ImportMode,
  type ImportProfile,
  type ImportProgressInfo,
  type ImportRun,
  type ImportSettings,
  type ImportSummary,
  type ImportVocabulary,
  type PreviewLine,
} from "../bindings";
import { errorMessage } from "../errors";
import { t } from "../i18n/i18n.svelte";

/** Preview lines per page; the backend keeps the whole result and hands out pages. */
export const LINES_PER_PAGE = 100;

export function emptySettings(): ImportSettings {
  return { sheet: null, entity: null, key: null, columns: {}, school: null };
}

/**
 * A message for the page: the core's text as it came, or a function giving the UI's own text in
 * the chosen language (called when shown, so a switch of language re-translates it).
 */
export type Message = string | (() => string);

const shown = (m: Message | null): string | null => (typeof m === "function" ? m() : m);

/** A failed command's error, if the answer is one. */
type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: unknown };

async function settle<T>(call: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await call();
  } catch (e) {
    return { status: "error", error: e };
  }
}

/**
 * The import page's state: the file, how it is read (settings → inspection), the last dry
 * run or commit (summary and a page of its lines), a running job's progress, and the
 * history and profiles. Every step is a command; this class only sequences them.
 */
export class ImportFlow {
  path = $state("");
  settings = $state<ImportSettings>(emptySettings());
  vocabulary = $state<ImportVocabulary | null>(null);
  profiles = $state<ImportProfile[]>([]);
  history = $state<ImportRun[]>([]);
  historyError = $state<string | null>(null);

  inspection = $state<ImportInspection | null>(null);
  inspecting = $state(false);
  #error = $state<Message | null>(null);
  #notice = $state<Message | null>(null);

  summary = $state<ImportSummary | null>(null);
  running = $state<ImportMode | null>(null);
  progress = $state<ImportProgressInfo | null>(null);
  cancelling = $state(false);

  onlyErrors = $state(false);
  lines = $state<PreviewLine[]>([]);
  linesTotal = $state(0);
  linesOffset = $state(0);
  /** Files are dragged over the window. */
  dragging = $state(false);

  #inspectRequest = 0;
  #linesRequest = 0;
  #started = false;

  /** Loads what the page offers before a file is chosen; once. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    try {
      this.vocabulary = await commands.importVocabulary();
    } catch (e) {
      this.error = errorMessage(e);
    }
    await Promise.all([this.loadProfiles(), this.loadHistory()]);
  }

  async loadProfiles(): Promise<void> {
    const r = await settle(() => commands.importProfiles());
    if (r.status === "ok") this.profiles = r.data;
  }

  async loadHistory(): Promise<void> {
    const r = await settle(() => commands.importHistory(100));
    if (r.status === "ok") {
      this.history = r.data;
      this.historyError = null;
    } else {
      this.historyError = errorMessage(r.error);
    }
  }

  /** Message of the last failed step (open, inspect, run, save). */
  get error(): string | null {
    return shown(this.#error);
  }
  set error(message: Message | null) {
    this.#error = message;
  }

  /** What just succeeded (profile saved, error list written, cancelled). */
  get notice(): string | null {
    return shown(this.#notice);
  }
  set notice(message: Message | null) {
    this.#notice = message;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** A new file: everything chosen for the previous one is forgotten. */
  async choose(path: string): Promise<void> {
    if (this.busy) return;
    this.path = path.trim();
    this.settings = emptySettings();
    this.inspection = null;
    this.notice = null;
    this.#clearResult();
    if (this.path === "") {
      this.error = () => t("Bitte eine Datei wählen oder ihren Pfad eingeben.");
      return;
    }
    await this.inspect();
  }

  /** Reads the header with the current settings. */
  async inspect(): Promise<void> {
    const request = ++this.#inspectRequest;
    this.inspecting = true;
    this.error = null;
    const r = await settle(() => commands.importInspect(this.path, $state.snapshot(this.settings)));
    if (request !== this.#inspectRequest) return; // a newer choice owns the state
    this.inspecting = false;
    if (r.status === "ok") {
      this.inspection = r.data;
      // The workbook's sheet as read, so the chooser shows it.
      this.settings.sheet = r.data.file.sheet;
    } else {
      this.inspection = null;
      this.error = errorMessage(r.error);
    }
  }

  async #change(update: (s: ImportSettings) => void): Promise<void> {
    if (this.busy) return;
    update(this.settings);
    this.notice = null;
    this.#clearResult();
    await this.inspect();
  }

  setSheet(sheet: string): Promise<void> {
    // Another sheet has other headers: its mapping starts afresh.
    return this.#change((s) => {
      s.sheet = sheet;
      s.entity = null;
      s.key = null;
      s.columns = {};
    });
  }

  setEntity(entity: string): Promise<void> {
    // Each entity has its own keys: let the import choose the fitting default.
    return this.#change((s) => {
      s.entity = entity;
      s.key = null;
    });
  }

  setKey(key: string): Promise<void> {
    return this.#change((s) => {
      s.key = key;
    });
  }

  /** `field` null: the column is not imported. */
  setColumn(headerKey: string, field: string | null): Promise<void> {
    return this.#change((s) => {
      s.columns = { ...s.columns, [headerKey]: field };
    });
  }

  setSchool(school: string): Promise<void> {
    return this.#change((s) => {
      s.school = school.trim() === "" ? null : school.trim();
    });
  }

  /** Reads the file the way a saved profile says. */
  applyProfile(name: string): Promise<void> {
    const profile = this.profiles.find((p) => p.name === name);
    if (!profile) return Promise.resolve();
    return this.#change((s) => {
      s.entity = profile.entity;
      s.key = profile.match_key;
      s.columns = Object.fromEntries(
        Object.entries(profile.columns).map(([header, field]) => [header, field === "" ? null : field]),
      );
    }).then(() => {
      if (this.error === null) this.notice = () => t("Profil „{name}“ angewendet.", { name: profile.name });
    });
  }

  /** Saves the mapping on screen (every column, ignored ones too) under `name`. */
  async saveProfile(name: string): Promise<boolean> {
    const inspection = this.inspection;
    if (!inspection) return false;
    const columns: Record<string, string> = {};
    for (const c of inspection.columns) {
      if (c.header_key !== "") columns[c.header_key] = c.field ?? "";
    }
    const r = await settle(() => commands.saveImportProfile(name, inspection.entity, inspection.key, columns));
    if (r.status === "error") {
      this.error = errorMessage(r.error);
      return false;
    }
    this.error = null;
    const saved = r.data.name;
    this.notice = () => t("Zuordnung als Profil „{name}“ gespeichert.", { name: saved });
    await this.loadProfiles();
    return true;
  }

  /** The dry run: everything is checked and written, then rolled back. */
  preview(): Promise<void> {
    return this.#run("dry_run");
  }

  /** Commits the previewed file; `validOnly` leaves the rows with errors out. */
  commit(validOnly: boolean): Promise<void> {
    return this.#run(validOnly ? "commit_valid_only" : "commit");
  }

  async #run(mode: ImportMode): Promise<void> {
    if (this.busy || !this.inspection) return;
    const expected = mode === "dry_run" ? null : (this.summary?.file.sha256 ?? null);
    this.running = mode;
    this.cancelling = false;
    this.progress = { rows: 0, fraction: null };
    this.error = null;
    this.notice = null;
    const channel = new Channel<ImportProgressInfo>();
    channel.onmessage = (p) => {
      if (this.running === mode) this.progress = p;
    };
    const r = await settle(() =>
      commands.importRun(this.path, $state.snapshot(this.settings), mode, expected, channel),
    );
    this.running = null;
    this.progress = null;
    this.cancelling = false;
    if (r.status === "error") {
      const code = (r.error as { code?: unknown } | null)?.code;
      if (code === "cancelled") {
        this.notice = errorMessage(r.error);
      } else {
        this.error = errorMessage(r.error);
      }
      return;
    }
    this.summary = r.data;
    await this.loadLines(0);
    if (r.data.committed) await this.loadHistory();
  }

  /** Asks the running job to stop; it then keeps nothing. */
  async cancel(): Promise<void> {
    if (!this.busy) return;
    this.cancelling = true;
    try {
      await commands.importCancel();
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  async setOnlyErrors(only: boolean): Promise<void> {
    this.onlyErrors = only;
    await this.loadLines(0);
  }

  /** Shows the lines from `offset` on. */
  async loadLines(offset: number): Promise<void> {
    const summary = this.summary;
    if (!summary) return;
    const request = ++this.#linesRequest;
    const r = await settle(() =>
      commands.importPreviewRows(summary.report_id, this.onlyErrors, Math.max(0, offset), LINES_PER_PAGE),
    );
    if (request !== this.#linesRequest) return;
    if (r.status === "ok") {
      this.lines = r.data.lines;
      this.linesTotal = r.data.total;
      this.linesOffset = r.data.offset;
    } else {
      this.error = errorMessage(r.error);
    }
  }

  /** Writes the error workbook of the current result to `path`. */
  async saveErrors(path: string): Promise<boolean> {
    const summary = this.summary;
    if (!summary) return false;
    const r = await settle(() => commands.importSaveErrors(summary.report_id, path));
    if (r.status === "error") {
      this.error = errorMessage(r.error);
      return false;
    }
    this.error = null;
    const written = r.data;
    this.notice = () => t("Fehlerliste gespeichert: {path}", { path: written });
    return true;
  }

  /** Shows an error that happened outside a command (a dialog that failed to open). */
  fail(e: unknown): void {
    this.error = errorMessage(e);
  }

  #clearResult(): void {
    this.summary = null;
    this.lines = [];
    this.linesTotal = 0;
    this.linesOffset = 0;
    this.onlyErrors = false;
  }
}
