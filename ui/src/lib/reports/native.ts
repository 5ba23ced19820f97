import { save } from "@tauri-apps/plugin-dialog";
import type { FileFormat } from "../bindings";
import { t } from "../i18n/i18n.svelte";

/** The dialog's file type for each format, named in the chosen language. */
const FILTERS: Record<FileFormat, () => { name: string; extensions: string[] }> = {
  pdf: () => ({ name: t("PDF-Dokument"), extensions: ["pdf"] }),
  xlsx: () => ({ name: t("Excel-Arbeitsmappe"), extensions: ["xlsx"] }),
  csv: () => ({ name: t("CSV-Datei"), extensions: ["csv"] }),
};

/** Asks where to save; `null` when the user cancels. Tests pass their own. */
export type PickSavePath = (defaultName: string, format: FileFormat) => Promise<string | null>;

/** The native "save" dialog. */
export const pickSavePath: PickSavePath = (defaultName, format) =>
  save({ title: t("Bericht speichern"), defaultPath: defaultName, filters: [FILTERS[format]()] });
