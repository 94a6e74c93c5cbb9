// SPDX-License-Identifier: MIT
// The data embedded in the HTML report (a JSON script element), shared by the Node
// side that builds it (html-build.ts) and the browser code that reads it (web/).
// Types only: nothing here runs.

/** A function as the report shows it: a symbol of a DSO, or a function inlined there. */
export interface HtmlFunction {
  /** Name as `lwp report` prints it ("square (inlined)" for an inlined function). */
  readonly n: string;
  /** Index into HtmlData.dsos. */
  readonly d: number;
  /** 1 when the function is inlined at these addresses (perf's "(inlined)" entries). */
  readonly i?: 1;
}

/** One row of the function table, as `lwp report --children --sort dso,sym` counts it. */
export interface HtmlRow {
  /** Index into HtmlData.functions. */
  readonly f: number;
  /** Samples whose sampled function is this one (never an inlined one). */
  readonly s: number;
  /** Samples with this function anywhere on the callchain (counted once). */
  readonly c: number;
}

/**
 * Per source line of a function: [function, file, line, self, total]: samples whose
 * sampled instruction is on that line of that function, and samples where the
 * function is on the stack at that line (counted once per sample).
 */
export type HtmlLine = readonly [fn: number, file: number, line: number, self: number, total: number];

/** A unique callchain, root first: [samples, function, function, …, leaf function]. */
export type HtmlStack = readonly number[];

export interface HtmlEvent {
  readonly name: string;
  readonly samples: number;
  readonly interval: number;
  /** Mean events per sample (totals are samples × period). */
  readonly period: number;
  /** Every row (the page shows the first ones and says how many there are). */
  readonly rows: readonly HtmlRow[];
  readonly stacks: readonly HtmlStack[];
  readonly lines: readonly HtmlLine[];
}

/** A run of consecutive source lines: [first line number, texts…]. */
export type HtmlSourceBlock = readonly [first: number, ...text: string[]];

export interface HtmlTimeline {
  readonly start: number;
  readonly end: number;
  readonly unit: "ns" | "sample";
  readonly threads: readonly { readonly tid: number; readonly label: string }[];
  /** [time, thread index, event index, function index of the sampled function]. */
  readonly samples: readonly (readonly [number, number, number, number])[];
  readonly markers: readonly { readonly t: number; readonly label: string }[];
}

export interface HtmlData {
  readonly dsos: readonly string[];
  readonly functions: readonly HtmlFunction[];
  readonly events: readonly HtmlEvent[];
  /** One colour per event (timeline). */
  readonly colors: readonly string[];
  readonly timeline: HtmlTimeline;
  /** Source file paths (HtmlLine's file index). */
  readonly files: readonly string[];
  /** Source text around the sampled lines, per file index; absent when the file could not be read. */
  readonly sources: Readonly<Record<number, readonly HtmlSourceBlock[]>>;
  /** Files named by the debug info that could not be read (their lines still have counts). */
  readonly missingSources: readonly number[];
}

/** How many table rows the page shows before "show all". */
export const TABLE_ROWS_SHOWN = 200;
