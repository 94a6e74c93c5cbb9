// SPDX-License-Identifier: MIT
// `lwp report --html OUT.html`: one self-contained offline page (docs/tools.md
// "HTML report"): data embedded as JSON, inline CSS and script from html-app.ts.
import { callTree, eventHistograms, type CallNode } from "../session/aggregate.js";
import type { Session } from "../session/session.js";
import { HTML_CSS, HTML_JS } from "./html-app.js";

/** Flame-graph node as embedded: name, total, self, children (largest first). */
interface FlameNode { n: string; v: number; s: number; c?: FlameNode[] }

const MAX_TIMELINE_SAMPLES = 20000;
const MAX_TABLE_ROWS = 200;
const COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#e377c2", "#7f7f7f"];

function flame(n: CallNode): FlameNode {
  const kids = [...n.children.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name)).map(flame);
  return kids.length === 0 ? { n: n.name, v: n.total, s: n.self } : { n: n.name, v: n.total, s: n.self, c: kids };
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** JSON that is safe inside <script>: no "</script>", no "<!--". */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

function timeline(s: Session, eventIndex: Map<number, number>, symbols: string[]): unknown {
  const symIndex = new Map<string, number>();
  const sym = (name: string): number => {
    let i = symIndex.get(name);
    if (i === undefined) { i = symbols.length; symbols.push(name); symIndex.set(name, i); }
    return i;
  };
  const tids = [...new Set([...s.threads.map((t) => t.tid), ...s.samples.map((x) => x.tid)])];
  const label = (tid: number): string => {
    const t = s.threads.find((x) => x.tid === tid);
    return t === undefined ? `:${tid}` : `${t.comm} ${t.pid}/${tid}`;
  };
  const step = Math.max(1, Math.ceil(s.samples.length / MAX_TIMELINE_SAMPLES));
  const samples = s.samples.filter((x, i) => i % step === 0 && x.event.event.kind !== "marker")
    .map((x) => [x.time, tids.indexOf(x.tid), eventIndex.get(x.event.eventId) ?? -1, sym(x.stack[0]?.symbol ?? "")]);
  const markers = s.samples.filter((x) => x.event.event.kind === "marker").map((x) => {
    const d = x.event.detail;
    const data = d.kind === "marker" ? ` data1=0x${d.data1.toString(16)} data2=0x${d.data2.toString(16)} flags=0x${d.flags.toString(16)}` : "";
    return { t: x.time, label: `${x.stack[0]?.symbol ?? ""}${data}` };
  });
  const times = s.samples.map((x) => x.time);
  return {
    start: times.length === 0 ? 0 : Math.min(...times), end: times.length === 0 ? 1 : Math.max(...times),
    unit: s.timestamps ? "ns" : "sample", threads: tids.map((tid) => ({ tid, label: label(tid) })), samples, markers,
  };
}

/** The data the page script reads. */
export function htmlData(s: Session): unknown {
  const hists = eventHistograms(s, "symbol").filter((h) => h.samples > 0);
  const eventIndex = new Map(hists.map((h, i) => [h.event.id, i]));
  const symbols: string[] = [];
  const events = hists.map((h) => ({
    name: h.event.name, samples: h.samples, interval: h.interval,
    rows: h.rows.slice(0, MAX_TABLE_ROWS).map((r) => ({ symbol: r.symbol, dso: r.dso, self: r.self, children: r.children })),
    flame: flame(callTree(s.samples.filter((x) => x.event.eventId === h.event.id))),
  }));
  return { events, colors: hists.map((_, i) => COLORS[i % COLORS.length]), timeline: timeline(s, eventIndex, symbols), symbols };
}

/** The whole page. */
export function formatHtml(s: Session, title: string): string {
  const lost = s.lostTotal > 0 ? ` <span class="warn">Total Lost Samples: ${s.lostTotal}</span>` : " Total Lost Samples: 0";
  const missing = s.unsymbolized.length === 0 ? "" :
    `<div class="warn">Modules without symbols: ${s.unsymbolized.map((m) => `${escapeHtml(m.path)} (${escapeHtml(m.reason)}, ${m.samples} samples)`).join("; ")}</div>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${HTML_CSS}</style></head>
<body>
<h1>lwp report: ${escapeHtml(s.meta.command.join(" "))}</h1>
<div class="meta">cpu ${escapeHtml(s.meta.cpuModel)}, seed ${s.meta.seed}, precise: exact IP (no skid), ${s.samples.length} records.${lost}</div>
${missing}
<h2>Flame graph</h2>
<div>Event <select id="event"></select> <button id="reset">Reset zoom</button> (click a frame to zoom)</div>
<svg id="flame" width="100%" height="40" role="img" aria-label="flame graph"></svg>
<div id="details"></div>
<h2>Timeline${s.timestamps ? "" : " (by sample order)"}: samples per thread, LWPINS markers in red</h2>
<svg id="timeline" width="100%" height="40" role="img" aria-label="timeline"></svg>
<h2>Events</h2>
<div id="tables"></div>
<script type="application/json" id="lwp-data">${scriptJson(htmlData(s))}</script>
<script>${HTML_JS}</script>
</body></html>
`;
}
