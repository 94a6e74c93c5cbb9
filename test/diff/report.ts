// SPDX-License-Identifier: MIT
// The coverage report of `npm run test:diff -- --report`: per instruction
// group, forms advertised (every iced Code the group's rows accept), forms
// tested, cases run and failures; then every form, so none goes unseen.
import { GROUPS } from "../../src/hw/cpu/isa/table.js";
import { excludedForms } from "./forms.js";
import type { FormStats } from "./harness.js";

interface Row {
  group: string;
  advertised: number;
  excluded: number;
  tested: number;
  cases: number;
  failures: number;
  minCases: number;
}

export function coverageReport(
  stats: readonly FormStats[],
  advertised: ReadonlyMap<string, number>,
  detail: boolean,
): string {
  const rows = new Map<string, Row>();
  for (const g of Object.keys(GROUPS)) {
    rows.set(g, {
      group: g,
      advertised: advertised.get(g) ?? 0,
      excluded: 0,
      tested: 0,
      cases: 0,
      failures: 0,
      minCases: Infinity,
    });
  }
  for (const x of excludedForms()) {
    const r = rows.get(x.group);
    if (r !== undefined) {
      r.excluded++;
      r.advertised++;
    }
  }
  for (const s of stats) {
    const r = rows.get(s.group)!;
    if (s.cases > 0) r.tested++;
    r.cases += s.cases;
    r.failures += s.failures;
    r.minCases = Math.min(r.minCases, s.cases);
  }
  const lines = [
    `${"group".padEnd(12)} ${"rows".padStart(5)} ${"forms".padStart(6)} ${"excl".padStart(5)} ${"tested".padStart(7)} ${"cases".padStart(9)} ${"min/form".padStart(9)} ${"failures".padStart(9)}`,
  ];
  const total: Row = {
    group: "total",
    advertised: 0,
    excluded: 0,
    tested: 0,
    cases: 0,
    failures: 0,
    minCases: Infinity,
  };
  for (const r of rows.values()) {
    const nrows = GROUPS[r.group]?.length ?? 0;
    const min = r.minCases === Infinity ? "-" : String(r.minCases);
    lines.push(
      `${r.group.padEnd(12)} ${String(nrows).padStart(5)} ${String(r.advertised).padStart(6)} ${String(r.excluded).padStart(5)} ${String(r.tested).padStart(7)} ${String(r.cases).padStart(9)} ${min.padStart(9)} ${String(r.failures).padStart(9)}`,
    );
    total.advertised += r.advertised;
    total.excluded += r.excluded;
    total.tested += r.tested;
    total.cases += r.cases;
    total.failures += r.failures;
    total.minCases = Math.min(total.minCases, r.minCases);
  }
  lines.push(
    `${"total".padEnd(12)} ${"".padStart(5)} ${String(total.advertised).padStart(6)} ${String(total.excluded).padStart(5)} ${String(total.tested).padStart(7)} ${String(total.cases).padStart(9)} ${String(total.minCases === Infinity ? "-" : total.minCases).padStart(9)} ${String(total.failures).padStart(9)}`,
  );
  if (detail) {
    lines.push("", "Forms (group, form, cases, failures, untestable):");
    for (const s of [...stats].sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name))) {
      lines.push(
        `  ${s.group.padEnd(12)} ${s.name.padEnd(34)} ${String(s.cases).padStart(7)} ${String(s.failures).padStart(7)} ${s.untestable > 0 ? String(s.untestable).padStart(5) : ""}`,
      );
    }
    lines.push("", "Excluded forms:");
    for (const x of excludedForms()) lines.push(`  ${x.group.padEnd(12)} ${x.name.padEnd(34)} ${x.reason}`);
  }
  return lines.join("\n");
}
