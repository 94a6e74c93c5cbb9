// SPDX-License-Identifier: MIT
// The source view of the selected function: per source line, the samples whose
// sampled instruction is on it (Self) and the samples with the function on the
// stack at that line (Total), beside the text when the file was readable; code
// inlined from other files appears under its own file, as pprof's weblist does.
import type { HtmlData, HtmlEvent, HtmlLine } from "../html-data.js";
import { clear, html, pct } from "./dom.js";

/** One file's lines of the function, and the embedded text around them. */
function fileSection(box: HTMLElement, data: HtmlData, ev: HtmlEvent, file: number, lines: readonly HtmlLine[]): void {
  const counts = new Map(lines.map((l) => [l[2], l]));
  const hottest = lines.reduce((m, l) => Math.max(m, l[3]), 0);
  const blocks = data.sources[file];
  html("h4", { text: data.files[file] ?? "?", cls: "file" }, box);
  if (blocks === undefined) {
    html(
      "div",
      {
        text: "Source not available (file not readable when the report was made): lines with samples only.",
        cls: "warn",
      },
      box,
    );
  }
  const table = html("table", { cls: "source", attrs: { "data-file": data.files[file] ?? "" } }, box);
  const head = html("tr", {}, table);
  for (const t of ["Line", "Self", "Total"]) html("th", { text: t }, head);
  html("th", { text: "Source", cls: "s" }, head);
  const row = (n: number, text: string | undefined): void => {
    const c = counts.get(n);
    const self = c?.[3] ?? 0;
    const cls = c === undefined ? "line" : self > 0 && self === hottest ? "line counted hot" : "line counted";
    const tr = html("tr", { cls, attrs: { "data-line": n } }, table);
    html("td", { text: String(n) }, tr);
    html("td", { text: c === undefined || self === 0 ? "" : `${self} (${pct(self, ev.samples)})` }, tr);
    html("td", { text: c === undefined ? "" : `${c[4]} (${pct(c[4], ev.samples)})` }, tr);
    html("td", { text: text ?? "", cls: "s code" }, tr);
  };
  if (blocks === undefined) {
    for (const n of [...counts.keys()].sort((a, b) => a - b)) row(n, undefined);
    return;
  }
  blocks.forEach((b, i) => {
    if (i > 0) html("td", { text: "…", attrs: { colspan: 4 } }, html("tr", { cls: "gap" }, table));
    const [first, ...texts] = b;
    texts.forEach((t, k) => row(first + k, t));
  });
  // Lines past the end of the file as read (a rebuilt source): still show their counts.
  const covered = (n: number): boolean => blocks.some(([first, ...t]) => n >= first && n < first + t.length);
  for (const n of [...counts.keys()].filter((n) => !covered(n)).sort((a, b) => a - b)) {
    row(n, "(line not in the file as read)");
  }
}

/** Draws the source view of function `fn` for one event into `box`. */
export function drawSource(box: HTMLElement, data: HtmlData, ev: HtmlEvent, fn: number): void {
  clear(box);
  const mine = ev.lines.filter((l) => l[0] === fn);
  if (mine.length === 0) {
    html(
      "div",
      {
        text: "No source lines: the function's file has no DWARF line information (build with -g), or no samples are in it.",
        cls: "warn",
      },
      box,
    );
    return;
  }
  const byFile = new Map<number, HtmlLine[]>();
  for (const l of mine) byFile.set(l[1], [...(byFile.get(l[1]) ?? []), l]);
  // The file with the most samples first (the function's own file, usually).
  const order = [...byFile].sort(
    (a, b) => b[1].reduce((s, l) => s + l[4], 0) - a[1].reduce((s, l) => s + l[4], 0) || a[0] - b[0],
  );
  for (const [file, lines] of order) fileSection(box, data, ev, file, lines);
}
