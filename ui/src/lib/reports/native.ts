import { save } from "@tauri-apps/plugin-dialog";
import type { FileFormat } from "../bindings";

const FILTERS: Record<FileFormat, { name: string; extensions: string[] }> = {
  pdf: { name: "PDF-Dokument", extensions: ["pdf"] },
  xlsx: { name: "Excel-Arbeitsmappe", extensions: ["xlsx"] },
  csv: { name: "CSV-Datei", extensions: ["csv"] },
};

/** Asks where to save; `null` when the user cancels. Tests pass their own. */
export type PickSavePath = (defaultName: string, format: FileFormat) => Promise<string | null>;

/** The native "save" dialog. */
export const pickSavePath: PickSavePath = (defaultName, format) =>
  save({ title: "Bericht speichern", defaultPath: defaultName, filters: [FILTERS[format]] });
