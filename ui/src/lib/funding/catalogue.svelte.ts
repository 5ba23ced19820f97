import { commands, type FundingCategory, type FundingVocabulary, type ProgrammeData, type Row } from "../bindings";
import { label, locale, t } from "../i18n/i18n.svelte";
import { call, errorMessage } from "./ipc";

export type ProgrammeRow = Row<ProgrammeData>;

/**
 * What every view of the Fördermittel page needs: the labels of the core's codes and the
 * programme catalogue. Loaded once when the page opens, reloaded after a programme is saved.
 */
export class FundingCatalogue {
  vocabulary = $state<FundingVocabulary | null>(null);
  programmes = $state<ProgrammeRow[]>([]);
  error = $state<string | null>(null);
  loaded = $state(false);

  async load(): Promise<void> {
    this.error = null;
    try {
      const [vocabulary, programmes] = await Promise.all([
        commands.fundingVocabulary(),
        call(commands.listProgrammes()),
      ]);
      this.vocabulary = vocabulary;
      this.programmes = programmes;
    } catch (e) {
      this.error = errorMessage(e);
    }
    this.loaded = true;
  }

  async reloadProgrammes(): Promise<void> {
    try {
      this.programmes = await call(commands.listProgrammes());
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  programme(id: string | null | undefined): ProgrammeRow | undefined {
    return id ? this.programmes.find((p) => p.id === id) : undefined;
  }

  /** The short name (or the name) of a programme. */
  programmeName(id: string | null | undefined): string | null {
    const p = this.programme(id);
    return p ? (p.short_name ?? p.name) : null;
  }

  categoryLabel(code: FundingCategory): string {
    const c = this.vocabulary?.categories.find((c) => c.code === code);
    return c ? label(c) : code;
  }

  landLabel(code: string | null): string {
    if (code === null) return t("alle Länder");
    const l = this.vocabulary?.lands.find((l) => l.code === code);
    return l ? label(l) : code;
  }

  /**
   * A category the core sent as its German label (in a list row), in the chosen language: the
   * German label as it came, its English one from the vocabulary.
   */
  categoryName(german: string): string {
    return inEnglish(this.vocabulary?.categories.find((c) => c.label === german), german);
  }

  /** A measure's stand by its code. */
  measureStatusLabel(code: string): string {
    const s = this.vocabulary?.measure_statuses.find((s) => s.code === code);
    return s ? label(s) : code;
  }

  /** The kind of an inventory item ("Gerät"), as the core named it, in the chosen language. */
  itemKind(entity: string, german: string): string {
    return inEnglish(this.vocabulary?.item_kinds.find((k) => k.code === entity), german);
  }
}

/** `german` (a label the core put into a row) while German is chosen, else the entry's English label. */
function inEnglish(entry: { label: string; label_en?: string | null } | undefined, german: string): string {
  return entry && locale() === "en" ? label(entry) : german;
}
