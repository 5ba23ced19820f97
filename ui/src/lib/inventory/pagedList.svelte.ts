import type { CoreError, ListQuery, Page } from "../bindings";
import { errorMessage } from "../errors";
import { EMPTY_QUERY } from "../types";

/** What a typed command answers. */
export type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: CoreError };

/** Asks the backend for one page of a list. */
export type FetchPage<T> = (query: ListQuery) => Promise<Outcome<Page<T>>>;

/**
 * A list that the database filters, sorts and pages: the rows loaded so far, the cursor of the
 * next page and the state of the last request. Every request is numbered, so an answer to an
 * outdated query never overwrites a newer one. Rows are kept as plain objects (not deeply
 * reactive): a list of 100,000 rows is replaced page by page, never edited in place.
 */
export class PagedList<T extends { id: string }> {
  items = $state.raw<T[]>([]);
  /** Cursor of the next page, `null` when everything is loaded. */
  next = $state<string | null>(null);
  loading = $state(false);
  /** German message of the last failed request. */
  error = $state<string | null>(null);
  /** True once a first answer (rows or error) arrived. */
  settled = $state(false);
  /** Filters and order of the rows shown. */
  query = $state.raw<ListQuery>(EMPTY_QUERY);

  #request = 0;
  readonly #fetchPage: FetchPage<T>;
  readonly pageSize: number;

  constructor(fetchPage: FetchPage<T>, pageSize = 100) {
    this.#fetchPage = fetchPage;
    this.pageSize = pageSize;
  }

  get isEmpty(): boolean {
    return this.settled && !this.loading && this.error === null && this.items.length === 0;
  }

  /** Loads the first page again, after changing the given filters or order. */
  async reload(changes: Partial<ListQuery> = {}): Promise<void> {
    this.query = { ...this.query, ...changes, after: null };
    await this.#fetch(null);
  }

  /** Appends the next page, if there is one and no request is running. */
  async loadMore(): Promise<void> {
    if (this.next === null || this.loading) return;
    await this.#fetch(this.next);
  }

  /** A view shows rows up to `index`: fetch the next page when it comes near the end. */
  reached(index: number): void {
    if (index >= this.items.length - Math.ceil(this.pageSize / 2)) void this.loadMore();
  }

  /** Puts a changed row in place of the loaded one with the same id. */
  replace(item: T): void {
    const at = this.items.findIndex((i) => i.id === item.id);
    if (at < 0) return;
    const items = [...this.items];
    items[at] = item;
    this.items = items;
  }

  /** Takes a row out of the loaded ones (it was deleted). */
  remove(id: string): void {
    this.items = this.items.filter((i) => i.id !== id);
  }

  async #fetch(after: string | null): Promise<void> {
    const request = ++this.#request;
    this.loading = true;
    this.error = null;
    let outcome: Outcome<Page<T>> | { status: "failed"; error: unknown };
    try {
      outcome = await this.#fetchPage({ ...this.query, after, limit: this.pageSize });
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
