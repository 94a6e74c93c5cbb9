// SPDX-License-Identifier: MIT
// known-failures.txt as a ratchet (protobuf-es style): every failing form must
// be listed with a docs/quirks.md link, and a listed form that ran and no
// longer fails is an error too, so the list only ever shrinks honestly.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/build-guests.js";
import type { FormStats } from "./harness.js";

export interface KnownFailure {
  readonly form: string;
  readonly link: string;
}

/** Parses "FormName  docs/quirks.md#anchor  # comment" lines. */
export function parseKnownFailures(text: string): KnownFailure[] {
  const out: KnownFailure[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") continue;
    const [form, link] = line.split(/\s+/);
    if (form === undefined || link === undefined || !/^docs\/quirks\.md#[\w-]+$/.test(link)) {
      throw new Error(`known-failures.txt: "${raw}" needs "<Form> docs/quirks.md#<anchor>"`);
    }
    out.push({ form, link });
  }
  return out;
}

export function loadKnownFailures(): KnownFailure[] {
  return parseKnownFailures(readFileSync(join(repoRoot(), "test/diff/known-failures.txt"), "utf8"));
}

export interface Verdict {
  /** Failing forms that are not listed. */
  readonly unexplained: FormStats[];
  /** Listed forms that ran and passed every case. */
  readonly nowPassing: KnownFailure[];
  /** Failing forms that are listed. */
  readonly explained: FormStats[];
}

/**
 * A listed form counts as "now passing" only after enough cases to trust it
 * (rare divergences need many cases to show): the full run checks both
 * directions, the quick subset in `npm test` only catches new failures.
 */
export const NOW_PASSING_MIN_CASES = 200;

export function judge(
  stats: Iterable<FormStats>,
  known: readonly KnownFailure[],
  minCases = NOW_PASSING_MIN_CASES,
): Verdict {
  const listed = new Map(known.map((k) => [k.form, k]));
  const unexplained: FormStats[] = [],
    explained: FormStats[] = [],
    nowPassing: KnownFailure[] = [];
  for (const s of stats) {
    const k = listed.get(s.name);
    if (s.failures > 0) (k === undefined ? unexplained : explained).push(s);
    else if (k !== undefined && s.cases >= minCases) nowPassing.push(k);
  }
  return { unexplained, nowPassing, explained };
}
