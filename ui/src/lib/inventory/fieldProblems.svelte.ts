// Which problem a form shows at a field: the core's objection from the last save until the field
// is edited again, else the form's own check once the field was touched or a save was tried.

import type { CoreError, FieldError } from "../bindings";
import { errorMessage } from "../errors";
import { t } from "../i18n/i18n.svelte";

export class FieldProblems<K extends string> {
  /** Fields the user has changed: their own problems show while typing. */
  touched = $state<Set<string>>(new Set());
  /** A save was tried: every problem shows. */
  submitted = $state(false);
  /** The core's answer to the last save, by field. */
  server = $state<Partial<Record<string, string>>>({});

  /** `local` gives the form's own problems by field (none when the input reads). */
  constructor(private readonly local: () => Partial<Record<K, string>> | null) {}

  problem(field: K): string | undefined {
    if (this.server[field]) return this.server[field];
    if (this.submitted || this.touched.has(field)) return this.local()?.[field];
    return undefined;
  }

  edited(field: K): void {
    this.touched = new Set(this.touched).add(field);
    if (field in this.server) {
      const { [field]: _, ...rest } = this.server;
      this.server = rest;
    }
  }

  /** Keeps the core's objections (the first per field); returns them for fields not in `shown`. */
  fromCore(errors: FieldError[], shown: (field: string) => boolean = () => true): string[] {
    const byField: Partial<Record<string, string>> = {};
    for (const e of errors) byField[e.field] ??= e.message;
    this.server = byField;
    return errors.filter((e) => !shown(e.field)).map((e) => e.message);
  }

  /**
   * A refused save: the core's objections go to their fields, and the message for the top of
   * the form is returned (the objections to fields not `shown`, else a pointer to the marked
   * fields; for other errors their own message).
   */
  refused(error: CoreError, shown: (field: string) => boolean = () => true): string {
    return this.refusal(error, shown)();
  }

  /**
   * As `refused`, as a function that gives the message when it is shown: the form's own
   * pointer to the marked fields then reads in the language chosen at that time.
   */
  refusal(error: CoreError, shown: (field: string) => boolean = () => true): () => string {
    if (error.code !== "validation") {
      const message = errorMessage(error);
      return () => message;
    }
    const hidden = this.fromCore(error.errors, shown).join(" ");
    return () => (hidden !== "" ? hidden : t("Bitte die markierten Angaben prüfen."));
  }
}
