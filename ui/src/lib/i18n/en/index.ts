// English translations, one file per area of the window, each keyed by the German text.
import { funding } from "./funding";
import { imports } from "./import";
import { inventory } from "./inventory";
import { reports } from "./reports";
import { shell } from "./shell";
import { sync } from "./sync";
import { equipment } from "./equipment";

/** Every area's dictionary, by name, for the completeness test. */
export const areas: Record<string, Record<string, string>> = { shell, inventory, equipment, funding, imports, reports, sync };

export const english = new Map<string, string>(Object.values(areas).flatMap((area) => Object.entries(area)));
