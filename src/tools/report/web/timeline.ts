// SPDX-License-Identifier: MIT
// The timeline: one row per thread, a tick per sample (coloured by event), and the
// LWPINS markers as red lines with their data.
import type { HtmlData } from "../html-data.js";
import { clear, svg } from "./dom.js";

const ROW = 22;
const LEFT = 120;

export function drawTimeline(el: SVGSVGElement, data: HtmlData): void {
  clear(el);
  const T = data.timeline;
  const width = el.clientWidth || 1000;
  const span = Math.max(T.end - T.start, 1);
  el.setAttribute("height", String(T.threads.length * ROW + 30));
  const x = (t: number): number => LEFT + ((width - LEFT - 10) * (t - T.start)) / span;
  T.threads.forEach((th, i) => {
    svg("text", { x: 2, y: i * ROW + 15 }, el).textContent = th.label;
  });
  for (const [t, thread, event, fn] of T.samples) {
    const r = svg(
      "rect",
      { x: x(t).toFixed(2), y: thread * ROW + 4, width: 2, height: ROW - 8, fill: data.colors[event] ?? "#999" },
      el,
    );
    svg("title", {}, r).textContent = `${data.events[event]?.name ?? "?"}: ${data.functions[fn]?.n ?? "?"}`;
  }
  for (const m of T.markers) {
    const at = x(m.t);
    const line = svg(
      "line",
      { x1: at, x2: at, y1: 0, y2: T.threads.length * ROW + 10, stroke: "#c00", "stroke-width": 1.5, class: "lwpins" },
      el,
    );
    svg("title", {}, line).textContent = `LWPINS ${m.label}`;
    svg("text", { x: at + 2, y: T.threads.length * ROW + 24, fill: "#c00" }, el).textContent = m.label;
  }
}
