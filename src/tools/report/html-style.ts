// SPDX-License-Identifier: MIT
// The inline stylesheet of the offline HTML report.

export const HTML_CSS = `
body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:18px 0 6px}h3{font-size:13px;margin:10px 0 4px}
h4{font:12px monospace;margin:10px 0 2px;color:#444}
.meta{color:#555;margin-bottom:8px}.warn{color:#a40}
.controls{position:sticky;top:0;background:#fff;padding:4px 0;z-index:1;border-bottom:1px solid #eee}
select,input,button{font:inherit}input[type=search]{width:22em}
#match{margin-left:8px;color:#806}
svg text{font:11px monospace;pointer-events:none}
svg.flame rect{stroke:#fff;stroke-width:.5;cursor:pointer}
svg.flame rect:hover{stroke:#000}
.sandwich{display:grid;grid-template-columns:1fr 1fr;gap:12px}
table{border-collapse:collapse;margin-bottom:10px}
td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #eee;white-space:nowrap}
td.s,th.s{text-align:left;font-family:monospace}
th.sortable{cursor:pointer}th.sorted{text-decoration:underline}
tr.row{cursor:pointer}tr.row:hover{background:#f4f4ff}tr.selected{background:#e8e8ff}
table.source td.code{white-space:pre}tr.line td{color:#999}tr.counted td{color:#222}tr.hot{background:#fde2d8}tr.gap td{text-align:left;color:#999}
#details{font-family:monospace;min-height:1.4em;color:#333}
`;
