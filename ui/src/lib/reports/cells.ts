import type { Cell } from "../bindings";
import { formatDate, formatEuro } from "../funding/format";

const number = (value: number, digits: number) =>
  value.toLocaleString("de-DE", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A report cell as the PDF shows it: `1.234,56 €`, `dd.mm.yyyy`, `12,5 %`. */
export function cellText(cell: Cell): string {
  switch (cell.t) {
    case "empty":
      return "";
    case "text":
      return cell.v;
    case "integer":
      return number(cell.v, 0);
    case "money":
      return formatEuro(cell.v);
    case "date":
      return formatDate(cell.v);
    case "percent":
      // A share that is not a number (0 / 0) arrives as null.
      return cell.v === null ? "" : `${number(cell.v * 100, 1)} %`;
    case "decimal":
      return cell.v === null ? "" : number(cell.v, 2);
  }
}

/** Whether a cell is a number (right-aligned). */
export function isNumber(cell: Cell): boolean {
  return cell.t === "integer" || cell.t === "money" || cell.t === "percent" || cell.t === "decimal";
}
