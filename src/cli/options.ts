// SPDX-License-Identifier: MIT
// Command-line option tables and the parser that reads them; --help text is
// generated from the same rows (perf's parse-options, box64's usage.json).

export interface OptionRow {
  /** Long name without dashes ("max-instructions"). */
  readonly name: string;
  readonly short?: string;
  /** Placeholder of the value ("N", "FILE"), absent for flags. */
  readonly arg?: string;
  readonly help: string;
  /** Only the short form exists (perf's -g beside --call-graph MODE). */
  readonly shortOnly?: boolean;
}

export type Parsed = Map<string, string | true>;

export class UsageError extends Error {}

/**
 * Parses options up to the first operand (or `--`); returns the options and the
 * remaining operands (the guest's command line is never parsed as options).
 * With `interleaved` (tools that take no command line), options may also follow operands.
 */
export function parseOptions(
  rows: readonly OptionRow[],
  argv: readonly string[],
  interleaved = false,
): { opts: Parsed; rest: string[] } {
  const opts: Parsed = new Map();
  const operands: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      if (!interleaved) break;
      operands.push(a);
      continue;
    }
    const [key, inline] = a.startsWith("--") ? splitEq(a.slice(2)) : splitShort(rows, a.slice(1));
    const row = rows.find((r) => (a.startsWith("--") ? r.name === key && r.shortOnly !== true : r.short === key));
    if (row === undefined) throw new UsageError(`Unknown option: ${a}`);
    if (row.arg === undefined) {
      if (inline !== undefined) throw new UsageError(`Option --${row.name} takes no value`);
      opts.set(row.name, true);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new UsageError(`Option --${row.name} needs a value (${row.arg})`);
    opts.set(row.name, v);
  }
  return { opts, rest: [...operands, ...argv.slice(i)] };
}

/** "-c1000" is "-c 1000" when -c takes a value (getopt); else the whole text names the option. */
function splitShort(rows: readonly OptionRow[], s: string): [string, string | undefined] {
  if (rows.some((r) => r.short === s)) return [s, undefined];
  const row = rows.find((r) => r.short !== undefined && r.arg !== undefined && s.startsWith(r.short));
  return row === undefined ? [s, undefined] : [row.short!, s.slice(row.short!.length)];
}

function splitEq(s: string): [string, string | undefined] {
  const k = s.indexOf("=");
  return k < 0 ? [s, undefined] : [s.slice(0, k), s.slice(k + 1)];
}

/** Reads a non-negative integer option, or throws a UsageError naming it. */
export function intOption(opts: Parsed, name: string, fallback: number): number {
  const v = opts.get(name);
  if (v === undefined) return fallback;
  if (v === true || !/^(0x[0-9a-f]+|\d+)$/i.test(v)) {
    throw new UsageError(`Invalid value for --${name}: ${String(v)} (expected a non-negative integer)`);
  }
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new UsageError(`Invalid value for --${name}: ${v} (too large)`);
  return n;
}

export function helpText(usage: string, rows: readonly OptionRow[]): string {
  const lines = rows.map((r) => {
    const long = r.shortOnly === true ? "" : `--${r.name}`;
    const left = `${r.short !== undefined ? `-${r.short}${long === "" ? "" : ", "}` : "    "}${long}${r.arg !== undefined ? ` ${r.arg}` : ""}`;
    return `  ${left.padEnd(28)} ${r.help}`;
  });
  return `Usage: ${usage}\n\nOptions:\n${lines.join("\n")}\n`;
}
