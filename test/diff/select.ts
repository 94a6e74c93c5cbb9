// SPDX-License-Identifier: MIT
// Choosing and splitting work: forms filtered by --only (mnemonics, form
// names or group names), cases per form from a total, and the shard of
// forms each worker runs.
import { allForms, type Form } from "./forms.js";

/** Every form whose mnemonic, iced Code name or group is in `only` (case-insensitive); all when empty. */
export function selectForms(only: readonly string[]): Form[] {
  const want = new Set(only.map((s) => s.toUpperCase()));
  return allForms().filter(
    (f) =>
      want.size === 0 || want.has(f.row.mnemonic) || want.has(f.name.toUpperCase()) || want.has(f.group.toUpperCase()),
  );
}

/** Cases per form so that the total reaches `total` (and at least `min` per form). */
export function casesPerForm(total: number, forms: number, min = 1): number {
  return Math.max(min, Math.ceil(total / Math.max(1, forms)));
}

/** Forms of shard `k` of `n` (interleaved, so both shards get every group). */
export function shard(forms: readonly Form[], k: number, n: number): Form[] {
  return forms.filter((_, i) => i % n === k);
}
