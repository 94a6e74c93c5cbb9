// SPDX-License-Identifier: MIT
// Small DOM helpers of the report page: typed element lookup and creation.

export const SVG_NS = "http://www.w3.org/2000/svg";

type Attrs = Readonly<Record<string, string | number>>;

/** An SVG element with attributes, appended to `parent` when given. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

/** An HTML element with optional text, class and attributes, appended to `parent` when given. */
export function html<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  opts: { text?: string; cls?: string; attrs?: Attrs } = {},
  parent?: Element,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (opts.text !== undefined) e.textContent = opts.text;
  if (opts.cls !== undefined) e.className = opts.cls;
  for (const [k, v] of Object.entries(opts.attrs ?? {})) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

/** The element with this id, checked to be of the expected class (the page is ours: a mismatch is a bug). */
export function byId<T extends Element>(id: string, type: abstract new (...args: never[]) => T): T {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`);
  return e;
}

export function clear(e: Element): void {
  while (e.firstChild !== null) e.removeChild(e.firstChild);
}

/** Percentage with two decimals, as `lwp report` prints it. */
export function pct(n: number, total: number): string {
  return `${total === 0 ? "0.00" : ((100 * n) / total).toFixed(2)}%`;
}
