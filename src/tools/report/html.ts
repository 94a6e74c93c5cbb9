// SPDX-License-Identifier: MIT
// `lwp report --html OUT.html`: one self-contained offline page (docs/tools.md
// "HTML report"): the data as JSON (html-build.ts), the stylesheet, and the browser code
// (web/, bundled at build time into html-script.generated.ts), all inline.
import type { Session } from "../session/session.js";
import { htmlData } from "./html-build.js";
import { HTML_SCRIPT } from "./html-script.generated.js";
import { HTML_CSS } from "./html-style.js";

export { htmlData } from "./html-build.js";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** JSON that is safe inside <script>: no "</script>", no "<!--". */
const scriptJson = (v: unknown): string =>
  JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

/** Script text that is safe inside <script> (the bundle is ASCII; only "</" needs care). */
const scriptText = (js: string): string => js.replace(/<\//g, "<\\/");

/** The whole page. */
export function formatHtml(s: Session, title: string): string {
  const lost =
    s.lostTotal > 0 ? ` <span class="warn">Total Lost Samples: ${s.lostTotal}</span>` : " Total Lost Samples: 0";
  const missing =
    s.unsymbolized.length === 0
      ? ""
      : `<div class="warn">Modules without symbols: ${s.unsymbolized.map((m) => `${escapeHtml(m.path)} (${escapeHtml(m.reason)}, ${m.samples} samples)`).join("; ")}</div>`;
  const warnings = s.warnings.map((w) => `<div class="warn">Warning: ${escapeHtml(w)}</div>`).join("");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${HTML_CSS}</style></head>
<body>
<h1>lwp report: ${escapeHtml(s.meta.command.join(" "))}</h1>
<div class="meta">cpu ${escapeHtml(s.meta.cpuModel)}, seed ${s.meta.seed}, precise: exact IP (no skid), ${s.samples.length} records.${lost}</div>
${missing}${warnings}
<div class="controls">Event <select id="event"></select>
<input id="search" type="search" placeholder="Search functions (regular expression; / to focus)" aria-label="search functions">
<button id="clear-search">Clear</button><span id="match"></span></div>
<h2>Flame graph</h2>
<div>Click a frame to zoom into it and select its function. <button id="reset">Reset zoom</button></div>
<svg id="flame" class="flame" width="100%" height="40" role="img" aria-label="flame graph"></svg>
<div id="details"></div>
<section id="selection" hidden>
<h2 id="sel-title"></h2><div id="sel-summary"></div>
<div class="sandwich">
<div><h3>Callers (who calls it; the function at the top)</h3><svg id="callers" class="flame" width="100%" height="20" role="img" aria-label="callers"></svg></div>
<div><h3>Callees (what it calls; the function at the bottom)</h3><svg id="callees" class="flame" width="100%" height="20" role="img" aria-label="callees"></svg></div>
</div>
<h3>Source</h3><div id="source"></div>
</section>
<h2>Timeline${s.timestamps ? "" : " (by sample order)"}: samples per thread, LWPINS markers in red</h2>
<svg id="timeline" width="100%" height="40" role="img" aria-label="timeline"></svg>
<h2>Functions</h2>
<div id="table-note"></div>
<div id="tables"></div>
<script type="application/json" id="lwp-data">${scriptJson(htmlData(s))}</script>
<script>${scriptText(HTML_SCRIPT)}</script>
</body></html>
`;
}
