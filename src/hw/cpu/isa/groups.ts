// SPDX-License-Identifier: MIT
// Further instruction groups, one import per group file (kept apart from
// table.ts so that adding a group is one line here).
import type { InsnRow } from "../translate/types.js";
import { SHIFT_ROWS } from "./shift.js";
import { MULDIV_ROWS } from "./muldiv.js";
import { BIT_ROWS } from "./bit.js";
import { STRING_ROWS } from "./string.js";
import { COND_ROWS } from "./cond.js";
import { ATOMIC_ROWS } from "./atomic.js";
import { FLAGSOPS_ROWS } from "./flagsops.js";
import { SSE_MOVE_ROWS } from "./sse-move.js";
import { SSE_INT_ROWS } from "./sse-int.js";
import { SSE_FP_ROWS } from "./sse-fp.js";
import { SSE_CVT_ROWS } from "./sse-cvt.js";
import { MMX_ROWS } from "./mmx.js";
import { X87_ARITH_ROWS } from "./x87-arith.js";
import { X87_MOVE_ROWS } from "./x87-move.js";
import { X87_CONTROL_ROWS } from "./x87-control.js";
import { XSAVE_ROWS } from "./xsave.js";
import { LWP_ROWS } from "./lwp.js";
import { PRIVILEGED_ROWS } from "./privileged.js";
import { X87_BCD_ROWS } from "./x87-bcd.js";
import { SEGMENT_ROWS } from "./segments.js";

export const GROUPS_EXTRA: Readonly<Record<string, readonly InsnRow[]>> = {
  shift: SHIFT_ROWS,
  muldiv: MULDIV_ROWS,
  bit: BIT_ROWS,
  string: STRING_ROWS,
  cond: COND_ROWS,
  atomic: ATOMIC_ROWS,
  flagsops: FLAGSOPS_ROWS,
  "sse-move": SSE_MOVE_ROWS,
  "sse-int": SSE_INT_ROWS,
  "sse-fp": SSE_FP_ROWS,
  "sse-cvt": SSE_CVT_ROWS,
  mmx: MMX_ROWS,
  "x87-arith": X87_ARITH_ROWS,
  "x87-move": X87_MOVE_ROWS,
  "x87-control": X87_CONTROL_ROWS,
  xsave: XSAVE_ROWS,
  lwp: LWP_ROWS,
  privileged: PRIVILEGED_ROWS,
  "x87-bcd": X87_BCD_ROWS,
  segments: SEGMENT_ROWS,
};
