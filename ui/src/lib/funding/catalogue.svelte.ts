import { commands, type FundingCategory, type FundingVocabulary, type ProgrammeData, type Row } from "../bindings";
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
    return this.vocabulary?.categories.find((c) => c.code === code)?.label ?? code;
  }

  landLabel(code: string | null): string {
    if (code === null) return "alle Länder";
    return this.vocabulary?.lands.find((l) => l.code === code)?.label ?? code;
  }
}
