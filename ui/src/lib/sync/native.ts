import { open, save } from "@tauri-apps/plugin-dialog";
import { t } from "../i18n/i18n.svelte";

/** The dialog's file type, named in the chosen language. */
const filters = () => [{ name: t("Schulinventar-Paket"), extensions: ["sibundle"] }];

/** Asks for a bundle file: to write (`save`) or to read; `null` when the user cancels. */
export type PickBundle = (mode: "save" | "open") => Promise<string | null>;

/** The native dialogs. */
export const pickBundle: PickBundle = async (mode) => {
  if (mode === "save") {
    return save({ title: t("Paket speichern"), defaultPath: "schulinventar.sibundle", filters: filters() });
  }
  const chosen = await open({ title: t("Paket einlesen"), multiple: false, directory: false, filters: filters() });
  return typeof chosen === "string" ? chosen : null;
};
