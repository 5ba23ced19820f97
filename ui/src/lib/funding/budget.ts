import type { Budget } from "../bindings";

/** The rows of one programme at one Schulträger: its total and its schools. */
export interface BudgetGroup {
  key: string;
  programmeId: string;
  programme: string;
  authority: string;
  /** The Schulträger as a whole (the core always sends it before the schools). */
  total: Budget | null;
  schools: Budget[];
}

/** Groups the core's budget rows (sorted by programme, Schulträger, school) into tables. */
export function groupBudgets(rows: Budget[]): BudgetGroup[] {
  const groups = new Map<string, BudgetGroup>();
  for (const row of rows) {
    const key = `${row.programme_id}\u0000${row.authority_id}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        key,
        programmeId: row.programme_id,
        programme: row.programme,
        authority: row.authority,
        total: null,
        schools: [],
      };
      groups.set(key, g);
    }
    if (row.school_id === null) g.total = row;
    else g.schools.push(row);
  }
  return [...groups.values()];
}

export interface ChartData {
  labels: string[];
  allocated: number[];
  spent: number[];
}

/**
 * What the bar chart shows: without a programme filter, allocated vs spent per programme
 * (summed over the Schulträger); with one, per school of that programme.
 */
export function chartData(rows: Budget[], perSchool: boolean): ChartData {
  const sums = new Map<string, { allocated: number; spent: number }>();
  for (const row of rows) {
    if (perSchool ? row.school_id === null : row.school_id !== null) continue;
    const label = perSchool ? `${row.school_number ?? ""} ${row.school ?? ""}`.trim() : row.programme;
    const s = sums.get(label) ?? { allocated: 0, spent: 0 };
    s.allocated += row.allocated_cents;
    s.spent += row.spent_cents;
    sums.set(label, s);
  }
  const labels = [...sums.keys()];
  return {
    labels,
    allocated: labels.map((l) => sums.get(l)?.allocated ?? 0),
    spent: labels.map((l) => sums.get(l)?.spent ?? 0),
  };
}
