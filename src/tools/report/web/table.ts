// SPDX-License-Identifier: MIT
// The function table of one event (`lwp report --children` rows): sortable by any
// column, filtered by the search, the first rows shown with a note saying how many
// there are and a button to show them all; clicking a row selects its function.
import type { HtmlData, HtmlEvent, HtmlRow } from "../html-data.js";
import { TABLE_ROWS_SHOWN } from "../html-data.js";
import { clear, html, pct } from "./dom.js";

export type SortColumn = "children" | "self" | "symbol" | "dso";

export interface TableState {
  showAll: boolean;
  sort: SortColumn;
}

const COMPARE: Readonly<Record<SortColumn, (d: HtmlData) => (a: HtmlRow, b: HtmlRow) => number>> = {
  self: () => (a, b) => b.s - a.s || b.c - a.c,
  children: () => (a, b) => b.c - a.c || b.s - a.s,
  symbol: (d) => (a, b) => d.functions[a.f]!.n.localeCompare(d.functions[b.f]!.n),
  dso: (d) => (a, b) => d.dsos[d.functions[a.f]!.d]!.localeCompare(d.dsos[d.functions[b.f]!.d]!) || b.s - a.s,
};

export interface TableView {
  readonly data: HtmlData;
  readonly event: HtmlEvent;
  readonly state: TableState;
  readonly match: ((fn: number) => boolean) | undefined;
  readonly selected: number | undefined;
  readonly onSelect: (fn: number) => void;
  /** Redraws after a state change (sort, show all). */
  readonly redraw: () => void;
}

function header(v: TableView, table: HTMLTableElement): void {
  const tr = html("tr", {}, table);
  const cols: [string, SortColumn | undefined, string][] = [
    ["Children", "children", ""],
    ["Self", "self", ""],
    ["Samples", "self", ""],
    ["Symbol", "symbol", "s"],
    ["Shared Object", "dso", "s"],
  ];
  for (const [label, col, cls] of cols) {
    const th = html(
      "th",
      {
        text: label,
        cls: `${cls} sortable${v.state.sort === col && label !== "Samples" ? " sorted" : ""}`,
        attrs: { "data-sort": col ?? "" },
      },
      tr,
    );
    if (col !== undefined) {
      th.addEventListener("click", () => {
        v.state.sort = col;
        v.redraw();
      });
    }
  }
}

/** Draws the table into `box` and the truncation note into `note`. */
export function drawTable(box: HTMLElement, note: HTMLElement, v: TableView): void {
  clear(box);
  clear(note);
  const rows = v.event.rows.filter((r) => v.match === undefined || v.match(r.f)).sort(COMPARE[v.state.sort](v.data));
  const shown = v.state.showAll ? rows : rows.slice(0, TABLE_ROWS_SHOWN);
  const what = v.match === undefined ? "rows" : "rows matching the search";
  note.append(
    shown.length < rows.length
      ? `Showing the first ${shown.length} of ${rows.length} ${what}. `
      : `Showing all ${rows.length} ${what}. `,
  );
  if (rows.length > TABLE_ROWS_SHOWN) {
    const b = html(
      "button",
      {
        text: v.state.showAll ? `Show the first ${TABLE_ROWS_SHOWN}` : `Show all ${rows.length} rows`,
        attrs: { id: "show-all" },
      },
      note,
    );
    b.addEventListener("click", () => {
      v.state.showAll = !v.state.showAll;
      v.redraw();
    });
  }
  const table = html("table", { attrs: { id: "functions" } }, box);
  header(v, table);
  for (const r of shown) {
    const f = v.data.functions[r.f]!;
    const tr = html("tr", { cls: r.f === v.selected ? "row selected" : "row", attrs: { "data-fn": r.f } }, table);
    html("td", { text: pct(r.c, v.event.samples) }, tr);
    html("td", { text: pct(r.s, v.event.samples) }, tr);
    html("td", { text: String(r.s) }, tr);
    html("td", { text: f.n, cls: "s" }, tr);
    html("td", { text: v.data.dsos[f.d]!, cls: "s" }, tr);
    tr.addEventListener("click", () => v.onSelect(r.f));
  }
}
