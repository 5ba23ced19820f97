import { open, save } from "@tauri-apps/plugin-dialog";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { t } from "../i18n/i18n.svelte";

/** File types the import reads. */
export const TABLE_EXTENSIONS = ["xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt"];

/** The native "open" dialog for one table; `null` when the user cancels. */
export async function pickTableFile(): Promise<string | null> {
  const chosen = await open({
    title: t("Tabelle für den Import wählen"),
    multiple: false,
    directory: false,
    filters: [{ name: t("Tabellen (XLSX, XLS, ODS, CSV)"), extensions: TABLE_EXTENSIONS }],
  });
  return typeof chosen === "string" ? chosen : null;
}

/** The native "save" dialog for the error workbook; `null` when the user cancels. */
export async function pickErrorFile(defaultName: string): Promise<string | null> {
  return save({
    title: t("Fehlerliste speichern"),
    defaultPath: defaultName,
    filters: [{ name: t("Excel-Arbeitsmappe"), extensions: ["xlsx"] }],
  });
}

export interface DropHandlers {
  /** Files were dropped onto the window. */
  drop(paths: string[]): void;
  /** Files are dragged over the window (`true`) or left it (`false`). */
  hover(over: boolean): void;
}

/** Subscribes to files dragged onto the window; resolves to the unsubscribe function. */
export type ListenForDrops = (handlers: DropHandlers) => Promise<() => void>;

/** Tauri's drag-and-drop event of this window, which carries the dropped files' paths. */
export const listenForWindowDrops: ListenForDrops = async (handlers) =>
  getCurrentWebview().onDragDropEvent((event) => {
    const payload = event.payload;
    if (payload.type === "drop") {
      handlers.hover(false);
      handlers.drop(payload.paths);
    } else if (payload.type === "leave") {
      handlers.hover(false);
    } else {
      handlers.hover(true);
    }
  });

/** The native "save" dialog for the reconciliation report; `null` when the user cancels. */
export async function pickReportFile(defaultName: string): Promise<string | null> {
  return save({
    title: t("Abgleichsbericht speichern"),
    defaultPath: defaultName,
    filters: [{ name: t("Excel-Arbeitsmappe"), extensions: ["xlsx"] }],
  });
}
