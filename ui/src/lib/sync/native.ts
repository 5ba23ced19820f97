import { open, save } from "@tauri-apps/plugin-dialog";

const FILTERS = [{ name: "Schulinventar-Paket", extensions: ["sibundle"] }];

/** Asks for a bundle file: to write (`save`) or to read; `null` when the user cancels. */
export type PickBundle = (mode: "save" | "open") => Promise<string | null>;

/** The native dialogs. */
export const pickBundle: PickBundle = async (mode) => {
  if (mode === "save") {
    return save({ title: "Paket speichern", defaultPath: "schulinventar.sibundle", filters: FILTERS });
  }
  const chosen = await open({ title: "Paket einlesen", multiple: false, directory: false, filters: FILTERS });
  return typeof chosen === "string" ? chosen : null;
};
