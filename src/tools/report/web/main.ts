// SPDX-License-Identifier: MIT
// The report page's script (bundled into the HTML file at build time): reads the
// embedded data, then draws the flame graph with search, the selected function's
// sandwich (callers, callees) and source views, the timeline and the table.
import type { HtmlData, HtmlEvent } from "../html-data.js";
import { byId, html, pct } from "./dom.js";
import { FlameGraph } from "./flame.js";
import { calleesOf, callersOf, matchingSamples, mergeStacks } from "./model.js";
import { drawSource } from "./source.js";
import { drawTable, type TableState } from "./table.js";
import { drawTimeline } from "./timeline.js";

const data = JSON.parse(byId("lwp-data", HTMLScriptElement).textContent ?? "{}") as HtmlData;

const label = (fn: number): string => (fn < 0 ? "all" : (data.functions[fn]?.n ?? "?"));
const inlined = (fn: number): boolean => data.functions[fn]?.i === 1;

interface State {
  event: number;
  selected: number | undefined;
  match: ((fn: number) => boolean) | undefined;
  readonly table: TableState;
}
const state: State = { event: 0, selected: undefined, match: undefined, table: { showAll: false, sort: "self" } };
const current = (): HtmlEvent | undefined => data.events[state.event];

const details = byId("details", HTMLElement);
const flame = new FlameGraph(byId("flame", SVGSVGElement), { label, inlined, details, onSelect: (fn) => select(fn) });
const callers = new FlameGraph(byId("callers", SVGSVGElement), {
  label,
  inlined,
  details,
  inverted: true,
  onSelect: (fn) => select(fn),
});
const callees = new FlameGraph(byId("callees", SVGSVGElement), {
  label,
  inlined,
  details,
  onSelect: (fn) => select(fn),
});

/** The search box's pattern: a case-insensitive regular expression, or the literal text when it is not one. */
function matcher(text: string): ((fn: number) => boolean) | undefined {
  if (text === "") return undefined;
  let re: RegExp;
  try {
    re = new RegExp(text, "i");
  } catch {
    re = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i");
  }
  const hits = data.functions.map((f) => re.test(f.n));
  return (fn) => hits[fn] === true;
}

function drawMatch(): void {
  const ev = current();
  const out = byId("match", HTMLElement);
  if (ev === undefined || state.match === undefined) {
    out.textContent = "";
    return;
  }
  const n = matchingSamples(ev.stacks, state.match);
  out.textContent = `Matched: ${pct(n, ev.samples)} of samples (${n} of ${ev.samples})`;
}

function drawTableNow(): void {
  const ev = current();
  if (ev === undefined) {
    byId("table-note", HTMLElement).textContent = "No samples in this profile.";
    return;
  }
  drawTable(byId("tables", HTMLElement), byId("table-note", HTMLElement), {
    data,
    event: ev,
    state: state.table,
    match: state.match,
    selected: state.selected,
    onSelect: (fn) => select(fn),
    redraw: drawTableNow,
  });
}

/** The sandwich and source views of the selected function. */
function drawSelection(): void {
  const ev = current();
  const box = byId("selection", HTMLElement);
  const fn = state.selected;
  if (ev === undefined || fn === undefined) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const f = data.functions[fn]!;
  const row = ev.rows.find((r) => r.f === fn);
  byId("sel-title", HTMLElement).textContent = `${f.n} (${data.dsos[f.d] ?? "?"})`;
  byId("sel-summary", HTMLElement).textContent =
    row === undefined
      ? `No ${ev.name} samples.`
      : `${ev.name}: self ${row.s} samples (${pct(row.s, ev.samples)}), total ${row.c} samples (${pct(row.c, ev.samples)}).`;
  callers.show(callersOf(ev.stacks, fn));
  callees.show(calleesOf(ev.stacks, fn));
  drawSource(byId("source", HTMLElement), data, ev, fn);
}

function select(fn: number): void {
  state.selected = fn;
  drawSelection();
  drawTableNow();
}

function showEvent(i: number): void {
  state.event = i;
  const ev = current();
  if (ev !== undefined) flame.show(mergeStacks(ev.stacks));
  drawMatch();
  drawSelection();
  drawTableNow();
}

function setSearch(text: string): void {
  state.match = matcher(text);
  for (const g of [flame, callers, callees]) g.highlight(state.match);
  drawMatch();
  drawTableNow();
}

function init(): void {
  const sel = byId("event", HTMLSelectElement);
  data.events.forEach((e, i) => html("option", { text: `${e.name} (${e.samples} samples)`, attrs: { value: i } }, sel));
  sel.addEventListener("change", () => showEvent(Number(sel.value)));
  const search = byId("search", HTMLInputElement);
  search.addEventListener("input", () => setSearch(search.value));
  byId("clear-search", HTMLButtonElement).addEventListener("click", () => {
    search.value = "";
    setSearch("");
  });
  byId("reset", HTMLButtonElement).addEventListener("click", () => flame.resetZoom());
  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && document.activeElement !== search) {
      e.preventDefault();
      search.focus();
    }
    if (e.key === "Escape" && document.activeElement === search) {
      search.value = "";
      setSearch("");
    }
  });
  window.addEventListener("resize", () => {
    flame.draw();
    callers.draw();
    callees.draw();
    drawTimeline(byId("timeline", SVGSVGElement), data);
  });
  showEvent(0);
  drawTimeline(byId("timeline", SVGSVGElement), data);
}

init();
