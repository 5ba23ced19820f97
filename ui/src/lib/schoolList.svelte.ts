import { commands } from "./bindings";
import { PagedList } from "./inventory/pagedList.svelte";
import type { School } from "./types";

/** The user-timing mark set when the first schools are drawn. */
export const FIRST_LIST_MARK = "schulinventar:first-school-list";

/** Rows per request; the database pages, the UI only asks for the next page. */
export const PAGE_SIZE = 100;

/** The school list of the first screen: a paged list with a search term. */
export class SchoolList extends PagedList<School> {
  /** The search the rows belong to. */
  search = $state("");

  constructor() {
    super((query) => commands.listSchools(query), PAGE_SIZE);
  }

  /** Loads the first page for `search` (defaults to the current one). */
  async load(search: string = this.search): Promise<void> {
    this.search = search;
    const term = search.trim();
    await this.reload({ search: term === "" ? null : term });
  }
}
