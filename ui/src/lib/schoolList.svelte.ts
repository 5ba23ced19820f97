import { commands, type ListQuery } from "./bindings";
import { errorMessage } from "./errors";
import { EMPTY_QUERY, type School } from "./types";

/** Rows per request; the database pages, the UI only asks for the next page. */
export const PAGE_SIZE = 100;

/**
 * The school list of the first screen: the current search, the rows loaded so far and the
 * state of the last request. Every request is numbered so an answer to an outdated search
 * never overwrites a newer one.
 */
export class SchoolList {
  items = $state<School[]>([]);
  /** Cursor of the next page, `null` when everything is loaded. */
  next = $state<string | null>(null);
  loading = $state(false);
  /** German message of the last failed request. */
  error = $state<string | null>(null);
  /** The search the rows belong to. */
  search = $state("");
  /** True once a first answer (rows or error) arrived. */
  settled = $state(false);

  #request = 0;

  get isEmpty(): boolean {
    return this.settled && !this.loading && this.error === null && this.items.length === 0;
  }

  /** Loads the first page for `search` (defaults to the current one). */
  async load(search: string = this.search): Promise<void> {
    this.search = search;
    await this.#fetch(null);
  }

  /** Appends the next page, if there is one. */
  async loadMore(): Promise<void> {
    if (this.next === null || this.loading) return;
    await this.#fetch(this.next);
  }

  async #fetch(after: string | null): Promise<void> {
    const request = ++this.#request;
    const term = this.search.trim();
    const query: ListQuery = { ...EMPTY_QUERY, search: term === "" ? null : term, after, limit: PAGE_SIZE };
    this.loading = true;
    this.error = null;
    let outcome: Awaited<ReturnType<typeof commands.listSchools>> | { status: "failed"; error: unknown };
    try {
      outcome = await commands.listSchools(query);
    } catch (e) {
      outcome = { status: "failed", error: e };
    }
    if (request !== this.#request) return; // a newer request owns the state now

    if (outcome.status === "ok") {
      this.items = after === null ? outcome.data.items : [...this.items, ...outcome.data.items];
      this.next = outcome.data.next;
    } else {
      if (after === null) this.items = [];
      this.error = errorMessage(outcome.error);
    }
    this.loading = false;
    this.settled = true;
  }
}
