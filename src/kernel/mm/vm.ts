// SPDX-License-Identifier: MIT
// Address-space policy of Linux 6.1 (mm/mmap.c, mm/util.c, arch/x86/mm/mmap.c):
// the mmap base below the stack gap, the stack that grows down on a fault
// within RLIMIT_STACK, RLIMIT_AS/RLIMIT_DATA (may_expand_vm), the overcommit
// heuristic (__vm_enough_memory, OVERCOMMIT_GUESS) and vm.max_map_count.
// Everything here costs steps in the number of areas, never in their size.
import { type AddressSpace, PAGE_SIZE, PROT_NONE, PROT_WRITE } from "../../hw/memory/address-space.js";
import type { Vma } from "../../hw/memory/vma.js";
import type { Kernel } from "../kernel.js";
import type { Mm, Process } from "../process.js";
import { RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK, type Rlimits } from "./rlimit.js";

/** TASK_SIZE_MAX on x86-64 with 4-level paging: the highest user address + 1, less a guard page. */
export const TASK_SIZE = 0x7ffffffff000;
/** stack_guard_gap: 256 pages kept free below a growing stack. */
export const STACK_GUARD_GAP = 256 * PAGE_SIZE;
/** vm.max_map_count's default (DEFAULT_MAX_MAP_COUNT). */
export const MAX_MAP_COUNT = 65530;
/** Bytes exec gives the stack below its strings (setup_arg_pages' stack_expand). */
export const STACK_EXPAND = 128 * 1024;
const SIZE_128M = 128 * 1024 * 1024;
/** vm.mmap_min_addr (Debian's default): nothing is placed below it unless MAP_FIXED. */
const MMAP_MIN_ADDR = 65536;

export const pageUp = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
export const pageDown = (n: number): number => n - (n % PAGE_SIZE);

/** mmap_base() with randomisation off: the top of the mmap area, a gap of RLIMIT_STACK + guard (128 MiB to 5/6 of the space) below the stack. */
export function mmapBase(stackLimit: bigint): number {
  let gap = stackLimit + BigInt(STACK_GUARD_GAP);
  if (gap < BigInt(SIZE_128M)) gap = BigInt(SIZE_128M);
  const max = BigInt(Math.floor(TASK_SIZE / 6) * 5);
  if (gap > max) gap = max;
  return pageUp(TASK_SIZE - Number(gap));
}

/** The area holding `addr` or the nearest one below it, by binary search (find_vma_prev). */
export function areaAtOrBelow(areas: readonly Vma[], addr: number): Vma | undefined {
  let lo = 0,
    hi = areas.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (areas[mid]!.start <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : areas[lo - 1];
}

/** What the areas of an address space add up to (bytes): /proc/PID/status and the rlimit checks. */
interface VmStats {
  total: number;
  /** Private writable memory outside the stack (is_data_mapping: RLIMIT_DATA, VmData). */
  data: number;
  stack: number;
}

export function vmStats(mm: Mm): VmStats {
  const out = { total: 0, data: 0, stack: 0 };
  for (const v of mm.mem.areas()) {
    const len = v.end - v.start;
    out.total += len;
    if (v.start >= mm.stackStart && v.end <= TASK_SIZE) out.stack += len;
    else if ((v.prot & PROT_WRITE) !== 0 && (v.obj === null || v.cow === true)) out.data += len;
  }
  return out;
}

/**
 * may_expand_vm: `bytes` more of address space (of data, when `data`) stay within
 * RLIMIT_AS and RLIMIT_DATA; `replaced` bytes of old mappings go away at the same time.
 */
export function mayExpandVm(p: Process, bytes: number, data: boolean, replaced = 0): boolean {
  const lim = p.rlimits;
  const as = lim.cur(RLIMIT_AS),
    ds = lim.cur(RLIMIT_DATA);
  if (as === Infinity && (ds === Infinity || !data)) return true;
  const s = vmStats(p.mm);
  if (s.total + bytes - replaced > pageDown(as)) return false;
  if (data && s.data + bytes - replaced > pageDown(ds)) {
    // Valgrind's workaround: a soft limit of 0 lets the hard limit decide.
    const hard = lim.get(RLIMIT_DATA).hard;
    return ds === 0 && BigInt(s.data + bytes - replaced) <= hard;
  }
  return true;
}

/** Bytes of existing mappings inside [start, end) (count_vma_pages_range). */
export function mappedIn(mem: AddressSpace, start: number, end: number): number {
  let n = 0;
  for (const v of mem.areas()) if (v.end > start && v.start < end) n += Math.min(v.end, end) - Math.max(v.start, start);
  return n;
}

/** __vm_enough_memory in OVERCOMMIT_GUESS: a single commitment larger than RAM + swap fails. */
export function enoughMemory(k: Kernel, bytes: number): boolean {
  return bytes <= k.ramBytes;
}

/** vm.max_map_count: room for `more` areas (a split adds one, a mapping up to two). */
export function mapCountOk(mem: AddressSpace, more: number): boolean {
  return mem.areas().length + more <= MAX_MAP_COUNT;
}

/**
 * A fault at `addr` with no area: the stack grows down to it when the next area
 * above is the stack, the area below leaves the guard gap, and the new size fits
 * RLIMIT_STACK and RLIMIT_AS (expand_downwards, acct_stack_growth). Returns
 * whether the stack grew (the access is retried).
 */
function growStack(mm: Mm, limits: Rlimits, addr: number): boolean {
  const mem = mm.mem,
    start = mm.stackStart;
  if (!(addr < start) || start === 0) return false;
  const to = pageDown(addr);
  const stackArea = mem.areas().find((v) => v.start === start);
  if (stackArea === undefined || !mem.isFree(to, start - to)) return false;
  const below = areaAtOrBelow(mem.areas(), to);
  if (below !== undefined && below.prot !== PROT_NONE && to - below.end < STACK_GUARD_GAP) return false;
  if (TASK_SIZE - to > limits.cur(RLIMIT_STACK)) return false;
  const as = limits.cur(RLIMIT_AS);
  if (as !== Infinity && vmStats(mm).total + (start - to) > pageDown(as)) return false;
  mem.map(to, start - to, stackArea.prot);
  mm.stackStart = to;
  const named = mm.mappings.find((m) => m.path === "[stack]");
  if (named !== undefined) named.start = to;
  return true;
}

/** Lets `p`'s stack grow on faults below it (a new image, a forked copy). */
export function attachStack(mm: Mm, p: Process): void {
  mm.mem.onMissing = (addr) => growStack(mm, p.rlimits, addr);
}

/**
 * get_unmapped_area with randomisation off (arch_get_unmapped_area_topdown): the
 * page-rounded hint if [hint, hint+len) is free and clear of the stack's guard
 * gap, else the highest free range below mmap_base; -1 when there is none.
 */
export function unmappedArea(p: Process, hint: number, len: number): number {
  if (len > TASK_SIZE) return -1;
  const mm = p.mm,
    mem = mm.mem;
  if (hint !== 0) {
    const at = Math.max(pageDown(hint), MMAP_MIN_ADDR);
    const clear = !(mm.stackStart !== 0 && at < mm.stackStart && at + len > mm.stackStart - STACK_GUARD_GAP);
    if (TASK_SIZE - len >= at && clear && mem.isFree(at, len)) return at;
  }
  return mem.findFree(len, mm.mmapBase, MMAP_MIN_ADDR);
}

/** Remembers the mapped size before it shrinks (VmPeak). */
export function noteVmPeak(mm: Mm): void {
  mm.vmPeak = Math.max(mm.vmPeak, vmStats(mm).total);
}
